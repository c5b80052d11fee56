#!/usr/bin/env bash
# Build, load into minikube, apply, wait, validate: the seed's workflow, one command.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/deploy.sh [--dry-run] [--skip-build] [--no-validate] [--timeout SECS]

Deploys mcp-rust-server to the running minikube cluster:
  1. checks prerequisites: minikube running, kubectl on the minikube context,
     docker (with a daemon) or podman
  2. scripts/build-image.sh              -> mcp-rust-server:<crate version>
  3. minikube image load                 (podman: via a docker-archive tar)
  4. kubectl apply -k deploy/k8s/overlays/minikube
  5. kubectl rollout restart (only if the Deployment already existed, so a
     rebuilt image of the same tag is picked up) and
     kubectl wait --for=condition=available
  6. scripts/validate.sh

Idempotent: run it again at any time.

  --dry-run      print every command it would run; run none; needs no cluster
  --skip-build   use the image already built
  --no-validate  stop after the wait
  --timeout S    wait timeout in seconds (default 300)
  -h, --help     this help
Environment: CONTAINER_ENGINE=docker|podman to choose the engine.
EOF
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NS=mcp-server
NAME=mcp-rust-server
OVERLAY=deploy/k8s/overlays/minikube
dry_run=false build=true validate=true timeout=300
while [ $# -gt 0 ]; do
    case "$1" in
        --dry-run) dry_run=true; shift ;;
        --skip-build) build=false; shift ;;
        --no-validate) validate=false; shift ;;
        --timeout) timeout="${2:?}"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "deploy.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
cd "$ROOT"

# run CMD...: the one place commands are executed, so --dry-run can't miss one.
run() {
    printf '+ %s\n' "$(printf '%q ' "$@" | sed 's/ $//')"
    $dry_run || "$@"
}
die() { echo "deploy.sh: $*" >&2; exit 1; }

# The image reference comes from Cargo.toml through build-image.sh (no build).
REF="$(scripts/build-image.sh --print-ref)"

# --- 1. prerequisites -------------------------------------------------------
engine="${CONTAINER_ENGINE:-}"
if $dry_run; then
    # A dry run runs nothing, not even `minikube status`: say what would be checked.
    echo "# would check: minikube status; kubectl config current-context = minikube; docker info || podman"
    if [ -z "$engine" ]; then
        if command -v docker >/dev/null 2>&1; then engine=docker
        else engine=podman; fi
        echo "# engine chosen by presence only ($engine); a real run asks the docker daemon"
    fi
else
    command -v minikube >/dev/null 2>&1 || die "minikube is not installed (https://minikube.sigs.k8s.io/docs/start/)"
    command -v kubectl >/dev/null 2>&1 || die "kubectl is not installed"
    minikube status >/dev/null 2>&1 || die "minikube is not running: start it with 'minikube start'"
    ctx="$(kubectl config current-context 2>/dev/null || true)"
    [ "$ctx" = minikube ] || die "kubectl context is '${ctx:-unset}', not minikube: run 'kubectl config use-context minikube'"
    if [ -z "$engine" ]; then
        if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then engine=docker
        elif command -v podman >/dev/null 2>&1; then engine=podman
        else die "need docker (with a running daemon) or podman to build the image"; fi
    fi
    echo "prerequisites: minikube running, context minikube, engine $engine"
fi

# --- 2-3. build and load ----------------------------------------------------
if $build; then
    run scripts/build-image.sh --engine "$engine"
fi
if [ "$engine" = docker ]; then
    run minikube image load "$REF"
else
    # podman's local name is localhost/...; build-image.sh also tagged the
    # docker.io/library/ name, which is what the cluster resolves $REF to.
    tar="target/$NAME-${REF#*:}.tar"
    run mkdir -p target
    run podman save --format docker-archive -o "$tar" "docker.io/library/$REF"
    run minikube image load "$tar"
fi

# --- 4-5. apply and wait ----------------------------------------------------
existed=false
if ! $dry_run && kubectl get deployment "$NAME" -n "$NS" >/dev/null 2>&1; then existed=true; fi
run kubectl apply -k "$OVERLAY"
if $existed || $dry_run; then
    $dry_run && echo "# only when deployment/$NAME existed before the apply:"
    run kubectl rollout restart "deployment/$NAME" -n "$NS"
    run kubectl rollout status "deployment/$NAME" -n "$NS" --timeout="${timeout}s"
fi
run kubectl wait --for=condition=available "deployment/$NAME" -n "$NS" --timeout="${timeout}s"
run kubectl get pods -n "$NS" -l "app=$NAME"

# --- 6. validate ------------------------------------------------------------
if $validate; then
    run scripts/validate.sh --namespace "$NS"
fi
if $dry_run; then
    echo "# dry run: nothing was executed"
else
    echo "done: $REF deployed to namespace $NS"
fi
