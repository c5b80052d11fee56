#!/usr/bin/env bash
# Run the rendered minikube Deployment with `podman kube play` and check the
# running pod: the seed's REST checks + an MCP round trip (scripts/validate.sh
# --url), the probes' requests, the image's healthcheck, non-root, read-only
# root, no capabilities, the memory limit, and a stop (SIGTERM, SIGKILL after
# the grace period, as the kubelet does) that ends it cleanly in time.
# What the test copy leaves out, and why: tests/k8s/kube_play_copy.py.
#
# Usage: tests/k8s/kube_play.sh RENDERED_MINIKUBE.yaml PYTHON
#   PYTHON: an interpreter with PyYAML. CONTAINERS_CONF should be set.
#
# Network: loopback only. The pod gets `--network none` (its own namespace
# with nothing but lo) and the port is published by socat: it listens on the
# host's 127.0.0.1 and, per connection, enters the pod's network namespace to
# connect to 127.0.0.1:8000 there. No bridge, no 10.x address is involved.
set -euo pipefail

RENDERED="$1"
PY="$2"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="$(mktemp -d)"
# kube play names a Deployment's pod <name>-pod-0 and its container
# <pod>-<container>.
POD=mcp-rust-server-pod-0
CTR=$POD-mcp-rust-server
failures=0
ok() { echo "✓ kube play: $*"; }
bad() { echo "✗ kube play: $*"; failures=$((failures + 1)); }

SOCAT_PID=""
cleanup() {
    if [ -n "$SOCAT_PID" ]; then kill "$SOCAT_PID" 2>/dev/null || true; fi
    podman kube play --down "$WORK/deployment.yaml" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

"$PY" "$HERE/kube_play_copy.py" "$RENDERED" >"$WORK/deployment.yaml"
podman kube play --down "$WORK/deployment.yaml" >/dev/null 2>&1 || true

if ! podman kube play --network none "$WORK/deployment.yaml" >"$WORK/play.log" 2>&1; then
    bad "podman kube play failed: $(tail -5 "$WORK/play.log")"
    exit 1
fi
PID="$(podman inspect --format '{{.State.Pid}}' "$CTR")"
ok "pod started from the rendered Deployment (container $CTR, host pid $PID)"

# Publish the port over loopback (see the header).
PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
socat "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork" \
    "EXEC:nsenter --net=/proc/$PID/ns/net socat STDIO TCP4\:127.0.0.1\:8000" 2>"$WORK/socat.log" &
SOCAT_PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 100); do
    curl -fs -o /dev/null --max-time 1 "$BASE/health" && break
    sleep 0.1
done

# The seed's REST checks + MCP round trip, through the published port.
if "$ROOT/scripts/validate.sh" --url "$BASE" >"$WORK/validate.log" 2>&1; then
    ok "scripts/validate.sh --url $BASE: $(grep -c '^✓' "$WORK/validate.log") checks passed"
else
    bad "scripts/validate.sh --url $BASE failed:"
    sed 's/^/    /' "$WORK/validate.log"
fi

# validate.sh's cluster steps too: a stub kubectl answers the `get` calls as a
# healthy cluster would, and its `port-forward` is a socat to the pod's port.
# All 11 steps must pass, and the port-forward must be gone afterwards.
mkdir -p "$WORK/stub"
cat >"$WORK/stub/kubectl" <<STUB
#!/bin/sh
case "\$*" in
    "get deployment"*) exit 0 ;;
    "get pods"*) echo "mcp-rust-server-7d9c-x2x4z Running true" ;;
    "get svc"*) printf ClusterIP ;;
    "port-forward"*) lp="\${5%%:*}"; exec socat "TCP-LISTEN:\$lp,bind=127.0.0.1,reuseaddr,fork" "TCP:127.0.0.1:$PORT" ;;
    *) exit 1 ;;
esac
STUB
chmod +x "$WORK/stub/kubectl"
LP="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
if PATH="$WORK/stub:$PATH" "$ROOT/scripts/validate.sh" --local-port "$LP" >"$WORK/validate-pf.log" 2>&1 &&
    [ "$(grep -c '^✓' "$WORK/validate-pf.log")" -eq 11 ]; then
    ok "scripts/validate.sh with a stub cluster: all 11 steps pass through its port-forward"
else
    bad "scripts/validate.sh with a stub cluster:"
    sed 's/^/    /' "$WORK/validate-pf.log"
fi
if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$LP/health"; then
    bad "validate.sh left its port-forward on port $LP running"
else
    ok "validate.sh stopped its port-forward on exit"
fi

