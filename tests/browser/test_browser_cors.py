"""A real browser, a real page, the official TypeScript SDK: CORS proven end to end.

Headless Chromium loads page.ts from an origin the servers allow and from one they do not.
From the allowed origin every client lists the tools and calls `calculate` on both servers,
in the era it speaks; from the other origin every attempt fails as the browser reports a
CORS refusal: a network error the page cannot see into.
"""

from __future__ import annotations

from typing import Any

import pytest

from conftest import McpServer, PageOrigin, browse

TOOLS = ["calculate", "echo"]
# 6 × 7 through `calculate`, as the tool answers it.
PRODUCT = "42"
# The last legacy revision, which v1 and v2 (without negotiation) both ask for.
LEGACY = "2025-11-25"
MODERN = "2026-07-28"

# (server, client) -> (protocol version, whether the server hands out a session).
EXPECTED = {
    ("legacy-sessions", "sdk-v1"): (LEGACY, True),
    ("legacy-sessions", "client-v2-legacy"): (LEGACY, True),
    ("legacy-sessions", "client-v2-2026-07-28"): (MODERN, False),
    ("stateless", "sdk-v1"): (LEGACY, False),
    ("stateless", "client-v2-legacy"): (LEGACY, False),
    ("stateless", "client-v2-2026-07-28"): (MODERN, False),
}


def by_case(report: dict[str, Any], servers: dict[str, McpServer]) -> dict[tuple[str, str], dict[str, Any]]:
    assert "fatal" not in report, report
    names = {server.mcp_url: name for name, server in servers.items()}
    return {(names[o["server"]], o["client"]): o for o in report["outcomes"]}


@pytest.fixture(scope="module")
def allowed_report(
    allowed_origin: PageOrigin, mcp_servers: dict[str, McpServer], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    return browse(allowed_origin, list(mcp_servers.values()), tmp_path_factory.mktemp("chromium"))


@pytest.fixture(scope="module")
def disallowed_report(
    disallowed_origin: PageOrigin, mcp_servers: dict[str, McpServer], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    return browse(disallowed_origin, list(mcp_servers.values()), tmp_path_factory.mktemp("chromium"))


def test_the_page_ran_every_client_against_every_server_from_the_allowed_origin(
    allowed_report: dict[str, Any], allowed_origin: PageOrigin, mcp_servers: dict[str, McpServer]
) -> None:
    assert allowed_report["origin"] == allowed_origin.url
    assert sorted(by_case(allowed_report, mcp_servers)) == sorted(EXPECTED)


@pytest.mark.parametrize(("server", "client"), sorted(EXPECTED))
def test_an_allowed_origin_lists_tools_and_calls_calculate(
    allowed_report: dict[str, Any], mcp_servers: dict[str, McpServer], server: str, client: str
) -> None:
    outcome = by_case(allowed_report, mcp_servers)[(server, client)]
    version, has_session = EXPECTED[(server, client)]
    seen = {key: outcome.get(key) for key in ("error", "fetchFailures", "protocolVersion", "tools", "result", "isError")}
    assert seen == {
        "error": None,
        "fetchFailures": [],
        "protocolVersion": version,
        "tools": TOOLS,
        "result": PRODUCT,
        "isError": False,
    }
    # A legacy session's id is a header the page can read only because the server exposes it.
    assert bool(outcome["sessionId"]) is has_session, outcome


@pytest.mark.parametrize(("server", "client"), sorted(EXPECTED))
def test_a_disallowed_origin_fails_as_the_browser_refuses_cors(
    disallowed_report: dict[str, Any], disallowed_origin: PageOrigin, mcp_servers: dict[str, McpServer],
    server: str, client: str,
) -> None:
    assert disallowed_report["origin"] == disallowed_origin.url
    outcome = by_case(disallowed_report, mcp_servers)[(server, client)]
    assert "tools" not in outcome, outcome
    assert outcome["error"], outcome
    # Chromium's one message for a request blocked by CORS is fetch's TypeError; the SDKs
    # wrap it (v2, probing for 2026-07-28, reads it as "era not offered"), so it is read
    # from the page's fetch: the client's first request, and any it tried after, failed so.
    assert outcome["fetchFailures"], outcome
    assert set(outcome["fetchFailures"]) == {"TypeError: Failed to fetch"}, outcome
