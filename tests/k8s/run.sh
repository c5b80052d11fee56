#!/usr/bin/env bash
# Everything about the image and the Kubernetes deployment that can be checked
# without a cluster. Installs what it needs; CI-safe.
#
#   tests/k8s/run.sh            # all of it
#   tests/k8s/run.sh --help
#
# Every check prints one "✓ ..." or "✗ ..." line; the last line is
# "k8s: N passed, N failed" and the exit code is non-zero if any failed.
set -euo pipefail

if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/tests/k8s"
cd "$ROOT"
# crun cannot set rlimits here; see containers.conf.
export CONTAINERS_CONF="$HERE/containers.conf"
OUT="$ROOT/target/k8s-test"
mkdir -p "$OUT"

passed=0 failed=0
pass() { echo "✓ $*"; passed=$((passed + 1)); }
fail() { echo "✗ $*"; failed=$((failed + 1)); }
finish() {
    echo "k8s: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
# tally CMD...: run a sub-check that prints its own ✓/✗ lines; count them.
# A non-zero exit with no ✗ line (a crash) counts as one failure.
tally() {
    local log rc=0 p f
    log="$(mktemp)"
    "$@" >"$log" 2>&1 || rc=$?
    cat "$log"
    p=$(grep -c '^✓' "$log" || true)
    f=$(grep -c '^✗' "$log" || true)
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then fail "$1 exited $rc"; fi
    if [ "$rc" -eq 0 ] && [ "$f" -gt 0 ]; then fail "$1 exited 0 despite failures"; fi
    rm -f "$log"
    return 0
}
section() { echo; echo "=== $* ==="; }

# --- tools ------------------------------------------------------------------
section "setup"
if "$HERE/setup.sh"; then pass "system packages present (podman, runc, nginx, socat)"
else fail "installing system packages"; finish; exit 1; fi
# Python tooling (PyYAML via kubernetes-validate, the MCP SDK): the team's
# pinned venv when tests/tools/env.sh provides it, else our own.
if [ -f "$ROOT/tests/tools/env.sh" ]; then
    # shellcheck source=/dev/null
    source "$ROOT/tests/tools/env.sh"
    ensure_venv >/dev/null
    PY="$VENV_PY"
else
    PY="$ROOT/.tools/k8s-venv/bin/python"
    [ -x "$PY" ] || python3 -m venv "$ROOT/.tools/k8s-venv"
    "$PY" -m pip install -q kubernetes-validate==1.37.0 mcp==2.3.0
fi
KV=("$PY" -m kubernetes_validate)
if "$PY" -c 'import kubernetes_validate, mcp, yaml'; then pass "python tooling ($PY)"
else fail "python tooling"; finish; exit 1; fi
# The Dockerfile parser (BuildKit's, via the `dockerfile` wheel) in a small
# venv of our own, apart from the team's pinned one.
DPY="$ROOT/.tools/k8s-venv/bin/python"
[ -x "$DPY" ] || python3 -m venv "$ROOT/.tools/k8s-venv"
"$DPY" -c 'import dockerfile' 2>/dev/null || "$DPY" -m pip install -q dockerfile==3.4.0
VERSION="$(scripts/build-image.sh --print-ref | cut -d: -f2)"

# --- manifests ----------------------------------------------------------------
section "render and validate the manifests"
for o in minikube production; do
    if kubectl kustomize "deploy/k8s/overlays/$o" >"$OUT/$o.yaml" 2>"$OUT/$o.err"; then
        pass "kubectl kustomize overlays/$o renders $(grep -c '^kind:' "$OUT/$o.yaml") objects"
    else
        fail "kubectl kustomize overlays/$o: $(cat "$OUT/$o.err")"
    fi
done
# 1.29 and the newest Kubernetes whose schemas the validator ships.
newest="$("$PY" -c 'import kubernetes_validate.utils as u; print(u.latest_version())')"
for k in 1.29.0 "$newest"; do
    for o in minikube production; do
        if "${KV[@]}" --strict --quiet -k "$k" "$OUT/$o.yaml" >"$OUT/kv.log" 2>&1; then
            pass "kubernetes-validate --strict -k $k: overlays/$o"
        else
            fail "kubernetes-validate --strict -k $k: overlays/$o: $(cat "$OUT/kv.log")"
        fi
    done
done
# The validator must be able to say no: an unknown field is rejected.
sed 's/^  revisionHistoryLimit: 5$/  revisionHistoryLimit: 5\n  replicaz: 1/' "$OUT/minikube.yaml" >"$OUT/broken.yaml"
if grep -q replicaz "$OUT/broken.yaml" && ! "${KV[@]}" --strict --quiet -k 1.29.0 "$OUT/broken.yaml" >/dev/null 2>&1; then
    pass "control: kubernetes-validate --strict rejects an unknown Deployment field"
else
    fail "control: kubernetes-validate --strict accepted an unknown field"
fi
tally "$PY" "$HERE/manifest_checks.py" "$OUT/minikube.yaml" "$OUT/production.yaml" "$VERSION"
tally "$HERE/checkov_production.sh" "$OUT"
tally "$DPY" "$HERE/dockerfile_checks.py" Dockerfile .dockerignore
grep -qx "ARG VERSION=$VERSION" Dockerfile && pass "Dockerfile's default VERSION is the crate's ($VERSION)" ||
    fail "Dockerfile ARG VERSION differs from Cargo.toml's $VERSION"

# --- the Grafana dashboard component --------------------------------------------
section "Grafana dashboard component"
# An overlay that opts in: production plus the component, in its namespace.
mkdir -p "$OUT/with-dashboard"
cat >"$OUT/with-dashboard/kustomization.yaml" <<'YAML'
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: mcp-server
resources:
  - ../../../deploy/k8s/overlays/production
components:
  - ../../../deploy/k8s/components/grafana-dashboard
YAML
if kubectl kustomize "$OUT/with-dashboard" >"$OUT/with-dashboard.yaml" 2>"$OUT/with-dashboard.err"; then
    pass "kubectl kustomize production + components/grafana-dashboard renders $(grep -c '^kind:' "$OUT/with-dashboard.yaml") objects"
else
    fail "kubectl kustomize production + components/grafana-dashboard: $(cat "$OUT/with-dashboard.err")"
fi
for k in 1.29.0 "$newest"; do
    if "${KV[@]}" --strict --quiet -k "$k" "$OUT/with-dashboard.yaml" >"$OUT/kv.log" 2>&1; then
        pass "kubernetes-validate --strict -k $k: production + components/grafana-dashboard"
    else
        fail "kubernetes-validate --strict -k $k: production + components/grafana-dashboard: $(cat "$OUT/kv.log")"
    fi
done
# What the dashboard reads is held to what a running server serves after some traffic.
if ensure_npm_tools >/dev/null && start_server dashboard-scrape >/dev/null 2>&1; then
    curl -fsS -o /dev/null -H 'Content-Type: application/json' "$SERVER_URL/mcp/execute" \
        -d '{"tool": "calculate", "arguments": {"operation": "add", "a": 1, "b": 2}}' &&
        curl -fsS "$SERVER_URL/metrics" >"$OUT/metrics.txt" || fail "scraping $SERVER_URL/metrics"
    stop_server dashboard-scrape || true
    NODE_PATH="$NODE_TOOLS_DIR/node_modules" tally "$PY" "$HERE/dashboard_checks.py" \
        "$OUT/with-dashboard.yaml" "$OUT/metrics.txt"
else
    fail "dashboard checks not run: the npm tools or the server did not start"
fi

# --- scripts ------------------------------------------------------------------
section "scripts"
for s in build-image deploy validate undeploy; do
    if "scripts/$s.sh" --help 2>&1 | grep -q '^Usage: scripts/'"$s"'.sh'; then pass "scripts/$s.sh --help"
    else fail "scripts/$s.sh --help"; fi
done
# --dry-run must print the whole workflow and run nothing: the cluster and
# engine commands are replaced by stubs that record any call.
stubs="$OUT/stubs"
rm -rf "$stubs" && mkdir -p "$stubs"
for t in kubectl minikube docker podman; do
    printf '#!/bin/sh\necho "%s $*" >>"%s/called"\nexit 1\n' "$t" "$stubs" >"$stubs/$t"
    chmod +x "$stubs/$t"
done
for s in deploy undeploy; do
    rc=0
    PATH="$stubs:$PATH" "scripts/$s.sh" --dry-run >"$OUT/$s-dry-run.log" 2>&1 || rc=$?
    if [ "$s" = deploy ]; then
        want=("scripts/build-image.sh" "minikube image load" "kubectl apply -k deploy/k8s/overlays/minikube"
              "kubectl wait --for=condition=available deployment/mcp-rust-server -n mcp-server" "scripts/validate.sh")
    else
        want=("kubectl delete namespace mcp-server" "minikube image rm mcp-rust-server:$VERSION")
    fi
    missing=()
    for w in "${want[@]}"; do grep -qF -- "+ $w" "$OUT/$s-dry-run.log" || missing+=("$w"); done
    if [ "$rc" -eq 0 ] && [ ! -e "$stubs/called" ] && [ ${#missing[@]} -eq 0 ]; then
        pass "scripts/$s.sh --dry-run prints the workflow and runs no kubectl/minikube/docker/podman"
    else
        fail "scripts/$s.sh --dry-run: rc=$rc called=[$(cat "$stubs/called" 2>/dev/null)] missing=[${missing[*]}]"
        sed 's/^/    /' "$OUT/$s-dry-run.log"
    fi
    rm -f "$stubs/called"
done
tally "$HERE/deploy_script_checks.sh"
# validate.sh must fail when nothing answers (every HTTP step ✗, exit 1).
port="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
rc=0
scripts/validate.sh --url "http://127.0.0.1:$port" >"$OUT/validate-nothing.log" 2>&1 || rc=$?
if [ "$rc" -eq 1 ] && [ "$(grep -c '^✗' "$OUT/validate-nothing.log")" -eq 7 ]; then
    pass "control: scripts/validate.sh reports 7 ✗ and exits 1 when no server answers"
else
    fail "control: scripts/validate.sh against a closed port: rc=$rc"
fi

# --- image ----------------------------------------------------------------------
section "image (podman, static binary FROM scratch)"
REF="mcp-rust-server:$VERSION"
image_ok=false
if scripts/build-image.sh --engine podman --from-host >"$OUT/build.log" 2>&1; then
    image_ok=true
    pass "scripts/build-image.sh built $REF with podman"
    grep -q '^==> 3/3 release build with the profile' "$OUT/build.log" &&
        pass "the image's binary is profile-guided (instrumented, trained, rebuilt)" ||
        fail "the image's binary was not built with a profile (log: target/k8s-test/build.log)"
else
    fail "scripts/build-image.sh failed (log: target/k8s-test/build.log)"
    tail -30 "$OUT/build.log" | sed 's/^/    /'
fi
BIN="$ROOT/target/static/$(rustc -vV | sed -n 's/^host: //p')/release/mcp-rust-server"
if $image_ok; then
    size="$(podman image inspect --format '{{.Size}}' "$REF")"
    # 15 MB: the binary is the whole image. 8.1 MB before the OAuth resource
    # server (a TLS stack: rustls, ring, the Mozilla roots; an HTTP client;
    # the JOSE algorithms), 12.0 MB with it, 14.3 MB with the OTLP exporter
    # and rediss:// as well, 12.4 MB profile-guided (code that never runs in
    # the training is optimized for size).
    [ "$size" -le 15000000 ] && pass "image size $size bytes ($((size / 1024)) KiB) <= 15 MB" ||
        fail "image size $size bytes > 15 MB"
    cfg="$(podman image inspect --format '{{.Config.User}}|{{json .Config.ExposedPorts}}|{{json .Config.Entrypoint}}|{{json .Config.Cmd}}|{{index .Config.Labels "org.opencontainers.image.version"}}' "$REF")"
    want_cfg='65532:65532|{"8000/tcp":{}}|["/mcp-rust-server"]|["serve"]|'"$VERSION"
    [ "$cfg" = "$want_cfg" ] && pass "image config: user, port, entrypoint, OCI version label" ||
        fail "image config is $cfg, want $want_cfg"
    # deploy.sh saves this name for `minikube image load`: the cluster's name for $REF.
    podman image exists "docker.io/library/$REF" && pass "image also tagged docker.io/library/$REF" ||
        fail "image not tagged docker.io/library/$REF"
    env="$(podman image inspect --format '{{json .Config.Env}}' "$REF")"
    hc="$(podman image inspect --format '{{json .Config.Healthcheck.Test}}' "$REF" 2>/dev/null || true)"
    if grep -q '"HOST=0.0.0.0"' <<<"$env" && [ "$hc" = '["CMD","/mcp-rust-server","healthcheck"]' ]; then
        pass "image sets HOST=0.0.0.0 and HEALTHCHECK runs the binary's healthcheck"
    else
        fail "image env $env healthcheck $hc"
    fi
    if ! readelf -l "$BIN" | grep -q 'program interpreter'; then pass "server binary is statically linked"
    else fail "server binary needs a dynamic loader"; fi
    # The podman image and the Dockerfile share one runtime stage.
    if diff <(sed -n '/^FROM scratch AS runtime$/,$p' Dockerfile | grep -v '^COPY ') \
            <(grep -v '^COPY ' target/image-context/Containerfile) >/dev/null &&
        grep -qx 'COPY mcp-rust-server /mcp-rust-server' target/image-context/Containerfile; then
        pass "podman image built from the Dockerfile's runtime stage verbatim (but for the COPY source)"
    else
        fail "target/image-context/Containerfile differs from the Dockerfile's runtime stage"
    fi
fi

# --- kube play --------------------------------------------------------------------
section "podman kube play of the rendered minikube Deployment"
if $image_ok; then
    tally "$HERE/kube_play.sh" "$OUT/minikube.yaml" "$PY"
else
    fail "kube play not run: no image"
fi

# --- any replica ------------------------------------------------------------------
section "any-replica proof (3 replicas behind nginx round robin)"
# The binary the image was just built from (a stale one would prove nothing).
if $image_ok; then
    tally "$HERE/any_replica.sh" "$BIN" "$PY"
else
    fail "any-replica proof not run: the static build failed"
fi

echo
finish
