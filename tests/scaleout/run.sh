#!/usr/bin/env bash
# Scale-out: three release replicas sharing one redis-server (and one
# request-state keys file) behind nginx round-robin, all on loopback, and the
# pytest suite in this directory against them (see README.md).
#
#   bash tests/scaleout/run.sh                  # as scripts/test.sh scaleout runs it
#   SCALEOUT_WORKDIR=/tmp/so bash tests/scaleout/run.sh   # keep logs there
#
# Installs redis-server and nginx-light (apt) when missing, the venv
# (tests/requirements.txt) and the pinned conformance CLI (tests/tools).
# Last line: "scaleout: N passed, N failed".
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=../tools/env.sh
source "$REPO_ROOT/tests/tools/env.sh"

log() { printf '[scaleout] %s\n' "$*" >&2; }
fail_setup() {
    log "$*"
    echo "scaleout: 0 passed, 1 failed"
    exit 1
}

# Debian's packages; the nginx binary may live in /usr/sbin outside root's PATH.
PATH="$PATH:/usr/sbin:/sbin"
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v nginx >/dev/null || missing+=(nginx-light)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    sudo_cmd=()
    [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
        { "${sudo_cmd[@]}" apt-get update >/dev/null 2>&1 &&
          "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; } ||
        fail_setup "could not install ${missing[*]}"
    # A system redis the package may start is left alone: the tests run their own on free ports.
fi
command -v redis-server >/dev/null && command -v nginx >/dev/null ||
    fail_setup "redis-server or nginx not found after installing"

ensure_venv || fail_setup "could not set up the Python venv (tests/requirements.txt)"
ensure_npm_tools || fail_setup "could not install the pinned npm tools (tests/tools/package.json)"
build_server_binary || fail_setup "no server binary"
export MCP_SERVER_BIN REDIS_SERVER_BIN="$(command -v redis-server)" NGINX_BIN="$(command -v nginx)"
log "server $MCP_SERVER_BIN; $("$REDIS_SERVER_BIN" --version | cut -d' ' -f1-3); $("$NGINX_BIN" -v 2>&1)"

cd "$REPO_ROOT"
"$VENV_PY" -m pytest "$HERE" -v -s -p no:cacheprovider --timeout=600 2>&1 | tee "$TOOLS_DIR/logs/scaleout.log"
rc=${PIPESTATUS[0]}
# pytest's closing line, e.g. "=== 5 passed, 1 failed in 9.12s ===".
verdict="$(grep -E '^=+ .*(passed|failed|error).* in [0-9.]+s' "$TOOLS_DIR/logs/scaleout.log" | tail -n 1)"
passed=$(grep -oE '[0-9]+ passed' <<<"$verdict" | cut -d' ' -f1)
failed=0
for n in $(grep -oE '[0-9]+ (failed|errors?)' <<<"$verdict" | cut -d' ' -f1); do
    failed=$((failed + n))
done
passed=${passed:-0}
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "scaleout: $passed passed, $failed failed"
[ "$rc" -eq 0 ]
