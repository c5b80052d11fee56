#!/usr/bin/env bash
# The seed's cleanup: delete the namespace (and everything in it), remove the image.
set -euo pipefail

usage() {
    cat <<'USAGE'
Usage: scripts/undeploy.sh [--dry-run] [--keep-image]

Removes what scripts/deploy.sh created:
  kubectl delete namespace mcp-server --ignore-not-found --wait
  minikube image rm mcp-rust-server:<crate version>
Idempotent: nothing to delete is not an error.

  --dry-run     print the commands, run none
  --keep-image  leave the image in minikube (faster redeploy)
  -h, --help    this help
USAGE
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dry_run=false keep_image=false
while [ $# -gt 0 ]; do
    case "$1" in
        --dry-run) dry_run=true; shift ;;
        --keep-image) keep_image=true; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "undeploy.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

run() {
    printf '+ %s\n' "$(printf '%q ' "$@" | sed 's/ $//')"
    $dry_run || "$@"
}

REF="$("$ROOT/scripts/build-image.sh" --print-ref)"
# The namespace holds every object of both overlays; deleting it is the
# complete cleanup (the seed does the same).
run kubectl delete namespace mcp-server --ignore-not-found --wait=true
if ! $keep_image; then
    # `image rm` of an absent image exits 0 on current minikube; `|| true`
    # keeps older ones idempotent too.
    run minikube image rm "$REF" || true
fi
$dry_run && echo "# dry run: nothing was executed" || echo "undeployed"
