#!/usr/bin/env bash
# Soak: a few minutes of mixed load on loopback against the release binary,
# with resident memory sampled, to show it stays flat.
#
#   scripts/soak.sh                 # 180 s
#   SOAK_SECONDS=600 scripts/soak.sh
#
# Load (all to 127.0.0.1, bounded by time): wrk with 16 connections cycling
# through REST reads and tool calls, MCP 2026-07-28 tool calls and lists,
# resource reads, 404s, malformed and oversized JSON-RPC bodies and metric
# scrapes; beside it, a loop that opens legacy sessions, calls a tool in
# them and closes most of them, leaving the rest to the idle expiry.
# Prints RSS every SOAK_SAMPLE_SECONDS (10) as a table, then wrk's summary
# and the verdict: the last sample against the first after warm-up.
# Needs wrk (apt-get install wrk) and curl. Not part of scripts/test.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_TOTAL="${SOAK_SECONDS:-180}"
SAMPLE="${SOAK_SAMPLE_SECONDS:-10}"
WORK="$(mktemp -d)"
trap 'kill ${churn_pid:-} ${wrk_pid:-} 2>/dev/null; kill -TERM ${server_pid:-} 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT

command -v wrk >/dev/null || { echo "soak.sh: needs wrk (apt-get install wrk)" >&2; exit 1; }
BIN="${MCP_SERVER_BIN:-$ROOT/target/release/mcp-rust-server}"
if [ -z "${MCP_SERVER_BIN:-}" ]; then
    (cd "$ROOT" && cargo build --release --quiet)
fi

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
URL="http://127.0.0.1:$PORT"
PORT="$PORT" LOG_LEVEL=warn MCP_LEGACY_SESSIONS=true MCP_SESSION_IDLE_SECONDS=5 \
    MAX_BODY_BYTES=65536 "$BIN" serve >"$WORK/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do curl -fs -o /dev/null "$URL/ready" && break; sleep 0.1; done

cat >"$WORK/mixed.lua" <<'LUA'
local meta = '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",' ..
  '"io.modelcontextprotocol/clientInfo":{"name":"soak","version":"1"},' ..
  '"io.modelcontextprotocol/clientCapabilities":{}}'
local function json() return {["Content-Type"] = "application/json"} end
local function mcp(method, name)
  local h = {["Content-Type"] = "application/json", ["Accept"] = "application/json, text/event-stream",
             ["MCP-Protocol-Version"] = "2026-07-28", ["Mcp-Method"] = method}
  if name then h["Mcp-Name"] = name end
  return h
