"""The server as an OAuth 2.1 resource server, against a real authorization server
(oidc-provider, tests/oauth/issuer.mjs): JWT access tokens checked against the issuer's keys,
opaque tokens through introspection, per-tool scopes with the step-up challenge, forged and
stale tokens refused, key rotation and an issuer outage survived, the official Python SDK's
OAuth client end to end, and no token in any log.
"""

from __future__ import annotations

import hmac
import json
import time
from base64 import urlsafe_b64decode, urlsafe_b64encode
from hashlib import sha256

import httpx2
import pytest
from mcp import Client
from mcp.client.auth.extensions.client_credentials import ClientCredentialsOAuthProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from conftest import ISSUED_TOKENS, SERVER_LOGS, Deployment, deploy, ec_key, rsa_key

LEGACY = "2025-11-25"


def b64(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64_json(part: str) -> dict:
    return json.loads(urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def call(d: Deployment, token: str | None, tool: str = "echo", params: dict | None = None) -> httpx2.Response:
    """A stateless legacy `tools/call` on /mcp."""
    arguments = {"message": "hi"} if tool == "echo" else {"operation": "add", "a": 10, "b": 5}
    headers = {
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": LEGACY,
    }
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}
    return httpx2.post(d.server.mcp_url, json=body, headers=headers, params=params, timeout=20)


def metadata_url(d: Deployment) -> str:
    return f"{d.server.base_url}/.well-known/oauth-protected-resource"


def assert_unauthorized(d: Deployment, response: httpx2.Response, what: str) -> None:
    assert response.status_code == 401, f"{what}: {response.status_code} {response.text}"
    assert response.headers["www-authenticate"] == (
        f'Bearer error="invalid_token", resource_metadata="{metadata_url(d)}"'
    ), what
    assert response.json() == {"detail": "Invalid bearer token"}, what


def assert_insufficient_scope(d: Deployment, response: httpx2.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["www-authenticate"] == (
        f'Bearer error="insufficient_scope", scope="math", resource_metadata="{metadata_url(d)}"'
    )
    assert response.json() == {"detail": "Tool 'calculate' needs scope 'math'"}


def test_the_metadata_names_the_issuer_and_the_scopes(deployment: Deployment) -> None:
    response = httpx2.get(f"{metadata_url(deployment)}/mcp", timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["resource"] == deployment.server.mcp_url
    assert body["authorization_servers"] == [deployment.issuer.url]
    assert body["scopes_supported"] == ["math"]
    assert body["bearer_methods_supported"] == ["header"]


def test_a_jwt_from_the_issuer_calls_tools(deployment: Deployment) -> None:
    token = deployment.issuer.token()
    assert token.count(".") == 2, "the issuer hands out JWTs for the resource"
    response = call(deployment, token, "calculate")
    assert response.status_code == 200, response.text
    assert response.json()["result"]["content"] == [{"type": "text", "text": "15"}]


def test_tokens_with_bad_claims_are_refused_with_the_challenge(deployment: Deployment) -> None:
    now = int(time.time())
    d = deployment
    cases = {
        "wrong audience": d.mint(aud="http://127.0.0.1:1/mcp"),
        "no audience": d.mint(aud=None),
        "wrong issuer": d.mint(iss="http://127.0.0.1:1"),
        "expired": d.mint(exp=now - 120),
        "not yet valid": d.mint(nbf=now + 120),
        "no expiry": d.mint(exp=None),
    }
    for what, token in cases.items():
        assert_unauthorized(d, call(d, token), what)
    # Within the 60 s leeway both ways: accepted.
    assert call(d, d.mint(exp=now - 20)).status_code == 200
    assert call(d, d.mint(nbf=now + 20)).status_code == 200


def test_forged_tokens_are_refused(deployment: Deployment) -> None:
    d = deployment
    good = d.issuer.token()
    header, payload, signature = good.split(".")
    claims = unb64_json(payload)
    claims["scope"] = "tools:read tools:call math admin"
    tampered = f"{header}.{b64(json.dumps(claims).encode())}.{signature}"

    good_claims = unb64_json(payload)
    kid = d.issuer.keys[0].kid
    none_header = b64(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    alg_none = f"{none_header}.{b64(json.dumps(good_claims).encode())}."

    # HS256 "signed" with the issuer's published public key (PEM) as the HMAC secret: the
    # classic algorithm confusion. PyJWT refuses to make one, so it is made by hand.
    hs_header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    message = f"{hs_header}.{b64(json.dumps(good_claims).encode())}"
    mac = hmac.new(d.issuer.keys[0].public_pem(), message.encode(), sha256).digest()
    hs256 = f"{message}.{b64(mac)}"

    unknown_kid = d.mint(key=ec_key("never-published"))
    for token in (tampered, alg_none, hs256):
        ISSUED_TOKENS.append(token)
    for what, token in {
        "tampered payload": tampered,
        "alg none": alg_none,
        "HS256 keyed with the public key": hs256,
        "unknown kid": unknown_kid,
        "garbage": "not-a-token",
    }.items():
        assert_unauthorized(d, call(d, token), what)
    assert call(d, good).status_code == 200


def test_an_eddsa_token_signed_by_a_published_key_is_accepted(deployment: Deployment) -> None:
    ed = deployment.issuer.keys[1]
    assert ed.alg == "EdDSA"
    assert call(deployment, deployment.mint(key=ed)).status_code == 200


def test_no_token_and_a_token_in_the_query_string_are_both_401(deployment: Deployment) -> None:
    d = deployment
    token = d.issuer.token()
    for response in (
        call(d, None),
        call(d, None, params={"access_token": token}),
        httpx2.get(f"{d.server.base_url}/mcp/tools", params={"access_token": token}, timeout=10),
    ):
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"] == f'Bearer resource_metadata="{metadata_url(d)}"'


def test_a_static_token_from_the_tokens_file_may_call_every_tool(deployment: Deployment) -> None:
    response = call(deployment, deployment.static_token, "calculate")
    assert response.status_code == 200, response.text


def test_an_opaque_token_is_checked_by_introspection(deployment: Deployment) -> None:
    d = deployment
    opaque = d.issuer.token(client="mcp-opaque")
    assert opaque.count(".") != 2, "mcp-opaque gets opaque tokens"
    response = call(d, opaque, "calculate")
    assert response.status_code == 200, response.text
    limited = d.issuer.token(client="mcp-opaque", scope="tools:read")
    assert_insufficient_scope(d, call(d, limited, "calculate"))
    assert call(d, limited, "echo").status_code == 200
    assert_unauthorized(d, call(d, "made-up-opaque-token"), "unknown opaque token")


def test_calling_a_tool_without_its_scope_is_403_with_the_step_up_challenge(deployment: Deployment) -> None:
    d = deployment
    limited = d.issuer.token(scope="tools:read tools:call")
    assert_insufficient_scope(d, call(d, limited, "calculate"))
    rest = httpx2.post(
        f"{d.server.base_url}/mcp/execute",
        json={"tool": "calculate", "arguments": {"operation": "add", "a": 1, "b": 2}},
        headers={"Authorization": f"Bearer {limited}"},
        timeout=10,
    )
    assert_insufficient_scope(d, rest)
    assert call(d, limited, "echo").status_code == 200


def rest_tool_names(d: Deployment, token: str) -> list[str]:
    response = httpx2.get(f"{d.server.base_url}/mcp/tools", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == 200, response.text
    return [t["name"] for t in response.json()["tools"]]


async def sdk_tool_names(d: Deployment, token: str, mode: str) -> list[str]:
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    async with http:
        transport = streamable_http_client(d.server.mcp_url, http_client=http)
        async with Client(transport, mode=mode, cache=None, read_timeout_seconds=20) as client:
            return [t.name for t in (await client.list_tools()).tools]


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "auto"], ids=["2025-11-25", "2026-07-28"])
async def test_tool_lists_show_only_what_the_token_may_call(deployment: Deployment, mode: str) -> None:
    d = deployment
    limited = d.issuer.token(scope="tools:read")
    full = d.issuer.token()
    assert await sdk_tool_names(d, limited, mode) == ["echo"]
    assert await sdk_tool_names(d, full, mode) == ["echo", "calculate"]
    assert rest_tool_names(d, limited) == ["echo"]
    assert rest_tool_names(d, full) == ["echo", "calculate"]


class MemoryStorage:
    def __init__(self) -> None:
        self.tokens = None
        self.client_info = None

    async def get_tokens(self):  # noqa: ANN201 - the SDK's protocol
        return self.tokens

    async def set_tokens(self, tokens) -> None:  # noqa: ANN001
        self.tokens = tokens

    async def get_client_info(self):  # noqa: ANN201
        return self.client_info

    async def set_client_info(self, client_info) -> None:  # noqa: ANN001
        self.client_info = client_info


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "auto"], ids=["2025-11-25", "2026-07-28"])
async def test_the_python_sdk_oauth_client_finds_the_issuer_and_calls_a_tool(
    deployment: Deployment, mode: str
) -> None:
    d = deployment
    storage = MemoryStorage()
    auth = ClientCredentialsOAuthProvider(
        server_url=d.server.mcp_url,
        storage=storage,
        client_id="mcp-jwt",
        client_secret="mcp-jwt-secret",
        scope="tools:read tools:call math",
    )
    http = create_mcp_http_client(auth=auth)
    async with http:
        transport = streamable_http_client(d.server.mcp_url, http_client=http)
        async with Client(transport, mode=mode, cache=None, read_timeout_seconds=20) as client:
            result = await client.call_tool("calculate", {"operation": "multiply", "a": 6, "b": 7})
    assert [c.text for c in result.content] == ["42"]
    assert storage.tokens is not None, "the SDK got its token from the issuer"
    ISSUED_TOKENS.append(storage.tokens.access_token)


def test_the_servers_keys_follow_a_rotation_at_the_issuer(deployment: Deployment) -> None:
    d = deployment
    old = d.issuer.token()
    assert call(d, old).status_code == 200
    fetches = d.issuer.jwks_fetches()
    d.issuer.rotate([rsa_key("rotated-ps256"), *d.issuer.keys])
    new = d.issuer.token()
    header = unb64_json(new.split(".")[0])
    assert header["kid"] == "rotated-ps256" and header["alg"] == "PS256"
    # The unknown kid makes the server fetch the keys again, at most once a second
    # (MCP_AUTH_JWKS_REFETCH_SECONDS=1): the first try may fall inside that second.
    deadline = time.monotonic() + 15
    status = call(d, new).status_code
    while status != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
        status = call(d, new).status_code
    assert status == 200
    assert d.issuer.jwks_fetches() > fetches
    assert call(d, old).status_code == 200, "the old key is still published"


def test_a_flood_of_made_up_key_ids_costs_the_issuer_one_fetch_a_second(deployment: Deployment) -> None:
    d = deployment
    before = d.issuer.jwks_fetches()
    started = time.monotonic()
    for n in range(40):
        assert_unauthorized(d, call(d, d.mint(key=ec_key(f"made-up-{n}"))), f"made-up kid {n}")
    elapsed = time.monotonic() - started
    fetched = d.issuer.jwks_fetches() - before
    assert 1 <= fetched <= int(elapsed) + 2, f"{fetched} fetches in {elapsed:.1f}s for 40 unknown kids"


def test_with_the_issuer_down_known_keys_still_work_and_unknown_ones_are_401(log_dir) -> None:  # noqa: ANN001
    d = deploy("issuer-down", log_dir)
    try:
        assert call(d, d.issuer.token()).status_code == 200, "keys fetched while the issuer was up"
        d.issuer.stop()
        assert call(d, d.mint()).status_code == 200, "a new token signed by a cached key"
        time.sleep(1.1)  # past the refetch interval, so the server does try the dead issuer
        started = time.monotonic()
        assert_unauthorized(d, call(d, d.mint(key=ec_key("rotated-while-down"))), "unknown kid, issuer down")
        assert time.monotonic() - started < 15, "refused within the client's timeouts, not hung"
        assert_unauthorized(d, call(d, "opaque-while-down"), "introspection unreachable")
    finally:
        d.server.stop()
        d.issuer.stop()


def test_the_logs_name_the_principal_and_never_a_token(deployment: Deployment) -> None:
    # Runs last in this module: every token used above is in ISSUED_TOKENS.
    deployment.server.stop()
    logs = {path: path.read_text(errors="replace") for path in SERVER_LOGS}
    assert "mcp-jwt" in logs[deployment.server.log_path], "the principal (client id) is logged"
    assert len(ISSUED_TOKENS) > 20
    for path, text in logs.items():
        for token in ISSUED_TOKENS:
            for part in {token, *token.split(".")[-1:]}:
                if len(part) >= 16:
                    assert part not in text, f"a token (or its signature) is in {path.name}"
