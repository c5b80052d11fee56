"""Fixtures for the browser test: two MCP servers, two page origins, one headless Chromium.

The page (page.ts, bundled by run.sh into BROWSER_PAGE_JS) is served from two loopback
origins that are not on the server's default allow-list (which covers localhost, 127.0.0.1
and [::1]): http://127.0.0.2:PORT, which the servers allow through MCP_ALLOWED_ORIGINS, and
http://127.0.0.3:PORT, which they do not. The page POSTs what it saw back to its own origin;
`browse` returns that report.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ALLOWED_HOST = "127.0.0.2"
DISALLOWED_HOST = "127.0.0.3"
# Hang guards only: the page reports within seconds.
READY_TIMEOUT_S = 30
REPORT_TIMEOUT_S = 90


def required_path(variable: str, default: Path | None = None) -> Path:
    value = os.environ.get(variable)
    path = Path(value) if value else default
    if path is None or not path.exists():
        pytest.fail(f"{variable}={path} does not exist: run tests/browser/run.sh", pytrace=False)
    return path


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class PageOrigin:
    """One origin serving the page and receiving its report (POST /results)."""

    def __init__(self, host: str, page_js: Path) -> None:
        reports: queue.Queue[dict[str, Any]] = queue.Queue()
        files = {"/": ("text/html", (HERE / "index.html").read_bytes()),
                 "/page.js": ("text/javascript", page_js.read_bytes())}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                path = self.path.split("?")[0]
                if path not in files:
                    self.send_error(404)
                    return
                content_type, body = files[path]
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                reports.put(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.reports = reports
        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class McpServer:
    name: str
    process: subprocess.Popen[bytes]
    mcp_url: str
    log: Path


def start_mcp_server(name: str, log_dir: Path, **env: str) -> McpServer:
    binary = required_path("MCP_SERVER_BIN", ROOT / "target" / "release" / "mcp-rust-server")
    port = free_port("127.0.0.1")
    log = log_dir / f"{name}.log"
    settings = {k: v for k, v in os.environ.items() if not k.startswith("MCP_") or k == "MCP_SERVER_BIN"}
    settings.update(HOST="127.0.0.1", PORT=str(port), **env)
    with open(log, "wb") as out:
        process = subprocess.Popen([str(binary), "serve"], env=settings, stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{name} exited with {process.returncode}:\n{log.read_text()}", pytrace=False)
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as r:
                if r.status == 200:
                    return McpServer(name, process, f"http://127.0.0.1:{port}/mcp", log)
        except OSError:
            time.sleep(0.1)
    process.kill()
    pytest.fail(f"{name} not ready within {READY_TIMEOUT_S}s:\n{log.read_text()}", pytrace=False)


def stop(server: McpServer) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@pytest.fixture(scope="session")
def allowed_origin() -> Iterator[PageOrigin]:
    origin = PageOrigin(ALLOWED_HOST, required_path("BROWSER_PAGE_JS"))
    yield origin
    origin.close()


@pytest.fixture(scope="session")
def disallowed_origin() -> Iterator[PageOrigin]:
    origin = PageOrigin(DISALLOWED_HOST, required_path("BROWSER_PAGE_JS"))
    yield origin
    origin.close()


@pytest.fixture(scope="session")
def mcp_servers(allowed_origin: PageOrigin, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, McpServer]]:
    """Both modes, each allowing exactly the allowed page origin beside its loopback defaults."""
    log_dir = tmp_path_factory.mktemp("server-logs")
    servers = {
        "legacy-sessions": start_mcp_server("legacy-sessions", log_dir, MCP_ALLOWED_ORIGINS=allowed_origin.url,
                                            MCP_LEGACY_SESSIONS="true"),
        "stateless": start_mcp_server("stateless", log_dir, MCP_ALLOWED_ORIGINS=allowed_origin.url),
    }
    yield servers
    for server in servers.values():
        stop(server)


def chromium() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if path is None:
        pytest.fail("no chromium on PATH: run tests/browser/run.sh (it installs Debian's)", pytrace=False)
    return path


def browse(origin: PageOrigin, servers: list[McpServer], profile: Path) -> dict[str, Any]:
    """Loads the page from `origin` in headless Chromium (a fresh profile in `profile`)
    against `servers`; returns the page's report."""
    url = f"{origin.url}/?servers={','.join(s.mcp_url for s in servers)}"
    log = profile / "chromium.log"
    with open(log, "wb") as out:
        # As root (containers, CI) Chromium runs only without its sandbox. Its own session,
        # so that ending it ends its helper processes too.
        process = subprocess.Popen(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--disable-background-networking", f"--user-data-dir={profile / 'user-data'}", url],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        return origin.reports.get(timeout=REPORT_TIMEOUT_S)
    except queue.Empty:
        pytest.fail(f"no report from {url} within {REPORT_TIMEOUT_S}s; chromium said:\n"
                    f"{log.read_text(errors='replace')[-4000:]}", pytrace=False)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
