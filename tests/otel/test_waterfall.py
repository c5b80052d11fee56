"""One caller's trace through several MCP requests, rendered from the spans the receiver decoded.
With WATERFALL_SVG set, the picture is written there (that is how docs/trace-waterfall.svg is made)."""

import os
import tempfile

from test_traces import LEGACY, PARENT_ID, TRACE_ID, TRACEPARENT, call
from waterfall import render


def test_one_callers_requests_form_one_trace_and_render_as_a_waterfall(receiver, server_for):
    server = server_for(receiver.endpoint)
    meta = {"traceparent": TRACEPARENT}
    requests = [
        {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": meta}},
        call(2, "calculate", {"operation": "multiply", "a": 6, "b": 7}, meta),
        call(3, "calculate", {"operation": "divide", "a": 1, "b": 0}, meta),
        {"jsonrpc": "2.0", "id": 4, "method": "resources/read",
         "params": {"uri": "mcp://demo/status", "_meta": meta}},
        call(5, "echo", {"message": "done"}, meta),
    ]
    for body in requests:
        assert server.post(body, LEGACY)[0] == 200
    for i in range(1, 6):
        receiver.wait_for(lambda s, i=i: s["attributes"].get("jsonrpc.request.id") == str(i))
    spans = [s for s in receiver.spans if s["trace_id"] == TRACE_ID]
    assert len(spans) == 5
    assert {s["parent_span_id"] for s in spans} == {PARENT_ID}
    svg = render(spans, "One MCP client's trace: five requests to mcp-rust-server")
    for text in ("tools/list", "tools/call calculate", "resources/read", "tools/call echo", "error.type=tool_error",
                 "mcp.resource.uri=mcp://demo/status"):
        assert text in svg, text
    path = os.environ.get("WATERFALL_SVG") or os.path.join(tempfile.mkdtemp(), "waterfall.svg")
    with open(path, "w") as f:
        f.write(svg)
