"""Assertions on the rendered manifests: what a reviewer would check by eye.

Usage: python manifest_checks.py MINIKUBE.yaml PRODUCTION.yaml CARGO_VERSION

Prints one "✓ name" or "✗ name: why" line per check (tests/k8s/run.sh counts
them) and exits 1 if any failed. A self-test first breaks a correct Deployment
in several ways and requires the checks to notice, so they can fail.
"""

import copy
import sys

import yaml

from report import exit_status, report

SELECTOR = {"app.kubernetes.io/name": "mcp-rust-server", "app.kubernetes.io/instance": "mcp-rust-server"}
NAMESPACE = "mcp-server"

def load(path):
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


def deployment_problems(dep, version, overlay):
    """Everything the issue asks of the Deployment, as a list of problems."""
    p = []

    def need(cond, msg):
        if not cond:
            p.append(msg)

    spec = dep["spec"]
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"]["labels"]
    need(spec["selector"]["matchLabels"] == SELECTOR, f"selector is {spec['selector']['matchLabels']}, want {SELECTOR}")
    need(all(labels.get(k) == v for k, v in SELECTOR.items()), "pod labels lack the selector labels")
    need(labels.get("app") == "mcp-rust-server", "pod lacks the seed's app label")
    need(labels.get("app.kubernetes.io/version") == version, f"version label is not {version}")
    need(dep["metadata"].get("namespace") == NAMESPACE, "not in namespace mcp-server")
    cs = pod["containers"]
    need(len(cs) == 1, "want exactly one container")
    c = cs[0]

    # Image: the crate version, never latest.
    image = c["image"]
    tag = image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else "latest"
    need(tag == version, f"image {image} is not tagged {version}")
    if overlay == "minikube":
        need(image == f"mcp-rust-server:{version}", f"minikube image is {image}")
        need(c.get("imagePullPolicy") in ("Never", "IfNotPresent"), "minikube pull policy must be Never/IfNotPresent")
        need(spec.get("replicas") == 1, "minikube runs 1 replica")
    else:
        need("replicas" not in spec, "production leaves replicas to the HPA")

    # Port, probes.
    ports = c.get("ports", [])
    need(ports == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}], f"ports are {ports}")

    def probe(name, path, timings):
        pr = c.get(name)
        if not pr:
            p.append(f"no {name}")
            return
        need(pr.get("httpGet") == {"path": path, "port": "http"}, f"{name} is not GET {path} on port http")
        for k, v in timings.items():
            need(pr.get(k) == v, f"{name}.{k} is {pr.get(k)}, want {v}")

    # The seed's timings for liveness and readiness.
    probe("livenessProbe", "/health", {"initialDelaySeconds": 10, "periodSeconds": 10, "timeoutSeconds": 5, "failureThreshold": 3})
    probe("readinessProbe", "/ready", {"initialDelaySeconds": 5, "periodSeconds": 5, "timeoutSeconds": 3, "failureThreshold": 3})
    probe("startupProbe", "/health", {})
    sp = c.get("startupProbe", {})
    need(sp.get("periodSeconds", 10) * sp.get("failureThreshold", 3) >= 20, "startupProbe allows under 20 s")

    # Resources: both requests and limits, requests within limits.
    res = c.get("resources", {})
    units = {"m": 1e-3, "Mi": 2**20, "Gi": 2**30, "Ki": 2**10}

    def qty(s):
        s = str(s)
        for u, f in units.items():
            if s.endswith(u):
                return float(s[: -len(u)]) * f
        return float(s)

    for kind in ("cpu", "memory"):
        req = res.get("requests", {}).get(kind)
        lim = res.get("limits", {}).get(kind)
        need(req is not None and lim is not None, f"{kind} request and limit both needed")
        if req is not None and lim is not None:
            need(qty(req) <= qty(lim), f"{kind} request {req} exceeds limit {lim}")

    # Env.
    env = env_of(c)
    for k, v in {"HOST": "0.0.0.0", "PORT": "8000", "MCP_LEGACY_SESSIONS": "false"}.items():
        need(env.get(k, {}).get("value") == v, f"env {k} is not {v!r}")
    need("value" in env.get("LOG_LEVEL", {}), "LOG_LEVEL not set")
    drain = int(env.get("SHUTDOWN_DRAIN_SECONDS", {}).get("value", "10"))

    # Shutdown: preStop sleep, then drain, all inside the grace period.
    sleep = c.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds")
    need(isinstance(sleep, int) and sleep > 0, "no preStop sleep")
    grace = pod.get("terminationGracePeriodSeconds", 30)
    need(isinstance(sleep, int) and grace > sleep + drain, f"grace {grace}s not > preStop {sleep}s + drain {drain}s")

    # Pod Security Standards "restricted", plus the extras the issue asks for.
    psc = pod.get("securityContext", {})
    csc = c.get("securityContext", {})

    def eff(key):  # container setting wins over the pod's
        return csc.get(key, psc.get(key))

    need(eff("runAsNonRoot") is True, "runAsNonRoot not true")
    need(eff("runAsUser") == 65532, "runAsUser not 65532")
    need(eff("runAsGroup") == 65532, "runAsGroup not 65532")
    need((eff("seccompProfile") or {}).get("type") == "RuntimeDefault", "seccomp not RuntimeDefault")
    need(csc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation not false")
    need(csc.get("privileged") in (None, False), "privileged")
    need(csc.get("capabilities", {}).get("drop") == ["ALL"], "capabilities do not drop ALL")
    need(not csc.get("capabilities", {}).get("add"), "capabilities added")
    need(csc.get("readOnlyRootFilesystem") is True, "root filesystem writable")
    need(pod.get("automountServiceAccountToken") is False, "service account token mounted")
    for k in ("hostNetwork", "hostPID", "hostIPC"):
        need(not pod.get(k), f"{k} set")
    need(not any("hostPath" in v for v in pod.get("volumes", [])), "hostPath volume")
    return p


REDIS_SELECTOR = {"app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "mcp-rust-server-redis"}
REDIS_URL = "redis://mcp-rust-server-redis:6379/0"


def restricted_problems(pod, container):
    """Pod Security Standards "restricted" for one container of `pod`."""
    p = []
    psc = pod.get("securityContext", {})
    csc = container.get("securityContext", {})

    def eff(key):
        return csc.get(key, psc.get(key))

    name = container.get("name")
    if eff("runAsNonRoot") is not True:
        p.append(f"{name}: runAsNonRoot not true")
    if eff("runAsUser") == 0:
        p.append(f"{name}: runs as root")
    if (eff("seccompProfile") or {}).get("type") != "RuntimeDefault":
        p.append(f"{name}: seccomp not RuntimeDefault")
    if csc.get("allowPrivilegeEscalation") is not False:
        p.append(f"{name}: allowPrivilegeEscalation not false")
    if csc.get("privileged"):
        p.append(f"{name}: privileged")
    if csc.get("capabilities", {}).get("drop") != ["ALL"] or csc.get("capabilities", {}).get("add"):
        p.append(f"{name}: capabilities not exactly drop ALL")
    if csc.get("readOnlyRootFilesystem") is not True:
        p.append(f"{name}: root filesystem writable")
    return p


def secret_file(pod, container, env_name):
    """(secret name, key) behind the file an env var names, or a problem."""
    value = env_of(container).get(env_name, {})
    if "valueFrom" in value:
        return None, f"{env_name} comes from the environment, not a file"
    path = value.get("value", "")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        secret = volumes.get(mount["name"], {}).get("secret")
        if not secret or not path.startswith(mount["mountPath"].rstrip("/") + "/"):
            continue
        if mount.get("readOnly") is not True:
            return None, f"{env_name}: mount {mount['mountPath']} is writable"
        item = path[len(mount["mountPath"].rstrip("/")) + 1:]
        for entry in secret.get("items", []):
            if entry["path"] == item:
                return (secret["secretName"], entry["key"]), None
    return None, f"{env_name}={path!r} is not a file of a mounted Secret"


def redis_problems(objs):
    """The redis component as rendered into an overlay."""
    p = []
    dep = objs.get(("Deployment", "mcp-rust-server-redis"))
    if not dep:
        return ["no Deployment mcp-rust-server-redis"]
    pod = dep["spec"]["template"]["spec"]
    labels = dep["spec"]["template"]["metadata"]["labels"]
    if dep["spec"]["selector"]["matchLabels"] != REDIS_SELECTOR:
        p.append(f"redis selector is {dep['spec']['selector']['matchLabels']}")
    if any(labels.get(k) == v for k, v in SELECTOR.items()):
        p.append("redis pods carry the server's selector labels (the server Service would route to them)")
    if dep["spec"].get("replicas") != 1:
        p.append("want exactly one Redis")
    if pod.get("automountServiceAccountToken") is not False:
        p.append("redis mounts a service account token")
    for c in pod.get("initContainers", []) + pod.get("containers", []):
        p += restricted_problems(pod, c)
        if c["image"].endswith(":latest") or ":" not in c["image"]:
            p.append(f"{c['name']}: image {c['image']} has no pinned tag")
        res = c.get("resources", {})
        if not all(res.get(k, {}).get(r) for k in ("requests", "limits") for r in ("cpu", "memory")):
            p.append(f"{c['name']}: cpu/memory requests and limits needed")
        if any("valueFrom" in e for e in c.get("env", [])):
            p.append(f"{c['name']}: a secret in the environment")
    secrets = [v["secret"]["secretName"] for v in pod.get("volumes", []) if "secret" in v]
    if secrets != ["mcp-rust-server-redis"]:
        p.append(f"redis reads secrets {secrets}, want the password file from mcp-rust-server-redis")
    svc = objs.get(("Service", "mcp-rust-server-redis"), {}).get("spec", {})
    if svc.get("selector") != REDIS_SELECTOR or [x["port"] for x in svc.get("ports", [])] != [6379]:
        p.append(f"redis Service is {svc}")
    np = objs.get(("NetworkPolicy", "mcp-rust-server-redis"), {}).get("spec", {})
    want = [{"from": [{"podSelector": {"matchLabels": SELECTOR}}], "ports": [{"protocol": "TCP", "port": 6379}]}]
    if np.get("podSelector", {}).get("matchLabels") != REDIS_SELECTOR or np.get("policyTypes") != ["Ingress"] \
            or np.get("ingress") != want:
        p.append(f"redis NetworkPolicy does not admit only the server pods on 6379: {np}")
    return p


def server_state_problems(objs):
    """The server's side of the shared state: Redis URL, and the password and
    request-state keys as files of mounted Secrets."""
    p = []
    pod = objs[("Deployment", "mcp-rust-server")]["spec"]["template"]["spec"]
    c = pod["containers"][0]
    url = env_of(c).get("MCP_REDIS_URL", {}).get("value")
    if url != REDIS_URL:
        p.append(f"MCP_REDIS_URL is {url!r}, want {REDIS_URL}")
    for env_name, want in (("MCP_REDIS_PASSWORD_FILE", ("mcp-rust-server-redis", "password")),
                           ("MCP_REQUEST_STATE_KEYS_FILE", ("mcp-rust-server-request-state", "keys"))):
        found, problem = secret_file(pod, c, env_name)
        if problem:
            p.append(problem)
        elif found != want:
            p.append(f"{env_name} is secret {found}, want {want}")
    return p


def state_self_test(prod):
    """Planted faults in the redis component and the server's wiring must
    be noticed."""
    def redis_pod(o):
        return o[("Deployment", "mcp-rust-server-redis")]["spec"]["template"]["spec"]

    def server_container(o):
        return o[("Deployment", "mcp-rust-server")]["spec"]["template"]["spec"]["containers"][0]

    def env_secret(o):
        env = env_of(server_container(o))["MCP_REDIS_PASSWORD_FILE"]
        env.pop("value")
        env["valueFrom"] = {"secretKeyRef": {"name": "mcp-rust-server-redis", "key": "password"}}

    mutations = {
        "redis as root": (redis_problems, lambda o: redis_pod(o)["containers"][0]["securityContext"].update(runAsUser=0)),
        "redis escalates": (redis_problems, lambda o: redis_pod(o)["initContainers"][0]["securityContext"].update(allowPrivilegeEscalation=True)),
        "redis open to all": (redis_problems, lambda o: o[("NetworkPolicy", "mcp-rust-server-redis")]["spec"]["ingress"][0].pop("from")),
        "redis pods look like servers": (redis_problems, lambda o: o[("Deployment", "mcp-rust-server-redis")]["spec"]["template"]["metadata"]["labels"].update(SELECTOR)),
        "password in the environment": (server_state_problems, env_secret),
        "keys file outside the Secret": (server_state_problems, lambda o: env_of(server_container(o))["MCP_REQUEST_STATE_KEYS_FILE"].update(value="/tmp/keys")),
    }
    missed = []
    for name, (check, mutate) in mutations.items():
        objs = copy.deepcopy(prod)
        mutate(objs)
        if not check(objs):
            missed.append(name)
    report(f"self-test: the shared-state checks catch {len(mutations)} planted faults", [f"missed: {m}" for m in missed])


def self_test(dep, version):
    """Each mutation must make deployment_problems() complain."""
    mutations = {
        "writable root": lambda d: d["spec"]["template"]["spec"]["containers"][0]["securityContext"].update(readOnlyRootFilesystem=False),
        "root user": lambda d: d["spec"]["template"]["spec"]["containers"][0]["securityContext"].update(runAsUser=0),
        "short grace": lambda d: d["spec"]["template"]["spec"].update(terminationGracePeriodSeconds=12),
        "no limits": lambda d: d["spec"]["template"]["spec"]["containers"][0]["resources"].pop("limits"),
        "latest tag": lambda d: d["spec"]["template"]["spec"]["containers"][0].update(image="mcp-rust-server:latest"),
        "seed liveness delay changed": lambda d: d["spec"]["template"]["spec"]["containers"][0]["livenessProbe"].update(initialDelaySeconds=0),
        "version in selector": lambda d: d["spec"]["selector"]["matchLabels"].update({"app.kubernetes.io/version": version}),
    }
    missed = []
    for name, mutate in mutations.items():
        d = copy.deepcopy(dep)
        mutate(d)
        if not deployment_problems(d, version, "minikube"):
            missed.append(name)
    report(f"self-test: the Deployment checks catch {len(mutations)} planted faults", [f"missed: {m}" for m in missed])


def main():
    mk_path, prod_path, version = sys.argv[1:4]
    mk, prod = load(mk_path), load(prod_path)
    dep_key = ("Deployment", "mcp-rust-server")
    for name, objs in (("minikube", mk), ("production", prod)):
        if dep_key not in objs:
            report(f"{name}: Deployment rendered", ["missing"])
            continue
        report(f"{name}: Deployment (labels, image, probes, resources, shutdown, restricted securityContext)",
               deployment_problems(objs[dep_key], version, name))
        svc = objs.get(("Service", "mcp-rust-server"))
        report(f"{name}: Service ClusterIP 80 -> http, selector = selector labels",
               [] if svc and svc["spec"]["type"] == "ClusterIP" and svc["spec"]["selector"] == SELECTOR
               and svc["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]
               else [f"got {svc and svc['spec']}"])
        ns = objs.get(("Namespace", NAMESPACE), {})
        report(f"{name}: Namespace {NAMESPACE} enforces Pod Security 'restricted'",
               [] if ns.get("metadata", {}).get("labels", {}).get("pod-security.kubernetes.io/enforce") == "restricted"
               else ["missing enforce=restricted label"])
        report(f"{name}: every namespaced object is in {NAMESPACE}",
               [f"{k}" for k, d in objs.items() if k[0] != "Namespace" and d["metadata"].get("namespace") != NAMESPACE])

    self_test(mk[dep_key], version)

    # Production-only objects.
    hpa = prod.get(("HorizontalPodAutoscaler", "mcp-rust-server"), {}).get("spec", {})
    report("production: HPA on CPU, minReplicas >= 2, targets the Deployment",
           [] if hpa.get("minReplicas", 0) >= 2 and hpa.get("maxReplicas", 0) > hpa.get("minReplicas", 0)
           and hpa.get("scaleTargetRef") == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "mcp-rust-server"}
           and [m["resource"]["name"] for m in hpa.get("metrics", [])] == ["cpu"] else [f"got {hpa}"])
    pdb = prod.get(("PodDisruptionBudget", "mcp-rust-server"), {}).get("spec", {})
    report("production: PodDisruptionBudget selects the pods and allows one disruption",
           [] if pdb.get("selector", {}).get("matchLabels") == SELECTOR and pdb.get("maxUnavailable") == 1 else [f"got {pdb}"])
    np = prod.get(("NetworkPolicy", "mcp-rust-server"), {}).get("spec", {})
    report("production: NetworkPolicy admits only TCP 8000",
           [] if np.get("podSelector", {}).get("matchLabels") == SELECTOR and np.get("policyTypes") == ["Ingress"]
           and np.get("ingress") == [{"ports": [{"protocol": "TCP", "port": 8000}]}] else [f"got {np}"])
    pod = prod.get(("Deployment", "mcp-rust-server"), {}).get("spec", {}).get("template", {}).get("spec", {})
    keys = [t["topologyKey"] for t in pod.get("topologySpreadConstraints", [])
            if t.get("labelSelector", {}).get("matchLabels") == SELECTOR]
    report("production: topology spread over hostname and zone",
           [] if keys == ["kubernetes.io/hostname", "topology.kubernetes.io/zone"] else [f"got {keys}"])
    c = (pod.get("containers") or [{}])[0]
    env = env_of(c)
    secret_env = [name for name, var in env.items() if "secretKeyRef" in var.get("valueFrom", {})]
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
    tokens_file = env.get("MCP_AUTH_TOKENS_FILE", {}).get("value", "")
    mount = mounts.get(tokens_file.rsplit("/", 1)[0], {})
    secret = volumes.get(mount.get("name"), {}).get("secret", {})
    report("production: tokens from Secret mcp-rust-server-auth mounted read-only as MCP_AUTH_TOKENS_FILE",
           [] if tokens_file.endswith("/tokens") and mount.get("readOnly") is True
           and secret.get("secretName") == "mcp-rust-server-auth" and secret.get("optional") is False
           else [f"got file={tokens_file!r} mount={mount} secret={secret}"])
    report("production: no Secret reaches the pod as an environment variable",
           [] if not secret_env else [f"secret env vars: {secret_env}"])
    refs = [e.get("configMapRef", {}).get("name", "") for e in c.get("envFrom", [])]
    otel = next((d for (kind, name), d in prod.items() if kind == "ConfigMap" and name in refs), {}).get("data", {})
    report("production: OTEL_* from a ConfigMap, the collector endpoint a marked placeholder",
           [] if set(otel) >= {"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_SERVICE_NAME",
                               "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG"}
           and ".invalid" in otel.get("OTEL_EXPORTER_OTLP_ENDPOINT", "") else [f"envFrom {refs}, got {otel}"])
    mk_auth = env_of(mk[dep_key]["spec"]["template"]["spec"]["containers"][0]).get("MCP_AUTH_TOKENS")
    report("minikube: no auth Secret needed", [] if mk_auth is None else ["minikube wires MCP_AUTH_TOKENS"])
    report("production: Redis (one pod, restricted, pinned image, password file from a Secret, "
           "NetworkPolicy admits only the server pods on 6379)", redis_problems(prod))
    report("production: server wired to Redis; its password and the request-state keys are Secret files",
           server_state_problems(prod))
    mk_store = env_of(mk[dep_key]["spec"]["template"]["spec"]["containers"][0]).get("MCP_REDIS_URL")
    report("minikube: one replica, in-memory store (no Redis)",
           [] if mk_store is None and ("Deployment", "mcp-rust-server-redis") not in mk else ["minikube wires Redis"])
    state_self_test(prod)
    sys.exit(exit_status())


if __name__ == "__main__":
    main()
