"""Fixtures for the OAuth tests: a real authorization server (oidc-provider under Node 24,
tests/oauth/issuer.mjs) and the server binary configured as its resource server, both on
free loopback ports, plus keys and token minting.

Keys are made here (cryptography) and handed to the issuer as private JWKs, so the tests can
also sign tokens with the issuer's own keys: that is how tokens with a wrong audience, a wrong
issuer, a past `exp` or a future `nbf` get a valid signature (the issuer would never mint
them).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa


def _client_fixtures():  # noqa: ANN202
    """tests/clients/conftest.py (server start-up, log capture), under its own name."""
    path = Path(__file__).resolve().parents[1] / "clients" / "conftest.py"
    spec = importlib.util.spec_from_file_location("client_fixtures", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["client_fixtures"] = module
    spec.loader.exec_module(module)
    return module


_clients = _client_fixtures()
HttpServer = _clients.HttpServer
free_port = _clients.free_port
start_http_server = _clients.start_http_server

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
NODE_MODULES = ROOT / ".tools" / "node" / "node_modules"
READY_TIMEOUT_S = 30.0

# Every token a test used, so the last test can prove none reached a log.
ISSUED_TOKENS: list[str] = []
# Every server log, for the same check.
SERVER_LOGS: list[Path] = []


@dataclass
class Key:
    kid: str
    alg: str
    private: object

    def private_jwk(self) -> dict:
        algorithm = jwt.get_algorithm_by_name(self.alg)
        jwk = json.loads(algorithm.to_jwk(self.private))
        jwk.update(kid=self.kid, alg=self.alg, use="sig")
        return jwk

    def public_pem(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.private.public_key().public_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def ec_key(kid: str) -> Key:
    return Key(kid, "ES256", ec.generate_private_key(ec.SECP256R1()))


def rsa_key(kid: str, alg: str = "PS256") -> Key:
    return Key(kid, alg, rsa.generate_private_key(public_exponent=65537, key_size=2048))


def ed_key(kid: str) -> Key:
    return Key(kid, "EdDSA", ed25519.Ed25519PrivateKey.generate())


@dataclass
class Issuer:
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    keys: list[Key]
    resource: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def token(self, client: str = "mcp-jwt", scope: str | None = "tools:read tools:call math") -> str:
        """An access token from the client-credentials grant, for the MCP resource."""
        form = {"grant_type": "client_credentials", "resource": self.resource}
        if scope is not None:
            form["scope"] = scope
        response = httpx2.post(f"{self.url}/token", data=form, auth=(client, f"{client}-secret"), timeout=10)
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        ISSUED_TOKENS.append(token)
        return token

    def rotate(self, keys: list[Key]) -> None:
        self.keys = keys
        body = {"keys": [k.private_jwk() for k in keys]}
        response = httpx2.post(f"{self.url}/_rotate", json=body, timeout=10)
        assert response.status_code == 204, response.text

    def jwks_fetches(self) -> int:
        return httpx2.get(f"{self.url}/_stats", timeout=10).json()["jwks"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_issuer(name: str, log_dir: Path, port: int, resource: str, keys: list[Key]) -> Issuer:
    node = shutil.which("node")
    if node is None or not (NODE_MODULES / "oidc-provider").is_dir():
        pytest.fail("node or oidc-provider missing: run tests/oauth/run.sh (it installs both)", pytrace=False)
    keys_path = log_dir / f"{name}-keys.json"
    keys_path.write_text(json.dumps({"keys": [k.private_jwk() for k in keys]}))
    log_path = log_dir / f"{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [node, str(HERE / "issuer.mjs")],
            env={
                **os.environ,
                "ISSUER_PORT": str(port),
                "ISSUER_KEYS": str(keys_path),
                "MCP_RESOURCE": resource,
                "NODE_TOOLS_MODULES": str(NODE_MODULES),
            },
            cwd=NODE_MODULES.parent,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    issuer = Issuer(port, process, log_path, keys, resource)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"issuer exited with {process.returncode}:\n{log_path.read_text()}", pytrace=False)
        try:
            if httpx2.get(f"{issuer.url}/.well-known/openid-configuration", timeout=2).status_code == 200:
                return issuer
        except httpx2.HTTPError:
            pass
        time.sleep(0.1)
    issuer.stop()
    pytest.fail(f"issuer not ready within {READY_TIMEOUT_S}s:\n{log_path.read_text()}", pytrace=False)


@dataclass
class Deployment:
    """An issuer and the MCP server that trusts it."""

    issuer: Issuer
    server: HttpServer
    static_token: str

    def mint(self, key: Key | None = None, headers: dict | None = None, **changes: object) -> str:
        """A token signed with `key` (default: the issuer's first key) with the claims a good
        token has, changed by `changes` (a value of None removes the claim)."""
        key = key or self.issuer.keys[0]
        now = int(time.time())
        claims = {
            "iss": self.issuer.url,
            "aud": self.issuer.resource,
            "sub": "minted-subject",
            "client_id": "mcp-jwt",
            "scope": "tools:read tools:call math",
            "iat": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
        }
        claims.update(changes)
        claims = {k: v for k, v in claims.items() if v is not None}
        token = jwt.encode(claims, key.private, algorithm=key.alg, headers={"kid": key.kid, **(headers or {})})
        ISSUED_TOKENS.append(token)
        return token


def deploy(name: str, log_dir: Path, **server_env: str) -> Deployment:
    issuer_port, server_port = free_port(), free_port()
    resource = f"http://127.0.0.1:{server_port}/mcp"
    keys = [ec_key(f"{name}-ec"), ed_key(f"{name}-ed")]
    issuer = start_issuer(f"{name}-issuer", log_dir, issuer_port, resource, keys)
    static_token = f"static-{uuid.uuid4().hex}"
    ISSUED_TOKENS.append(static_token)
    tokens_file = log_dir / f"{name}-tokens"
    tokens_file.write_text(f"# the operators' token\n{static_token}\n")
    secret_file = log_dir / f"{name}-introspection-secret"
    secret_file.write_text("mcp-server-secret\n")
    server = start_http_server(
        name,
        log_dir,
        port=server_port,
        MCP_PUBLIC_URL=f"http://127.0.0.1:{server_port}",
        MCP_AUTH_ISSUER=issuer.url,
        MCP_AUTH_INTROSPECTION_URL=f"{issuer.url}/token/introspection",
        MCP_AUTH_INTROSPECTION_CLIENT_ID="mcp-server",
        MCP_AUTH_INTROSPECTION_CLIENT_SECRET_FILE=str(secret_file),
        MCP_AUTH_TOKENS_FILE=str(tokens_file),
        MCP_AUTH_JWKS_REFETCH_SECONDS="1",
        MCP_TOOL_SCOPES="calculate=math",
        **server_env,
    )
    SERVER_LOGS.append(server.log_path)
    return Deployment(issuer, server, static_token)


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("oauth-logs")


@pytest.fixture(scope="session")
def deployment(log_dir: Path) -> Iterator[Deployment]:
    """The shared issuer and server (JWT, introspection, static token file, calculate=math)."""
    deployed = deploy("oauth", log_dir)
    yield deployed
    deployed.server.stop()
    deployed.issuer.stop()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
