"""Fixtures for the trace tests: an OTLP receiver (tests/otel/receiver.py) and the server binary
exporting to it, over HTTP (`serve`) or stdio.

The binary is env MCP_SERVER_BIN (default target/release/mcp-rust-server); run.sh builds it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from receiver import GrpcReceiver, HttpReceiver

ROOT = Path(__file__).resolve().parents[2]
ACCEPT = "application/json, text/event-stream"
LOG_DIR = ROOT / ".tools" / "logs"


def server_binary() -> str:
    path = Path(os.environ.get("MCP_SERVER_BIN", ROOT / "target" / "release" / "mcp-rust-server"))
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"server binary {path} is missing: run tests/otel/run.sh or set MCP_SERVER_BIN",
                    pytrace=False)
    return str(path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def otel_env(endpoint: str, **extra: str) -> dict[str, str]:
    """The server's environment: export to `endpoint`, JSON logs, a short batch delay so spans
    arrive while the test waits (the default is 5 s)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update({"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_BSP_SCHEDULE_DELAY": "50",
                "LOG_FORMAT": "json", "RUST_LOG": ""}, **extra)
    return env


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path
    stopped: bool = field(default=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    def post(self, body: dict, headers: dict[str, str] | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(self.url, data=json.dumps(body).encode(), method="POST", headers={
            "content-type": "application/json", "accept": ACCEPT, **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read()
                return response.status, json.loads(text) if text else {}
        except urllib.error.HTTPError as e:
            text = e.read()
            try:
                return e.code, json.loads(text)
            except ValueError:
                return e.code, {"text": text.decode(errors="replace")}

    def stop(self) -> list[dict]:
        """SIGTERM, wait for the exit (the span flush happens then); the JSON log lines."""
        if not self.stopped:
            self.stopped = True
            self.process.send_signal(signal.SIGTERM)
            assert self.process.wait(timeout=30) == 0
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{")]


def start_server(env: dict[str, str], name: str) -> Server:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = LOG_DIR / f"otel-{name}.log"
    process = subprocess.Popen([server_binary(), "serve"], env={**env, "HOST": "127.0.0.1", "PORT": str(port)},
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as response:
                if response.status == 200:
                    return Server(process, port, log)
        except OSError:
            time.sleep(0.05)
    process.kill()
    pytest.fail(f"server did not get ready; log:\n{log.read_text()}", pytrace=False)


@pytest.fixture
def receiver():
    r = HttpReceiver()
    yield r
    r.close()


@pytest.fixture
def grpc_receiver():
    r = GrpcReceiver()
    yield r
    r.close()


@pytest.fixture
def server_for(request):
    """`server_for(endpoint, **env)` starts a server exporting there; all are stopped at the end."""
    started: list[Server] = []

    def start(endpoint: str, **extra: str) -> Server:
        server = start_server(otel_env(endpoint, **extra), request.node.name)
        started.append(server)
        return server

    yield start
    for server in started:
        if not server.stopped:
            server.process.kill()
            server.process.wait()
