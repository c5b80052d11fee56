#!/usr/bin/env bash
# Official MCP conformance suite (@modelcontextprotocol/conformance) against mcp-rust-server.
#
#   bash tests/conformance/run.sh            # all four runs
#   CONFORMANCE_RUNS="1 3" bash tests/conformance/run.sh   # a subset, by number
#
# The four runs (suite versions pinned in tests/tools/package.json + package-lock.json):
#   1  0.1.16          server --suite all                              stateless (MCP_LEGACY_SESSIONS=false)
#   2  0.1.16          server --suite all                              legacy sessions (MCP_LEGACY_SESSIONS=true)
#   3  0.2.0-alpha.12  server --requirements 2026-07-28                stateless (2026-07-28 is sessionless anyway)
#   4  0.2.0-alpha.12  server --suite all --spec-version 2025-11-25    legacy sessions
# Override a run's server mode with CONFORMANCE_MODE_<N>=stateless|legacy.
#
# Each run gets a fresh release server on a free loopback port with
# MCP_TOOLSETS=core,conformance. Scored = what decides the CLI's own exit code:
# every scenario the run executes for --suite runs, the revision's required list for
# --requirements runs (its not_scored entries run and are reported, never scored).
# A scenario passes when none of its checks is FAILURE (the CLI's rule).
# Scenarios that cannot apply in a server mode are listed in na_for() below with the
# reason; they still run and their outcome is printed, but they are not scored.
# CONFORMANCE_STRICT=1 scores them too.
#
# Output: a table (run, passed/total scored) and, last, exactly one line
#   conformance: N passed, N failed
# (scored scenarios summed over the runs). Exit 1 if any scored scenario failed or a
# run could not be carried out. Raw CLI logs and checks.json files are kept under
# .tools/conformance/<timestamp>/ (gitignored).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../.." && pwd)"

if [ ! -f "$REPO_ROOT/tests/tools/env.sh" ]; then
    echo "tests/conformance/run.sh: tests/tools/env.sh is missing (needs ensure_npm_tools," \
        "build_server_binary, start_server, stop_server, stop_all_servers)" >&2
    echo "conformance: 0 passed, 1 failed"
    exit 1
fi
# shellcheck source=../tools/env.sh
source "$REPO_ROOT/tests/tools/env.sh"

log() { printf '[conformance] %s\n' "$*" >&2; }

RUNS="${CONFORMANCE_RUNS:-1 2 3 4}"
SUITE_TIMEOUT="${CONFORMANCE_SUITE_TIMEOUT:-1500}"   # seconds per CLI invocation
OUT_ROOT="$TOOLS_DIR/conformance/$(date -u +%Y%m%dT%H%M%SZ)"
SUMMARY_TSV="$OUT_ROOT/summary.tsv"
mkdir -p "$OUT_ROOT"
: >"$SUMMARY_TSV"

fatal_setup() {
    log "$*"
    echo "conformance: 0 passed, 1 failed"
    exit 1
}

ensure_npm_tools || fatal_setup "could not install the pinned npm tools (tests/tools/package.json)"
build_server_binary || fatal_setup "cargo build --release failed"

CLI_01="$NODE_TOOLS_DIR/node_modules/conformance-0-1/dist/index.js"
CLI_02="$NODE_TOOLS_DIR/node_modules/conformance-0-2/dist/index.js"
for cli in "$CLI_01" "$CLI_02"; do
    [ -f "$cli" ] || fatal_setup "missing $cli (tests/tools/package.json aliases conformance-0-1 / conformance-0-2)"
done
pkg_version() { node -p "require('$(dirname "$(dirname "$1")")/package.json').version"; }
V01="$(pkg_version "$CLI_01")"
V02="$(pkg_version "$CLI_02")"
log "suites: @modelcontextprotocol/conformance $V01 and $V02, node $(node --version)"

# Scenarios that cannot apply in a server mode: "name<TAB>reason" lines.
# $1 = server mode (stateless|legacy), $2 = wire era of the run (2025|2026).
na_for() {
    [ "${CONFORMANCE_STRICT:-0}" = 1 ] && return 0
    if [ "$1" = stateless ] && [ "$2" = 2025 ]; then
        local why="a 2025-11-25 server->client request (sampling/elicitation) needs a session: without one the client's JSON-RPC response arrives on a new POST that no in-flight request can receive (rmcp: 'stateless server does not accept JSON-RPC responses'), and a sessionless server never learns the client's capabilities; 2026-07-28 does this statelessly via input_required results (run 3)"
        printf '%s\t%s\n' \
            tools-call-sampling "$why" \
            tools-call-elicitation "$why" \
            elicitation-sep1034-defaults "$why" \
            elicitation-sep1330-enums "$why"
    fi
}

# `list` output "  - name [versions]" -> names
list_names() { awk '/^  - /{print $2}'; }
# `list --requirements R` output -> "S<TAB>name" (scored server) and "N<TAB>name<TAB>reason"
list_requirements() {
    awk '
        /^Server scenarios/ {sec="server"; next}
        /^Client scenarios/ {sec="client"; next}
        /^Run and reported, but never scored/ {sec="ns"; next}
        sec=="server" && /^  - / {print "S\t" $2}
        sec=="ns" && /^  [A-Za-z-]+ \([0-9]+\):/ {reason=$1}
        sec=="ns" && /^    - / && /\[server\]/ {print "N\t" $2 "\t" reason}
    '
}

