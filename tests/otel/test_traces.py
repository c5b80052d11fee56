"""Spans per the OpenTelemetry MCP semantic conventions, as a real OTLP receiver decodes them from
the server's exports (http/protobuf and grpc), and the audit trail from the server's JSON log."""

from __future__ import annotations

import json
import subprocess
import urllib.request

from conftest import free_port, otel_env, server_binary
from receiver import SERVER_KIND, STATUS_ERROR

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_ID = "b7ad6b7169203331"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"
HEADER_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
HEADER_TRACEPARENT = f"00-{HEADER_TRACE_ID}-00f067aa0ba902b7-01"
LEGACY = {"mcp-protocol-version": "2025-11-25"}
# An argument value that must never leave the request: not in a span, not in a log line.
SECRET = "hunter2-do-not-log"
META_2026 = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
             "io.modelcontextprotocol/clientInfo": {"name": "otel-test", "version": "1"},
             "io.modelcontextprotocol/clientCapabilities": {}}


def call(id_, name, arguments, meta=None):
    params = {"name": name, "arguments": arguments}
    if meta is not None:
        params["_meta"] = meta
    return {"jsonrpc": "2.0", "id": id_, "method": "tools/call", "params": params}


def named(name, id_):
    return lambda s: s["name"] == name and s["attributes"].get("jsonrpc.request.id") == str(id_)


def test_a_fast_path_tool_call_is_one_server_span_under_the_meta_traceparent(receiver, server_for):
    server = server_for(receiver.endpoint)
    # The HTTP header names another trace: `_meta` wins.
    status, body = server.post(call(7, "calculate", {"operation": "add", "a": 1, "b": 2}, {"traceparent": TRACEPARENT}),
                               {**LEGACY, "traceparent": HEADER_TRACEPARENT})
    assert (status, body["result"]["content"][0]["text"]) == (200, "3")
    span = receiver.wait_for(named("tools/call calculate", 7))
    assert span["kind"] == SERVER_KIND
    assert (span["trace_id"], span["parent_span_id"]) == (TRACE_ID, PARENT_ID)
    assert span["service"] == "mcp-rust-server"
    attributes = dict(span["attributes"])
    assert attributes.pop("client.port") > 0
    assert attributes == {
        "mcp.method.name": "tools/call",
        "gen_ai.tool.name": "calculate",
        "gen_ai.operation.name": "execute_tool",
        "mcp.protocol.version": "2025-11-25",
        "jsonrpc.request.id": "7",
        "network.transport": "tcp",
        "network.protocol.name": "http",
        "network.protocol.version": "1.1",
        "client.address": "127.0.0.1",
    }
    assert span["status"] != STATUS_ERROR


def test_without_meta_the_parent_is_the_http_traceparent_header(receiver, server_for):
    server = server_for(receiver.endpoint)
    status, _ = server.post(call(8, "echo", {"message": "hi"}), {**LEGACY, "traceparent": HEADER_TRACEPARENT})
    assert status == 200
    span = receiver.wait_for(named("tools/call echo", 8))
    assert (span["trace_id"], span["parent_span_id"]) == (HEADER_TRACE_ID, "00f067aa0ba902b7")


def test_a_tool_error_and_a_json_rpc_error_set_error_type(receiver, server_for):
    server = server_for(receiver.endpoint)
    _, body = server.post(call(9, "calculate", {"operation": "divide", "a": 1, "b": 0}), LEGACY)
    assert body["result"]["isError"] is True
    # An Origin header sends the request through rmcp rather than the fast path.
    _, body = server.post(call(10, "no_such_tool", {}), {**LEGACY, "origin": "http://localhost:1"})
    assert body["error"]["code"] == -32602
    tool_error = receiver.wait_for(named("tools/call calculate", 9))
    assert tool_error["attributes"]["error.type"] == "tool_error"
    assert tool_error["status"] == STATUS_ERROR
    unknown = receiver.wait_for(named("tools/call no_such_tool", 10))
    assert unknown["attributes"]["error.type"] == "-32602"
    assert unknown["status"] == STATUS_ERROR


