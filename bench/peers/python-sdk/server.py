"""Bench peer: the official Python MCP SDK (`mcp`, pinned in requirements.txt).

MCPServer with the seed's two tools, run the way the SDK documents it:
`run("streamable-http", stateless_http=True, json_response=True)` (uvicorn underneath).
Env: HOST (default 127.0.0.1), PORT (default 18084). `GET /ready` answers 200.
"""

import os
from typing import Literal

from starlette.requests import Request
from starlette.responses import PlainTextResponse

from mcp.server import MCPServer

mcp = MCPServer("bench-python-sdk", log_level="WARNING")


@mcp.tool(description="Echo back the provided message")
def echo(message: str) -> str:
    return f"Echo: {message}"


@mcp.tool(description="Perform basic arithmetic calculation")
def calculate(operation: Literal["add", "subtract", "multiply", "divide"], a: float, b: float) -> float:
    if operation == "add":
        return a + b
    if operation == "subtract":
        return a - b
    if operation == "multiply":
        return a * b
    if b == 0:
        raise ValueError("Division by zero")
    return a / b


@mcp.custom_route("/ready", methods=["GET"])
async def ready(_request: Request) -> PlainTextResponse:
    return PlainTextResponse("ready")


if __name__ == "__main__":
    mcp.run(
        "streamable-http",
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "18084")),
        stateless_http=True,
        json_response=True,
    )