# run_one N LABEL MODE ERA CLI ARGS...
run_one() {
    local n="$1" label="$2" mode="$3" era="$4" cli="$5"
    shift 5
    local dir="$OUT_ROOT/run$n" legacy rc
    mkdir -p "$dir"
    : >"$dir/scored.txt"
    : >"$dir/not_scored.txt"
    na_for "$mode" "$era" >"$dir/na.txt"

    if [ "$1" = "--requirements" ]; then
        node "$cli" list --server --requirements "$2" >"$dir/list.txt" 2>&1 || {
            log "run $n: list --requirements failed"; cat "$dir/list.txt" >&2
            printf '%s\t0\t1\t0\t0\t0\n' "$label" >>"$SUMMARY_TSV"; return 1; }
        list_requirements <"$dir/list.txt" | awk -F'\t' '$1=="S"{print $2}' >"$dir/scored.txt"
        list_requirements <"$dir/list.txt" | awk -F'\t' '$1=="N"{print $2 "\t" $3}' >"$dir/not_scored.txt"
    else
        local spec=()
        local i
        for ((i = 1; i <= $#; i++)); do
            if [ "${!i}" = "--spec-version" ]; then
                local j=$((i + 1))
                spec=(--spec-version "${!j}")
            fi
        done
        node "$cli" list --server "${spec[@]}" >"$dir/list.txt" 2>&1 || {
            log "run $n: list failed"; cat "$dir/list.txt" >&2
            printf '%s\t0\t1\t0\t0\t0\n' "$label" >>"$SUMMARY_TSV"; return 1; }
        list_names <"$dir/list.txt" >"$dir/scored.txt"
    fi

    [ "$mode" = legacy ] && legacy=true || legacy=false
    if ! start_server "conformance-run$n" MCP_TOOLSETS=core,conformance MCP_LEGACY_SESSIONS="$legacy"; then
        log "run $n: server did not start"
        printf '%s\t0\t%s\t0\t0\t0\n' "$label" "$(wc -l <"$dir/scored.txt")" >>"$SUMMARY_TSV"
        return 1
    fi
    cp "$SERVER_LOG" "$dir/server.log.start" 2>/dev/null || true
    log "run $n: $label against $SERVER_MCP_URL"
    (cd "$dir" && timeout --kill-after=10 "$SUITE_TIMEOUT" \
        node "$cli" server --url "$SERVER_MCP_URL" "$@" -o "$dir/results") >"$dir/cli.log" 2>&1
    rc=$?
    [ "$rc" = 124 ] && log "run $n: the suite did not finish within ${SUITE_TIMEOUT}s"
    cp "$SERVER_LOG" "$dir/server.log" 2>/dev/null || true
    stop_server "conformance-run$n" || true
    log "run $n: CLI exit $rc (log $dir/cli.log)"

    python3 "$HERE/summarize.py" "$label" "$dir/results" "$dir/scored.txt" \
        "$dir/not_scored.txt" "$dir/na.txt" "$SUMMARY_TSV"
}

trap 'stop_all_servers' EXIT
mode_of() { local v="CONFORMANCE_MODE_$1"; printf '%s\n' "${!v:-$2}"; }

setup_failed=0
for n in $RUNS; do
    case "$n" in
        1) m="$(mode_of 1 stateless)"
           run_one 1 "$V01 --suite all ($m)" "$m" 2025 "$CLI_01" --suite all ;;
        2) m="$(mode_of 2 legacy)"
           run_one 2 "$V01 --suite all ($m)" "$m" 2025 "$CLI_01" --suite all ;;
        3) m="$(mode_of 3 stateless)"
           run_one 3 "$V02 --requirements 2026-07-28 ($m)" "$m" 2026 "$CLI_02" --requirements 2026-07-28 ;;
        4) m="$(mode_of 4 legacy)"
           run_one 4 "$V02 --suite all --spec-version 2025-11-25 ($m)" "$m" 2025 "$CLI_02" \
               --suite all --spec-version 2025-11-25 ;;
        *) log "unknown run '$n' (use 1-4)"; setup_failed=1 ;;
    esac
done

echo
printf '%-64s %-14s %-6s %s\n' "run" "scored passed" "n/a" "not scored (passing/run)"
total_pass=0
total_fail=0
while IFS=$'\t' read -r label passed total na ns_failed ns_total; do
    ns="-"
    [ "$ns_total" -gt 0 ] && ns="$((ns_total - ns_failed))/$ns_total"
    printf '%-64s %-14s %-6s %s\n' "$label" "$passed/$total" "$na" "$ns"
    total_pass=$((total_pass + passed))
    total_fail=$((total_fail + total - passed))
done <"$SUMMARY_TSV"
[ "$setup_failed" = 1 ] && total_fail=$((total_fail + 1))
log "details: $OUT_ROOT"
echo "conformance: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
