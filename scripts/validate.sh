#!/usr/bin/env bash
# The seed's ten validation checks, against our names, plus an MCP round trip.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/validate.sh [--namespace NS] [--local-port N] [--url BASE_URL]

Checks a deployed mcp-rust-server and prints ✓ or ✗ per step:
   1 deployment exists          5 GET /health is healthy
   2 pod Running and ready      6 GET /ready with tool/resource counts
   3 service exists             7 GET /mcp/tools lists echo and calculate
   4 port-forward to service    8 POST /mcp/execute echo
                                9 POST /mcp/execute calculate 15+25
                               10 GET /mcp/resource/mcp://demo/status
                               11 MCP round trip on /mcp (initialize,
                                  tools/list, tools/call)
Exits non-zero if any step fails. The port-forward is always cleaned up.

  --namespace NS   default mcp-server
  --local-port N   local end of the port-forward, default 8000
  --url BASE_URL   skip 1-4 and check a server already reachable at BASE_URL
                   (e.g. http://127.0.0.1:8000); needs no kubectl
  -h, --help       this help
Needs: curl, python3 (to read JSON exactly), and kubectl unless --url.
EOF
}

NS=mcp-server
NAME=mcp-rust-server
LOCAL_PORT=8000
BASE=""
while [ $# -gt 0 ]; do
    case "$1" in
        --namespace) NS="${2:?}"; shift 2 ;;
        --local-port) LOCAL_PORT="${2:?}"; shift 2 ;;
        --url) BASE="${2:?}"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "validate.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

failures=0
ok() { echo "✓ $*"; }
bad() { echo "✗ $*"; failures=$((failures + 1)); }

PF_PID=""
cleanup() {
    if [ -n "$PF_PID" ] && kill -0 "$PF_PID" 2>/dev/null; then
        kill "$PF_PID" 2>/dev/null || true
        wait "$PF_PID" 2>/dev/null || true
        echo "port-forward (pid $PF_PID) stopped"
    fi
}
trap cleanup EXIT INT TERM

# json_check JSON PYTHON_EXPR: true iff the expression holds for `d`, the parsed
# body. Exact values, not substrings: "unhealthy" must not pass for "healthy".
json_check() {
    python3 -c '
import json, sys
try:
    d = json.loads(sys.argv[1])
except ValueError:
    sys.exit(1)
sys.exit(0 if eval(sys.argv[2], {"d": d}) else 1)
' "$1" "$2" 2>/dev/null
}

