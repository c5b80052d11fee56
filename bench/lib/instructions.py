#!/usr/bin/env python3
"""Instructions per request, counted by valgrind (callgrind), for one server and one request form.

Throughput on these shared machines moves by 2x with other load; an instruction count does not. The
server runs under callgrind; a keep-alive client sends N requests, then 3N; the difference of the two
totals over 2N is the server's user-space instructions per request (start-up cancels out). Kernel
work (TCP, epoll) is not counted: it is the same per request for every server here.

    bench/lib/instructions.py BIN FORM [--n 1000] [--env K=V ...] [--auth off|jwt|jwt-fresh]
    FORM: legacy | 2026 | rest

--auth jwt: the server validates ES256 JWT access tokens (MCP_AUTH_ISSUER, keys from a JWKS served
here); every request carries the same token, so after the first it is a verified-token cache hit.
--auth jwt-fresh: a new token per request, so every request pays the full signature check. Both need
PyJWT and cryptography (the tests' venv, .tools/venv, has them).
"""
import argparse, http.client, http.server, json, os, socket, subprocess, sys, tempfile, threading, time

CALL = {"name": "calculate", "arguments": {"operation": "add", "a": 10, "b": 5}}
META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "bench", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {}}
ACCEPT = "application/json, text/event-stream"


def request(form: str):
    if form == "legacy":
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": CALL}
        return "/mcp", body, {"Accept": ACCEPT, "MCP-Protocol-Version": "2025-11-25"}
    if form == "2026":
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {**CALL, "_meta": META}}
        return "/mcp", body, {"Accept": ACCEPT, "MCP-Protocol-Version": "2026-07-28",
                              "Mcp-Method": "tools/call", "Mcp-Name": "calculate"}
    return "/mcp/execute", {"tool": CALL["name"], "arguments": CALL["arguments"]}, {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Tokens:
    """ES256 access tokens for the server on `port`, and the JWKS that verifies them."""

    def __init__(self, port: int, fresh: bool):
        import jwt
        from cryptography.hazmat.primitives.asymmetric import ec

        self.jwt, self.fresh, self.count = jwt, fresh, 0
        self.key = ec.generate_private_key(ec.SECP256R1())
        public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key()))
        jwks = json.dumps({"keys": [{**public, "kid": "bench", "alg": "ES256", "use": "sig"}]}).encode()

        class Jwks(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the stdlib's name
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(jwks)

            def log_message(self, *args):
                pass

        self.jwks_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
        threading.Thread(target=self.jwks_server.serve_forever, daemon=True).start()
        self.issuer = "https://issuer.bench"
        self.audience = f"http://127.0.0.1:{port}/mcp"
        self.token = self.mint()

    def env(self) -> dict:
        return {"MCP_AUTH_ISSUER": self.issuer, "MCP_AUTH_AUDIENCE": self.audience,
                "MCP_AUTH_JWKS_URL": f"http://127.0.0.1:{self.jwks_server.server_port}/jwks",
                "MCP_TOOL_SCOPES": "calculate=math"}

    def mint(self) -> str:
        self.count += 1
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.audience, "sub": "bench", "scope": "math",
                  "iat": now, "exp": now + 3600, "jti": str(self.count)}
        return self.jwt.encode(claims, self.key, algorithm="ES256", headers={"kid": "bench"})

    def header(self) -> dict:
        return {"Authorization": f"Bearer {self.mint() if self.fresh else self.token}"}


def total(binary: str, form: str, n: int, env: dict, auth: str) -> int:
    port = free_port()
    tokens = Tokens(port, auth == "jwt-fresh") if auth != "off" else None
    if tokens:
        env = {**env, **tokens.env()}
    out = tempfile.NamedTemporaryFile(suffix=".callgrind", delete=False).name
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary],
                            env={**os.environ, **env, "PORT": str(port)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        path, body, headers = request(form)
        data = json.dumps(body)
        headers = {"Content-Type": "application/json", **headers}
        for _ in range(600):  # valgrind starts slowly: up to 60 s
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("POST", path, data, {**headers, **(tokens.header() if tokens else {})})
                conn.getresponse().read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit(f"{binary} did not answer on port {port}")
        # The client's work (minting included) runs outside callgrind and is not counted.
        auth_headers = [tokens.header() if tokens else {} for _ in range(n)]
        for extra in auth_headers:
            conn.request("POST", path, data, {**headers, **extra})
            response = conn.getresponse()
            answer = response.read()
            if response.status != 200 or b"15" not in answer:
                sys.exit(f"wrong answer {response.status}: {answer[:200]!r}")
    finally:
        proc.send_signal(2)
        proc.wait(timeout=60)
    with open(out) as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                os.unlink(out)
                return int(line.split()[1])
    sys.exit("no total in the callgrind output")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("form", choices=["legacy", "2026", "rest"])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("--auth", choices=["off", "jwt", "jwt-fresh"], default="off")
    args = parser.parse_args()
    env = dict(kv.split("=", 1) for kv in args.env)
    small = total(args.binary, args.form, args.n, env, args.auth)
    large = total(args.binary, args.form, 3 * args.n, env, args.auth)
    label = args.form if args.auth == "off" else f"{args.form} ({args.auth})"
    print(f"{label}: {(large - small) / (2 * args.n):,.0f} instructions per request")


if __name__ == "__main__":
    main()
