#!/usr/bin/env bash
# The tasks extension across replicas: a real redis-server on a loopback port and
# three server replicas sharing it (MCP_REDIS_URL). tests/tasks/replicas.py starts Redis
# and drives them: a task started on one replica is seen, answered and cancelled
# through the other; with Redis stopped, task calls fail at once with a clear error and
# work again once it is back (same processes); a replica stopped with SIGTERM reports
# its running task failed at once; a replica SIGKILLed while running a task leaves it
# `failed` once its lease lapses, as seen through a survivor.
#
#   bash tests/tasks/run.sh        # uses $MCP_SERVER_BIN, else builds the release binary
#
# Installs redis-server (Debian package) when missing. Ends with one line
#   tasks: N passed, N failed
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=../tools/env.sh
source "$REPO_ROOT/tests/tools/env.sh"

log() { printf '[tasks] %s\n' "$*" >&2; }
fail_setup() { log "$*"; echo "tasks: 0 passed, 1 failed"; exit 1; }

if ! command -v redis-server >/dev/null; then
    [ "$(id -u)" = 0 ] || fail_setup "redis-server is missing and installing it needs root"
    log "installing redis-server"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends redis-server >/dev/null; } \
        || fail_setup "apt-get install redis-server failed"
fi
build_server_binary || fail_setup "no server binary"

LEASE_SECONDS=3
REDIS_PORT="$(free_port)"
REDIS_DIR="$(mktemp -d)"
cleanup() {
    stop_all_servers
    # replicas.py starts and stops redis-server; this is the safety net.
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1
    rm -rf "$REDIS_DIR"
}
trap cleanup EXIT

# The replicas start before Redis does: the store connects in the background.
replica() {
    start_server "tasks-replica-$1" MCP_TOOLSETS=core,conformance \
        MCP_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" MCP_TASK_LEASE_SECONDS="$LEASE_SECONDS"
}
replica 1 || fail_setup "replica 1 did not start"
URL_1="$SERVER_URL" PID_1="$SERVER_PID"
replica 2 || fail_setup "replica 2 did not start"
URL_2="$SERVER_URL"
replica 3 || fail_setup "replica 3 did not start"
URL_3="$SERVER_URL" PID_3="$SERVER_PID"

python3 "$HERE/replicas.py" --first "$URL_1" --first-pid "$PID_1" --second "$URL_2" \
    --third "$URL_3" --third-pid "$PID_3" \
    --lease-seconds "$LEASE_SECONDS" --redis-port "$REDIS_PORT" --redis-dir "$REDIS_DIR"
