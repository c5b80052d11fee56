#!/usr/bin/env python3
"""The workload a profile-guided build learns from (scripts/build-release.sh runs it).

    python3 scripts/pgo-training.py INSTRUMENTED_BINARY

Starts the instrumented server twice (stateless, then with legacy sessions), sends it the
requests a deployment mostly serves, and stops it with SIGTERM so it writes its profile on
exit. What is sent, and how often, is what the compiler treats as hot: the MCP `tools/call`
of both revisions and REST `execute` dominate, as they do in bench/; the rest (listings,
resources, prompts, probes, metrics, sessions) is sent often enough not to count as cold.

Every answer must be a success: a profile trained on error paths would optimize the wrong
code, so any other status stops the build. Standard library only.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

LEGACY = "2025-11-25"
MODERN = "2026-07-28"
ACCEPT = "application/json, text/event-stream"
CONNECTIONS = 8  # keep-alive connections sending at once, one thread each


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The instrumented binary on a loopback port, with extra environment."""

    def __init__(self, binary: str, env: dict):
        self.port = free_port()
        # Only what the process needs from ours: a server setting left in the builder's environment
        # (MCP_AUTH_TOKENS, say) would train the wrong paths or fail every request.
        kept = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "TMPDIR", "LLVM_PROFILE_FILE")}
        full_env = {**kept, "HOST": "127.0.0.1", "PORT": str(self.port), "LOG_LEVEL": "warn", **env}
        self.process = subprocess.Popen([binary, "serve"], env=full_env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"pgo-training: the server exited with {self.process.returncode} before it was ready")
            try:
                probe = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                probe.request("GET", "/ready")
                if probe.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        sys.exit("pgo-training: the server was not ready within 10 s")

    def connection(self) -> "Connection":
        return Connection(self.port)

    def stop(self):
        """SIGTERM, as Kubernetes stops a pod: the server drains and exits 0, writing its profile."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        if code != 0:
            sys.exit(f"pgo-training: the server exited with {code} on SIGTERM")


class Connection:
    """One keep-alive HTTP/1.1 connection that insists on success."""

    def __init__(self, port: int):
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def request(self, method: str, path: str, body=None, headers=None) -> http.client.HTTPResponse:
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json", **(headers or {})} if data else dict(headers or {})
        self.http.request(method, path, body=data, headers=all_headers)
        response = self.http.getresponse()
        response.body = response.read()
        if response.status >= 300:
            sys.exit(f"pgo-training: {method} {path} answered {response.status}: {response.body[:300]!r}")
        return response


def call(name: str, arguments: dict, id_: int, meta: dict | None = None) -> dict:
    params = {"name": name, "arguments": arguments}
    if meta is not None:
        params["_meta"] = meta
    return {"jsonrpc": "2.0", "id": id_, "method": "tools/call", "params": params}


def rpc(method: str, params: dict, id_: int) -> dict:
    return {"jsonrpc": "2.0", "id": id_, "method": method, "params": params}


MODERN_META = {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientInfo": {"name": "pgo-training", "version": "1.0"},
    "io.modelcontextprotocol/clientCapabilities": {},
}
LEGACY_HEADERS = {"Accept": ACCEPT, "MCP-Protocol-Version": LEGACY}
MODERN_CALL_HEADERS = {"Accept": ACCEPT, "MCP-Protocol-Version": MODERN, "Mcp-Method": "tools/call"}
CALCULATE = {"operation": "add", "a": 10, "b": 5}


def stateless_mix(conn: Connection, i: int):
    """One round of the stateless server's traffic; `i` makes every JSON-RPC id unique."""
    conn.request("POST", "/mcp", call("calculate", CALCULATE, i), LEGACY_HEADERS)
    conn.request("POST", "/mcp", call("calculate", CALCULATE, i, MODERN_META),
                 {**MODERN_CALL_HEADERS, "Mcp-Name": "calculate"})
    conn.request("POST", "/mcp/execute", {"tool": "calculate", "arguments": CALCULATE})
    conn.request("POST", "/mcp", call("echo", {"message": "hello"}, i), LEGACY_HEADERS)
    if i % 10 == 0:
        conn.request("POST", "/mcp/execute", {"tool": "echo", "arguments": {"message": "hi"}})
        conn.request("POST", "/mcp", rpc("tools/list", {}, i), LEGACY_HEADERS)
        conn.request("POST", "/mcp", rpc("resources/read", {"uri": "mcp://demo/status"}, i), LEGACY_HEADERS)
        conn.request("POST", "/mcp", rpc("prompts/list", {}, i), LEGACY_HEADERS)
        conn.request("GET", "/mcp/tools")
        conn.request("GET", "/mcp/resources")
        conn.request("GET", "/health")
        conn.request("GET", "/ready")
    if i % 100 == 0:
        conn.request("GET", "/metrics")


def session_mix(conn: Connection, i: int):
    """One legacy session: initialize, initialized, a burst of calls, DELETE."""
    init = rpc("initialize", {"protocolVersion": LEGACY, "capabilities": {},
                              "clientInfo": {"name": "pgo-training", "version": "1.0"}}, 0)
    session = conn.request("POST", "/mcp", init, LEGACY_HEADERS).getheader("Mcp-Session-Id")
    if not session:
        sys.exit("pgo-training: initialize answered without Mcp-Session-Id")
    headers = {**LEGACY_HEADERS, "Mcp-Session-Id": session}
    conn.request("POST", "/mcp", {"jsonrpc": "2.0", "method": "notifications/initialized"}, headers)
    for n in range(1, 21):
        conn.request("POST", "/mcp", call("calculate", CALCULATE, n), headers)
    conn.request("DELETE", "/mcp", headers=headers)


def drive(server: Server, rounds: int, mix):
    """`rounds` rounds of `mix`, spread over CONNECTIONS threads."""
    failures = []

    def worker(first: int):
        try:
            conn = server.connection()
            for i in range(first, rounds, CONNECTIONS):
                mix(conn, i)
        except SystemExit as exit_:
            failures.append(str(exit_))
        except Exception as error:  # noqa: BLE001 - any failure fails the training
            failures.append(f"pgo-training: {error!r}")

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        sys.exit(failures[0])


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    started = time.monotonic()
    for env, rounds, mix in (
        ({"MCP_LEGACY_SESSIONS": "false"}, 12_000, stateless_mix),
        ({"MCP_LEGACY_SESSIONS": "true"}, 300, session_mix),
    ):
        server = Server(binary, env)
        try:
            drive(server, rounds, mix)
        except BaseException:
            # The build fails anyway: no profile to write, and the first error is the one to report.
            server.process.kill()
            raise
        server.stop()
    print(f"pgo-training: done in {time.monotonic() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
