#!/usr/bin/env bash
# checkov (pinned, in its own venv under .tools/) on the production overlay as a release
# renders it: the release pins the image by digest (overlays/production/kustomization.yaml),
# so the render here adds one, the way `kustomize edit set image ...@sha256:` does. Every
# check must pass, none skipped. A control proves checkov can say no: the same manifests
# with the token Secret as an environment variable (how this overlay used to wire it) fail
# CKV_K8S_35.
#
#   tests/k8s/checkov_production.sh OUT_DIR
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$1"
VENV="$ROOT/.tools/checkov-venv"
CHECKOV_VERSION=3.3.30

[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("checkov"))' 2>/dev/null)" != "$CHECKOV_VERSION" ]; then
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/python" -m pip install -q "checkov==$CHECKOV_VERSION" >&2
fi
checkov() {
    # --skip-download: no call to the vendor's platform (no network in CI, nothing to send).
    "$VENV/bin/checkov" --framework kubernetes --skip-download --compact --quiet -f "$1"
}

release="$OUT/release"
mkdir -p "$release"
cat >"$release/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [$(realpath --relative-to="$release" "$ROOT/deploy/k8s/overlays/production")]
images:
  - name: registry.invalid/platform/mcp-rust-server
    digest: sha256:$(printf '%064d' 0)
  - name: redis
    digest: sha256:$(printf '%064d' 1)
YAML
kubectl kustomize "$release" >"$OUT/production-release.yaml"

if checkov "$OUT/production-release.yaml" >"$OUT/checkov.log" 2>&1; then
    echo "✓ checkov $CHECKOV_VERSION: $(grep -o 'Passed checks: [0-9]*, Failed checks: 0, Skipped checks: 0' "$OUT/checkov.log") on the production overlay"
else
    echo "✗ checkov on the production overlay:"
    sed 's/^/    /' "$OUT/checkov.log"
fi

# Control: the Secret as an env var again.
awk '{print} /^        env:$/ && !done {print "        - name: MCP_AUTH_TOKENS\n          valueFrom:\n            secretKeyRef:\n              name: mcp-rust-server-auth\n              key: tokens"; done=1}' \
    "$OUT/production-release.yaml" >"$OUT/production-env-secret.yaml"
if grep -q 'secretKeyRef' "$OUT/production-env-secret.yaml" &&
    ! checkov "$OUT/production-env-secret.yaml" >"$OUT/checkov-control.log" 2>&1 &&
    grep -q 'CKV_K8S_35' "$OUT/checkov-control.log"; then
    echo "✓ control: checkov fails CKV_K8S_35 when the Secret is an environment variable"
else
    echo "✗ control: checkov did not flag a Secret in an environment variable"
    sed 's/^/    /' "$OUT/checkov-control.log" 2>/dev/null || true
fi
