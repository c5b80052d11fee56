"""Memory cost of open legacy MCP sessions: RSS before and after opening N sessions
(`initialize` + `notifications/initialized` each, then nothing), as KiB per session:

- live: right after opening (every session has its rmcp worker);
- quiet: after --quiet-wait seconds without a request, when mcp-rust-server has hibernated them
  (MCP_SESSION_HIBERNATE_SECONDS, default 5, plus two reaper ticks of half that).

    python3 bench/lib/sessions_rss.py --bin target/release/mcp-rust-server [--sessions 2000]
    python3 bench/lib/sessions_rss.py --port 8080 --pid 1234 [--sessions 2000]

With --bin it starts the server itself on 127.0.0.1 and a free port (legacy sessions on, both session caps raised
to fit, extra environment from --env KEY=VALUE), measures and stops it; with --port/--pid it
measures a server that is already running there. Loopback only; it makes exactly 2 x N requests,
each with a timeout, and stops. bench.py uses `measure` for its sessions row. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import bench  # noqa: E402

# The server's default hibernation delay (5 s), a reaper tick to hibernate and one to trim (2.5 s
# each), and a margin.
QUIET_WAIT_S = 12.0


def measure(port: int, pid: int, sessions: int, checkpoints: tuple[int, ...] = (),
            settle_s: float = 1.0, quiet_wait_s: float = 0.0) -> dict:
    """Opens `sessions` sessions on 127.0.0.1:`port` and reads the RSS of `pid` (and its children)
    before, at each checkpoint (a session count), `settle_s` after the last one (live) and, if
    `quiet_wait_s`, that long after it (quiet). KiB/session is (RSS - RSS before) / N."""
    time.sleep(settle_s)
    before = bench.rss_kib(pid)
    at: dict[int, int] = {}
    sids: set[str] = set()
    t = time.perf_counter()
    for i in range(1, sessions + 1):
        sids.add(bench.open_session(port))
        if i in checkpoints:
            at[i] = bench.rss_kib(pid)
    took = time.perf_counter() - t
    opened = time.monotonic()
    if len(sids) != sessions:
        raise AssertionError(f"{len(sids)} distinct session ids for {sessions} sessions")
    time.sleep(settle_s)
    live = bench.rss_kib(pid)
    r = {
        "sessions": sessions,
        "rss_before_mib": before / 1024,
        "rss_mib": live / 1024,
        "kib_per_session": (live - before) / sessions,
        "rss_at_mib": {str(n): kib / 1024 for n, kib in at.items()},
        "open_s": took,
    }
    if quiet_wait_s > 0:
        time.sleep(max(0.0, quiet_wait_s - (time.monotonic() - opened)))
        quiet = bench.rss_kib(pid)
        r.update(quiet_wait_s=quiet_wait_s, rss_quiet_mib=quiet / 1024,
                 kib_per_quiet_session=(quiet - before) / sessions)
    return r


def summary(r: dict) -> str:
    line = (f"{r['sessions']:,} sessions: RSS {r['rss_before_mib']:.1f} MiB before; live "
            f"{r['rss_mib']:.1f} MiB = {r['kib_per_session']:.1f} KiB/session")
    if "kib_per_quiet_session" in r:
        line += (f"; quiet ({r['quiet_wait_s']:.0f} s later) {r['rss_quiet_mib']:.1f} MiB = "
                 f"{r['kib_per_quiet_session']:.1f} KiB/session")
    return line + f" (opened in {r['open_s']:.1f} s)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sessions", type=int, default=2000)
    ap.add_argument("--bin", help="server binary to start (legacy sessions on)")
    ap.add_argument("--port", type=int, help="with --bin: a free loopback port if not given")
    ap.add_argument("--pid", type=int, help="pid of an already running server on --port")
    ap.add_argument("--env", action="append", default=[], help="KEY=VALUE for the started server")
    ap.add_argument("--quiet-wait", type=float, default=QUIET_WAIT_S,
                    help=f"seconds after opening to read the quiet RSS (0: skip; {QUIET_WAIT_S:g})")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args()
    if not 1 <= args.sessions <= 100_000:
        ap.error("--sessions must be between 1 and 100000")
    if not 0 <= args.quiet_wait <= 600:
        ap.error("--quiet-wait must be between 0 and 600")

    proc = None
    if args.bin and args.port is None:
        with socket.socket() as s:
            s.bind((bench.HOST, 0))
            args.port = s.getsockname()[1]
    if args.port is None:
        ap.error("give --port of the running server")
    if args.bin:
        if bench.port_open(args.port):
            sys.exit(f"port {args.port} already in use")
        cap = str(max(args.sessions, 1000))
        env = {**os.environ, "HOST": bench.HOST, "PORT": str(args.port),
               "MCP_LEGACY_SESSIONS": "true", "LOG_LEVEL": "warn",
               "MCP_MAX_SESSIONS": cap, "MCP_MAX_LIVE_SESSIONS": cap}
        env.update(kv.split("=", 1) for kv in args.env)
        log = tempfile.TemporaryFile()
        proc = subprocess.Popen([args.bin], env=env, stdout=log, stderr=log)
        bench.wait_ready(args.port, proc, 60)
        pid = proc.pid
    elif args.pid:
        pid = args.pid
    else:
        ap.error("give --bin, or --pid of the server on --port")
    try:
        r = measure(args.port, pid, args.sessions, quiet_wait_s=args.quiet_wait)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
    print(json.dumps(r) if args.json else summary(r))


if __name__ == "__main__":
    main()
