"""The benchmark driver: starts each server on its own loopback port, checks it answers correctly,
drives it with wrk, reads its RSS from /proc, and writes results.{md,json} and chart.svg.

Standard library only (it runs on the machine's python3). bench/run.sh installs and builds
everything first and passes the paths in through BENCH_* environment variables.

Everything stays on 127.0.0.1 and every loop is bounded: wrk runs for fixed durations with a
request timeout, the session opener makes a fixed number of requests, and each server is stopped
(SIGTERM, then SIGKILL after 5 s) by the pid this driver started.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import chart  # noqa: E402

HOST = "127.0.0.1"
ENV = os.environ

# --- The requests ------------------------------------------------------------------------------

CALC_ARGS = {"operation": "add", "a": 10, "b": 5}
EXPECTED = 15.0
CHECK_ARGS = {"operation": "multiply", "a": 6, "b": 7}  # a second call, so a fixed answer fails
CHECK_EXPECTED = 42.0
ID_PLACEHOLDER = 987654321  # post.lua puts a fresh JSON-RPC id here in every request
ACCEPT = "application/json, text/event-stream"
MODERN = "2026-07-28"
LEGACY = "2025-11-25"


def call_body(args: dict, modern: bool, id_: int = 1) -> dict:
    params: dict = {"name": "calculate", "arguments": args}
    if modern:
        params["_meta"] = {
            "io.modelcontextprotocol/protocolVersion": MODERN,
            "io.modelcontextprotocol/clientInfo": {"name": "bench", "version": "1.0"},
            "io.modelcontextprotocol/clientCapabilities": {},
        }
    return {"jsonrpc": "2.0", "id": id_, "method": "tools/call", "params": params}


def mcp_headers(modern: bool) -> dict:
    if modern:
        return {
            "Accept": ACCEPT,
            "MCP-Protocol-Version": MODERN,
            "Mcp-Method": "tools/call",
            "Mcp-Name": "calculate",
        }
    return {"Accept": ACCEPT, "MCP-Protocol-Version": LEGACY}


INIT_BODY = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": LEGACY,
        "capabilities": {},
        "clientInfo": {"name": "bench", "version": "1.0"},
    },
}
INITIALIZED_BODY = {"jsonrpc": "2.0", "method": "notifications/initialized"}


# --- HTTP helpers (loopback only) --------------------------------------------------------------


def post(port: int, path: str, body: dict, headers: dict, timeout: float = 10.0):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        data = json.dumps(body).encode()
        conn.request("POST", path, data, {"Content-Type": "application/json", **headers})
        resp = conn.getresponse()
        return resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), resp.read()
    finally:
        conn.close()


def jsonrpc_messages(content_type: str, raw: bytes) -> list[dict]:
    """The JSON-RPC messages of a response, whether plain JSON or an SSE stream."""
    text = raw.decode()
    if "text/event-stream" in content_type:
        out = []
        for line in text.splitlines():
            if line.startswith("data:") and line[5:].strip():
                out.append(json.loads(line[5:].strip()))
        return out
    return [json.loads(text)]


def tool_value(status: int, headers: dict, raw: bytes, id_: int) -> float:
    """The number a tools/call calculate answered with; raises with the evidence otherwise."""
    if status != 200:
        raise AssertionError(f"HTTP {status}: {raw[:300]!r}")
    msgs = [m for m in jsonrpc_messages(headers.get("content-type", ""), raw) if m.get("id") == id_]
    if len(msgs) != 1 or "result" not in msgs[0]:
        raise AssertionError(f"no result for id {id_}: {raw[:300]!r}")
    result = msgs[0]["result"]
    if result.get("isError"):
        raise AssertionError(f"tool error: {result}")
    text = result["content"][0]["text"]
    try:
        return float(text)
    except ValueError:  # a JSON text block, e.g. {"result": 15}
        value = json.loads(text)
        return float(value["result"] if isinstance(value, dict) else value)


def wait_ready(port: int, proc: subprocess.Popen, deadline_s: float) -> None:
    """Poll GET /ready every millisecond until the first 200."""
    start = time.perf_counter()
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before /ready")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=1)
            conn.request("GET", "/ready")
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        if time.perf_counter() - start > deadline_s:
            raise RuntimeError(f"/ready not 200 on port {port} within {deadline_s}s")
        time.sleep(0.001)


# --- Processes ---------------------------------------------------------------------------------


def rss_kib(pid: int) -> int:
    """VmRSS of pid plus all its descendants (uvicorn or node may fork helpers)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
        todo.extend(children.get(p, []))
    return total


