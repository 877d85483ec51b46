"""``python -m bench.soak --minutes 20`` — the unattended-operation trial, scripted.

It runs ``pantau demo`` as an operator would (its own supervision, real worker and web
processes) on a PostgreSQL cluster of its own (``tests/pg_cluster.py``), with three live
sources: the simulator, a directory of dropped files and a fake Open311 upstream on
127.0.0.1. While it runs it stops the database twice (60 s each) and SIGKILLs the worker
three times, polls ``/health`` and reads the wall's badge in headless Chromium every few
seconds. At the end it stops feeding, waits for the worker to catch up, and counts: every
dropped file record and every upstream record must be in the store exactly once.

Printed: the fault timeline, how long the wall and ``/health`` took to recover after each
fault, the badge words seen, and the record counts (dropped / pulled / stored / duplicated).
Exit 0 when every fault recovered by itself and nothing was lost or duplicated, 1 otherwise.
Everything talks to 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import requests
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from sqlalchemy import create_engine, text

from bench.trial import chromium, free_port, start_demo, stop_demo, wait_for_wall
from tests.factories import iso, make_raw
from tests.integration.fake_open311 import FakeOpen311
from tests.pg_cluster import PgCluster

FEED_SECONDS = 10  # a file and an upstream record batch this often
PER_BATCH = 3


@dataclass
class Trial:
    base: str
    events: list[tuple[float, str]] = field(default_factory=list)
    health: list[tuple[float, int]] = field(default_factory=list)
    badges: list[tuple[float, str]] = field(default_factory=list)
    t0: float = field(default_factory=time.monotonic)

    def at(self) -> float:
        return time.monotonic() - self.t0

    def note(self, what: str) -> None:
        self.events.append((self.at(), what))
        print(f"[{self.at():7.1f} s] {what}", flush=True)



def feed(drop: Path, upstream: FakeOpen311, stop: threading.Event, counts: dict) -> None:
    """Every FEED_SECONDS: one file of PER_BATCH records and PER_BATCH upstream records."""
    n = 0
    while not stop.wait(FEED_SECONDS):
        now = iso(datetime.now(timezone.utc))
        rows = [make_raw(service_request_id=f"F-{n}-{i}", requested_datetime=now, updated_datetime=now)
                for i in range(PER_BATCH)]
        tmp = drop / f"batch-{n}.jsonl.tmp"
        tmp.write_text("".join(json.dumps(r) + "\n" for r in rows))
        tmp.rename(drop / f"batch-{n}.jsonl")
        upstream.put(*(make_raw(service_request_id=f"O-{n}-{i}", requested_datetime=now, updated_datetime=now)
                       for i in range(PER_BATCH)))
        counts["files"] += PER_BATCH
        counts["open311"] += PER_BATCH
        n += 1


def watch(trial: Trial, stop: threading.Event) -> None:
    """Poll /health and read the wall badge every 5 s."""
    driver = chromium()
    try:
        driver.get(trial.base + "/wall")  # the wall is served: wait_for_wall came first
        while not stop.wait(5):
            try:
                code = requests.get(trial.base + "/health", timeout=5).status_code
            except requests.RequestException:
                code = 0
            trial.health.append((trial.at(), code))
            try:
                badge = driver.find_element(By.ID, "wall-badge").text.strip() or "?"
            except WebDriverException:
                badge = "no page"
            trial.badges.append((trial.at(), badge))
    finally:
        driver.quit()



def worker_pid(demo: subprocess.Popen) -> int | None:
    """The demo's worker child (not gunicorn, whose command line says ``--workers``)."""
    out = subprocess.run(["pgrep", "-P", str(demo.pid), "-f", "dashboard.cli worker"],
                         capture_output=True, text=True).stdout
    pids = [int(p) for p in out.split()]
    return pids[0] if pids else None


def recovery(trial: Trial, series: list[tuple[float, object]], after: float,
             good: Callable[[object], bool]) -> float | None:
    """Seconds after ``after`` until the series first reads good (None: never)."""
    for at, value in series:
        if at >= after and good(value):
            return at - after
    return None


def stored(url: str) -> dict[str, tuple[int, int]]:
    engine = create_engine(url)
    out = {}
    with engine.connect() as conn:
        for prefix in ("F-", "O-"):
            out[prefix] = tuple(conn.execute(text(
                "SELECT COUNT(*), COUNT(DISTINCT external_id) FROM report WHERE external_id LIKE :p"),
                {"p": prefix + "%"}).one())
    engine.dispose()
    return out


