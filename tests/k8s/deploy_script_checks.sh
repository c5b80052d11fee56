#!/usr/bin/env bash
# scripts/deploy.sh and undeploy.sh for real (not --dry-run), against stub
# kubectl/minikube/podman/docker that record their calls and answer as a
# cluster would. Checks the prerequisite messages, and that a real run issues
# the workflow in order (with a rollout restart only on a re-deploy).
# No cluster is contacted: the stubs are first on PATH.
#
# Usage: tests/k8s/deploy_script_checks.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
S="$(mktemp -d)"
trap 'rm -rf "$S"' EXIT
failures=0
ok() { echo "✓ scripts (stubbed cluster): $*"; }
bad() { echo "✗ scripts (stubbed cluster): $*"; failures=$((failures + 1)); }

# Each stub logs "name args" to $S/calls. Answers come from STUB_* variables.
cat >"$S/kubectl" <<'EOF'
#!/bin/sh
echo "kubectl $*" >>"$STUB_DIR/calls"
case "$*" in
    "config current-context") echo "$STUB_CONTEXT" ;;
    "get deployment"*) exit "$STUB_EXISTS" ;;
esac
exit 0
EOF
cat >"$S/minikube" <<'EOF'
#!/bin/sh
echo "minikube $*" >>"$STUB_DIR/calls"
[ "$1" = status ] && exit "$STUB_MK_STATUS"
exit 0
EOF
printf '#!/bin/sh\necho "podman $*" >>"$STUB_DIR/calls"\nexit 0\n' >"$S/podman"
printf '#!/bin/sh\necho "docker $*" >>"$STUB_DIR/calls"\nexit 1\n' >"$S/docker"
chmod +x "$S"/kubectl "$S"/minikube "$S"/podman "$S"/docker

# deploy ARGS...: run with the stubs; sets RC, OUTPUT, CALLS (workflow calls only).
deploy() {
    : >"$S/calls"
    set +e
    OUTPUT="$(PATH="$S:$PATH" STUB_DIR="$S" CONTAINER_ENGINE=podman "$ROOT/scripts/$SCRIPT" "$@" 2>&1)"
    RC=$?
    set -e
    CALLS="$(grep -vE '^(kubectl config|kubectl get deployment|minikube status)' "$S/calls" | tr '\n' ';' || true)"
}
export STUB_CONTEXT=minikube STUB_EXISTS=1 STUB_MK_STATUS=0
SCRIPT=deploy.sh

STUB_MK_STATUS=7 deploy --skip-build
if [ "$RC" -ne 0 ] && grep -q "minikube is not running" <<<"$OUTPUT" && [ -z "$CALLS" ]; then
    ok "deploy.sh stops with 'minikube is not running' and changes nothing"
else bad "minikube stopped: rc=$RC calls=[$CALLS] output=$OUTPUT"; fi

STUB_CONTEXT=docker-desktop deploy --skip-build
if [ "$RC" -ne 0 ] && grep -q "kubectl context is 'docker-desktop', not minikube" <<<"$OUTPUT" && [ -z "$CALLS" ]; then
    ok "deploy.sh stops on a kubectl context other than minikube and changes nothing"
else bad "wrong context: rc=$RC calls=[$CALLS] output=$OUTPUT"; fi

V="$("$ROOT/scripts/build-image.sh" --print-ref)"
load="podman save --format docker-archive -o target/mcp-rust-server-${V#*:}.tar docker.io/library/$V;minikube image load target/mcp-rust-server-${V#*:}.tar;"
apply="kubectl apply -k deploy/k8s/overlays/minikube;"
restart="kubectl rollout restart deployment/mcp-rust-server -n mcp-server;kubectl rollout status deployment/mcp-rust-server -n mcp-server --timeout=300s;"
wait="kubectl wait --for=condition=available deployment/mcp-rust-server -n mcp-server --timeout=300s;kubectl get pods -n mcp-server -l app=mcp-rust-server;"

deploy --skip-build --no-validate
if [ "$RC" -eq 0 ] && [ "$CALLS" = "$load$apply$wait" ]; then
    ok "deploy.sh first deploy: load, apply, wait, in order; no restart"
else bad "first deploy: rc=$RC calls=[$CALLS]"; fi

STUB_EXISTS=0 deploy --skip-build --no-validate
if [ "$RC" -eq 0 ] && [ "$CALLS" = "$load$apply$restart$wait" ]; then
    ok "deploy.sh re-deploy: rollout restart after apply, so a rebuilt same-tag image is used"
else bad "re-deploy: rc=$RC calls=[$CALLS]"; fi

SCRIPT=undeploy.sh
deploy
if [ "$RC" -eq 0 ] && [ "$CALLS" = "kubectl delete namespace mcp-server --ignore-not-found --wait=true;minikube image rm $V;" ]; then
    ok "undeploy.sh: deletes the namespace, removes the image"
else bad "undeploy: rc=$RC calls=[$CALLS]"; fi
exit $((failures > 0))
