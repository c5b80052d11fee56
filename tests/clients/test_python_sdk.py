"""The official MCP Python SDK (PyPI `mcp`, pinned in tests/requirements.txt) against the built server.

Each test runs over every way a client reaches the server:
  http-legacy-sessions   MCP_LEGACY_SESSIONS=true, initialize handshake, Mcp-Session-Id, DELETE at close
  http-stateless-legacy  default (stateless) server, initialize handshake, no session id
  http-2026-07-28        default server, server/discover then the per-request envelope (no handshake)
  stdio-legacy           `mcp-rust-server stdio`, initialize handshake
  stdio-2026-07-28       `mcp-rust-server stdio`, server/discover
The HTTP variants record every exchange on the wire, so the tests also check the headers that
make each era what it is.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp_types import CallToolResult, TextContent, TextResourceContents

from conftest import ROOT, HttpServer, attach_log, server_binary

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]

SERVER_NAME = "mcp-rust-server"
SERVER_VERSION = tomllib.loads((ROOT / "Cargo.toml").read_text())["package"]["version"]
LEGACY_VERSION = "2025-11-25"  # newest handshake revision; the SDK offers it, the server must accept it
MODERN_VERSION = "2026-07-28"


@dataclass
class Exchange:
    method: str
    request_headers: httpx2.Headers
    body: Any
    status: int
    response_headers: httpx2.Headers

    @property
    def rpc_method(self) -> str | None:
        return self.body.get("method") if isinstance(self.body, dict) else None


@dataclass
class WireLog:
    """Every HTTP request the SDK sent and the status and headers it got back."""

    exchanges: list[Exchange] = field(default_factory=list)

    async def on_response(self, response: httpx2.Response) -> None:
        request = response.request
        body: Any = None
        if request.method == "POST":
            body = json.loads(request.content)
        self.exchanges.append(
            Exchange(request.method, request.headers, body, response.status_code, response.headers)
        )

    def posts(self) -> list[Exchange]:
        return [e for e in self.exchanges if e.method == "POST"]

    def describe(self) -> str:
        return "\n".join(
            f"{e.method} {e.rpc_method or ''} -> {e.status} "
            f"req={dict(e.request_headers)} resp={dict(e.response_headers)}"
            for e in self.exchanges
        )


@dataclass
class Variant:
    id: str
    mode: str  # Client(mode=...): "legacy" = initialize handshake, "auto" = server/discover first
    expected_version: str
    transport: str  # "http" or "stdio"
    server_fixture: str | None = None


VARIANTS = [
    Variant("http-legacy-sessions", "legacy", LEGACY_VERSION, "http", "legacy_session_server"),
    Variant("http-stateless-legacy", "legacy", LEGACY_VERSION, "http", "stateless_server"),
    Variant("http-2026-07-28", "auto", MODERN_VERSION, "http", "stateless_server"),
    Variant("stdio-legacy", "legacy", LEGACY_VERSION, "stdio"),
    Variant("stdio-2026-07-28", "auto", MODERN_VERSION, "stdio"),
]


@dataclass
class Connection:
    variant: Variant
    connect: Callable[[], AbstractAsyncContextManager[Client]]
    wire: WireLog | None  # HTTP only
    stderr_path: Path | None  # stdio only


def make_connection(variant: Variant, request: pytest.FixtureRequest, tmp_path: Path) -> Connection:
    if variant.transport == "http":
        assert variant.server_fixture is not None
        server: HttpServer = request.getfixturevalue(variant.server_fixture)
        wire = WireLog()

        @asynccontextmanager
        async def connect_http() -> AsyncIterator[Client]:
            http = create_mcp_http_client()
            http.event_hooks = {"request": [], "response": [wire.on_response]}
            async with http:
                transport = streamable_http_client(server.mcp_url, http_client=http)
                async with Client(transport, mode=variant.mode, cache=None, read_timeout_seconds=20) as client:
                    yield client

        return Connection(variant, connect_http, wire, None)

    stderr_path = tmp_path / f"stdio-server-{variant.id}.stderr"
    attach_log(request.node, f"stdio server stderr ({variant.id})", stderr_path)
    params = StdioServerParameters(
        command=str(server_binary()),
        args=["stdio"],
        env={"LOG_LEVEL": "debug"},
    )

    @asynccontextmanager
    async def connect_stdio() -> AsyncIterator[Client]:
        with open(stderr_path, "w") as errlog:
            async with Client(
                stdio_client(params, errlog=errlog), mode=variant.mode, cache=None, read_timeout_seconds=20
            ) as client:
                yield client

    return Connection(variant, connect_stdio, None, stderr_path)


@pytest.fixture(params=VARIANTS, ids=[v.id for v in VARIANTS])
def conn(request: pytest.FixtureRequest, tmp_path: Path) -> Connection:
    return make_connection(request.param, request, tmp_path)


@pytest.fixture
def http_conn(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], Connection]:
    """Build the connection of one named variant (for the era-specific wire tests)."""

    def make(variant_id: str) -> Connection:
        return make_connection(next(v for v in VARIANTS if v.id == variant_id), request, tmp_path)

    return make


def only_text(result: CallToolResult) -> str:
    assert len(result.content) == 1, f"expected one content block, got {result.content!r}"
    block = result.content[0]
    assert isinstance(block, TextContent), f"expected text content, got {block!r}"
    return block.text


async def test_the_client_negotiates_the_expected_protocol_version(conn: Connection) -> None:
    async with conn.connect() as client:
        assert client.protocol_version == conn.variant.expected_version
        info = client.server_info
        if conn.variant.expected_version == LEGACY_VERSION:
            assert info is not None
            assert (info.name, info.version) == (SERVER_NAME, SERVER_VERSION)
        elif info is not None:  # 2026-07-28 makes the serverInfo stamp optional; if sent it must be ours
            assert (info.name, info.version) == (SERVER_NAME, SERVER_VERSION)
        assert client.server_capabilities.tools is not None
        assert client.server_capabilities.resources is not None


async def test_tools_list_is_exactly_echo_and_calculate_with_their_input_schemas(conn: Connection) -> None:
    async with conn.connect() as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert sorted(tools) == ["calculate", "echo"]
    echo_schema = tools["echo"].input_schema
    assert echo_schema["type"] == "object"
    assert echo_schema["required"] == ["message"]
    assert echo_schema["properties"]["message"]["type"] == "string"
    calc_schema = tools["calculate"].input_schema
    assert calc_schema["type"] == "object"
    assert sorted(calc_schema["required"]) == ["a", "b", "operation"]
    assert sorted(calc_schema["properties"]) == ["a", "b", "operation"]
    for op in ("add", "subtract", "multiply", "divide"):
        assert f'"{op}"' in json.dumps(calc_schema), f"operation {op} missing from {calc_schema}"


@pytest.mark.parametrize(
    ("operation", "a", "b", "expected"),
    [
        ("add", 10, 5, "15"),
        ("subtract", 10, 5, "5"),
        ("multiply", 7, 8, "56"),
        ("divide", 10, 4, "2.5"),
    ],
)
async def test_calculate_returns_the_exact_number_as_text(
    conn: Connection, operation: str, a: float, b: float, expected: str
) -> None:
    async with conn.connect() as client:
        result = await client.call_tool("calculate", {"operation": operation, "a": a, "b": b})
    assert result.is_error is False, f"unexpected tool error: {result.content!r}"
    assert only_text(result) == expected


async def test_calculate_divide_by_zero_is_a_tool_error_that_says_division_by_zero(conn: Connection) -> None:
    async with conn.connect() as client:
        result = await client.call_tool("calculate", {"operation": "divide", "a": 1, "b": 0})
    assert result.is_error is True
    assert "division by zero" in only_text(result).lower()


@pytest.mark.parametrize(
    ("arguments", "mentions"),
    [
        pytest.param({"operation": "add", "a": 1}, r"\bb\b", id="missing-b"),
        pytest.param({"operation": "add", "a": "x", "b": 1}, r"\ba\b", id="mistyped-a"),
        pytest.param({"operation": "pow", "a": 2, "b": 3}, r"\bpow\b", id="unknown-operation"),
        pytest.param({"operation": "multiply", "a": 1e308, "b": 10}, r"finite", id="non-finite-result"),
    ],
)
async def test_calculate_rejects_bad_input_as_a_tool_error_naming_the_problem(
    conn: Connection, arguments: dict[str, Any], mentions: str
) -> None:
    async with conn.connect() as client:
        await client.list_tools()
        result = await client.call_tool("calculate", arguments)
    assert result.is_error is True, f"expected a tool error for {arguments}, got {result!r}"
    # A clear message names what is wrong: the argument, the operation, or the overflow.
    assert re.search(mentions, only_text(result), re.IGNORECASE), f"{only_text(result)!r} should match {mentions!r}"


async def test_echo_returns_echo_colon_message(conn: Connection) -> None:
    async with conn.connect() as client:
        result = await client.call_tool("echo", {"message": "hello, MCP ✓"})
    assert result.is_error is False
    assert only_text(result) == "Echo: hello, MCP ✓"


async def test_the_status_resource_is_listed_and_reads_as_operational_json(conn: Connection) -> None:
    async with conn.connect() as client:
        listed = (await client.list_resources()).resources
        read = await client.read_resource("mcp://demo/status")
    assert [(r.uri, r.mime_type) for r in listed] == [("mcp://demo/status", "application/json")]
    assert len(read.contents) == 1
    contents = read.contents[0]
    assert isinstance(contents, TextResourceContents)
    assert contents.uri == "mcp://demo/status"
    assert contents.mime_type == "application/json"
    status = json.loads(contents.text)
    assert status["status"] == "operational"


async def test_several_calls_on_one_connection_all_succeed(conn: Connection) -> None:
    async with conn.connect() as client:
        await client.list_tools()
        results = [
            only_text(await client.call_tool("calculate", {"operation": "add", "a": i, "b": 1})) for i in range(5)
        ]
    assert results == ["1", "2", "3", "4", "5"]


# --- what each era looks like on the wire (HTTP variants) ---------------------------------------


async def test_legacy_session_mode_issues_a_session_id_sends_it_back_and_deletes_it_at_close(
    http_conn: Callable[[str], Connection],
) -> None:
    c = http_conn("http-legacy-sessions")
    async with c.connect() as client:
        assert (await client.call_tool("echo", {"message": "s"})).is_error is False
    assert c.wire is not None
    wire = c.wire.describe()
    posts = c.wire.posts()
    assert posts[0].rpc_method == "initialize", wire
    assert posts[0].status == 200, wire
    session_id = posts[0].response_headers.get("mcp-session-id")
    assert session_id, f"initialize answered without Mcp-Session-Id:\n{wire}"
    later = posts[1:]
    assert [e.rpc_method for e in later][:2] == ["notifications/initialized", "tools/call"], wire
    for e in later:
        assert e.request_headers.get("mcp-session-id") == session_id, wire
        assert e.request_headers.get("mcp-protocol-version") == LEGACY_VERSION, wire
        assert e.status in (200, 202), wire
    deletes = [e for e in c.wire.exchanges if e.method == "DELETE"]
    assert len(deletes) == 1, f"the SDK ends a session with one DELETE:\n{wire}"
    assert deletes[0].request_headers.get("mcp-session-id") == session_id
    # The official Python SDK counts only 200/204 as a terminated session; anything else it logs
    # as "Session termination failed: <status>" (mcp/client/streamable_http.py terminate_session).
    assert deletes[0].status in (200, 204), f"the Python SDK reports a failed session termination:\n{wire}"


async def test_the_default_server_is_stateless_for_handshake_clients(
    http_conn: Callable[[str], Connection],
) -> None:
    c = http_conn("http-stateless-legacy")
    async with c.connect() as client:
        assert only_text(await client.call_tool("calculate", {"operation": "add", "a": 10, "b": 5})) == "15"
    assert c.wire is not None
    wire = c.wire.describe()
    assert c.wire.posts()[0].rpc_method == "initialize", wire
    for e in c.wire.exchanges:
        assert "mcp-session-id" not in e.response_headers, f"stateless server issued a session id:\n{wire}"
        assert e.status < 400, wire


async def test_2026_07_28_mode_discovers_then_sends_the_per_request_headers_and_no_session(
    http_conn: Callable[[str], Connection],
) -> None:
    c = http_conn("http-2026-07-28")
    async with c.connect() as client:
        await client.list_tools()
        assert only_text(await client.call_tool("calculate", {"operation": "multiply", "a": 7, "b": 8})) == "56"
        await client.read_resource("mcp://demo/status")
    assert c.wire is not None
    wire = c.wire.describe()
    posts = c.wire.posts()
    methods = [e.rpc_method for e in posts]
    assert methods == ["server/discover", "tools/list", "tools/call", "resources/read"], wire
    assert "initialize" not in methods
    for e in posts:
        assert e.status == 200, wire
        assert e.request_headers.get("mcp-protocol-version") == MODERN_VERSION, wire
        assert e.request_headers.get("mcp-method") == e.rpc_method, wire
        assert "mcp-session-id" not in e.response_headers, wire
        assert e.body["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] == MODERN_VERSION, wire
    assert posts[2].request_headers.get("mcp-name") == "calculate", wire
    assert posts[3].request_headers.get("mcp-name") == "mcp://demo/status", wire
    assert not [e for e in c.wire.exchanges if e.method in ("GET", "DELETE")], wire


async def test_2026_07_28_pinned_without_a_discover_probe_still_works(stateless_server: HttpServer) -> None:
    async with Client(stateless_server.mcp_url, mode=MODERN_VERSION, cache=None, read_timeout_seconds=20) as client:
        assert client.protocol_version == MODERN_VERSION
        result = await client.call_tool("echo", {"message": "pinned"})
    assert only_text(result) == "Echo: pinned"


async def test_a_legacy_session_ended_with_delete_is_gone_and_answers_404(legacy_session_server: HttpServer) -> None:
    """Spec (2025-11-25 transports, session management): after the session is terminated, requests
    carrying its Mcp-Session-Id MUST get 404 Not Found. Driven with the SDK's own HTTP client."""
    headers = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": LEGACY_VERSION, "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
    }
    async with create_mcp_http_client() as http:
        r = await http.post(legacy_session_server.mcp_url, json=init, headers=headers)
        assert r.status_code == 200, r.text
        session_id = r.headers.get("mcp-session-id")
        assert session_id, dict(r.headers)
        session_headers = {**headers, "mcp-session-id": session_id, "mcp-protocol-version": LEGACY_VERSION}
        r = await http.post(
            legacy_session_server.mcp_url,
            json={"jsonrpc": "2.0", "method": "notifications/initialized"},
            headers=session_headers,
        )
        assert r.status_code == 202, r.text
        r = await http.delete(legacy_session_server.mcp_url, headers=session_headers)
        assert 200 <= r.status_code < 300, f"DELETE of a live session answered {r.status_code}: {r.text}"
        r = await http.post(
            legacy_session_server.mcp_url,
            json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
            headers=session_headers,
        )
        assert r.status_code == 404, f"a deleted session answered {r.status_code}: {r.text}"
