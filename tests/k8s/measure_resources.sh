#!/usr/bin/env bash
# Where the Deployment's requests/limits come from: RSS and CPU of the server
# idle and under load from wrk (Debian package), on loopback. Not part of
# run.sh (timing-dependent); rerun it when the server changes much.
#
# Usage: tests/k8s/measure_resources.sh SERVER_BINARY [SECONDS=15]
set -euo pipefail
BIN="$1"
SECS="${2:-15}"
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
W="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
HOST=127.0.0.1 PORT="$PORT" LOG_FORMAT=json LOG_LEVEL=info "$BIN" serve >"$W/server.log" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$W"' EXIT
for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/ready" && break; sleep 0.1; done

rss() { awk '/^VmRSS|^VmHWM/ {printf "%s %s kB  ", $1, $2}' "/proc/$PID/status"; echo; }
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
echo "idle: $(rss)"

cat >"$W/rest.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"tool":"calculate","arguments":{"operation":"add","a":15,"b":25}}'
wrk.headers["Content-Type"] = "application/json"
LUA
cat >"$W/mcp.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
LUA
hz="$(getconf CLK_TCK)"
for kind in rest:/mcp/execute mcp:/mcp; do
    name="${kind%%:*}" path="${kind#*:}"
    t0="$(ticks)"
    reqs="$(wrk -t2 -c16 -d"${SECS}s" -s "$W/$name.lua" "http://127.0.0.1:$PORT$path" | awk '/requests in/ {print $1}')"
    t1="$(ticks)"
    cpu_ms=$(((t1 - t0) * 1000 / hz))
    echo "$name: $reqs requests in ${SECS}s, CPU ${cpu_ms} ms ($((cpu_ms * 1000 / (reqs > 0 ? reqs : 1))) us/request, $((cpu_ms / SECS)) millicores); $(rss)"
done
