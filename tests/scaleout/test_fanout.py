"""`subscriptions/listen` across replicas: a list change announced through
one replica reaches a listener whose stream is open on another (Redis
pub/sub), with exactly the notification the listener asked for."""
import requests

from cluster import HANG_GUARD_SECONDS, call_tool, headers_for, request_body, sse_messages

TOOLS_CHANGED = "notifications/tools/list_changed"


def listen_then_trigger(listener_url, trigger_url, trigger_tool="test_trigger_tool_change"):
    """Opens a listen stream on `listener_url` (tools list changes only),
    triggers `trigger_tool` on `trigger_url` once acknowledged, and returns
    the first notification after the acknowledgement."""
    body = request_body(7, "subscriptions/listen", {"notifications": {"toolsListChanged": True}})
    with requests.post(listener_url, json=body, headers=headers_for("subscriptions/listen"),
                       stream=True, timeout=HANG_GUARD_SECONDS) as stream:
        assert stream.status_code == 200, stream.text
        messages = sse_messages(stream.iter_lines())
        first = next(messages)
        assert first["method"] == "notifications/subscriptions/acknowledged", first
        status, answer, _ = call_tool(trigger_url, trigger_tool, {})
        assert status == 200 and "result" in answer, answer
        return next(messages)


def test_a_change_on_one_replica_reaches_a_listener_on_another(cluster):
    first, second, third = cluster.replicas
    for listener, trigger in [(first, second), (second, third), (third, first)]:
        notification = listen_then_trigger(listener.mcp_url, trigger.mcp_url)
        assert notification["method"] == TOOLS_CHANGED, notification
        assert notification["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"]
