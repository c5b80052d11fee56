#!/usr/bin/env bash
# Sampling profile of one Rust server under the benchmark's load:
#
#   bench/profile.sh rmcp          # rmcp's stock service (bench/peers/rmcp-stock)
#   bench/profile.sh ours          # mcp-rust-server, MCP tools/call, stateless
#   bench/profile.sh ours-rest     # mcp-rust-server, REST POST /mcp/execute
#   bench/profile.sh floor
#
# Builds with `--profile profiling` (release + line tables, not stripped), pins the server to the
# last CPU and wrk to the first, loads it for PROFILE_SECONDS+6 s on 127.0.0.1, records
# PROFILE_SECONDS (10) of samples with DWARF call graphs, and prints the top self and inclusive
# frames. Needs perf (Debian linux-perf; installed here if missing) and run.sh's wrk.
# PROFILE_OURS_ROOT: build `ours` from that checkout instead of this one.
# Output: bench/.tools/profile/TARGET.data (open with `perf report -i`).
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
OUT="$BENCH/.tools/profile"
SECONDS_REC="${PROFILE_SECONDS:-10}"
target="${1:?usage: profile.sh rmcp|ours|ours-rest|floor}"
mkdir -p "$OUT"

command -v perf >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-perf >/dev/null; }
command -v wrk >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null

path=/mcp
body='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"calculate","arguments":{"operation":"add","a":10,"b":5}}}'
headers=$'Accept: application/json, text/event-stream\nMCP-Protocol-Version: 2025-11-25'
env_extra=()
case "$target" in
rmcp | floor)
    (cd "$BENCH/peers" && cargo build --profile profiling --quiet)
    bin="$BENCH/peers/target/profiling/$([ "$target" = rmcp ] && echo rmcp-stock || echo floor)"
    ;;
ours | ours-rest)
    src="${PROFILE_OURS_ROOT:-$ROOT}" # another checkout of the server, e.g. a `git archive` of a commit
    (cd "$src" && cargo build --profile profiling --quiet)
    bin="$src/target/profiling/mcp-rust-server"
    env_extra=(MCP_LEGACY_SESSIONS=false LOG_LEVEL=warn)
    if [ "$target" = ours-rest ]; then
        path=/mcp/execute
        body='{"tool":"calculate","arguments":{"operation":"add","a":10,"b":5}}'
        headers=""
    fi
    ;;
*) echo "unknown target $target" >&2; exit 2 ;;
esac

port=18090
last_cpu=$(($(nproc) - 1))
printf '%s' "$body" >"$OUT/body.json"
env HOST=127.0.0.1 PORT=$port "${env_extra[@]}" taskset -c "$last_cpu" "$bin" >"$OUT/$target.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.05; done
BENCH_BODY_FILE="$OUT/body.json" BENCH_HEADERS="$headers" taskset -c 0 \
    wrk -t1 -c32 -d"$((SECONDS_REC + 6))s" -s "$BENCH/lib/post.lua" "http://127.0.0.1:$port$path" >"$OUT/$target.wrk" &
wrk_pid=$!
sleep 3
perf record -q -F 499 --call-graph dwarf,32768 -p "$pid" -o "$OUT/$target.data" -- sleep "$SECONDS_REC" 2>/dev/null
wait "$wrk_pid"
grep BENCH_JSON "$OUT/$target.wrk" || true
echo "== top self frames"
perf report -i "$OUT/$target.data" --no-children --sort symbol --stdio -g none --percent-limit 1 2>/dev/null |
    grep -v '^#' | grep -v '^$' | sed 's/  \+/ /g' | cut -c1-160 | head -25
echo "== self time by object"
perf report -i "$OUT/$target.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -6
echo "== inclusive, MCP-relevant frames"
perf report -i "$OUT/$target.data" --children --sort symbol --stdio -g none --percent-limit 1 2>/dev/null |
    grep -v '^#' | sed 's/  \+/ /g' | grep -E 'rmcp::|mcp_rust_server::|tool_router|validate_tool_name|schema|from_slice<|to_vec|to_writer|serve_inner|serve_directly|spawn_inner|handle_post' |
    grep -v -E '^ *[0-9.]+% 0.00% \[\.\] (poll|catch_unwind|call_once|do_call|with_mut|\{closure|poll_future|poll_inner)' | cut -c1-200 | head -30
