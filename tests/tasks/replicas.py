"""Tasks across two replicas sharing one Redis (started by tests/tasks/run.sh).

Each check is a function; each prints one line. Waits have hang guards only:
the lease check compares the task's own timestamps, not the wall clock.
Ends with `tasks: N passed, N failed`; exits 1 if any check failed.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import datetime

TASKS = "io.modelcontextprotocol/tasks"
TERMINAL = {"completed", "failed", "cancelled"}


class Replica:
    def __init__(self, url):
        self.url = url.rstrip("/") + "/mcp"

    def send(self, method, params):
        """The whole JSON-RPC response, as a 2026-07-28 client declaring tasks."""
        params = dict(params)
        params["_meta"] = {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientInfo": {"name": "tasks-test", "version": "1"},
            "io.modelcontextprotocol/clientCapabilities": {"extensions": {TASKS: {}}},
        }
        headers = {
            "content-type": "application/json",
            "accept": "application/json, text/event-stream",
            "mcp-protocol-version": "2026-07-28",
            "mcp-method": method,
        }
        name = params.get("name") or params.get("taskId")
        if name:
            headers["mcp-name"] = name
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
        request = urllib.request.Request(self.url, body.encode(), headers, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
            if response.headers.get("content-type", "").startswith("text/event-stream"):
                for line in text.splitlines():
                    if line.startswith("data:") and line[5:].strip():
                        message = json.loads(line[5:])
                        if "result" in message or "error" in message:
                            return message
                raise AssertionError(f"no response in SSE body: {text}")
            return json.loads(text)

    def result(self, method, params):
        answer = self.send(method, params)
        assert "result" in answer, f"{method}: {answer}"
        return answer["result"]

    def start(self, tool, arguments):
        created = self.result("tools/call", {"name": tool, "arguments": arguments})
        assert created["resultType"] == "task", created
        return created["taskId"]

    def get(self, task):
        return self.result("tasks/get", {"taskId": task})

    def wait_for_store(self, guard=30):
        """Until this replica reaches the store: an unknown task is then -32602."""
        deadline = time.monotonic() + guard
        while True:
            answer = self.send("tasks/get", {"taskId": "0" * 32})
            if answer.get("error", {}).get("code") == -32602:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.url} never reached the store: {answer}")
            time.sleep(0.2)

    def wait_for(self, task, status, guard=30):
        deadline = time.monotonic() + guard
        while time.monotonic() < deadline:
            current = self.get(task)
            if current["status"] == status or current["status"] in TERMINAL:
                return current
            time.sleep(0.1)
        raise AssertionError(f"task {task} never reached {status} (hang guard {guard} s)")


def check_seen_and_completed_through_the_other_replica(first, second, _):
    task = first.start("slow_compute", {"seconds": 1, "label": "shared"})
    seen = second.get(task)
    assert seen["taskId"] == task and seen["status"] == "working", seen
    done = second.wait_for(task, "completed")
    assert done["status"] == "completed", done
    assert done["result"]["content"][0]["text"] == "Computed shared in 1 s", done


def check_answered_through_the_other_replica(first, second, _):
    task = second.start("confirm_delete", {"filename": "report.txt"})
    waiting = first.wait_for(task, "input_required")
    assert list(waiting.get("inputRequests", {})) == ["confirm"], waiting
    ack = first.result(
        "tasks/update",
        {"taskId": task, "inputResponses": {"confirm": {"action": "accept", "content": {"confirm": True}}}},
    )
    assert ack == {"resultType": "complete"}, ack
    done = second.wait_for(task, "completed")
    assert done["result"]["content"][0]["text"] == "Deleted report.txt", done


def check_cancelled_through_the_other_replica(first, second, _):
    task = first.start("slow_compute", {"seconds": 600})
    ack = second.result("tasks/cancel", {"taskId": task})
    assert ack == {"resultType": "complete"}, ack
    settled = first.wait_for(task, "cancelled")
    assert settled["status"] == "cancelled", settled


class Redis:
    """A redis-server without persistence on a loopback port."""

    def __init__(self, port, directory):
        self.port, self.directory = port, directory

    def start(self):
        subprocess.run(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", self.directory, "--daemonize", "yes",
             "--logfile", os.path.join(self.directory, "redis.log")],
            check=True,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.cli("ping") == "PONG":
                return
            time.sleep(0.1)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self):
        self.cli("shutdown", "nosave")

    def cli(self, *args):
        done = subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True)
        return done.stdout.strip()


def check_task_calls_fail_fast_while_redis_is_down_and_work_once_it_is_back(first, second, args):
    task = first.start("slow_compute", {"seconds": 600})
    args.redis.stop()
    try:
        started = time.monotonic()
        answer = second.send("tasks/get", {"taskId": task})
        # A clear JSON-RPC error, not a hang (urllib's own timeout is 10 s).
        assert answer["error"]["code"] == -32603, answer
        assert "task store is unavailable" in answer["error"]["message"], answer
        refused = second.send("tools/call", {"name": "slow_compute", "arguments": {"seconds": 1}})
        assert refused["error"]["code"] == -32603, refused
        # A stateless call needs no store and keeps answering.
        greeting = second.result("tools/call", {"name": "greet", "arguments": {"name": "x"}})
        assert greeting["content"][0]["text"] == "Hello, x!", greeting
        print(f"  (three calls with Redis down took {time.monotonic() - started:.2f} s)")
    finally:
        args.redis.start()
    # The same processes reconnect by themselves (every replica: the first
    # call on a connection Redis dropped may still fail, fast); the data went
    # with Redis.
    for replica in (first, second, Replica(args.third)):
        replica.wait_for_store()
    answer = second.send("tasks/get", {"taskId": task})
    assert answer["error"] == {"code": -32602, "message": f"Unknown task: {task}"}, answer
    again = second.start("slow_compute", {"seconds": 0})
    assert first.wait_for(again, "completed")["status"] == "completed"


def check_sigterm_fails_the_running_task_at_once(_, second, args):
    third = Replica(args.third)
    task = third.start("slow_compute", {"seconds": 600, "label": "interrupted"})
    assert second.get(task)["status"] == "working"
    os.kill(args.third_pid, signal.SIGTERM)
    # A graceful shutdown settles the task itself; no lease has to lapse.
    failed = second.wait_for(task, "failed", guard=20)
    assert failed["status"] == "failed", failed
    assert "shut down before it finished" in failed["statusMessage"], failed
    assert failed["error"]["code"] == -32603, failed
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(args.third_pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError("the third replica did not exit after SIGTERM")


def check_sigkilled_replica_leaves_its_task_failed(first, second, args):
    lease_ms = args.lease_seconds * 1000
    task = first.start("slow_compute", {"seconds": 600, "label": "doomed"})
    # Alive past a whole lease: the running replica renews it.
    time.sleep(args.lease_seconds + 1)
    alive = second.get(task)
    assert alive["status"] == "working", f"renewed lease, still working: {alive}"
    killed_at_ms = time.time() * 1000
    os.kill(args.first_pid, signal.SIGKILL)
    failed = second.wait_for(task, "failed", guard=args.lease_seconds + 30)
    assert failed["status"] == "failed", failed
    assert failed["error"]["code"] == -32603, failed
    assert "lease expired" in failed["statusMessage"], failed
    assert "result" not in failed, failed
    # Failed from the moment the lease ran out: no later than one lease after
    # the kill, by the task's own record (lastUpdatedAt is the lease's end).
    lease_end_ms = datetime.fromisoformat(failed["lastUpdatedAt"].replace("Z", "+00:00")).timestamp() * 1000
    assert lease_end_ms <= killed_at_ms + lease_ms + 1, (lease_end_ms - killed_at_ms, failed)
    # And it stays failed.
    assert second.get(task)["status"] == "failed"


CHECKS = [
    check_seen_and_completed_through_the_other_replica,
    check_answered_through_the_other_replica,
    check_cancelled_through_the_other_replica,
    check_task_calls_fail_fast_while_redis_is_down_and_work_once_it_is_back,
    check_sigterm_fails_the_running_task_at_once,
    # Last: it kills the first replica.
    check_sigkilled_replica_leaves_its_task_failed,
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--first", required=True)
    parser.add_argument("--first-pid", type=int, required=True)
    parser.add_argument("--second", required=True)
    parser.add_argument("--third", required=True)
    parser.add_argument("--third-pid", type=int, required=True)
    parser.add_argument("--lease-seconds", type=int, required=True)
    parser.add_argument("--redis-port", type=int, required=True)
    parser.add_argument("--redis-dir", required=True)
    args = parser.parse_args()
    first, second = Replica(args.first), Replica(args.second)
    args.redis = Redis(args.redis_port, args.redis_dir)
    args.redis.start()
    for replica in (first, second, Replica(args.third)):
        replica.wait_for_store()
    passed = failed = 0
    for check in CHECKS:
        name = check.__name__.removeprefix("check_").replace("_", " ")
        try:
            check(first, second, args)
            print(f"✓ {name}")
            passed += 1
        except Exception as error:  # one line per failed check, then go on
            print(f"✗ {name}: {error!r}")
            failed += 1
    args.redis.stop()
    print(f"tasks: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