def run(minutes: float, outage: float) -> int:
    work = Path(tempfile.mkdtemp(prefix="pantau-soak-"))
    drop = work / "drop"
    drop.mkdir()
    cluster = PgCluster.create()
    upstream = FakeOpen311().start()
    port = free_port()
    env = dict(os.environ, PANTAU_DATABASE_URL=cluster.url, PANTAU_DATA_DIR=str(work),
               PANTAU_SOURCES=f"simulator,files={drop},open311={upstream.base_url}",
               PANTAU_INGEST_SECONDS="10", PANTAU_POLL_SECONDS="5", PANTAU_PORT=str(port))
    demo = start_demo(env, work, "--seed-reports", "3000", "--days", "3")
    trial, stop, counts = Trial(f"http://127.0.0.1:{port}"), threading.Event(), {"files": 0, "open311": 0}
    try:
        wait_for_wall(trial.base, demo)
        trial.t0 = time.monotonic()  # the schedule runs from the first served wall
        trial.note("demo serving")
        threads = [threading.Thread(target=feed, args=(drop, upstream, stop, counts), daemon=True),
                   threading.Thread(target=watch, args=(trial, stop), daemon=True)]
        for t in threads:
            t.start()
        span = minutes * 60
        plan = [(0.15, "db"), (0.30, "kill"), (0.45, "db"), (0.60, "kill"), (0.75, "kill")]
        faults = []
        for frac, kind in plan:
            time.sleep(max(0.0, frac * span - trial.at()))
            if kind == "db":
                trial.note("database stopped")
                cluster.stop()
                time.sleep(outage)
                cluster.start()
                trial.note("database started")
            else:
                pid = worker_pid(demo)
                trial.note(f"worker {pid} killed")
                if pid:
                    os.kill(pid, signal.SIGKILL)
            faults.append((trial.at(), kind))
        time.sleep(max(0.0, span - trial.at()))
        stop.set()
        trial.note(f"feeding stopped: {counts['files']} file records, {counts['open311']} upstream records")
        time.sleep(45)  # a few ingest intervals to catch up
        got = stored(cluster.url)
        for t in threads:
            t.join(timeout=30)
    finally:
        stop.set()
        stop_demo(demo)
        upstream.stop()
        cluster.destroy()
    return report(trial, faults, counts, got, work)


def changes(series: list[tuple[float, object]]) -> str:
    """"0 s LIVE, 183 s STALE, 245 s LIVE": the series' value each time it changed."""
    out, last = [], object()
    for at, value in series:
        if value != last:
            out.append(f"{at:.0f} s {value}")
            last = value
    return ", ".join(out)


def report(trial: Trial, faults: list, counts: dict, got: dict, work: Path) -> int:
    ok = True
    print("\n| fault | ended at | /health 200 after | wall LIVE after |\n|---|---:|---:|---:|")
    for at, kind in faults:
        h = recovery(trial, trial.health, at, lambda c: c == 200)
        b = recovery(trial, trial.badges, at, lambda s: s.upper().startswith("LIVE"))
        ok &= h is not None and b is not None
        fmt = lambda v: "never" if v is None else f"{v:.0f} s"  # noqa: E731 - a table cell format, one line
        print(f"| {kind} | {at:.0f} s | {fmt(h)} | {fmt(b)} |")
    print(f"\nbadge, as it changed: {changes(trial.badges)}")
    print(f"/health, as it changed (0: no answer within 5 s): {changes(trial.health)}")
    print("\n| source | sent | stored | distinct |\n|---|---:|---:|---:|")
    for name, prefix in (("files", "F-"), ("open311", "O-")):
        n, distinct = got[prefix]
        ok &= n == distinct == counts[name]
        print(f"| {name} | {counts[name]} | {n} | {distinct} |")
    print(f"\n{'PASS' if ok else 'FAIL'}: demo log in {work / 'demo.log'}")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=20, help="length of the trial (default 20)")
    parser.add_argument("--outage", type=float, default=60, help="seconds each database stop lasts (default 60)")
    args = parser.parse_args(argv)
    return run(args.minutes, args.outage)


if __name__ == "__main__":
    sys.exit(main())
