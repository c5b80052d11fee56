"""Redis hung (SIGSTOP), and Redis killed under running replicas then
started again on the same port: stateless calls keep answering throughout,
probes stay 200, every replica reports the store down (`mcp_store_up 0`)
and rate limits fail open; once Redis is back, the same processes report it
up and share state again (fan-out, budgets) without a restart.

Runs after test_conformance/test_fanout/test_rate_limits (pytest's file
order) so that the other tests see a healthy Redis."""
import uuid

import requests
import pytest

from cluster import call_tool, wait_until
from test_fanout import TOOLS_CHANGED, listen_then_trigger
from test_rate_limits import calls_from


def calculate_through(url, count):
    results = []
    for i in range(count):
        status, answer, _ = call_tool(url, "calculate", {"operation": "add", "a": i, "b": 1}, i + 1)
        content = answer.get("result", {}).get("content") or [{}]
        results.append((status, content[0].get("text")))
    return results


@pytest.fixture(scope="module")
def pids(cluster, limited_cluster):
    return [r.process.pid for r in cluster.replicas + limited_cluster.replicas]


def test_a_hung_redis_costs_no_answer(cluster, limited_cluster, redis):
    """Redis stopped (SIGSTOP: connections open, nothing answered), the slow
    case: every call still gets its answer, bounded by the store timeout, and
    the replicas say the store is down until Redis answers again."""
    everyone = cluster.replicas + limited_cluster.replicas
    redis.process.pause()
    try:
        assert calculate_through(cluster.proxy.mcp_url, 6) == [(200, str(i + 1)) for i in range(6)]
        hung_client = f"198.18.0.{uuid.uuid4().int % 250 + 1}"
        assert calls_from(limited_cluster.proxy.mcp_url, hung_client, 30) == [200] * 30
        status, answer, _ = call_tool(cluster.replicas[1].mcp_url, "test_trigger_tool_change", {})
        assert status == 200 and "result" in answer, answer
        for replica in everyone:
            wait_until(f"{replica.name} to report the hung store down",
                       lambda r=replica: r.metric("mcp_store_up") == 0)
            assert calls_status(replica.url + "/ready") == 200
    finally:
        redis.process.resume()
    for replica in everyone:
        wait_until(f"{replica.name} to report the store up again",
                   lambda r=replica: r.metric("mcp_store_up") == 1)


def test_redis_down_then_back_with_the_same_replica_processes(cluster, limited_cluster, redis, pids):
    everyone = cluster.replicas + limited_cluster.replicas
    for replica in everyone:
        assert replica.metric("mcp_store_up") == 1, replica.name

    redis.kill()

    # Stateless calls answer, through the proxy and on every replica.
    assert calculate_through(cluster.proxy.mcp_url, 6) == [
        (200, str(i + 1)) for i in range(6)]
    for replica in everyone:
        for probe in ("/health", "/ready"):
            assert calls_status(replica.url + probe) == 200, (replica.name, probe)
        wait_until(f"{replica.name} to report the store down",
                   lambda r=replica: r.metric("mcp_store_up") == 0)
        assert "state store down" in replica.process.log(), replica.name

    # Rate limits are not enforced while the store is down: 30 of 30.
    outage_client = f"198.51.100.{uuid.uuid4().int % 250 + 1}"
    assert calls_from(limited_cluster.proxy.mcp_url, outage_client, 30) == [200] * 30

    # An announcement while Redis is down still completes (to local listeners).
    status, answer, _ = call_tool(cluster.replicas[0].mcp_url, "test_trigger_tool_change", {})
    assert status == 200 and "result" in answer, answer

    redis.start()

    for replica in everyone:
        wait_until(f"{replica.name} to report the store up again",
                   lambda r=replica: r.metric("mcp_store_up") == 1)
        assert "state store reachable again" in replica.process.log(), replica.name
    # The same processes, none restarted.
    assert [r.process.pid for r in everyone] == pids
    assert all(r.process.alive() for r in everyone)

    # Shared state works again: fan-out across replicas (the pub/sub
    # subscription came back by itself) ...
    first, second, _ = cluster.replicas
    wait_until("fan-out to work again",
               lambda: listen_then_trigger(first.mcp_url, second.mcp_url)["method"] == TOOLS_CHANGED)
    # ... and one budget across the limited replicas.
    back_client = f"203.0.113.{uuid.uuid4().int % 250 + 1}"
    statuses = calls_from(limited_cluster.proxy.mcp_url, back_client, 30)
    assert statuses.count(200) == 20 and statuses.count(429) == 10, statuses


def calls_status(url):
    return requests.get(url, timeout=5).status_code
