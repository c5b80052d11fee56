"""The parts of a scaled-out deployment, as real processes on loopback: one
redis-server, N release replicas of the server sharing it (and one
request-state keys file), and nginx round-robin in front of them.

Every process is started by this module and stopped by it (by its own pid);
logs go to files under the cluster's temporary directory."""
import base64
import json
import os
import signal
import socket
import subprocess
import time

import requests

SERVER_BIN = os.environ.get("MCP_SERVER_BIN", "target/release/mcp-rust-server")
REDIS_BIN = os.environ.get("REDIS_SERVER_BIN", "redis-server")
NGINX_BIN = os.environ.get("NGINX_BIN", "nginx")

# A hang guard for every wait below, never a timing assertion.
HANG_GUARD_SECONDS = 20

PROTOCOL = "2026-07-28"
META = {
    "io.modelcontextprotocol/protocolVersion": PROTOCOL,
    "io.modelcontextprotocol/clientInfo": {"name": "scaleout-tests", "version": "1.0.0"},
    "io.modelcontextprotocol/clientCapabilities": {
        "elicitation": {"form": {}},
    },
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what, predicate, timeout=HANG_GUARD_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def answers(url):
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


class Process:
    """One child process with its log file; stopped by its own pid."""

    def __init__(self, name, argv, log_path, env=None):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.env = env
        self.proc = None

    def start(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            self.argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=self.env)
        log.close()
        return self

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def pause(self):
        """SIGSTOP: the process holds its connections but answers nothing."""
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)

    def kill(self):
        """SIGKILL: the process gets no chance to clean up."""
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=HANG_GUARD_SECONDS)

    def stop(self):
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=HANG_GUARD_SECONDS)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""


