#!/usr/bin/env bash
# Real MCP clients that no one here wrote, against the built server:
#   - the official Python SDK (`mcp`, pinned in tests/requirements.txt) over Streamable HTTP in
#     legacy-session mode, stateless handshake mode and 2026-07-28 mode, and over stdio;
#   - the MCP Inspector CLI (pinned in tests/tools/package.json) under Node 24;
#   - a byte-level stdio round trip.
# Installs what is missing (under .tools/, gitignored), builds the release binary (unless
# MCP_SERVER_BIN is set), runs pytest. Extra arguments go to pytest (e.g. -k inspector, -x).
# Exits non-zero if anything fails; the last line is pytest's summary.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../tools/env.sh
source "$here/../tools/env.sh"

ensure_venv
ensure_node24
ensure_npm_tools
build_server_binary

echo "[clients] server: $MCP_SERVER_BIN" >&2
echo "[clients] python SDK: mcp $("$VENV_PY" -c 'import importlib.metadata as m; print(m.version("mcp"))')," \
    "node $(node --version), inspector $(node -p "require('$NODE_TOOLS_DIR/node_modules/@modelcontextprotocol/inspector/package.json').version")" >&2

cd "$ROOT"
exec "$VENV_PY" -m pytest "$here" "$@"
