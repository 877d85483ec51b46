"""``pantau serve`` under slow and greedy clients: the real server process (gunicorn over
waitress workers, started with :func:`dashboard.processes.runner.gunicorn_command`) on a free port of
127.0.0.1 with a seeded SQLite store.

16 slowloris sockets (a partial request, then a header line every 2 s) and 100 connections
flooding wall polls from 127.0.0.1 run together while a wall on 127.0.0.2 polls
``/wall/points.json`` (a new connection each time): its p99 must stay within 1 s. Against
the former gthread server (4 x 2 threads) 4 of its 5 polls timed out (5 s). A request that
keeps trickling is closed at ``request_read_seconds``, and a body announced bigger than
``max_request_bytes`` is refused with 413 before any of it is read.
Every socket is closed and the server stopped in ``finally``; the run is bounded in time.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.config import Settings
from dashboard.processes.runner import gunicorn_command, prepare_store

SLOWLORIS, FLOOD = 16, 100
PROBE_SECONDS = 20.0
PROBE_TIMEOUT = 5.0
POLL = "/wall/points.json"
START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    """Run ``command`` until it answers ``/wall/areas.json`` (not ``/health``: that one
    answers 503 without a worker heartbeat)."""
    with open(log, "ab") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    port = int(env["PANTAU_PORT"])
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if get(port, "/wall/areas.json", timeout=2)[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"the server did not start (log: {log})")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def get(port: int, path: str, timeout: float, source: str = "127.0.0.1") -> tuple[int, float]:
    """(status, seconds) of one GET on a new connection from ``source``."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    finally:
        conn.close()


@dataclass
class Attack:
    """The slow and greedy clients, and what the other address saw meanwhile."""

    port: int
    stop: threading.Event = field(default_factory=threading.Event)
    flood: Counter = field(default_factory=Counter)
    retry_after: set = field(default_factory=set)
    slow_open: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def slowloris(self) -> None:
        """SLOWLORIS sockets that never finish their request; counts those still open at the end."""
        socks = []
        try:
            for _ in range(SLOWLORIS):
                s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
                s.sendall(b"GET /wall HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                socks.append(s)
            n = 0
            while not self.stop.wait(2):
                n += 1
                for s in socks:
                    s.sendall(b"X-Slow-%d: x\r\n" % n)
            self.slow_open = len(socks)
        except OSError:
            pass  # a socket the server closed: slow_open stays short of SLOWLORIS
        finally:
            for s in socks:
                s.close()

    def greedy(self) -> None:
        """One of FLOOD connections polling the wall back to back (keep-alive)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            while not self.stop.is_set():
                try:
                    conn.request("GET", POLL)
                    response = conn.getresponse()
                    response.read()
                    outcome = response.status
                    if outcome == 429:
                        with self.lock:
                            self.retry_after.add(response.getheader("Retry-After"))
                except (OSError, http.client.HTTPException) as exc:
                    outcome = type(exc).__name__
                    conn.close()
                with self.lock:
                    self.flood[outcome] += 1
        finally:
            conn.close()

    def probe(self, seconds: float) -> list[float]:
        """Wall polls from 127.0.0.2 every 0.2 s for ``seconds``: each one's seconds
        (PROBE_TIMEOUT x 2 for a failed or non-200 one)."""
        times = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                status, took = get(self.port, POLL, PROBE_TIMEOUT, source="127.0.0.2")
                times.append(took if status == 200 else 2 * PROBE_TIMEOUT)
            except OSError:
                times.append(2 * PROBE_TIMEOUT)
            time.sleep(0.2)
        return times


def attack(port: int, seconds: float = PROBE_SECONDS) -> tuple[list[float], Attack]:
    """Slowloris + flood running, the other address probing; everything stopped after."""
    run = Attack(port)
    threads = [threading.Thread(target=run.slowloris)] + [threading.Thread(target=run.greedy)
                                                          for _ in range(FLOOD)]
    for t in threads:
        t.start()
    try:
        time.sleep(2)  # the flood and the slow sockets are in place
        return run.probe(seconds), run
    finally:
        run.stop.set()
        for t in threads:
            t.join(timeout=40)


def p99(times: list[float]) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[98]


def served_env(tmp_path: Path, **settings: str) -> dict:
    env = os.environ | {"PANTAU_DATA_DIR": str(tmp_path), "PANTAU_DATABASE_URL": "", "PANTAU_HOST": "127.0.0.1",
                        "PANTAU_PORT": str(free_port()), "PANTAU_WALL_TOKEN": "", "PANTAU_REDIS_URL": ""}
    env |= {f"PANTAU_{k.upper()}": v for k, v in settings.items()}
    prepare_store(Settings.from_env(env), seed_reports=3000, days=14)
    return env


def test_slowloris_and_a_flood_do_not_stall_another_address(tmp_path):
    env = served_env(tmp_path)
    server = start_server(gunicorn_command(Settings.from_env(env)), env, tmp_path / "server.log")
    try:
        times, run = attack(int(env["PANTAU_PORT"]))
    finally:
        stop_server(server)
    summary = (f"p99 {p99(times):.3f} s, median {statistics.median(times):.3f} s, max {max(times):.3f} s "
               f"over {len(times)} polls; flood {dict(run.flood)}; slow sockets open {run.slow_open}")
    print(summary)
    assert run.slow_open == SLOWLORIS, summary  # the slow clients stayed connected throughout
    assert p99(times) <= 1.0, summary
    assert run.flood[429] > 0 and run.retry_after == {"1"}, summary  # past the bound: 429 + Retry-After
    assert run.flood[200] > 0, summary  # and within it the address is served


def test_a_request_that_does_not_arrive_in_time_is_closed_and_a_big_body_refused_unread(tmp_path):
    env = served_env(tmp_path, request_read_seconds="2", max_request_bytes="1000")
    port = int(env["PANTAU_PORT"])
    server = start_server(gunicorn_command(Settings.from_env(env)), env, tmp_path / "server.log")
    slow = socket.create_connection(("127.0.0.1", port), timeout=1)
    try:
        slow.sendall(b"GET /wall HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        closed_after = None
        started = time.monotonic()
        while time.monotonic() - started < 15:  # never idle: a header line about every second
            try:
                slow.sendall(b"X-Slow: x\r\n")
                if slow.recv(1024) == b"":
                    closed_after = time.monotonic() - started
                    break
            except socket.timeout:
                continue
            except OSError:  # reset by the server
                closed_after = time.monotonic() - started
                break
        assert closed_after is not None and closed_after >= 2, closed_after
        assert get(port, "/wall/areas.json", timeout=10)[0] == 200  # others were served meanwhile
        with socket.create_connection(("127.0.0.1", port), timeout=10) as big:  # announces 1 MB, sends none
            big.sendall(b"POST /_dash-update-component HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n")
            assert big.recv(64).startswith(b"HTTP/1.1 413 ")
    finally:
        slow.close()
        stop_server(server)

