"""The official conformance suite (the pinned 0.2.0-alpha.12 CLI,
`--requirements 2026-07-28`) through nginx over three replicas, scored like
run 3 of tests/conformance/run.sh: every scenario the revision requires
must pass. The ten `tasks-*` scenarios of the tasks extension are scored as
well once the servers advertise the extension in `server/discover`; until
then they are reported, one line each."""
import os
import subprocess
import sys

from cluster import HANG_GUARD_SECONDS, rpc

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))

import summarize  # noqa: E402

CLI = os.environ.get("CONFORMANCE_0_2_JS", "")
TASKS_EXTENSION = "io.modelcontextprotocol/tasks"


def scenario_lists():
    """(required server scenarios, [(not scored server scenario, reason)])."""
    listing = subprocess.run(
        ["node", CLI, "list", "--server", "--requirements", "2026-07-28"],
        capture_output=True, text=True, check=True, timeout=120).stdout
    required, not_scored, section, reason = [], [], None, ""
    for line in listing.splitlines():
        if line.startswith("Server scenarios"):
            section = "server"
        elif line.startswith("Client scenarios"):
            section = "client"
        elif line.startswith("Run and reported, but never scored"):
            section = "not scored"
        elif section == "server" and line.startswith("  - "):
            required.append(line.split()[1])
        elif section == "not scored" and line.startswith("  ") and not line.startswith("    ") \
                and line.rstrip().endswith(":"):
            reason = line.strip().split(" (")[0]
        elif section == "not scored" and line.startswith("    - ") and "[server]" in line:
            not_scored.append((line.split()[1], reason))
    return required, not_scored


def advertises_tasks(url):
    status, message, _ = rpc(url, "server/discover", {})
    assert status == 200, message
    return TASKS_EXTENSION in str(message.get("result", {}).get("capabilities", {}))


def test_the_2026_suite_passes_through_a_round_robin_proxy(cluster, workdir):
    assert CLI and os.path.isfile(CLI), "CONFORMANCE_0_2_JS must name the pinned CLI"
    required, not_scored = scenario_lists()
    assert len(required) >= 30, required
    tasks = [name for name, _ in not_scored if name.startswith("tasks-")]
    score_tasks = advertises_tasks(cluster.proxy.mcp_url)

    out = os.path.join(workdir, "conformance")
    run = subprocess.run(
        ["node", CLI, "server", "--url", cluster.proxy.mcp_url,
         "--requirements", "2026-07-28", "-o", out],
        capture_output=True, text=True, cwd=workdir, timeout=20 * HANG_GUARD_SECONDS)
    with open(os.path.join(workdir, "conformance-cli.log"), "w", encoding="utf-8") as f:
        f.write(run.stdout + run.stderr)
    results = summarize.load_results(out)

    scored = required + (tasks if score_tasks else [])
    failed = [name for name in scored if summarize.verdict(results.get(name))[0] != "pass"]
    print(f"\nscored through the proxy: {len(scored) - len(failed)}/{len(scored)} passed"
          f" (tasks-* {'scored' if score_tasks else 'reported only: extension not advertised'})")
    for name in tasks:
        print(f"  {name}: {summarize.verdict(results.get(name))[0]}")
    for name in failed:
        for check in summarize.verdict(results.get(name))[1][:3]:
            print(f"  FAIL {name}: {check.get('id')}: {(check.get('errorMessage') or '')[:300]}")
    assert failed == [], f"failing through the proxy: {failed}"
    # The suite reached every replica, not one of them by chance.
    for replica in cluster.replicas:
        assert replica.metric('mcp_requests_total{method="tools/call"}') > 0, replica.name
