"""Legacy sessions (MCP_LEGACY_SESSIONS=true) live in the memory of the
replica that created them, so several replicas need routing that keeps a
client on one replica. What the README documents, nginx hashing on the
client address (ingress-nginx `upstream-hash-by: "$remote_addr"`, or a
Service with `sessionAffinity: ClientIP`), holds a whole session together
over three replicas; the round-robin control loses it."""
import requests

from cluster import HANG_GUARD_SECONDS

LEGACY = "2025-11-25"


def post(url, message, session=None):
    headers = {"Content-Type": "application/json",
               "Accept": "application/json, text/event-stream"}
    if session:
        headers["Mcp-Session-Id"] = session
        headers["MCP-Protocol-Version"] = LEGACY
    return requests.post(url, json=message, headers=headers, timeout=HANG_GUARD_SECONDS)


def session_statuses(url, calls=9):
    """Opens a session, then makes `calls` tool calls in it: the statuses."""
    opened = post(url, {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": LEGACY, "capabilities": {},
        "clientInfo": {"name": "scaleout-tests", "version": "1.0.0"}}})
    assert opened.status_code == 200, opened.text
    session = opened.headers["mcp-session-id"]
    statuses = [post(url, {"jsonrpc": "2.0", "method": "notifications/initialized"}, session).status_code]
    for i in range(calls):
        statuses.append(post(url, {"jsonrpc": "2.0", "id": i + 1, "method": "tools/call", "params": {
            "name": "echo", "arguments": {"message": f"call {i}"}}}, session).status_code)
    return statuses


def test_a_legacy_session_holds_behind_client_address_hashing_and_breaks_round_robin(legacy_clusters):
    sticky, spread = legacy_clusters
    assert session_statuses(sticky.proxy.mcp_url) == [202] + [200] * 9
    # Round-robin sends two of every three requests to replicas that never
    # saw the session: they answer 404 (the client must initialize again).
    assert 404 in session_statuses(spread.proxy.mcp_url)
