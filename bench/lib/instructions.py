#!/usr/bin/env python3
"""Instructions per request, counted by valgrind (callgrind), for one server and one request form.

Throughput on these shared machines moves by 2x with other load; an instruction count does not. The
server runs under callgrind; a keep-alive client sends N requests, then 3N; the difference of the two
totals over 2N is the server's user-space instructions per request (start-up cancels out). Kernel
work (TCP, epoll) is not counted: it is the same per request for every server here.

    bench/lib/instructions.py BIN FORM [--n 1000] [--env K=V ...]
    FORM: legacy | 2026 | rest
"""
import argparse, http.client, json, os, socket, subprocess, sys, tempfile, time

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


def total(binary: str, form: str, n: int, env: dict) -> int:
    port = free_port()
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
                conn.request("POST", path, data, headers)
                conn.getresponse().read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit(f"{binary} did not answer on port {port}")
        for _ in range(n):
            conn.request("POST", path, data, headers)
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
    args = parser.parse_args()
    env = dict(kv.split("=", 1) for kv in args.env)
    small, large = total(args.binary, args.form, args.n, env), total(args.binary, args.form, 3 * args.n, env)
    print(f"{args.form}: {(large - small) / (2 * args.n):,.0f} instructions per request")


if __name__ == "__main__":
    main()