class Redis:
    """redis-server on a loopback port; with `tls`, (cert, key, CA) files,
    it speaks TLS only and wants `password`."""

    def __init__(self, workdir, tls=None, password=None, name="redis"):
        self.port = free_port()
        scheme = "rediss" if tls else "redis"
        self.url = f"{scheme}://localhost:{self.port}/0" if tls else f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.tls = tls
        self.password = password
        self.name = name
        self.process = None

    def start(self):
        argv = [REDIS_BIN, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", self.workdir]
        if self.tls:
            cert, key, ca = self.tls
            argv += ["--port", "0", "--tls-port", str(self.port), "--tls-cert-file", cert,
                     "--tls-key-file", key, "--tls-ca-cert-file", ca, "--tls-auth-clients", "no"]
        else:
            argv += ["--port", str(self.port)]
        if self.password:
            argv += ["--requirepass", self.password]
        self.process = Process(self.name, argv,
                               os.path.join(self.workdir, f"{self.name}.log")).start()
        wait_until(f"{self.name} to accept connections", self.listening)
        return self

    def listening(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def kill(self):
        self.process.kill()

    def stop(self):
        if self.process:
            self.process.stop()


class Replica:
    def __init__(self, name, workdir, env):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.mcp_url = f"{self.url}/mcp"
        full_env = dict(os.environ)
        full_env.pop("RUST_LOG", None)
        full_env.update({"HOST": "127.0.0.1", "PORT": str(self.port),
                         "MCP_TOOLSETS": "core,conformance"})
        full_env.update(env)
        self.process = Process(name, [SERVER_BIN, "serve"],
                               os.path.join(workdir, f"{name}.log"), full_env)

    def start(self):
        self.process.start()
        wait_until(f"{self.name} to be ready",
                   lambda: answers(f"{self.url}/ready") or not self.process.alive())
        assert self.process.alive(), f"{self.name} exited:\n{self.process.log()[-3000:]}"
        return self

    def metric(self, name):
        text = requests.get(f"{self.url}/metrics", timeout=5).text
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        raise AssertionError(f"{name} not in /metrics of {self.name}")

    def stop(self):
        self.process.stop()


NGINX_CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {dir}/nginx-access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream replicas {{
        {balance}
        {servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://replicas;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            # Streams (SSE) pass through as they are written.
            proxy_buffering off;
            proxy_read_timeout 60s;
            # A replica that is down is skipped, not retried for one request twice.
            proxy_next_upstream error timeout;
        }}
    }}
}}
"""


class Proxy:
    """nginx over the replicas: round-robin (its default), or `balance`, an
    upstream directive such as `hash $remote_addr consistent;`."""

    def __init__(self, workdir, replicas, balance="", name="nginx"):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.mcp_url = f"{self.url}/mcp"
        servers = "\n        ".join(f"server 127.0.0.1:{r.port};" for r in replicas)
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(NGINX_CONF.format(dir=self.dir, servers=servers, port=self.port,
                                      balance=balance))
        self.process = Process("nginx", [NGINX_BIN, "-p", self.dir, "-c", conf],
                               os.path.join(self.dir, "nginx.out"))

    def start(self):
        self.process.start()
        wait_until("nginx to proxy /health",
                   lambda: answers(f"{self.url}/health") or not self.process.alive())
        assert self.process.alive(), f"nginx exited:\n{self.process.log()}"
        return self

    def stop(self):
        self.process.stop()


def write_keys_file(path, count=2):
    """`count` random 32-byte keys, base64, one a line."""
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(count):
            f.write(base64.b64encode(os.urandom(32)).decode() + "\n")
    return path


class Cluster:
    """Redis, `size` replicas sharing it and one keys file, nginx in front."""

    def __init__(self, workdir, redis, keys_file, size=3, env=None, name="replica", balance=""):
        shared = {"MCP_REDIS_URL": redis.url, "MCP_REQUEST_STATE_KEYS_FILE": keys_file}
        shared.update(env or {})
        self.replicas = [Replica(f"{name}-{i + 1}", workdir, shared) for i in range(size)]
        self.proxy = None
        self.workdir = workdir
        self.name = name
        self.balance = balance

    def start(self):
        for replica in self.replicas:
            replica.start()
        self.proxy = Proxy(self.workdir, self.replicas, self.balance, f"nginx-{self.name}").start()
        return self

    def stop(self):
        if self.proxy:
            self.proxy.stop()
        for replica in self.replicas:
            replica.stop()


# ---- talking MCP 2026-07-28 over plain HTTP ---------------------------------

def headers_for(method, name=None):
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": PROTOCOL,
        "Mcp-Method": method,
    }
    if name is not None:
        headers["Mcp-Name"] = name
    return headers


def request_body(id_, method, params):
    params = dict(params)
    params["_meta"] = {**META, **params.get("_meta", {})}
    return {"jsonrpc": "2.0", "id": id_, "method": method, "params": params}


def rpc(url, method, params, id_=1, extra_headers=None, client=None):
    """POSTs one request; returns (status, message, response headers)."""
    headers = headers_for(method, params.get("name") if method == "tools/call" else None)
    headers.update(extra_headers or {})
    post = (client or requests).post
    response = post(url, json=request_body(id_, method, params), headers=headers,
                    timeout=HANG_GUARD_SECONDS)
    return response.status_code, message_of(response), response.headers


def message_of(response):
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        for line in response.text.splitlines():
            if line.startswith("data:") and line[5:].strip():
                try:
                    message = json.loads(line[5:])
                except ValueError:
                    continue
                if "result" in message or "error" in message:
                    return message
        raise AssertionError(f"no response in SSE body: {response.text[:500]}")
    try:
        return response.json()
    except ValueError:
        return {"raw": response.text}


def call_tool(url, name, arguments, id_=1, extra_headers=None, client=None):
    return rpc(url, "tools/call", {"name": name, "arguments": arguments}, id_,
               extra_headers, client)


def sse_messages(lines):
    """JSON-RPC messages from an iterator of SSE lines."""
    for line in lines:
        line = line.decode() if isinstance(line, bytes) else line
        if line.startswith("data:") and line[5:].strip():
            try:
                yield json.loads(line[5:])
            except ValueError:
                continue