end
local big = string.rep("x", 70000)
local requests
-- Built in init(): wrk.format fills in Host from wrk.host, known only then.
function init(args)
requests = {
  wrk.format("GET", "/health"),
  wrk.format("GET", "/mcp/tools"),
  wrk.format("POST", "/mcp/execute", json(), '{"tool":"echo","arguments":{"message":"soak"}}'),
  wrk.format("POST", "/mcp/execute", json(), '{"tool":"calculate","arguments":{"operation":"divide","a":7,"b":2}}'),
  wrk.format("POST", "/mcp/execute", json(), '{"tool":"calculate","arguments":{"operation":"divide","a":7,"b":0}}'),
  wrk.format("GET", "/mcp/resource/mcp://demo/status"),
  wrk.format("POST", "/mcp", mcp("tools/call", "echo"),
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"m"},' .. meta .. '}}'),
  wrk.format("POST", "/mcp", mcp("tools/list"),
    '{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{' .. meta .. '}}'),
  wrk.format("POST", "/mcp", mcp("tools/list"), '{"jsonrpc":"2.0","id":3,"method":'),
  wrk.format("POST", "/mcp", mcp("tools/list"), '[{"jsonrpc":"2.0","id":4,"method":"ping"}]'),
  wrk.format("POST", "/mcp/execute", json(), '{"tool":"echo","arguments":{"message":"' .. big .. '"}}'),
  wrk.format("GET", "/no/such/path"),
  wrk.format("GET", "/metrics"),
}
end
local i = 0
request = function()
  i = i + 1
  return requests[(i % #requests) + 1]
end
LUA

# Legacy sessions: open, use, close three of four; the fourth idles out.
churn() {
    local n=0 sid
    while true; do
        n=$((n + 1))
        sid="$(curl -s -D - -o /dev/null -X POST "$URL/mcp" -H 'Content-Type: application/json' \
            -H 'Accept: application/json, text/event-stream' \
            -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"soak","version":"1"}}}' \
            | tr -d '\r' | awk -F': ' 'tolower($1)=="mcp-session-id"{print $2}')"
        [ -n "$sid" ] || { sleep 0.2; continue; }
        curl -s -o /dev/null -X POST "$URL/mcp" -H 'Content-Type: application/json' \
            -H 'Accept: application/json, text/event-stream' -H "Mcp-Session-Id: $sid" \
            -H 'MCP-Protocol-Version: 2025-11-25' \
            -d '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"message":"s"}}}'
        if [ $((n % 4)) -ne 0 ]; then
            curl -s -o /dev/null -X DELETE "$URL/mcp" -H "Mcp-Session-Id: $sid" -H 'MCP-Protocol-Version: 2025-11-25'
        fi
        sleep 0.05
    done
}
churn &
churn_pid=$!

wrk -t 2 -c 16 -d "${SECONDS_TOTAL}s" -s "$WORK/mixed.lua" "$URL" >"$WORK/wrk.txt" 2>&1 &
wrk_pid=$!

rss_kib() { awk '/^VmRSS:/{print $2}' "/proc/$server_pid/status"; }
metric() { curl -s "$URL/metrics" | awk -v s="$1" '$1==s{print $2}'; }
requests() { curl -s "$URL/metrics" | awk '/^http_requests_total/{sum+=$2} END{printf "%d", sum}'; }

printf '| elapsed (s) | RSS (MiB) | HTTP requests so far | open legacy sessions |\n'
printf '| ---: | ---: | ---: | ---: |\n'
start=$SECONDS first="" last="" peak=0
while kill -0 "$wrk_pid" 2>/dev/null; do
    kib="$(rss_kib)"
    [ "$kib" -gt "$peak" ] && peak="$kib"
    elapsed=$((SECONDS - start))
    # The first sample after 30 s of load is the warm baseline.
    if [ -z "$first" ] && [ "$elapsed" -ge 30 ]; then first="$kib"; fi
    last="$kib"
    printf '| %d | %.1f | %s | %s |\n' "$elapsed" "$(echo "$kib/1024" | bc -l)" "$(requests)" "$(metric mcp_legacy_sessions)"
    sleep "$SAMPLE"
done
wait "$wrk_pid" || true
kill "$churn_pid" 2>/dev/null || true

echo
sed -n '/Latency/,$p' "$WORK/wrk.txt"
echo
first="${first:-$last}"
growth="$(echo "($last - $first) * 100 / $first" | bc -l)"
printf 'RSS: warm baseline %.1f MiB, last %.1f MiB (%+.1f%%), peak %.1f MiB\n' \
    "$(echo "$first/1024" | bc -l)" "$(echo "$last/1024" | bc -l)" "$growth" "$(echo "$peak/1024" | bc -l)"
curl -s "$URL/metrics" | grep -E '^(http_rejected_total|mcp_legacy_sessions|mcp_tool_calls_total)' | grep -v ' 0$' || true
if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "soak: FAILED: the server died; log:" >&2
    tail -20 "$WORK/server.log" >&2
    exit 1
fi
if [ "$(echo "$growth > 10" | bc -l)" = 1 ]; then
    echo "soak: FAILED: RSS grew more than 10% after warm-up" >&2
    exit 1
fi
echo "soak: memory flat (within 10% of the warm baseline); server healthy"
