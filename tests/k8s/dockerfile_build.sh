#!/usr/bin/env bash
# Build the full multi-stage Dockerfile where the rust base image cannot be
# pulled: make a local stand-in for rust:<version>-bookworm (debootstrap of
# Debian bookworm + this host's Rust toolchain), then `podman build` the
# Dockerfile unchanged and run the result once.
#
# Not part of tests/k8s/run.sh: it costs ~2 GB of disk and a full release
# build, profile-guided (~15 min on 2 cores). Run it after changing the Dockerfile's builder
# stages. Needs root, podman, debootstrap, and the crate registry reachable
# (cargo runs inside the build, on the host network).
#
# Usage: tests/k8s/dockerfile_build.sh [WORKDIR=/tmp/mcp-rust-base]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
W="${1:-/tmp/mcp-rust-base}"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$ROOT/tests/k8s/containers.conf}"
RUST_VERSION="$(sed -n 's/^ARG RUST_VERSION=//p' "$ROOT/Dockerfile")"
BASE="docker.io/library/rust:$RUST_VERSION-bookworm"
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null

mkdir -p "$W"
if [ ! -x "$W/rootfs/usr/bin/gcc" ]; then
    # The mirror this machine's apt already uses.
    mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)"
    rm -rf "$W/rootfs"
    debootstrap --variant=minbase --include=gcc,libc6-dev,ca-certificates,pkg-config \
        bookworm "$W/rootfs" "$mirror"
fi
# The Debian image's apt sources (bookworm, -updates, -security), as this
# bookworm host has them: the builder installs llvm-<major> from them.
cp /etc/apt/sources.list.d/debian.sources "$W/rootfs/etc/apt/sources.list.d/debian.sources"
rm -f "$W/rootfs/etc/apt/sources.list"
# The host's toolchain (rustc must match RUST_VERSION's major.minor) and its
# CA bundle (a TLS-intercepting proxy's CA, where there is one).
toolchain="$(rustc --print sysroot)"
rustc --version | grep -q "^rustc $RUST_VERSION" ||
    echo "warning: host rustc $(rustc --version) stands in for rust:$RUST_VERSION" >&2
mkdir -p "$W/rootfs/usr/local/rust" "$W/rootfs/usr/local/cargo/bin"
cp -a "$toolchain/bin" "$toolchain/lib" "$W/rootfs/usr/local/rust/"
for b in cargo rustc rustdoc; do ln -sf "/usr/local/rust/bin/$b" "$W/rootfs/usr/local/cargo/bin/$b"; done
cp /etc/ssl/certs/ca-certificates.crt "$W/rootfs/etc/ssl/certs/ca-certificates.crt"
cat >"$W/Containerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    CARGO_HOME=/usr/local/cargo
EOF
podman build -q --format docker -t "$BASE" -f "$W/Containerfile" "$W"

# The Dockerfile itself, unchanged, on a clean export of HEAD.
src="$W/src"
rm -rf "$src" && mkdir -p "$src"
git -C "$ROOT" archive HEAD | tar -x -C "$src"
podman build --network host --pull=never --format docker -t localhost/mcp-rust-server:dockerfile "$src"

size="$(podman image inspect --format '{{.Size}}' localhost/mcp-rust-server:dockerfile)"
podman rm -f dockerfile-check >/dev/null 2>&1 || true
podman run -d --name dockerfile-check --network none --read-only --cap-drop ALL \
    localhost/mcp-rust-server:dockerfile >/dev/null
sleep 1
rc=0
podman exec dockerfile-check /mcp-rust-server healthcheck || rc=$?
podman stop -t 30 dockerfile-check >/dev/null
code="$(podman inspect --format '{{.State.ExitCode}}' dockerfile-check)"
podman rm dockerfile-check >/dev/null
echo "Dockerfile image: $size bytes; healthcheck exit $rc; exit code after SIGTERM $code"
[ "$rc" = 0 ] && [ "$code" = 0 ] && [ "$size" -le 15000000 ]
