#!/usr/bin/env bash
# Fuzzes the request-decoding paths for a bounded time (not part of
# scripts/test.sh):
#   inspect    the /mcp gate's body check (src/jsonrpc.rs), raw bytes
#   http_body  whole requests through the real router, no socket: bytes
#              POSTed to /mcp (three protocol-header variants) and to
#              /mcp/execute; any 5xx is a crash
#
#   scripts/fuzz.sh                    # 120 s per target
#   FUZZ_SECONDS=600 scripts/fuzz.sh   # longer
#   scripts/fuzz.sh inspect            # one target
#
# cargo fuzz (libFuzzer) needs a nightly toolchain. Without one, this runs
# the stable stand-in instead (a seeded mutation loop over the same
# invariants, src/jsonrpc.rs) and says so.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_PER_TARGET="${FUZZ_SECONDS:-120}"
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(inspect http_body)

if ! cargo +nightly --version >/dev/null 2>&1; then
    iterations=$((SECONDS_PER_TARGET * 20000))
    echo "fuzz.sh: no nightly toolchain, so cargo fuzz cannot run here." >&2
    echo "fuzz.sh: running the stable stand-in: $iterations mutated bodies through inspect()" >&2
    cd "$ROOT"
    FUZZ_ITERATIONS="$iterations" cargo test --release --lib \
        jsonrpc::tests::mutated_bodies_never_panic_and_always_get_a_fixed_label
    exit
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo install --locked cargo-fuzz
fi

cd "$ROOT/fuzz"
summary=()
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    cp -n seeds/"$target"/* "corpus/$target/" 2>/dev/null || true
    log="$(mktemp)"
    echo "=== fuzz $target for ${SECONDS_PER_TARGET} s" >&2
    if cargo +nightly fuzz run "$target" "corpus/$target" -- \
        -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -rss_limit_mb=2048 \
        -print_final_stats=1 2>&1 | tee "$log" | grep -E "^#[0-9]+.*(pulse|DONE)|Done [0-9]+ runs|ERROR|panicked" >&2; then :; fi
    runs="$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 || true)"
    if grep -qE "ERROR: libFuzzer|panicked|deadly signal" "$log"; then
        summary+=("✗ $target: crash, see fuzz/artifacts/$target")
        tail -40 "$log" >&2
    else
        summary+=("✓ $target: ${runs:-no run count} (no crash)")
    fi
    rm -f "$log"
done
printf '%s\n' "${summary[@]}"
! printf '%s\n' "${summary[@]}" | grep -q '^✗'