@dataclass
class ServerSpec:
    key: str
    label: str
    cmd: list[str]
    port: int
    env: dict = field(default_factory=dict)
    cwd: str | None = None


class Running:
    def __init__(self, spec: ServerSpec, cpus: set[int] | None, log_dir: Path):
        if port_open(spec.port):
            raise RuntimeError(f"port {spec.port} already in use: refusing to bench something else")
        self.spec = spec
        log = open(log_dir / f"{spec.key}.log", "ab")
        env = {**os.environ, **spec.env, "HOST": HOST, "PORT": str(spec.port)}
        affinity = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            spec.cmd, cwd=spec.cwd, env=env, stdout=log, stderr=log, preexec_fn=affinity
        )
        log.close()
        wait_ready(spec.port, self.proc, 60)
        self.ready_s = time.perf_counter() - self.t0  # from just before the exec, not the poll

    def rss_mib(self) -> float:
        return rss_kib(self.proc.pid) / 1024

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def port_open(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((HOST, port)) == 0


# --- Load --------------------------------------------------------------------------------------


@dataclass
class Scenario:
    key: str  # row id
    label: str
    server: str  # ServerSpec.key
    path: str
    body: dict
    headers: dict
    kind: str  # "mcp" | "rest"
    legacy_session: bool = False


def run_wrk(cfg, port: int, sc: Scenario, seconds: float, work: Path, headers: dict) -> dict:
    body_file = work / f"{sc.key}.json"
    unique = sc.kind == "mcp"
    body = {**sc.body, "id": ID_PLACEHOLDER} if unique else sc.body
    body_file.write_text(json.dumps(body))
    env = {
        **os.environ,
        "BENCH_UNIQUE_IDS": "1" if unique else "0",
        "BENCH_BODY_FILE": str(body_file),
        "BENCH_HEADERS": "\n".join(f"{k}: {v}" for k, v in headers.items()),
    }
    cmd = [
        cfg.wrk, "-t", str(cfg.threads), "-c", str(cfg.connections), "-d", f"{int(seconds)}s",
        "--timeout", f"{cfg.timeout}s", "-s", str(Path(__file__).parent / "post.lua"),
        f"http://{HOST}:{port}{sc.path}",
    ]
    affinity = (lambda: os.sched_setaffinity(0, cfg.load_cpus)) if cfg.load_cpus else None
    out = subprocess.run(
        cmd, env=env, capture_output=True, text=True, timeout=seconds + 30, preexec_fn=affinity
    )
    line = next((l for l in out.stdout.splitlines() if l.startswith("BENCH_JSON ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stdout[-500:]} {out.stderr[-500:]}")
    r = json.loads(line[len("BENCH_JSON "):])
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["errors"] = sum(r[k] for k in ("err_connect", "err_read", "err_write", "err_status", "err_timeout"))
    # Little's law: with every connection busy, throughput x mean latency = connections. Far fewer
    # means requests hung without completing (wrk counts only completed ones): flag it.
    r["busy_connections"] = r["rps"] * r["mean_us"] / 1e6
    r["stalled"] = r["busy_connections"] < 0.5 * cfg.connections
    return r


def open_session(port: int) -> str:
    status, headers, raw = post(port, "/mcp", INIT_BODY, {"Accept": ACCEPT})
    sid = headers.get("mcp-session-id")
    if status != 200 or not sid:
        raise AssertionError(f"initialize: HTTP {status}, session {sid!r}: {raw[:300]!r}")
    status, _, raw = post(
        port, "/mcp", INITIALIZED_BODY,
        {"Accept": ACCEPT, "Mcp-Session-Id": sid, "MCP-Protocol-Version": LEGACY},
    )
    if status not in (200, 202):
        raise AssertionError(f"notifications/initialized: HTTP {status}: {raw[:300]!r}")
    return sid


def check(port: int, sc: Scenario, headers: dict, exact: bool):
    """Fail loudly unless the server computes calculate right, for the bench body and another."""
    cases = [(CALC_ARGS, EXPECTED)] + ([(CHECK_ARGS, CHECK_EXPECTED)] if exact else [])
    for i, (args, want) in enumerate(cases, start=7):
        if sc.kind == "rest":
            status, _, raw = post(port, sc.path, {"tool": "calculate", "arguments": args}, {})
            if status != 200:
                raise AssertionError(f"{sc.label}: HTTP {status}: {raw[:300]!r}")
            got = float(json.loads(raw)["result"])
        else:
            body = json.loads(json.dumps(sc.body))
            body["id"] = i
            body["params"]["arguments"] = args
            got = tool_value(*post(port, sc.path, body, headers), id_=i)
        if got != want:
            raise AssertionError(f"{sc.label}: calculate{args} answered {got}, want {want}")


# --- The run -----------------------------------------------------------------------------------


def build_plan(cfg):
    p = cfg.peers_dir
    servers = {
        "floor": ServerSpec("floor", "floor (axum + serde_json)", [f"{p}/target/release/floor"], 18081),
        "rmcp": ServerSpec("rmcp", "rmcp stock service", [f"{p}/target/release/rmcp-stock"], 18082),
        "rmcp-legacy": ServerSpec(
            "rmcp-legacy", "rmcp stock service (legacy sessions)", [f"{p}/target/release/rmcp-stock"],
            18083, env={"MCP_LEGACY_SESSIONS": "true"},
        ),
        "pysdk": ServerSpec(
            "pysdk", "Python SDK (mcp)", [cfg.py_mcp, f"{p}/python-sdk/server.py"], 18084
        ),
        "tssdk": ServerSpec(
            "tssdk", "TypeScript SDK", [cfg.node, f"{p}/ts-sdk/server.mjs"], 18085, cwd=f"{p}/ts-sdk"
        ),
        "seed": ServerSpec(
            "seed", "seed FastAPI",
            [cfg.py_seed, "-m", "uvicorn", "main:app", "--host", HOST, "--port", "18086",
             "--log-level", "warning", "--no-access-log"],
            18086, cwd=cfg.seed_dir,
        ),
    }
    if cfg.ours:
        servers["ours"] = ServerSpec(
            "ours", "mcp-rust-server", [cfg.ours], 18080,
            env={"MCP_LEGACY_SESSIONS": "false", "LOG_LEVEL": "warn"},
        )
        servers["ours-legacy"] = ServerSpec(
            "ours-legacy", "mcp-rust-server (legacy sessions)", [cfg.ours], 18087,
            env={"MCP_LEGACY_SESSIONS": "true", "LOG_LEVEL": "warn"},
        )
        # Traces on, as production would run them: 1 % of the traces that start here, exported to
        # a collector address where nothing listens (so a failing export is part of the cost).
        servers["ours-otel"] = ServerSpec(
            "ours-otel", "mcp-rust-server (traces exported, 1 %)", [cfg.ours], 18088,
            env={"MCP_LEGACY_SESSIONS": "false", "LOG_LEVEL": "warn",
                 "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:18089",
                 "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.01"},
        )
    rest = {"tool": "calculate", "arguments": CALC_ARGS}
    scen = [
        Scenario("floor", "floor: axum + serde_json, fixed result", "floor", "/mcp",
                 call_body(CALC_ARGS, False), {}, "mcp"),
        # The floor for the 2026-07-28 form: the same server given the same request bytes as
        # ours-mcp-2026 (a longer body: `_meta` parsed too; two more headers).
        Scenario("floor-2026", f"floor: axum + serde_json, fixed result, {MODERN} request", "floor",
                 "/mcp", call_body(CALC_ARGS, True), mcp_headers(True), "mcp"),
        Scenario("ours-mcp", "ours: MCP tools/call, stateless", "ours", "/mcp",
                 call_body(CALC_ARGS, False), mcp_headers(False), "mcp"),
        Scenario("ours-mcp-2026", f"ours: MCP tools/call, stateless {MODERN}", "ours", "/mcp",
                 call_body(CALC_ARGS, True), mcp_headers(True), "mcp"),
        Scenario("ours-rest", "ours: REST POST /mcp/execute", "ours", "/mcp/execute",
                 rest, {}, "rest"),
        Scenario("ours-mcp-otel", "ours: MCP tools/call, stateless, traces at 1 %", "ours-otel", "/mcp",
                 call_body(CALC_ARGS, False), mcp_headers(False), "mcp"),
        Scenario("ours-legacy", "ours: MCP tools/call, legacy session (SSE)", "ours-legacy",
                 "/mcp", call_body(CALC_ARGS, False), mcp_headers(False), "mcp",
                 legacy_session=True),
        Scenario("rmcp", "rmcp stock: MCP tools/call, stateless", "rmcp", "/mcp",
                 call_body(CALC_ARGS, False), mcp_headers(False), "mcp"),
        Scenario("rmcp-2026", f"rmcp stock: MCP tools/call, stateless {MODERN}", "rmcp", "/mcp",
                 call_body(CALC_ARGS, True), mcp_headers(True), "mcp"),
        Scenario("rmcp-legacy", "rmcp stock: MCP tools/call, legacy session (SSE)", "rmcp-legacy",
                 "/mcp", call_body(CALC_ARGS, False), mcp_headers(False), "mcp",
                 legacy_session=True),
        Scenario("tssdk", "TypeScript SDK: MCP tools/call, stateless", "tssdk", "/mcp",
                 call_body(CALC_ARGS, False), mcp_headers(False), "mcp"),
        Scenario("pysdk", "Python SDK: MCP tools/call, stateless", "pysdk", "/mcp",
                 call_body(CALC_ARGS, False), mcp_headers(False), "mcp"),
        Scenario("seed", "seed FastAPI: REST POST /mcp/execute", "seed", "/mcp/execute",
                 rest, {}, "rest"),
    ]
    scen = [s for s in scen if s.server in servers]
    if cfg.only:
        scen = [s for s in scen if s.key in cfg.only]
    return servers, scen


def prepare_scenario(cfg, srv: Running, sc: Scenario, work: Path) -> dict:
    """Checks the answer, warms up; returns the headers its rounds send."""
    headers = dict(sc.headers)
    if sc.legacy_session:
        headers["Mcp-Session-Id"] = open_session(srv.spec.port)
    check(srv.spec.port, sc, headers, exact=sc.server != "floor")
    print(f"  {sc.label}: correct; warm-up {cfg.warmup}s", flush=True)
    run_wrk(cfg, srv.spec.port, sc, cfg.warmup, work, headers)
    return headers


def scenario_round(cfg, srv: Running, sc: Scenario, work: Path, headers: dict, i: int) -> dict:
    r = run_wrk(cfg, srv.spec.port, sc, cfg.duration, work, headers)
    print(f"  round {i + 1}/{cfg.rounds} {sc.key}: {r['rps']:,.0f} req/s  p50 {r['p50_us'] / 1000:.2f} ms"
          f"  p99 {r['p99_us'] / 1000:.2f} ms  errors {r['errors']}  busy connections "
          f"{r['busy_connections']:.1f}/{cfg.connections}{'  STALLED' if r['stalled'] else ''}",
          flush=True)
    return r


def scenario_row(cfg, srv: Running, sc: Scenario, rounds: list[dict]) -> dict:
    bad = sum(r["errors"] for r in rounds)
    problem = None
    if any(r["stalled"] for r in rounds):
        problem = (f"connections stalled (busy {min(r['busy_connections'] for r in rounds):.1f} of "
                   f"{cfg.connections}): requests hung without an answer")
    elif bad:
        problem = f"{bad} errors (non-2xx, timeouts or socket errors)"
    return {
        "key": sc.key,
        "label": sc.label,
        "server": sc.server,
        "rps": statistics.median(r["rps"] for r in rounds),
        "p50_ms": statistics.median(r["p50_us"] for r in rounds) / 1000,
        "p99_ms": statistics.median(r["p99_us"] for r in rounds) / 1000,
        "errors": bad,
        "problem": problem,
        "rss_after_mib": srv.rss_mib(),
        "rounds": rounds,
    }


def run_scenarios(cfg, servers: dict, scenarios: list[Scenario], work: Path, logs: Path,
                  rows: dict, failed: dict) -> None:
    """Every server up at once (on the same pinned CPU, idle but for its own rounds), then the
    rounds interleaved: round 1 of every row, round 2 of every row, and so on. A goal's two rows
    (ours and the floor, say) are then measured seconds apart, round by round, so a slow spell of
    this shared machine weighs on both instead of on whichever row it fell on."""
    running: dict[str, Running] = {}
    try:
        for key in dict.fromkeys(sc.server for sc in scenarios):
            spec = servers[key]
            print(f"{spec.label} on {HOST}:{spec.port}", flush=True)
            try:
                running[key] = Running(spec, cfg.server_cpus, logs)
            except Exception as e:  # noqa: BLE001
                print(f"  FAILED to start: {e}", flush=True)
                for sc in scenarios:
                    if sc.server == key:
                        failed[sc.key] = f"server did not start: {e}"
        prepared: dict[str, dict] = {}
        for sc in scenarios:
            if sc.server not in running:
                continue
            try:
                prepared[sc.key] = prepare_scenario(cfg, running[sc.server], sc, work)
            except Exception as e:  # noqa: BLE001
                failed[sc.key] = str(e)
                print(f"  FAILED {sc.label}: {e}", flush=True)
        todo = [sc for sc in scenarios if sc.key in prepared]
        rounds: dict[str, list[dict]] = {sc.key: [] for sc in todo}
        for i in range(cfg.rounds):
            for sc in todo:
                if sc.key in failed:
                    continue
                try:
                    rounds[sc.key].append(
                        scenario_round(cfg, running[sc.server], sc, work, prepared[sc.key], i))
                except Exception as e:  # noqa: BLE001
                    failed[sc.key] = str(e)
                    print(f"  FAILED {sc.label}: {e}", flush=True)
        for sc in todo:
            if sc.key in failed:
                continue
            rows[sc.key] = scenario_row(cfg, running[sc.server], sc, rounds[sc.key])
            if rows[sc.key]["problem"]:  # measured, but not a clean run: kept and flagged
                failed[sc.key] = rows[sc.key]["problem"]
                print(f"  PROBLEM {sc.label}: {rows[sc.key]['problem']}", flush=True)
    finally:
        for srv in running.values():
            srv.stop()


def startup_and_idle(cfg, spec: ServerSpec, logs: Path) -> dict:
    times, idle = [], []
    for _ in range(cfg.start_trials):
        srv = Running(spec, cfg.server_cpus, logs)
        try:
            times.append(srv.ready_s * 1000)
            time.sleep(1.0)  # let the runtime settle before reading idle RSS
            idle.append(srv.rss_mib())
        finally:
            srv.stop()
    return {"start_to_ready_ms": statistics.median(times), "start_trials_ms": times,
            "idle_rss_mib": statistics.median(idle)}


def srss_summary(r: dict) -> str:
    import sessions_rss as srss

    return srss.summary(r)


def sessions_rss(cfg, spec: ServerSpec, logs: Path, quiet_wait_s: float = 0.0) -> dict:
    """RSS with cfg.sessions open legacy sessions (bench/lib/sessions_rss.py): live right after
    opening (with the reading at 1,000 for the 1,000-session goal), and quiet after
    `quiet_wait_s`, once mcp-rust-server has hibernated them."""
    import sessions_rss as srss

    cap = str(cfg.sessions)
    spec = replace(spec, env={**spec.env, "MCP_MAX_SESSIONS": cap, "MCP_MAX_LIVE_SESSIONS": cap})
    srv = Running(spec, cfg.server_cpus, logs)
    try:
        return srss.measure(spec.port, srv.proc.pid, cfg.sessions, checkpoints=(1000,),
                            settle_s=0.5, quiet_wait_s=quiet_wait_s)
    finally:
        srv.stop()


GOALS = [
    # key, text, (numerator row, denominator row, field), comparator, target
    ("mcp_vs_floor", "MCP tools/call throughput vs floor", ("ours-mcp", "floor"), ">=", 0.9),
    ("mcp2026_vs_floor", f"MCP tools/call {MODERN} throughput vs floor, same request",
     ("ours-mcp-2026", "floor-2026"), ">=", 0.9),
    ("mcp_vs_rmcp", "MCP tools/call throughput vs rmcp stock", ("ours-mcp", "rmcp"), ">=", 2.0),
    ("mcp_vs_pysdk", "MCP tools/call throughput vs Python SDK", ("ours-mcp", "pysdk"), ">=", 20.0),
    ("rest_vs_seed", "REST execute throughput vs seed", ("ours-rest", "seed"), ">=", 8.0),
    ("p99_vs_floor", "MCP tools/call p99 vs floor's p99", ("ours-mcp", "floor"), "<=", 2.0),
    ("otel_vs_off", "MCP tools/call with traces at 1 % vs traces off", ("ours-mcp-otel", "ours-mcp"),
     ">=", 0.9),
]
INFO_RATIOS = [
    ("mcp2026_vs_legacy_floor", f"MCP tools/call {MODERN} vs floor given the legacy request",
     ("ours-mcp-2026", "floor")),
    ("mcp2026_vs_rmcp2026", f"MCP tools/call {MODERN} vs rmcp stock {MODERN}", ("ours-mcp-2026", "rmcp-2026")),
    ("mcp_vs_tssdk", "MCP tools/call vs TypeScript SDK", ("ours-mcp", "tssdk")),
    ("legacy_vs_rmcp_legacy", "MCP legacy session (SSE) vs rmcp stock legacy session",
     ("ours-legacy", "rmcp-legacy")),
]


def goals(rows: dict, ours: dict) -> list[dict]:
    out = []
    for key, text, (a, b), op, target in GOALS:
        if a in rows and b in rows:
            f = "p99_ms" if key.startswith("p99") else "rps"
            value = rows[a][f] / rows[b][f] if rows[b][f] else float("nan")
            met = value >= target if op == ">=" else value <= target
            out.append({"key": key, "goal": text, "value": value, "target": f"{op} {target}x",
                        "unit": "x", "met": met})
    absolute = [
        ("start_to_ready", "process start to /ready", ours.get("start_to_ready_ms"), 50, "ms"),
        ("idle_rss", "idle RSS", ours.get("idle_rss_mib"), 10, "MiB"),
        ("sessions_rss", "RSS with 1,000 open legacy sessions (live)",
         ours.get("sessions", {}).get("rss_at_mib", {}).get("1000"), 64, "MiB"),
        ("session_kib", "RSS per open legacy session (2,000, quiet)",
         ours.get("sessions", {}).get("kib_per_quiet_session"), 16, "KiB"),
    ]
    for key, text, value, limit, unit in absolute:
        if value is not None:
            out.append({"key": key, "goal": text, "value": value, "target": f"<= {limit} {unit}",
                        "unit": unit, "met": value <= limit})
    return out


def info_ratios(rows: dict) -> list[dict]:
    return [{"key": k, "what": t, "value": rows[a]["rps"] / rows[b]["rps"]}
            for k, t, (a, b) in INFO_RATIOS if a in rows and b in rows and rows[b]["rps"]]


def fmt_goal(g: dict) -> str:
    v = f"{g['value']:.2f}x" if g["unit"] == "x" else f"{g['value']:.1f} {g['unit']}"
    return f"| {g['goal']} | {g['target']} | {v} | {'met' if g['met'] else '**not met**'} |"


def markdown(res: dict) -> str:
    m = res["meta"]
    lines = [
        f"# Benchmark results{' (QUICK smoke run: not for quoting)' if m['quick'] else ''}",
        "",
        f"Run {m['date']} on {m['machine']}. wrk {m['wrk_threads']} thread(s), {m['connections']} connections, "
        f"warm-up {m['warmup_s']} s, {m['rounds']} rounds of {m['duration_s']} s, interleaved across rows; medians of the rounds. "
        f"CPU pinning: {m['pinning']}.",
        "",
        "| server / request | req/s | p50 ms | p99 ms | RSS after load MiB | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in res["rows"]:
        lines.append(f"| {r['label']} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
                     f"{r['rss_after_mib']:.1f} | {r['errors']} |")
    if res["failed"]:
        lines += ["", "**Failed or flagged:** " + "; ".join(f"`{k}`: {v}" for k, v in res["failed"].items())]
    o = res.get("ours", {})
    if o:
        lines += ["", "## mcp-rust-server process", "",
                  f"- process start to `/ready` 200: {o['start_to_ready_ms']:.1f} ms (median of "
                  f"{len(o['start_trials_ms'])}: {', '.join(f'{t:.1f}' for t in o['start_trials_ms'])})",
                  f"- idle RSS: {o['idle_rss_mib']:.1f} MiB"]
        if "sessions" in o:
            lines.append(f"- open legacy sessions (bench/lib/sessions_rss.py), {srss_summary(o['sessions'])}")
    ref = res.get("rmcp_sessions")
    if ref:
        lines.append(f"- reference, rmcp stock legacy mode, {srss_summary(ref)}")
    if res["goals"]:
        lines += ["", "## Goals, ratios from this run", "",
                  "| goal | target | measured | |", "| --- | --- | ---: | --- |"]
        lines += [fmt_goal(g) for g in res["goals"]]
    if res["info"]:
        lines += ["", "Other ratios (no goal): " + "; ".join(
            f"{i['what']}: {i['value']:.2f}x" for i in res["info"])]
    lines += ["", "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()), ""]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", nargs="*", help="row keys to run (default: all)")
    args = ap.parse_args()

    class Cfg:
        pass

    cfg = Cfg()
    cfg.quick = args.quick
    cfg.only = set(args.only or [])
    cfg.wrk = ENV.get("BENCH_WRK", "wrk")
    cfg.peers_dir = ENV["BENCH_PEERS_DIR"]
    cfg.py_mcp = ENV["BENCH_PY_MCP"]
    cfg.py_seed = ENV["BENCH_PY_SEED"]
    cfg.node = ENV["BENCH_NODE"]
    cfg.seed_dir = ENV["BENCH_SEED_DIR"]
    cfg.ours = ENV.get("BENCH_OURS_BIN") or None
    if cfg.ours and not os.access(cfg.ours, os.X_OK):
        cfg.ours = None
    out = Path(ENV["BENCH_RESULTS_DIR"])
    work = Path(ENV["BENCH_WORK_DIR"])
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)

    cfg.connections = int(ENV.get("BENCH_CONNECTIONS", 32))
    cfg.threads = 1
    cfg.warmup = int(ENV.get("BENCH_WARMUP", 1 if cfg.quick else 5))
    cfg.duration = int(ENV.get("BENCH_DURATION", 3 if cfg.quick else 10))
    cfg.rounds = int(ENV.get("BENCH_ROUNDS", 2 if cfg.quick else 5))
    cfg.timeout = max(1, min(5, cfg.duration - 1))  # a hung request must count within a round
    cfg.start_trials = 3 if cfg.quick else 7
    cfg.sessions = 2000
    ncpu = len(os.sched_getaffinity(0))
    if ENV.get("BENCH_PIN", "1") == "1" and ncpu >= 2:
        cpus = sorted(os.sched_getaffinity(0))
        cfg.server_cpus, cfg.load_cpus = {cpus[-1]}, {cpus[0]}
        pinning = f"server on CPU {cpus[-1]}, wrk on CPU {cpus[0]}"
    else:
        cfg.server_cpus = cfg.load_cpus = None
        pinning = "none"

    servers, scenarios = build_plan(cfg)
    rows, failed = {}, {}
    res: dict = {"ours": {}}

    if cfg.ours and not cfg.only:
        print("mcp-rust-server: start to /ready, idle RSS", flush=True)
        res["ours"] = startup_and_idle(cfg, servers["ours"], logs)
        print(f"  start->ready {res['ours']['start_to_ready_ms']:.1f} ms, idle "
              f"{res['ours']['idle_rss_mib']:.1f} MiB", flush=True)
        try:
            print(f"mcp-rust-server legacy mode: RSS with {cfg.sessions} sessions", flush=True)
            # Quiet: read after sessions_rss.QUIET_WAIT_S, once they are hibernated.
            import sessions_rss as srss

            res["ours"]["sessions"] = sessions_rss(cfg, servers["ours-legacy"], logs,
                                                   quiet_wait_s=srss.QUIET_WAIT_S)
            print(f"  {srss_summary(res['ours']['sessions'])}", flush=True)
        except Exception as e:  # noqa: BLE001 - reported, and the run goes on
            failed["ours-sessions"] = str(e)
            print(f"  FAILED: {e}", flush=True)
    if not cfg.only:
        try:
            spec = servers["rmcp-legacy"]
            print(f"rmcp stock legacy mode (reference): RSS with {cfg.sessions} sessions", flush=True)
            res["rmcp_sessions"] = sessions_rss(cfg, spec, logs)
            print(f"  {srss_summary(res['rmcp_sessions'])}", flush=True)
        except Exception as e:  # noqa: BLE001
            failed["rmcp-sessions"] = str(e)

    run_scenarios(cfg, servers, scenarios, work, logs, rows, failed)

    order = [s.key for s in scenarios]
    res["rows"] = [rows[k] for k in order if k in rows]
    res["failed"] = failed
    res["goals"] = goals(rows, res["ours"])
    res["info"] = info_ratios(rows)
    res["meta"] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "quick": cfg.quick,
        "machine": ENV.get("BENCH_MACHINE", f"{ncpu} CPUs"),
        "connections": cfg.connections, "wrk_threads": cfg.threads, "warmup_s": cfg.warmup,
        "duration_s": cfg.duration, "rounds": cfg.rounds, "pinning": pinning,
        "versions": json.loads(ENV.get("BENCH_VERSIONS", "{}")),
    }
    (out / "results.json").write_text(json.dumps(res, indent=2) + "\n")
    md = markdown(res)
    (out / "results.md").write_text(md)
    (out / "chart.svg").write_text(chart.svg(res))
    print()
    print(md)
    print(f"written: {out / 'results.md'}, {out / 'results.json'}, {out / 'chart.svg'}")
    if failed:
        print("FAILED rows: " + ", ".join(failed), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
