"""``pantau demo`` supervises its children: the real command on a free port of 127.0.0.1
with a small SQLite store; the worker child is SIGKILLed and must come back (a new pid,
a log line naming it and its exit code) while the web server keeps answering; SIGTERM then
stops everything. Processes are killed in ``finally``; every wait is bounded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.integration.test_serve_slow_clients import free_port, get

START_TIMEOUT_S = 120
RESTART_TIMEOUT_S = 30


def children(pid: int) -> dict[int, str]:
    """pid -> command line of each child of ``pid``."""
    found = {}
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            found[int(child)] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except FileNotFoundError:  # exited meanwhile
            continue
    return found


def worker_pid(demo: int) -> int | None:
    return next((pid for pid, cmd in children(demo).items() if "dashboard.cli worker" in cmd), None)


def wait_for(condition, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.3)
    return None


def answers(port: int) -> bool:
    try:
        return get(port, "/wall/areas.json", timeout=5)[0] == 200
    except OSError:
        return False


def test_demo_restarts_a_killed_worker_and_stops_on_sigterm(tmp_path):
    port = free_port()
    env = os.environ | {"PANTAU_DATA_DIR": str(tmp_path), "PANTAU_DATABASE_URL": "", "PANTAU_HOST": "127.0.0.1",
                        "PANTAU_PORT": str(port), "PANTAU_WALL_TOKEN": "", "PANTAU_REDIS_URL": ""}
    log = tmp_path / "demo.log"
    with open(log, "wb") as out:
        demo = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "demo", "--seed-reports", "300", "--days", "2",
                                 "--workers", "1"], env=env, stdout=out, stderr=subprocess.STDOUT)
    spawned: set[int] = set()
    try:
        assert wait_for(lambda: answers(port), START_TIMEOUT_S), log.read_text()[-3000:]
        first = wait_for(lambda: worker_pid(demo.pid), 10)
        assert first, log.read_text()[-3000:]
        spawned |= set(children(demo.pid))
        os.kill(first, signal.SIGKILL)
        second = wait_for(lambda: (pid := worker_pid(demo.pid)) and pid != first and pid, RESTART_TIMEOUT_S)
        assert second, log.read_text()[-3000:]
        spawned |= set(children(demo.pid))
        assert f"demo: worker (pid {first}) exited with code -9; restarting in 1 s" in log.read_text()
        assert answers(port) and demo.poll() is None  # the web server never stopped
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=40) == 0
        assert not answers(port)
        assert all(not Path(f"/proc/{pid}").exists() for pid in spawned)  # no child left behind
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        for pid in spawned:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
