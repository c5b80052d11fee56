"""Turn the rendered minikube overlay into what `podman kube play` can run.

Usage: python kube_play_copy.py RENDERED.yaml > deployment-for-podman.yaml

podman kube play (4.3) runs a Deployment's pod but has no kubelet, so the test
copy differs from what a cluster gets in exactly these ways (each is reported
on stderr, and nothing else is touched):
  - only the Deployment is kept: kube play ignores Namespace and Service;
  - livenessProbe httpGet becomes exec `/mcp-rust-server healthcheck` with the
    same timings: podman would turn httpGet into a `curl` healthcheck, and the
    scratch image has no curl (the binary's own subcommand does the same GET);
  - readinessProbe, startupProbe and preStop are removed: kube play runs none
    of them (the kubelet does; tests/k8s/manifest_checks.py asserts them).
Image, env, resources and securityContext are kept exactly as rendered.
"""

import sys

import yaml

docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
dep = next(d for d in docs if d["kind"] == "Deployment")
for d in docs:
    if d is not dep:
        print(f"kube-play copy: dropped {d['kind']}/{d['metadata']['name']}", file=sys.stderr)

c = dep["spec"]["template"]["spec"]["containers"][0]
live = c["livenessProbe"]
live.pop("httpGet")
live["exec"] = {"command": ["/mcp-rust-server", "healthcheck"]}
print("kube-play copy: livenessProbe httpGet /health -> exec /mcp-rust-server healthcheck", file=sys.stderr)
for key in ("readinessProbe", "startupProbe", "lifecycle"):
    if c.pop(key, None) is not None:
        print(f"kube-play copy: removed {key} (kube play does not run it)", file=sys.stderr)

yaml.safe_dump(dep, sys.stdout, sort_keys=False)
