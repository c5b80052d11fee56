"""The MCP Inspector CLI (npm @modelcontextprotocol/inspector, pinned in tests/tools/package.json),
run under Node 24 as a subprocess against the built server, exactly as a person would from a shell:

    mcp-inspector --cli http://127.0.0.1:PORT/mcp --transport http --method tools/list
    mcp-inspector --cli http://127.0.0.1:PORT/mcp --transport http --method tools/call \\
        --tool-name echo --tool-arg message=hi
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import HttpServer, NodeTools, server_binary

pytestmark = pytest.mark.timeout(120)

# (server fixture, --protocol-era): the Inspector defaults to the handshake ("legacy") for ad-hoc
# URLs; "modern" makes it speak 2026-07-28 (server/discover, no initialize).
TARGETS = [
    pytest.param("stateless_server", "legacy", id="stateless-server-handshake"),
    pytest.param("stateless_server", "modern", id="stateless-server-2026-07-28"),
    pytest.param("legacy_session_server", "legacy", id="legacy-session-server-handshake"),
]


def run_inspector(node_tools: NodeTools, home: Path, args: list[str]) -> dict[str, Any]:
    """Run `mcp-inspector --cli ARGS --format json`; return its one JSON object (exit 0 required)."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "HOME": str(home),  # the Inspector keeps a catalog and secrets under ~/.mcp-inspector
        "MCP_CATALOG_PATH": str(home / "mcp.json"),
        "CI": "true",
        "NO_COLOR": "1",
    }
    cmd = [node_tools.node, str(node_tools.inspector_js), "--cli", *args, "--format", "json"]
    proc = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=90)
    detail = f"command: {' '.join(cmd)}\nexit: {proc.returncode}\nstdout: {proc.stdout}\nstderr: {proc.stderr}"
    assert proc.returncode == 0, detail
    try:
        out = json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        raise AssertionError(f"stdout is not one JSON object ({e})\n{detail}") from None
    assert "result" in out, detail
    return out["result"]


def http_args(server: HttpServer, era: str) -> list[str]:
    return [server.mcp_url, "--transport", "http", "--protocol-era", era]


@pytest.mark.parametrize(("server_fixture", "era"), TARGETS)
def test_inspector_cli_tools_list_shows_echo_and_calculate(
    request: pytest.FixtureRequest, node_tools: NodeTools, tmp_path: Path, server_fixture: str, era: str
) -> None:
    server: HttpServer = request.getfixturevalue(server_fixture)
    result = run_inspector(node_tools, tmp_path, [*http_args(server, era), "--method", "tools/list"])
    assert sorted(t["name"] for t in result["tools"]) == ["calculate", "echo"]


@pytest.mark.parametrize(("server_fixture", "era"), TARGETS)
def test_inspector_cli_calls_echo_with_message_hi_and_gets_echo_hi(
    request: pytest.FixtureRequest, node_tools: NodeTools, tmp_path: Path, server_fixture: str, era: str
) -> None:
    server: HttpServer = request.getfixturevalue(server_fixture)
    result = run_inspector(
        node_tools,
        tmp_path,
        [*http_args(server, era), "--method", "tools/call", "--tool-name", "echo", "--tool-arg", "message=hi"],
    )
    assert result.get("isError", False) is False, result
    assert result["content"] == [{"type": "text", "text": "Echo: hi"}]


@pytest.mark.parametrize(("server_fixture", "era"), TARGETS)
def test_inspector_cli_calculate_add_10_and_5_gives_15(
    request: pytest.FixtureRequest, node_tools: NodeTools, tmp_path: Path, server_fixture: str, era: str
) -> None:
    server: HttpServer = request.getfixturevalue(server_fixture)
    args = json.dumps({"operation": "add", "a": 10, "b": 5})
    result = run_inspector(
        node_tools,
        tmp_path,
        [*http_args(server, era), "--method", "tools/call", "--tool-name", "calculate", "--tool-args-json", args],
    )
    assert result.get("isError", False) is False, result
    assert result["content"] == [{"type": "text", "text": "15"}]


def test_inspector_cli_reads_the_status_resource_over_2026_07_28(
    stateless_server: HttpServer, node_tools: NodeTools, tmp_path: Path
) -> None:
    result = run_inspector(
        node_tools,
        tmp_path,
        [*http_args(stateless_server, "modern"), "--method", "resources/read", "--uri", "mcp://demo/status"],
    )
    [contents] = result["contents"]
    assert contents["uri"] == "mcp://demo/status"
    assert contents["mimeType"] == "application/json"
    assert json.loads(contents["text"])["status"] == "operational"


def test_inspector_cli_over_stdio_lists_tools_and_calls_echo(node_tools: NodeTools, tmp_path: Path) -> None:
    binary = str(server_binary())
    listed = run_inspector(node_tools, tmp_path, [binary, "stdio", "--method", "tools/list"])
    assert sorted(t["name"] for t in listed["tools"]) == ["calculate", "echo"]
    called = run_inspector(
        node_tools,
        tmp_path,
        [binary, "stdio", "--method", "tools/call", "--tool-name", "echo", "--tool-arg", "message=hi"],
    )
    assert called["content"] == [{"type": "text", "text": "Echo: hi"}]
