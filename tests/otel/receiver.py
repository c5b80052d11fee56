"""An OTLP trace receiver for the tests: http/protobuf (POST /v1/traces) and grpc (TraceService/Export).

Both decode the official `ExportTraceServiceRequest` with the `opentelemetry-proto` package and keep
every span as a plain dict (name, kind, ids, parent, status, attributes, service name), so tests assert
on what the server really exported.
"""
import threading
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.trace.v1 import trace_pb2

SERVER_KIND = trace_pb2.Span.SpanKind.SPAN_KIND_SERVER
STATUS_ERROR = trace_pb2.Status.StatusCode.STATUS_CODE_ERROR


def _value(any_value):
    kind = any_value.WhichOneof("value")
    return getattr(any_value, kind) if kind else None


def decode(request: trace_service_pb2.ExportTraceServiceRequest) -> list[dict]:
    spans = []
    for resource_spans in request.resource_spans:
        resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append({
                    "name": span.name,
                    "kind": span.kind,
                    "trace_id": span.trace_id.hex(),
                    "span_id": span.span_id.hex(),
                    "parent_span_id": span.parent_span_id.hex(),
                    "start_ns": span.start_time_unix_nano,
                    "end_ns": span.end_time_unix_nano,
                    "status": span.status.code,
                    "attributes": {a.key: _value(a.value) for a in span.attributes},
                    "service": resource.get("service.name"),
                    "scope": scope_spans.scope.name,
                })
    return spans


class Receiver:
    """Collects spans; `wait_for(predicate)` blocks until one matches (a hang guard, not a timing test)."""

    def __init__(self):
        self.spans: list[dict] = []
        self.requests = 0
        self._cond = threading.Condition()

    def add(self, request_bytes: bytes):
        request = trace_service_pb2.ExportTraceServiceRequest.FromString(request_bytes)
        self.add_request(request)

    def add_request(self, request):
        with self._cond:
            self.requests += 1
            self.spans.extend(decode(request))
            self._cond.notify_all()

    def wait_for(self, predicate, timeout=30.0) -> dict:
        with self._cond:
            found = self._cond.wait_for(lambda: next((s for s in self.spans if predicate(s)), None), timeout)
        if not found:
            names = [s["name"] for s in self.spans]
            raise AssertionError(f"no matching span within {timeout} s; received {names}")
        return found

    def clear(self):
        with self._cond:
            self.spans.clear()


class HttpReceiver(Receiver):
    def __init__(self):
        super().__init__()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if self.path != "/v1/traces" or self.headers.get("content-type") != "application/x-protobuf":
                    self.send_response(404)
                    self.end_headers()
                    return
                receiver.add(body)
                answer = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self):
        self._server.shutdown()
        self._server.server_close()


class GrpcReceiver(Receiver):
    def __init__(self):
        super().__init__()
        receiver = self

        class Service(trace_service_pb2_grpc.TraceServiceServicer):
            def Export(self, request, context):
                receiver.add_request(request)
                return trace_service_pb2.ExportTraceServiceResponse()

        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Service(), self._server)
        self.port = self._server.add_insecure_port("127.0.0.1:0")
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._server.start()

    def close(self):
        self._server.stop(grace=None)
