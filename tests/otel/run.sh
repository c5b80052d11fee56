#!/usr/bin/env bash
# Trace export against a real OTLP receiver (tests/otel/receiver.py: the official
# opentelemetry-proto messages over http/protobuf, and grpc via grpcio), plus the audit trail
# from the server's JSON log. Installs what is missing (tests/requirements.txt into .tools/venv),
# builds the release binary (unless MCP_SERVER_BIN is set), runs pytest; extra arguments go to
# pytest. Exits non-zero if anything fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../tools/env.sh
source "$here/../tools/env.sh"

ensure_venv
build_server_binary

echo "[otel] server: $MCP_SERVER_BIN; opentelemetry-proto $("$VENV_PY" -c 'import importlib.metadata as m; print(m.version("opentelemetry-proto"))')" >&2
cd "$here"
exec "$VENV_PY" -m pytest "$here" "$@"
