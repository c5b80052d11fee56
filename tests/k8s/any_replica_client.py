"""One MCP conversation with the official Python SDK: list tools, call two.

Usage: python any_replica_client.py URL MODE
  MODE: "legacy" (the initialize handshake, protocol <= 2025-11-25) or a
  modern protocol version such as "2026-07-28" (per-request envelope).

Prints "✓ ..." per successful step and exits 0; on any failure prints
"✗ ..." with the error and exits 1. tests/k8s/any_replica.sh runs it through
a round-robin proxy and checks in the proxy's log where each request went.
"""

import asyncio
import sys

from mcp import Client


async def conversation(url: str, mode: str) -> None:
    async with Client(url, mode=mode, read_timeout_seconds=10) as client:
        pv = client.protocol_version
        if mode != "legacy" and pv != mode:
            raise AssertionError(f"negotiated {pv}, asked for {mode}")
        if mode == "legacy" and not pv < "2026":
            raise AssertionError(f"legacy handshake negotiated {pv}")
        tools = await client.list_tools()
        names = sorted(t.name for t in tools.tools)
        if names != ["calculate", "echo"]:
            raise AssertionError(f"tools/list gave {names}")
        echo = await client.call_tool("echo", {"message": f"via any replica ({mode})"})
        text = echo.content[0].text
        if echo.is_error or text != f"Echo: via any replica ({mode})":
            raise AssertionError(f"echo gave {echo}")
        calc = await client.call_tool("calculate", {"operation": "add", "a": 15, "b": 25})
        if calc.is_error or calc.content[0].text != "40":
            raise AssertionError(f"calculate gave {calc}")
        print(f"✓ SDK client, {mode} era (protocol {pv}): tools/list {names}, echo, calculate 15+25=40")


def main() -> int:
    url, mode = sys.argv[1], sys.argv[2]
    try:
        asyncio.run(asyncio.wait_for(conversation(url, mode), timeout=30))
    except BaseException as e:  # noqa: BLE001 - report whatever broke, as one line
        cause = e
        while isinstance(cause, BaseExceptionGroup):
            cause = cause.exceptions[0]
        print(f"✗ SDK client, {mode} era: {type(cause).__name__}: {cause}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
