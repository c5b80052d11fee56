"""Turn the rendered minikube overlay into what `podman kube play` can run.

Usage: python kube_play_copy.py RENDERED.yaml > deployment-for-podman.yaml

podman kube play (4.3) runs a Deployment's pod but is no kubelet. The test
copy differs from what a cluster gets in exactly these ways, each reported on
stderr; image, command, env, resources and securityContext are untouched:
  - only the Deployment is kept: kube play ignores Namespace and Service;
  - liveness, readiness and startup probes are removed: podman turns an
    httpGet probe into a `curl` healthcheck and an exec probe into
    `/bin/sh -c ...`, and the scratch image has neither; its healthchecks also
    need systemd timers, absent here. kube_play.sh instead sends each probe's
    request itself (paths and port read from the rendered manifest);
  - preStop is removed: kube play does not run lifecycle hooks;
  - `ports` is removed: podman turns a containerPort into a host port mapping,
    which needs a bridge network, and the pod runs with `--network none`
    (loopback only, see kube_play.sh). The server still listens on 8000, from
    the manifest's PORT env, and kube_play.sh checks that.
"""

import sys

import yaml

docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
dep = next(d for d in docs if d["kind"] == "Deployment")
for d in docs:
    if d is not dep:
        print(f"kube-play copy: dropped {d['kind']}/{d['metadata']['name']}", file=sys.stderr)

c = dep["spec"]["template"]["spec"]["containers"][0]
for key in ("livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "ports"):
    if c.pop(key, None) is not None:
        print(f"kube-play copy: removed {key}", file=sys.stderr)

yaml.safe_dump(dep, sys.stdout, sort_keys=False)
