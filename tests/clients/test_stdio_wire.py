"""`mcp-rust-server stdio` driven by hand, byte for byte, as a desktop client would drive it:
newline-delimited JSON-RPC on stdin/stdout, logs (even at debug) on stderr only, and a clean exit
when the client closes stdin (the spec's stdio shutdown).
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import time
from typing import Any

import pytest

from conftest import server_binary, server_env

pytestmark = pytest.mark.timeout(60)


def run_stdio_session(messages: list[dict[str, Any]], **env: str) -> tuple[list[str], str, int]:
    """Send `messages` one JSON per line, waiting for the response to each request (a message
    with an id) before the next; then close stdin and wait for the exit.
    Returns (stdout lines, stderr, exit code)."""
    proc = subprocess.Popen(
        [str(server_binary()), "stdio"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=server_env(**env),
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    os.set_blocking(proc.stdout.fileno(), False)
    lines: list[str] = []
    buffer = b""
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            for message in messages:
                proc.stdin.write((json.dumps(message) + "\n").encode())
                proc.stdin.flush()
                if "id" not in message:
                    continue
                deadline = time.monotonic() + 15
                answered = False
                while not answered:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise AssertionError(f"no response to {message} within 15 s; stdout so far: {lines}")
                    if not sel.select(remaining):
                        continue
                    chunk = proc.stdout.read()
                    if not chunk:
                        raise AssertionError(f"stdout closed before a response to {message}; stdout: {lines}")
                    buffer += chunk
                    while b"\n" in buffer:
                        line, buffer = buffer.split(b"\n", 1)
                        lines.append(line.decode())
                        try:
                            answered = answered or json.loads(line).get("id") == message["id"]
                        except (json.JSONDecodeError, AttributeError):
                            pass  # asserted by the caller
        proc.stdin.close()
        code = proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    os.set_blocking(proc.stdout.fileno(), True)
    rest = buffer + proc.stdout.read()
    lines.extend(rest.decode().splitlines())
    return lines, proc.stderr.read().decode(errors="replace"), code


INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "raw-stdio-test", "version": "0"},
    },
}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}


def test_stdio_initialize_then_tools_call_round_trips_and_stdout_is_only_json_rpc() -> None:
    lines, stderr, code = run_stdio_session(
        [
            INITIALIZE,
            INITIALIZED,
            {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "tools/call",
                "params": {"name": "calculate", "arguments": {"operation": "multiply", "a": 7, "b": 8}},
            },
        ],
        LOG_LEVEL="debug",
        LOG_FORMAT="text",
    )
    detail = f"stdout lines: {lines}\nstderr: {stderr}\nexit: {code}"
    messages = []
    for line in lines:
        try:
            messages.append(json.loads(line))
        except json.JSONDecodeError:
            raise AssertionError(f"non-JSON line on stdout (logs belong on stderr): {line!r}\n{detail}") from None
    assert all(m.get("jsonrpc") == "2.0" for m in messages), detail
    responses = {m["id"]: m for m in messages if "id" in m}
    assert sorted(responses) == [1, 2], detail
    init = responses[1]["result"]
    assert init["protocolVersion"] == "2025-06-18", detail
    assert init["serverInfo"]["name"] == "mcp-rust-server", detail
    call = responses[2]["result"]
    assert call["content"] == [{"type": "text", "text": "56"}], detail
    assert call.get("isError", False) is False, detail
    assert code == 0, f"server should exit 0 when stdin closes\n{detail}"


def test_stdio_answers_an_unknown_protocol_version_with_one_it_supports() -> None:
    msg = {**INITIALIZE, "params": {**INITIALIZE["params"], "protocolVersion": "1999-01-01"}}
    lines, stderr, code = run_stdio_session([msg])
    detail = f"stdout lines: {lines}\nstderr: {stderr}"
    [response] = [json.loads(line) for line in lines]
    assert response["id"] == 1, detail
    assert response["result"]["protocolVersion"] in ("2025-11-25", "2025-06-18", "2025-03-26"), detail
    assert code == 0, detail


def test_stdio_server_exits_promptly_when_stdin_closes_without_any_message() -> None:
    lines, stderr, code = run_stdio_session([])
    assert lines == [], f"stdout must stay empty without requests; got {lines}\nstderr: {stderr}"
    assert code == 0, stderr
