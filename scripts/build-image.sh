#!/usr/bin/env bash
# Build the container image mcp-rust-server:<crate version>.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/build-image.sh [--engine docker|podman] [--from-host [--no-pgo] | --dockerfile] [--print-ref]

Builds the image mcp-rust-server:<version> (version from Cargo.toml).

  --engine E     docker or podman. Default: docker when its daemon answers,
                 else podman.
  --dockerfile   build with the multi-stage Dockerfile (needs to pull the
                 rust base image). Default with docker.
  --from-host    build the static binary on this host (scripts/build-release.sh
                 --static: profile-guided) and package it with the Dockerfile's
                 own `runtime` stage, FROM scratch: no base image is pulled.
                 Default with podman.
  --no-pgo       with --from-host: skip the profile-guided steps (faster build,
                 slower binary; see scripts/build-release.sh --help).
  --print-ref    print the image reference and exit; builds nothing.
  -h, --help     this help.

Environment: CONTAINERS_CONF is passed through to podman untouched.
With podman the image is also tagged docker.io/library/mcp-rust-server:<v>,
the name a cluster gives `mcp-rust-server:<v>`, so `podman save` output loads
into minikube under the name the manifests use.
EOF
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NAME=mcp-rust-server

crate_version() {
    # The first `version =` after [package]; Cargo.toml is the single source.
    awk '/^\[package\]/{p=1; next} /^\[/{p=0} p && /^version *=/{gsub(/[" ]/,""); sub(/version=/,""); print; exit}' \
        "$ROOT/Cargo.toml"
}

engine=""
mode=""
print_ref=false
release_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --engine) engine="${2:?--engine needs docker or podman}"; shift 2 ;;
        --dockerfile) mode=dockerfile; shift ;;
        --from-host) mode=host; shift ;;
        --print-ref) print_ref=true; shift ;;
        --no-pgo) release_args+=(--no-pgo); shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "build-image.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

VERSION="$(crate_version)"
[ -n "$VERSION" ] || { echo "build-image.sh: no version in Cargo.toml [package]" >&2; exit 1; }
REF="$NAME:$VERSION"
if $print_ref; then echo "$REF"; exit 0; fi

if [ -z "$engine" ]; then
    if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
        engine=docker
    elif command -v podman >/dev/null 2>&1; then
        engine=podman
    else
        echo "build-image.sh: neither a docker daemon nor podman is available" >&2
        exit 1
    fi
fi
case "$engine" in docker|podman) ;; *) echo "build-image.sh: bad engine: $engine" >&2; exit 2 ;; esac
[ -n "$mode" ] || { [ "$engine" = docker ] && mode=dockerfile || mode=host; }

tags=(-t "$REF")
[ "$engine" = podman ] && tags+=(-t "docker.io/library/$REF")

if [ "$mode" = dockerfile ]; then
    echo "==> $engine build $REF from Dockerfile" >&2
    # --format docker keeps HEALTHCHECK (the OCI format has no such field).
    fmt=(); [ "$engine" = podman ] && fmt=(--format docker)
    "$engine" build "${fmt[@]}" --build-arg VERSION="$VERSION" "${tags[@]}" "$ROOT"
else
    echo "==> scripts/build-release.sh --static ${release_args[*]}" >&2
    bin="$("$ROOT/scripts/build-release.sh" --static "${release_args[@]}")"
    # `scratch` has no loader: an ELF interpreter here means the image cannot start.
    if readelf -l "$bin" | grep -q 'Requesting program interpreter'; then
        echo "build-image.sh: $bin is dynamically linked" >&2
        exit 1
    fi
    ctx="$ROOT/target/image-context"
    rm -rf "$ctx" && mkdir -p "$ctx"
    cp "$bin" "$ctx/$NAME"
    # The Dockerfile's runtime stage, verbatim but for where the binary comes from.
    sed -n '/^FROM scratch AS runtime$/,$p' "$ROOT/Dockerfile" \
        | sed "s#^COPY --from=builder /out/$NAME /$NAME\$#COPY $NAME /$NAME#" >"$ctx/Containerfile"
    if ! grep -qx "COPY $NAME /$NAME" "$ctx/Containerfile"; then
        echo "build-image.sh: Dockerfile runtime stage changed shape; update this script" >&2
        exit 1
    fi
    echo "==> $engine build $REF from the Dockerfile's runtime stage" >&2
    fmt=(); [ "$engine" = podman ] && fmt=(--format docker)
    "$engine" build "${fmt[@]}" --build-arg VERSION="$VERSION" "${tags[@]}" -f "$ctx/Containerfile" "$ctx"
fi

size="$("$engine" image inspect --format '{{.Size}}' "$REF")"
echo "==> built $REF ($engine, $((size / 1024)) KiB)" >&2
echo "$REF"