def test_the_2026_07_28_era_has_its_version_and_meta_parent(receiver, server_for):
    server = server_for(receiver.endpoint)
    headers = {"mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "echo"}
    status, body = server.post(call(11, "echo", {"message": "x"}, {**META_2026, "traceparent": TRACEPARENT}), headers)
    assert (status, body["result"]["resultType"]) == (200, "complete")
    span = receiver.wait_for(named("tools/call echo", 11))
    assert span["attributes"]["mcp.protocol.version"] == "2026-07-28"
    assert (span["trace_id"], span["parent_span_id"]) == (TRACE_ID, PARENT_ID)
    # Through rmcp (not the fast path): tools/list, same era.
    listing = {"jsonrpc": "2.0", "id": 12, "method": "tools/list", "params": {"_meta": META_2026}}
    status, body = server.post(listing, {"mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list"})
    assert status == 200 and body["result"]["tools"]
    span = receiver.wait_for(named("tools/list", 12))
    assert span["attributes"]["mcp.protocol.version"] == "2026-07-28"
    assert "error.type" not in span["attributes"]


def test_resources_read_names_the_uri_and_legacy_sessions_their_id(receiver, server_for):
    server = server_for(receiver.endpoint, MCP_LEGACY_SESSIONS="true")
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    http = urllib.request.Request(server.url, data=json.dumps(initialize).encode(), method="POST", headers={
        "content-type": "application/json", "accept": "application/json, text/event-stream"})
    with urllib.request.urlopen(http, timeout=30) as response:
        session = response.headers["mcp-session-id"]
        response.read()
    headers = {**LEGACY, "mcp-session-id": session}
    status, _ = server.post({"jsonrpc": "2.0", "method": "notifications/initialized"}, headers)
    assert status == 202
    read = {"jsonrpc": "2.0", "id": 13, "method": "resources/read", "params": {"uri": "mcp://demo/status"}}
    http = urllib.request.Request(server.url, data=json.dumps(read).encode(), method="POST", headers={
        "content-type": "application/json", "accept": "application/json, text/event-stream", **headers})
    with urllib.request.urlopen(http, timeout=30) as response:
        assert b"operational" in response.read()
    span = receiver.wait_for(named("resources/read", 13))
    assert span["attributes"]["mcp.resource.uri"] == "mcp://demo/status"
    assert span["attributes"]["mcp.session.id"] == session
    lines = server.stop()
    audit = [line for line in lines if line.get("target") == "audit"]
    assert [(a["method"], a["uri"], a["outcome"], a["jsonrpc_id"]) for a in audit] == [
        ("resources/read", "mcp://demo/status", "success", "13")]


def test_stdio_requests_are_spans_too_flushed_at_exit(receiver):
    lines = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        call(2, "echo", {"message": SECRET}, {"traceparent": TRACEPARENT}),
        call(3, "calculate", {"operation": "divide", "a": 1, "b": 0}),
    ]
    # The default batch delay (5 s) is left as is: the spans must arrive by the flush at exit.
    env = otel_env(receiver.endpoint)
    del env["OTEL_BSP_SCHEDULE_DELAY"]
    stdin = "".join(json.dumps(line) + "\n" for line in lines)
    done = subprocess.run([server_binary(), "stdio"], input=stdin, capture_output=True, text=True, env=env,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    # rmcp handles requests concurrently: answers may come in any order.
    assert sorted(a["id"] for a in answers) == [1, 2, 3]
    echo = receiver.wait_for(named("tools/call echo", 2), timeout=5)
    assert echo["attributes"]["network.transport"] == "pipe"
    assert echo["attributes"]["mcp.protocol.version"] == "2025-11-25"
    assert (echo["trace_id"], echo["parent_span_id"]) == (TRACE_ID, PARENT_ID)
    divide = receiver.wait_for(named("tools/call calculate", 3), timeout=5)
    assert divide["attributes"]["error.type"] == "tool_error"
    receiver.wait_for(named("initialize", 1), timeout=5)
    assert SECRET not in json.dumps(receiver.spans)
    audit = [json.loads(line) for line in done.stderr.splitlines() if '"target":"audit"' in line]
    audit.sort(key=lambda a: a["jsonrpc_id"])
    assert [(a["jsonrpc_id"], a["tool"], a["outcome"]) for a in audit] == [
        ("2", "echo", "success"), ("3", "calculate", "tool_error")]
    assert audit[0]["trace_id"] == TRACE_ID
    assert SECRET not in done.stderr


def test_grpc_export_delivers_the_same_span(grpc_receiver, server_for):
    server = server_for(grpc_receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL="grpc")
    status, _ = server.post(call(14, "calculate", {"operation": "multiply", "a": 6, "b": 7},
                                 {"traceparent": TRACEPARENT}), LEGACY)
    assert status == 200
    span = grpc_receiver.wait_for(named("tools/call calculate", 14))
    assert (span["kind"], span["trace_id"]) == (SERVER_KIND, TRACE_ID)
    assert span["attributes"]["gen_ai.tool.name"] == "calculate"


def test_audit_lines_are_json_with_who_what_outcome_and_trace_never_arguments(receiver, server_for):
    server = server_for(receiver.endpoint)
    assert server.post(call(15, "echo", {"message": SECRET}, {"traceparent": TRACEPARENT}), LEGACY)[0] == 200
    assert server.post(call(16, "calculate", {"operation": "divide", "a": 1, "b": 0}), LEGACY)[0] == 200
    assert server.post(call("s-17", "nope", {}), LEGACY)[0] == 200
    assert server.post({"jsonrpc": "2.0", "id": 18, "method": "tools/list"}, LEGACY)[0] == 200
    echo = receiver.wait_for(named("tools/call echo", 15))
    lines = server.stop()
    audit = [line for line in lines if line.get("target") == "audit"]
    assert [(a["method"], a["tool"], a["outcome"], a.get("error_type"), a["jsonrpc_id"]) for a in audit] == [
        ("tools/call", "echo", "success", None, "15"),
        ("tools/call", "calculate", "tool_error", "tool_error", "16"),
        ("tools/call", "nope", "error", "-32602", "s-17"),
    ]
    assert audit[0]["trace_id"] == echo["trace_id"] == TRACE_ID
    assert all(a["level"] == "INFO" and a["message"] == "audit" and a["latency_ms"] >= 0 for a in audit)
    assert "principal" not in audit[0], "no principal without authentication"
    assert SECRET not in server.log.read_text()
    assert SECRET not in json.dumps(receiver.spans)


def test_a_collector_that_is_down_fails_no_request(server_for):
    # Nothing listens there: every export fails, in the exporter's thread.
    server = server_for(f"http://127.0.0.1:{free_port()}")
    for i in range(50):
        status, body = server.post(call(i, "calculate", {"operation": "add", "a": i, "b": 1}), LEGACY)
        assert (status, body["result"]["content"][0]["text"]) == (200, str(i + 1))
    server.stop()
