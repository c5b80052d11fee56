"""`rediss://`: the store over TLS, the server checked against the CA in
SSL_CERT_FILE, the password read from MCP_REDIS_PASSWORD_FILE. A replica
with the right CA and password counts its rate limit in that Redis; one
with a wrong password, or without the CA, starts anyway and reports the
store down with the reason."""
import os
import subprocess

import pytest
import requests

from cluster import Redis, Replica, wait_until


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def tls_redis(workdir):
    d = os.path.join(workdir, "tls")
    os.makedirs(d, exist_ok=True)
    path = lambda name: os.path.join(d, name)  # noqa: E731
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=scaleout-ca",
            "-keyout", path("ca.key"), "-out", path("ca.pem"))
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-keyout", path("redis.key"), "-out", path("redis.csr"))
    with open(path("ext.cnf"), "w", encoding="utf-8") as f:
        f.write("subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", path("redis.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
            "-CAcreateserial", "-days", "1", "-extfile", path("ext.cnf"), "-out", path("redis.pem"))
    password = os.urandom(16).hex()
    for name, text in (("password", password + "\n"), ("wrong-password", "not-" + password + "\n")):
        with open(path(name), "w", encoding="utf-8") as f:
            f.write(text)
    server = Redis(workdir, tls=(path("redis.pem"), path("redis.key"), path("ca.pem")),
                   password=password, name="redis-tls").start()
    yield server, path
    server.stop()


def replica(workdir, url, name, **env):
    return Replica(name, workdir, {"MCP_REDIS_URL": url, **env}).start()


def test_the_store_works_over_tls_with_a_password_file(workdir, tls_redis):
    redis, path = tls_redis
    assert redis.url.startswith("rediss://localhost:")
    good = replica(workdir, redis.url, "tls-good", SSL_CERT_FILE=path("ca.pem"),
                   MCP_REDIS_PASSWORD_FILE=path("password"), MCP_RATE_LIMIT="2/minute")
    wrong_password = replica(workdir, redis.url, "tls-wrong-password", SSL_CERT_FILE=path("ca.pem"),
                             MCP_REDIS_PASSWORD_FILE=path("wrong-password"))
    unknown_ca = replica(workdir, redis.url, "tls-unknown-ca",
                         MCP_REDIS_PASSWORD_FILE=path("password"))
    try:
        assert good.metric("mcp_store_up") == 1
        statuses = [requests.get(f"{good.url}/mcp/tools", timeout=10).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        for bad, reason in ((wrong_password, "AuthenticationFailed"), (unknown_ca, "UnknownIssuer")):
            wait_until(f"{bad.name} to log why the store is down",
                       lambda b=bad, r=reason: r in b.process.log())
            assert bad.metric("mcp_store_up") == 0, bad.name
            assert requests.get(f"{bad.url}/ready", timeout=10).status_code == 200
    finally:
        for r in (good, wrong_password, unknown_ca):
            r.stop()
