#!/usr/bin/env bash
# Build the release binary as it ships: profile-guided (PGO).
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/build-release.sh [--static] [--no-pgo] | --llvm-package

Builds mcp-rust-server the way the image ships it and prints the binary's path.

  1. an instrumented release build (target dir <out>/instrumented);
  2. scripts/pgo-training.py runs it under the requests a deployment mostly
     serves, and it writes its execution counts on exit;
  3. llvm-profdata merges them, and the release build is redone with that
     profile: the compiler inlines and lays out code for the paths that run.

In bench/ this makes MCP tools/call and REST about 15 % faster and the idle
process about 3 MiB smaller than a plain `cargo build --release`
(bench/README.md has the numbers). Behaviour does not change.

  --static   glibc linked statically, for the FROM scratch image (build-image.sh).
             Output: target/static/<triple>/release/mcp-rust-server.
             Without it: target/release-pgo/<triple>/release/mcp-rust-server.
  --no-pgo   skip steps 1-2: a plain release build with the same flags and paths.
  --llvm-package
             print the Debian package with a fitting llvm-profdata (llvm-<major>),
             or nothing when one is already found (see below), and exit: what
             installers (bench/run.sh, tests/k8s/setup.sh) install.
  -h, --help this help.

PGO needs llvm-profdata of the LLVM major rustc was built with (`rustc -vV`):
$LLVM_PROFDATA, rustup's llvm-tools component, or llvm-profdata-<major> on PATH
(Debian: apt-get install llvm-<major>). Step 2 needs python3.
EOF
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NAME=mcp-rust-server

static=false pgo=true print_package=false
while [ $# -gt 0 ]; do
    case "$1" in
        --static) static=true; shift ;;
        --no-pgo) pgo=false; shift ;;
        --llvm-package) print_package=true; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "build-release.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

triple="$(rustc -vV | sed -n 's/^host: //p')"
llvm_major="$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')"
flags=""
out="$ROOT/target/release-pgo"
if $static; then
    # glibc, linked statically: no musl toolchain needed, and `scratch` has no libc.
    flags="-C target-feature=+crt-static"
    # Its own target dir: other flags must not invalidate the normal build's cache.
    out="$ROOT/target/static"
fi
locked=(); [ -f "$ROOT/Cargo.lock" ] && locked=(--locked)

# An explicit --target keeps RUSTFLAGS off build scripts and proc-macros: they must stay
# dynamically linked to load into rustc, and must not write profiles of their own.
build() { # build TARGET_DIR EXTRA_RUSTFLAGS
    (cd "$ROOT" && RUSTFLAGS="$flags $2" \
        cargo build --release "${locked[@]}" --target "$triple" --target-dir "$1" --bin "$NAME" >&2)
}

# llvm-profdata must come from rustc's own LLVM major: the profile's format is LLVM's.
find_profdata() {
    local candidate path
    for candidate in "${LLVM_PROFDATA:-}" \
        "$(rustc --print sysroot)/lib/rustlib/$triple/bin/llvm-profdata" \
        "llvm-profdata-$llvm_major" llvm-profdata; do
        [ -n "$candidate" ] || continue
        path="$(command -v "$candidate" 2>/dev/null)" || continue
        if "$path" --version 2>&1 | grep -q "LLVM version $llvm_major\."; then
            echo "$path"
            return 0
        fi
    done
    return 1
}

if $print_package; then
    find_profdata >/dev/null || echo "llvm-$llvm_major"
    exit 0
fi

if $pgo; then
    profdata="$(find_profdata)" || {
        echo "build-release.sh: PGO needs llvm-profdata from LLVM $llvm_major (rustc's)." >&2
        echo "  Debian: apt-get install llvm-$llvm_major; rustup: rustup component add llvm-tools;" >&2
        echo "  or set LLVM_PROFDATA. --no-pgo builds without it (about 15 % slower)." >&2
        exit 1
    }
    command -v python3 >/dev/null || { echo "build-release.sh: PGO training needs python3" >&2; exit 1; }
    profiles="$out/pgo-profiles"
    rm -rf "$profiles" && mkdir -p "$profiles"

    echo "==> 1/3 instrumented build ($triple)" >&2
    build "$out/instrumented" "-C profile-generate=$profiles"
    echo "==> 2/3 training run (scripts/pgo-training.py)" >&2
    LLVM_PROFILE_FILE="$profiles/%p-%m.profraw" \
        python3 "$ROOT/scripts/pgo-training.py" "$out/instrumented/$triple/release/$NAME"
    "$profdata" merge -o "$out/pgo.profdata" "$profiles"
    # Named by its content: cargo fingerprints RUSTFLAGS, not the files they name, so a
    # fixed name would leave dependencies built with an older profile.
    profile="$out/pgo-$(sha256sum "$out/pgo.profdata" | cut -c1-16).profdata"
    rm -f "$out"/pgo-*.profdata && mv "$out/pgo.profdata" "$profile"
    echo "==> 3/3 release build with the profile" >&2
    build "$out" "-C profile-use=$profile"
else
    echo "==> release build ($triple, no PGO)" >&2
    build "$out" ""
fi
echo "$out/$triple/release/$NAME"
