#!/usr/bin/env bash
# Run the rendered minikube Deployment with `podman kube play` and check the
# running pod: the seed's REST checks + an MCP round trip (scripts/validate.sh
# --url), liveness through the binary, non-root, read-only root, no
# capabilities, and a SIGTERM that ends it within the grace period.
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
POD=mcp-rust-server-pod
CTR=$POD-mcp-rust-server
failures=0
ok() { echo "✓ kube play: $*"; }
bad() { echo "✗ kube play: $*"; failures=$((failures + 1)); }

SOCAT_PID=""
cleanup() {
    [ -n "$SOCAT_PID" ] && kill "$SOCAT_PID" 2>/dev/null && wait "$SOCAT_PID" 2>/dev/null
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

# Listening on all interfaces (HOST=0.0.0.0 from the manifest), not loopback:
# /proc/net/tcp lists 00000000:1F40 (0.0.0.0:8000) in state 0A (LISTEN).
if awk '$2 == "00000000:1F40" && $4 == "0A" {f=1} END {exit !f}' "/proc/$PID/net/tcp"; then
    ok "server listens on 0.0.0.0:8000 inside the pod"
else
    bad "server does not listen on 0.0.0.0:8000: $(awk 'NR>1 && $4=="0A" {print $2}' "/proc/$PID/net/tcp" | tr '\n' ' ')"
fi

# Liveness as the copy defines it: podman runs the exec probe in the container.
if podman healthcheck run "$CTR" >"$WORK/hc.log" 2>&1; then
    ok "liveness probe (exec /mcp-rust-server healthcheck) passes"
else
    bad "liveness probe failed: $(cat "$WORK/hc.log")"
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

# SIGTERM, as the kubelet sends it (after preStop, which kube play skips):
# the server must exit 0 well within terminationGracePeriodSeconds.
grace="$("$PY" -c 'import sys,yaml; print(yaml.safe_load(open(sys.argv[1]))["spec"]["template"]["spec"]["terminationGracePeriodSeconds"])' "$WORK/deployment.yaml")"
start=$(date +%s%N)
podman kill --signal TERM "$CTR" >/dev/null
code="$(timeout "$((grace + 5))" podman wait "$CTR" 2>/dev/null || echo timeout)"
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$code" = 0 ] && [ "$ms" -lt $((grace * 1000)) ]; then
    ok "SIGTERM: exited 0 after ${ms} ms (grace period ${grace} s)"
else
    bad "SIGTERM: exit code '$code' after ${ms} ms (grace ${grace} s)"
fi
podman logs "$CTR" >"$WORK/container.log" 2>&1 || true
if [ "$failures" -gt 0 ]; then
    echo "--- container log (last 20 lines)"
    tail -20 "$WORK/container.log"
fi
exit $((failures > 0))
