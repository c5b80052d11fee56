#!/usr/bin/env bash
# The server as an OAuth 2.1 resource server, against a real authorization server
# (oidc-provider, pinned in tests/tools/package.json, run under Node 24 by the tests) and the
# official Python SDK's OAuth client. Installs what is missing (under .tools/, gitignored),
# builds the release binary (unless MCP_SERVER_BIN is set), runs pytest. Extra arguments go
# to pytest (e.g. -k rotation, -x).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../tools/env.sh
source "$here/../tools/env.sh"

ensure_venv
ensure_node24
ensure_npm_tools
build_server_binary

echo "[oauth] server: $MCP_SERVER_BIN" >&2
echo "[oauth] oidc-provider $(node -p "require('$NODE_TOOLS_DIR/node_modules/oidc-provider/package.json').version")," \
    "node $(node --version), mcp $("$VENV_PY" -c 'import importlib.metadata as m; print(m.version("mcp"))')" >&2

cd "$ROOT"
exec "$VENV_PY" -m pytest -c "$here/pytest.ini" --rootdir "$here" "$here" "$@"
