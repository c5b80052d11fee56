#!/usr/bin/env bash
# The one test command (what the README calls "test" and CI runs).
#
#   scripts/test.sh              # every section below, in order
#   scripts/test.sh rust clients # only the named sections
#
# Sections:
#   lint         cargo fmt --check, cargo clippy -D warnings
#   rust         cargo test: unit tests and the black-box API tests (real sockets)
#   clients      real third-party clients: official Python SDK, MCP Inspector CLI
#   browser      CORS in headless Chromium: the official TypeScript SDK in a page (tests/browser)
#   schemathesis OpenAPI fuzzing of the REST API from GET /openapi.json (tests/schemathesis)
#   conformance  the official MCP conformance suite, four runs (tests/conformance)
#   oauth        OAuth resource server against a real authorization server (tests/oauth)
#   k8s          image + manifests: render, validate, podman, any-replica proof
#   scaleout     three replicas + Redis behind nginx: conformance, rate limits, Redis outage (tests/scaleout)
#   tasks        the tasks extension on three replicas sharing a real Redis (tests/tasks)
#   otel         traces exported to a real OTLP receiver (http/protobuf, grpc), audit lines (tests/otel)
#
# Installs what it needs (pip, npm, apt packages) under .tools/ or the system.
# Runs every section even after a failure, prints a summary, and ends with
# "test.sh: N passed, N failed" counting sections; exits non-zero if any failed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

all=(lint rust clients browser schemathesis conformance oauth k8s scaleout tasks otel)
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
    sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
sections=("$@")
[ ${#sections[@]} -eq 0 ] && sections=("${all[@]}")

section_lint() {
    cargo fmt --all -- --check && cargo clippy --all-targets --locked -- -D warnings
}
section_rust() { cargo test --locked --all-targets; }
section_clients() { tests/clients/run.sh; }
section_browser() { tests/browser/run.sh; }
section_schemathesis() { tests/schemathesis/run.sh; }
section_conformance() { tests/conformance/run.sh; }
section_oauth() { tests/oauth/run.sh; }
section_k8s() { tests/k8s/run.sh; }
section_scaleout() { tests/scaleout/run.sh; }
section_tasks() { tests/tasks/run.sh; }
section_otel() { tests/otel/run.sh; }

# The release binary is shared by every section that starts a server process.
export MCP_SERVER_BIN="$ROOT/target/release/mcp-rust-server"
needs_release=0
for s in "${sections[@]}"; do
    case "$s" in clients | browser | schemathesis | conformance | oauth | k8s | scaleout | tasks | otel) needs_release=1 ;; esac
done
if [ "$needs_release" = 1 ]; then
    echo "=== build release binary"
    cargo build --release --locked || { echo "test.sh: 0 passed, 1 failed"; exit 1; }
fi

passed=0 failed=0 summary=()
for s in "${sections[@]}"; do
    if ! declare -F "section_$s" >/dev/null; then
        echo "unknown section: $s (known: ${all[*]})" >&2
        exit 2
    fi
    echo
    echo "=== $s"
    start=$SECONDS
    if "section_$s"; then
        passed=$((passed + 1)) summary+=("✓ $s ($((SECONDS - start)) s)")
    else
        failed=$((failed + 1)) summary+=("✗ $s ($((SECONDS - start)) s)")
    fi
done

echo
echo "=== summary"
printf '%s\n' "${summary[@]}"
echo "test.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