# http METHOD PATH [BODY]: sets STATUS and BODY from one request.
http() {
    local out args=(-sS --max-time 10 -X "$1" -w '\n%{http_code}')
    [ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' -d "$3")
    out="$(curl "${args[@]}" "$BASE$2" 2>&1)" || true
    STATUS="${out##*$'\n'}"
    BODY="${out%$'\n'*}"
}

# check N LABEL METHOD PATH BODY-OR-"" PYTHON_EXPR
check() {
    local n="$1" label="$2" method="$3" path="$4" body="$5" expr="$6"
    if [ -n "$body" ]; then http "$method" "$path" "$body"; else http "$method" "$path"; fi
    if [ "$STATUS" = 200 ] && json_check "$BODY" "$expr"; then
        # Long bodies (the tool schemas) are cut: the line is a receipt, not a dump.
        if [ "${#BODY}" -gt 160 ]; then ok "$n. $label: ${BODY:0:160}…"; else ok "$n. $label: $BODY"; fi
    else
        bad "$n. $label: HTTP $STATUS: $BODY"
    fi
}

if [ -z "$BASE" ]; then
    echo "=== mcp-rust-server validation (namespace $NS) ==="
    if kubectl get deployment "$NAME" -n "$NS" >/dev/null 2>&1; then
        ok "1. deployment/$NAME exists"
    else
        bad "1. deployment/$NAME not found in $NS"
    fi

    pods="$(kubectl get pods -n "$NS" -l "app=$NAME" \
        -o jsonpath='{range .items[*]}{.metadata.name} {.status.phase} {.status.containerStatuses[0].ready}{"\n"}{end}' 2>/dev/null || true)"
    if [ -n "$pods" ] && ! grep -qv ' Running true$' <<<"$pods"; then
        ok "2. pods Running and ready: $(tr '\n' ' ' <<<"$pods")"
    else
        bad "2. pods not all Running and ready: ${pods:-none}"
    fi

    if [ "$(kubectl get svc "$NAME" -n "$NS" -o jsonpath='{.spec.type}' 2>/dev/null)" = ClusterIP ]; then
        ok "3. service/$NAME exists (ClusterIP)"
    else
        bad "3. service/$NAME missing or not ClusterIP"
    fi

    kubectl port-forward -n "$NS" "svc/$NAME" "$LOCAL_PORT:80" >/dev/null 2>&1 &
    PF_PID=$!
    BASE="http://127.0.0.1:$LOCAL_PORT"
    for _ in $(seq 50); do
        curl -s -o /dev/null --max-time 1 "$BASE/health" && break
        kill -0 "$PF_PID" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$PF_PID" 2>/dev/null && curl -s -o /dev/null --max-time 2 "$BASE/health"; then
        ok "4. port-forward $BASE -> svc/$NAME:80 (pid $PF_PID)"
    else
        bad "4. port-forward to svc/$NAME:80 on local port $LOCAL_PORT failed"
    fi
else
    echo "=== mcp-rust-server validation ($BASE; cluster steps 1-4 skipped) ==="
fi

check 5 "health" GET /health "" \
    'd["status"] == "healthy" and d["service"] == "mcp-rust-server"'
check 6 "ready" GET /ready "" \
    'd["status"] == "ready" and d["tools_count"] == 2 and d["resources_count"] == 1'
check 7 "tools listed" GET /mcp/tools "" \
    '{t["name"] for t in d["tools"]} >= {"echo", "calculate"}'
check 8 "echo tool" POST /mcp/execute '{"tool":"echo","arguments":{"message":"Test Message"}}' \
    'd["result"] == "Echo: Test Message" and d["metadata"]["success"] is True'
check 9 "calculate tool" POST /mcp/execute '{"tool":"calculate","arguments":{"operation":"add","a":15,"b":25}}' \
    'd["result"] == 40 and d["metadata"]["success"] is True'
check 10 "resource mcp://demo/status" GET /mcp/resource/mcp://demo/status "" \
    'd["uri"] == "mcp://demo/status" and d["content"]["status"] == "operational"'

# 11. MCP over Streamable HTTP, by hand: the legacy handshake, then list and
# call with the negotiated MCP-Protocol-Version. Stateless, so no session id.
mcp_post() { # BODY [PROTOCOL_VERSION] -> prints the JSON-RPC message (SSE or JSON)
    local hdr=()
    [ $# -ge 2 ] && hdr=(-H "MCP-Protocol-Version: $2")
    curl -sS --max-time 10 -X POST "$BASE/mcp" \
        -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
        "${hdr[@]}" -d "$1" 2>&1 |
        python3 -c '
import json, sys
raw = sys.stdin.read()
# An SSE reply carries the message on its `data:` line(s); a JSON reply is the message.
datas = [l[5:].strip() for l in raw.splitlines() if l.startswith("data:") and l[5:].strip()]
for cand in datas or [raw]:
    try:
        m = json.loads(cand)
    except ValueError:
        continue
    if "result" in m or "error" in m:
        print(json.dumps(m)); sys.exit(0)
print(raw); sys.exit(1)'
}
init="$(mcp_post '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"validate.sh","version":"1"}}}' || true)"
pv="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["result"]["protocolVersion"])' "$init" 2>/dev/null || true)"
list="" call=""
if [ -n "$pv" ]; then
    list="$(mcp_post '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' "$pv" || true)"
    call="$(mcp_post '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"message":"round trip"}}}' "$pv" || true)"
fi
if [ -n "$pv" ] &&
    json_check "$list" '{t["name"] for t in d["result"]["tools"]} >= {"echo", "calculate"}' &&
    json_check "$call" 'd["result"]["content"][0]["text"] == "Echo: round trip" and not d["result"].get("isError")'; then
    ok "11. MCP round trip: initialize (protocol $pv), tools/list, tools/call echo"
else
    bad "11. MCP round trip failed: initialize=${init:0:300} list=${list:0:300} call=${call:0:300}"
fi

echo
# No ✓/✗ here: those mark steps, and tests/k8s/run.sh counts them.
if [ "$failures" -eq 0 ]; then
    echo "=== all validations passed ==="
else
    echo "=== $failures validation(s) FAILED ==="
    exit 1
fi
