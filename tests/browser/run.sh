#!/usr/bin/env bash
# CORS in a real browser: headless Chromium (Debian's `chromium`, installed with apt-get when
# missing) loads a page built from the official TypeScript SDK (page.ts; v1
# `@modelcontextprotocol/sdk` and v2 `@modelcontextprotocol/client`, bundled with esbuild, all
# pinned in tests/tools/package.json) from an allowed and a disallowed origin; pytest reads
# what the page saw. Builds the release binary unless MCP_SERVER_BIN is set. Extra arguments
# go to pytest.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../tools/env.sh
source "$here/../tools/env.sh"

ensure_chromium() {
    command -v chromium >/dev/null 2>&1 && return 0
    _tools_log "installing Debian's chromium with apt-get"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
            -o DPkg::Lock::Timeout=300 chromium >&2
}

ensure_venv
ensure_node24
ensure_npm_tools
ensure_chromium
build_server_binary

# The page: esbuild resolves the SDKs from the pinned tools in .tools/node.
BROWSER_PAGE_JS="$TOOLS_DIR/browser/page.js"
mkdir -p "${BROWSER_PAGE_JS%/*}"
NODE_PATH="$NODE_TOOLS_DIR/node_modules" "$NODE_TOOLS_BIN/esbuild" "$here/page.ts" \
    --bundle --format=esm --platform=browser --target=chrome120 \
    --outfile="$BROWSER_PAGE_JS" --log-level=warning
export BROWSER_PAGE_JS

sdk_version() { node -p "require('$NODE_TOOLS_DIR/node_modules/@modelcontextprotocol/$1/package.json').version"; }
echo "[browser] $(chromium --version), sdk $(sdk_version sdk), client $(sdk_version client)," \
    "server $MCP_SERVER_BIN" >&2

cd "$ROOT"
exec "$VENV_PY" -m pytest -c "$here/pytest.ini" "$here" "$@"
