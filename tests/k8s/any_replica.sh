#!/usr/bin/env bash
# Any-replica proof: the claim the production overlay rests on.
#
# Three server processes on loopback behind nginx round robin (no stickiness,
# no retries), standing in for three pods behind a Service. The official
# Python SDK client holds one conversation per protocol era through nginx;
# nginx's log then shows which replica answered each request. Passing means:
# the conversation succeeded, no session id was ever issued, and its requests
# were spread over all three replicas.
#
# A control run with MCP_LEGACY_SESSIONS=true (sessions kept in one process's
# memory) must FAIL through the same proxy: that is the multi-replica
# "session not found" failure this overlay avoids, and it shows the proof can
# tell the two apart.
#
# Usage: tests/k8s/any_replica.sh SERVER_BINARY PYTHON
set -euo pipefail

BIN="$1"
PY="$2"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
W="$(mktemp -d)"
chmod 755 "$W"
failures=0
ok() { echo "✓ any replica: $*"; }
bad() { echo "✗ any replica: $*"; failures=$((failures + 1)); }

PIDS=()
stop_all() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    PIDS=()
}
trap 'stop_all; rm -rf "$W"' EXIT

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_fleet LEGACY_SESSIONS: three replicas + nginx; sets PROXY.
start_fleet() {
    local legacy="$1" i port ports=() servers=""
    for i in 1 2 3; do
        port="$(free_port)"
        HOST=127.0.0.1 PORT="$port" MCP_LEGACY_SESSIONS="$legacy" LOG_LEVEL=warn \
            "$BIN" serve >"$W/replica$i.log" 2>&1 </dev/null &
        PIDS+=($!)
        ports+=("$port")
        servers+="        server 127.0.0.1:$port;"$'\n'
    done
    for port in "${ports[@]}"; do
        for _ in $(seq 100); do
            curl -fs -o /dev/null --max-time 1 "http://127.0.0.1:$port/ready" && break
            sleep 0.1
        done
    done
    local nport
    nport="$(free_port)"
    mkdir -p "$W/tmp"
    chmod 777 "$W/tmp"
    : >"$W/access.log"
    cat >"$W/nginx.conf" <<EOF
worker_processes 1;
pid $W/nginx.pid;
error_log $W/error.log warn;
events { worker_connections 64; }
http {
    # Which replica answered, and whether it handed out a session id.
    log_format replica '\$request_method \$status \$upstream_addr sid=\$upstream_http_mcp_session_id';
    access_log $W/access.log replica;
    client_body_temp_path $W/tmp/body;
    proxy_temp_path $W/tmp/proxy;
    fastcgi_temp_path $W/tmp/fastcgi;
    uwsgi_temp_path $W/tmp/uwsgi;
    scgi_temp_path $W/tmp/scgi;
    upstream replicas {
        # Plain round robin: no ip_hash, no sticky cookie.
$servers    }
    server {
        listen 127.0.0.1:$nport;
        location / {
            proxy_pass http://replicas;
            proxy_http_version 1.1;
            proxy_set_header Host \$http_host;
            proxy_set_header Connection "";
            # SSE replies must stream, not wait for a buffer to fill.
            proxy_buffering off;
            # A replica's "no such session" must reach the client, not be
            # retried elsewhere until one happens to know the session.
            proxy_next_upstream off;
        }
    }
}
EOF
    nginx -c "$W/nginx.conf" -g 'daemon off;' >"$W/nginx.out" 2>&1 &
    PIDS+=($!)
    PROXY="http://127.0.0.1:$nport"
    for _ in $(seq 100); do
        curl -s -o /dev/null --max-time 1 "$PROXY/health" && break
        sleep 0.1
    done
    REPLICAS="${ports[*]}"
}

# conversation MODE: run the SDK client through the proxy; sets OUT, LOG_LINES.
conversation() {
    local before
    before=$(wc -l <"$W/access.log")
    set +e
    OUT="$("$PY" "$HERE/any_replica_client.py" "$PROXY/mcp" "$1" 2>&1)"
    RC=$?
    set -e
    sleep 0.2 # nginx writes the log line after the response
    LOG_LINES="$(tail -n +"$((before + 1))" "$W/access.log")"
}

start_fleet false
echo "# replicas on 127.0.0.1 ports $REPLICAS behind nginx round robin at $PROXY"
for mode in legacy 2026-07-28; do
    conversation "$mode"
    if [ "$RC" -eq 0 ]; then
        echo "$OUT"
    else
        bad "$mode conversation failed: $OUT"
        continue
    fi
    posts="$(grep -c '^POST ' <<<"$LOG_LINES" || true)"
    spread="$(awk '$1 == "POST" {print $3}' <<<"$LOG_LINES" | sort -u | wc -l)"
    bad_status="$(awk '$1 == "POST" && $2 !~ /^2/' <<<"$LOG_LINES")"
    sids="$(grep -v 'sid=$' <<<"$LOG_LINES" | grep -v 'sid=-$' || true)"
    if [ "$posts" -ge 3 ] && [ "$spread" -eq 3 ] && [ -z "$bad_status" ] && [ -z "$sids" ]; then
        ok "$mode era: $posts POSTs answered by $spread different replicas, no session id issued"
    else
        bad "$mode era: posts=$posts replicas=$spread non-2xx=[$bad_status] session ids=[$sids]"
    fi
    echo "$LOG_LINES" | sed 's/^/    /'
done
stop_all

# Control: the same legacy-era conversation with per-process sessions.
start_fleet true
conversation legacy
if [ "$RC" -ne 0 ] && grep -q 'sid=[^-]' <<<"$LOG_LINES" && awk '$1 == "POST" && $2 ~ /^4/ {f=1} END {exit !f}' <<<"$LOG_LINES"; then
    ok "control: with MCP_LEGACY_SESSIONS=true the conversation fails through the proxy (a replica that did not issue the session answers 4xx)"
else
    bad "control: stateful sessions did not fail as expected (rc=$RC): $OUT"
fi
echo "$LOG_LINES" | sed 's/^/    /'
stop_all
exit $((failures > 0))
