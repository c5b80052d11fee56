"""MCP_RATE_LIMIT=20/minute on all three replicas behind nginx: one budget
per client across the replicas (counted in Redis), 429 past it with the
JSON-RPC error body on /mcp, `{detail}` on REST, and the rate-limit headers."""
import uuid

import requests

from cluster import call_tool


def calls_from(url, client_address, count):
    """`count` stateless tools/call through nginx on behalf of
    `client_address` (nginx appends the peer to X-Forwarded-For; the
    replicas trust nginx, so the address is the principal)."""
    statuses = []
    with requests.Session() as client:
        for i in range(count):
            status, _, _ = call_tool(url, "echo", {"message": f"hello {i}"}, i + 1,
                                     {"X-Forwarded-For": client_address}, client)
            statuses.append(status)
    return statuses


def a_client_address():
    """A client no other test has used: the cluster (and its budgets) is
    shared by the module, so a reused address would start out spent. 64
    random bits of the IPv6 documentation prefix cannot collide here."""
    random = uuid.uuid4().hex
    return "2001:db8::" + ":".join(random[i:i + 4] for i in range(0, 16, 4))


def test_thirty_calls_through_three_replicas_get_exactly_twenty_answers(limited_cluster):
    statuses = calls_from(limited_cluster.proxy.mcp_url, a_client_address(), 30)
    assert statuses.count(200) == 20, statuses
    assert statuses.count(429) == 10, statuses
    # The budget was shared: each replica answered some of the twenty.
    for replica in limited_cluster.replicas:
        assert replica.metric('mcp_requests_total{method="tools/call"}') > 0, replica.name


def test_the_429_on_mcp_is_a_json_rpc_error_with_rate_limit_headers(limited_cluster):
    address = a_client_address()
    calls_from(limited_cluster.proxy.mcp_url, address, 20)
    status, body, headers = call_tool(limited_cluster.proxy.mcp_url, "echo", {"message": "x"}, 99,
                                      {"X-Forwarded-For": address})
    assert status == 429
    assert body["jsonrpc"] == "2.0" and body["id"] is None
    assert body["error"]["code"] == -32000
    assert body["error"]["message"].startswith("Rate limit exceeded: 20 requests per 60 s")
    retry_after = int(headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert headers["ratelimit-policy"] == '"default";q=20;w=60'
    assert headers["ratelimit"] == f'"default";r=0;t={retry_after}'


def test_rest_shares_the_budget_and_answers_429_with_detail(limited_cluster):
    address = a_client_address()
    headers = {"X-Forwarded-For": address}
    proxy = limited_cluster.proxy.url
    answered = [requests.get(f"{proxy}/mcp/tools", headers=headers, timeout=10) for _ in range(20)]
    assert [r.status_code for r in answered] == [200] * 20
    assert answered[0].headers["ratelimit"] == '"default";r=19;t=60'
    refused = requests.get(f"{proxy}/mcp/tools", headers=headers, timeout=10)
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("Rate limit exceeded")
    # Probes and /metrics are never limited.
    for path in ("/health", "/ready", "/metrics"):
        assert requests.get(f"{proxy}{path}", headers=headers, timeout=10).status_code == 200, path