# Listening on all interfaces (HOST=0.0.0.0 from the manifest), not loopback:
# /proc/net/tcp lists 00000000:1F40 (0.0.0.0:8000) in state 0A (LISTEN).
if awk '$2 == "00000000:1F40" && $4 == "0A" {f=1} END {exit !f}' "/proc/$PID/net/tcp"; then
    ok "server listens on 0.0.0.0:8000 inside the pod"
else
    bad "server does not listen on 0.0.0.0:8000: $(awk 'NR>1 && $4=="0A" {print $2}' "/proc/$PID/net/tcp" | tr '\n' ' ')"
fi

# The probes, as the kubelet would send them: each httpGet path of the
# rendered (unmodified) manifest must answer 200 through the pod's port.
probes="$("$PY" -c '
import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d["kind"] == "Deployment":
        c = d["spec"]["template"]["spec"]["containers"][0]
        for k in ("startupProbe", "livenessProbe", "readinessProbe"):
            g = c[k]["httpGet"]
            port = next(p["containerPort"] for p in c["ports"] if p["name"] == g["port"])
            print(k, g["path"], port)
' "$RENDERED")"
while read -r kind path port; do
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$BASE$path")"
    [ "$port" = 8000 ] && [ "$code" = 200 ] && ok "$kind: GET $path on port $port answers 200" ||
        bad "$kind: GET $path (port $port) answered $code"
done <<<"$probes"

# The image's HEALTHCHECK command, run inside the pod (as uid 65532, read-only root).
if podman exec "$CTR" /mcp-rust-server healthcheck >"$WORK/hc.log" 2>&1; then
    ok "podman exec: /mcp-rust-server healthcheck exits 0 inside the pod"
else
    bad "healthcheck inside the pod failed: $(cat "$WORK/hc.log")"
fi

# Process identity and confinement, read from the kernel.
status="/proc/$PID/status"
uids="$(awk '/^Uid:/ {print $2, $3, $4, $5}' "$status")"
gids="$(awk '/^Gid:/ {print $2, $3, $4, $5}' "$status")"
[ "$uids" = "65532 65532 65532 65532" ] && [ "$gids" = "65532 65532 65532 65532" ] &&
    ok "process runs as uid/gid 65532 (non-root)" || bad "process uid [$uids] gid [$gids]"
capeff="$(awk '/^CapEff:/ {print $2}' "$status")"
nnp="$(awk '/^NoNewPrivs:/ {print $2}' "$status")"
seccomp="$(awk '/^Seccomp:/ {print $2}' "$status")"
[ "$capeff" = 0000000000000000 ] && [ "$nnp" = 1 ] && [ "$seccomp" = 2 ] &&
    ok "no capabilities, no_new_privs, seccomp filter on" ||
    bad "CapEff=$capeff NoNewPrivs=$nnp Seccomp=$seccomp"
# mountinfo: field 5 is the mount point, field 6 its options.
rootopts="$(awk '$5 == "/" {print $6}' "/proc/$PID/mountinfo")"
case ",$rootopts," in
    *,ro,*) ok "root filesystem mounted read-only ($rootopts)" ;;
    *) bad "root filesystem options: $rootopts" ;;
esac
mem="$(podman inspect --format '{{.HostConfig.Memory}}' "$CTR")"
[ "$mem" = $((128 * 1024 * 1024)) ] && ok "memory limit from the manifest applied ($mem bytes)" ||
    bad "memory limit is $mem"

# Stop as the kubelet does on pod deletion (after preStop, which kube play
# skips): SIGTERM, then SIGKILL once the grace period is over. A clean exit
# (code 0, not 137) well inside terminationGracePeriodSeconds is the pass.
grace="$("$PY" -c 'import sys,yaml; print(yaml.safe_load(open(sys.argv[1]))["spec"]["template"]["spec"]["terminationGracePeriodSeconds"])' "$WORK/deployment.yaml")"
start=$(date +%s%N)
podman stop -t "$grace" "$CTR" >/dev/null 2>&1 || true
ms=$((($(date +%s%N) - start) / 1000000))
code="$(podman inspect --format '{{.State.ExitCode}}' "$CTR")"
if [ "$code" = 0 ] && [ "$ms" -lt $((grace * 1000)) ]; then
    ok "SIGTERM: exited 0 after ${ms} ms (grace period ${grace} s)"
else
    bad "SIGTERM: exit code $code after ${ms} ms (grace ${grace} s)"
fi
podman logs "$CTR" >"$WORK/container.log" 2>&1 || true
if [ "$failures" -gt 0 ]; then
    echo "--- container log (last 20 lines)"
    tail -20 "$WORK/container.log"
fi
exit $((failures > 0))
