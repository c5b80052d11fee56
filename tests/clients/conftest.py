"""Fixtures for the real-client tests: the built server binary, run on free loopback ports.

The server under test is the release binary (env MCP_SERVER_BIN, default
target/release/mcp-rust-server); tests/clients/run.sh builds it and installs the clients.
Nothing here is skipped: a missing binary or client is a failure that says how to fix it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = float(os.environ.get("SERVER_READY_TIMEOUT", "30"))

# Servers alive right now, so a failing test's report can carry their logs.
_LIVE_SERVERS: list["HttpServer"] = []
# Further per-test logs (e.g. a stdio server's stderr), by test node id.
_TEST_LOGS: dict[str, list[tuple[str, Path]]] = {}


def attach_log(node: pytest.Item, title: str, path: Path) -> None:
    """Show the tail of `path` in `node`'s report if it fails."""
    _TEST_LOGS.setdefault(node.nodeid, []).append((title, path))


def _tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as e:
        return f"(no log: {e})"


def server_binary() -> Path:
    path = Path(os.environ.get("MCP_SERVER_BIN", ROOT / "target" / "release" / "mcp-rust-server"))
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(
            f"server binary {path} is missing: run `cargo build --release` "
            "(tests/clients/run.sh does) or set MCP_SERVER_BIN",
            pytrace=False,
        )
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(**extra: str) -> dict[str, str]:
    """The test process's environment minus the server's own settings, plus `extra`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "HOST",
            "PORT",
            "LOG_LEVEL",
            "LOG_FORMAT",
            "MCP_LEGACY_SESSIONS",
            "MCP_ALLOWED_ORIGINS",
            "MCP_ALLOWED_HOSTS",
            "SHUTDOWN_DRAIN_SECONDS",
        }
    }
    env.update(extra)
    return env


@dataclass
class HttpServer:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def mcp_url(self) -> str:
        return f"{self.base_url}/mcp"

    def log_tail(self, lines: int = 60) -> str:
        return _tail(self.log_path, lines)

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        return self.process.returncode


def start_http_server(name: str, log_dir: Path, port: int | None = None, **env: str) -> HttpServer:
    """`mcp-rust-server serve` on `port` (default: a free one) of 127.0.0.1; returns once
    GET /ready is 200."""
    binary = server_binary()
    port = port or free_port()
    log_path = log_dir / f"{name}.log"
    log = open(log_path, "wb")  # noqa: SIM115 - the child keeps writing to it
    process = subprocess.Popen(
        [str(binary), "serve"],
        env=server_env(HOST="127.0.0.1", PORT=str(port), LOG_LEVEL="debug", **env),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    server = HttpServer(name, port, process, log_path)
    deadline = time.monotonic() + READY_TIMEOUT_S
    last_error = "no attempt"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"server '{name}' exited with {process.returncode} before /ready answered:\n{server.log_tail()}",
                pytrace=False,
            )
        try:
            with urllib.request.urlopen(f"{server.base_url}/ready", timeout=2) as r:
                if r.status == 200:
                    _LIVE_SERVERS.append(server)
                    return server
                last_error = f"HTTP {r.status}"
        except urllib.error.HTTPError as e:
            last_error = f"HTTP {e.code}"
        except OSError as e:
            last_error = repr(e)
        time.sleep(0.1)
    server.stop()
    pytest.fail(
        f"server '{name}' not ready within {READY_TIMEOUT_S}s ({last_error}):\n{server.log_tail()}",
        pytrace=False,
    )


def _stop(server: HttpServer) -> None:
    server.stop()
    if server in _LIVE_SERVERS:
        _LIVE_SERVERS.remove(server)


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("server-logs")


@pytest.fixture(scope="session")
def stateless_server(log_dir: Path) -> Iterator[HttpServer]:
    """The default configuration: stateless, both protocol eras on /mcp."""
    server = start_http_server("stateless", log_dir)
    yield server
    _stop(server)


@pytest.fixture(scope="session")
def legacy_session_server(log_dir: Path) -> Iterator[HttpServer]:
    """MCP_LEGACY_SESSIONS=true: Mcp-Session-Id, GET SSE stream, DELETE."""
    server = start_http_server("legacy-sessions", log_dir, MCP_LEGACY_SESSIONS="true")
    yield server
    _stop(server)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class NodeTools:
    node: str
    inspector_js: Path


@pytest.fixture(scope="session")
def node_tools() -> NodeTools:
    """Node >= 22 on PATH (tests/tools/env.sh ensure_node24) and the pinned MCP Inspector."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("no `node` on PATH: source tests/tools/env.sh and run ensure_node24", pytrace=False)
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    if int(version.lstrip("v").split(".")[0]) < 22:
        pytest.fail(
            f"node on PATH is {node} {version}; the Inspector needs >= 22 (tests/tools/env.sh ensure_node24)",
            pytrace=False,
        )
    tools_dir = Path(os.environ.get("NODE_TOOLS_DIR", ROOT / ".tools" / "node"))
    inspector_js = (
        tools_dir / "node_modules" / "@modelcontextprotocol" / "inspector" / "clients" / "launcher" / "build" / "index.js"
    )
    if not inspector_js.is_file():
        pytest.fail(
            f"MCP Inspector missing at {inspector_js}: source tests/tools/env.sh and run ensure_npm_tools",
            pytrace=False,
        )
    return NodeTools(node=node, inspector_js=inspector_js)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    if report.failed:
        for server in _LIVE_SERVERS:
            report.sections.append((f"server log: {server.name} (tail)", server.log_tail()))
        for title, path in _TEST_LOGS.get(item.nodeid, []):
            report.sections.append((f"{title} (tail)", _tail(path)))
    if report.when == "teardown":
        _TEST_LOGS.pop(item.nodeid, None)
    return report
