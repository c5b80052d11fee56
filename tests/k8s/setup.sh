#!/usr/bin/env bash
# Install what tests/k8s needs, on a fresh machine too (CI runs as root, no stdin).
# Idempotent: returns quickly when everything is present.
set -euo pipefail

# podman + runc and what rootful podman needs to build and play pods;
# catatonit is the pod's infra process (no pause image can be pulled);
# nginx for the any-replica proof; socat publishes the kube-play pod's port
# over loopback; binutils for readelf; python3, and llvm-<rustc's LLVM major>
# unless a fitting llvm-profdata is found, for the image's profile-guided build
# (scripts/build-release.sh names the package).
PKGS=(podman runc conmon uidmap slirp4netns fuse-overlayfs containernetworking-plugins
      catatonit iptables nginx-light socat curl binutils util-linux python3)
llvm="$("$(dirname "${BASH_SOURCE[0]}")/../../scripts/build-release.sh" --llvm-package)"
if [ -n "$llvm" ]; then PKGS+=("$llvm"); fi

missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { echo "setup.sh: need root to install: ${missing[*]}" >&2; exit 1; }
    echo "setup.sh: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The Debian nginx package starts a server on :80 when systemd runs; the tests
# start their own nginx on a free loopback port and need nothing from it.

# kubectl (with its built-in kustomize) ships with this machine kind's image,
# not with Debian's archive (whose kubernetes-client is too old for
# `labels:`): check, don't install.
if ! kubectl kustomize --help >/dev/null 2>&1; then
    echo "setup.sh: kubectl with 'kustomize' is required and not on PATH" >&2
    exit 1
fi
