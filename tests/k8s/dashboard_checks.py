"""Assertions on the Grafana dashboard component, as rendered, against a real scrape.

Usage: python dashboard_checks.py RENDERED.yaml METRICS.txt

RENDERED.yaml is an overlay that includes components/grafana-dashboard; METRICS.txt is
GET /metrics of a running server after some traffic. Every query is parsed with the
Prometheus grammar (promql_metrics.cjs, under Node with NODE_PATH at the pinned tools), and
every metric and label it reads must be one the server serves. The one exception is
mcp_server_operation_duration_seconds (the semconv mcp.server.operation.duration), which the
dashboard shows before the server serves it: its labels are held to the documented ones.

Prints one "✓ name" or "✗ name: why" line per check (tests/k8s/run.sh counts them) and
exits 1 if any failed. A control first feeds the parser a broken query and requires an error.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

from report import exit_status, report

HERE = Path(__file__).resolve().parent
NAMESPACE = "mcp-server"
CONFIGMAP = "mcp-rust-server-dashboard"
# Added by the scrape (ServiceMonitor target labels) or by histograms, not by the server.
TARGET_LABELS = {"namespace", "pod", "job", "instance", "service", "container", "endpoint"}
PENDING = "mcp_server_operation_duration_seconds"
PENDING_LABELS = {"method", "error_type", "tool", "le"}
# Sample suffixes by family type (OpenMetrics).
SUFFIXES = {
    "counter": ["_total"],
    "gauge": [""],
    "histogram": ["_bucket", "_sum", "_count"],
    "info": ["_info"],
}

def served(scrape):
    """Sample name -> label names seen on it, from OpenMetrics text."""
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", scrape, re.M))
    samples = {}
    for family, kind in types.items():
        for suffix in SUFFIXES.get(kind, [""]):
            samples[family + suffix] = set()
    for name, labels in re.findall(r"^([a-zA-Z_:][\w:]*)\{([^}]*)\}", scrape, re.M):
        samples.setdefault(name, set()).update(re.findall(r'(\w+)="', labels))
    return samples


def parse(queries):
    out = subprocess.run(
        ["node", str(HERE / "promql_metrics.cjs")], input=json.dumps(queries), capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"✗ promql_metrics.cjs failed: {out.stderr}")
    return json.loads(out.stdout)


def grafana_to_promql(expr):
    """Grafana substitutes its interval variables before the query reaches Prometheus."""
    return re.sub(r"\$__(rate_)?interval", "1m", expr)


def main(rendered_path, metrics_path):
    docs = [d for d in yaml.safe_load_all(open(rendered_path)) if d]
    maps = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == CONFIGMAP]
    report("the component renders one dashboard ConfigMap", [] if len(maps) == 1 else [f"found {len(maps)}"])
    if len(maps) != 1:
        return
    cm = maps[0]
    meta = cm["metadata"]
    p = []
    if meta.get("labels", {}).get("grafana_dashboard") != "1":
        p.append(f"labels {meta.get('labels')}")
    if meta.get("namespace") != NAMESPACE:
        p.append(f"namespace {meta.get('namespace')!r}")
    report("the ConfigMap carries the Grafana sidecar's label and the overlay's namespace", p)
    files = cm.get("data", {})
    problems = [] if list(files) == ["mcp-rust-server.json"] else [f"data keys {list(files)}"]
    try:
        dashboard = json.loads(next(iter(files.values())))
    except (StopIteration, json.JSONDecodeError) as e:
        report("the dashboard is one JSON document", [str(e)])
        return
    report("the dashboard is one JSON document", problems)

    panels = [p for p in dashboard.get("panels", []) if p.get("type") != "row"]
    ids = [p["id"] for p in dashboard["panels"]]
    variables = {v["name"]: v for v in dashboard.get("templating", {}).get("list", [])}
    p = []
    if dashboard.get("uid") != "mcp-rust-server":
        p.append(f"uid {dashboard.get('uid')!r}")
    if len(set(ids)) != len(ids):
        p.append(f"duplicate panel ids {ids}")
    if variables.get("datasource", {}).get("query") != "prometheus":
        p.append("no Prometheus data source variable")
    for panel in panels:
        for holder in [panel, *panel.get("targets", [])]:
            if holder.get("datasource") != {"type": "prometheus", "uid": "${datasource}"}:
                p.append(f"panel {panel['title']!r} does not use the data source variable")
                break
        if not panel.get("targets"):
            p.append(f"panel {panel['title']!r} has no query")
    report(f"{len(panels)} panels: unique ids, every query on the data source variable", p)

    queries = [(panel["title"], t["expr"]) for panel in panels for t in panel["targets"]]
    queries += [(f"variable {n}", v["definition"]) for n, v in variables.items() if v.get("type") == "query"]
    promql = [grafana_to_promql(re.sub(r"^label_values\((.*), *\w+\)$", r"\1", q)) for _, q in queries]

    control = parse(["sum(rate(http_requests_total[1m])"])[0]
    report("control: the PromQL parser rejects an unclosed parenthesis", [] if control["errors"] else ["no error"])

    parsed = parse(promql)
    report(
        f"all {len(queries)} queries parse as PromQL",
        [f"{title}: {r['errors']}" for (title, _), r in zip(queries, parsed) if r["errors"]],
    )

    samples = served(open(metrics_path).read())
    unknown, bad_labels = [], []
    referenced = set()
    for (title, _), result in zip(queries, parsed):
        allowed = set(TARGET_LABELS) | {"le"}
        for metric in result["metrics"]:
            referenced.add(metric)
            if metric.startswith(PENDING):
                allowed |= PENDING_LABELS
            elif metric in samples:
                allowed |= samples[metric]
            else:
                unknown.append(f"{title}: {metric}")
        extra = set(result["labels"]) - allowed
        if extra:
            bad_labels.append(f"{title}: {sorted(extra)}")
    report("every metric a query reads is served by GET /metrics", unknown)
    report("every label a query matches or groups by is on the metrics it reads", bad_labels)

    shown = {re.sub(r"_(total|bucket|sum|count|info)$", "", m) for m in referenced}
    wanted = {re.sub(r"_(total|bucket|sum|count|info)$", "", s) for s in samples}
    missing = sorted(wanted - shown)
    report("every metric family the server serves has a panel", [f"not shown: {missing}"] if missing else [])
    pending = PENDING in {re.sub(r"_(bucket|sum|count)$", "", m) for m in referenced}
    served_yet = any(s.startswith(PENDING) for s in samples)
    report(
        f"{PENDING} is on the dashboard ({'served' if served_yet else 'not served by this build yet'})",
        [] if pending else ["no query reads it"],
    )


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
    sys.exit(exit_status())
