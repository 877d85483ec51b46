"""Process orchestration for ``pantau serve``, ``pantau simulate`` and ``pantau demo``.

The deployed shape is web worker processes under gunicorn (:mod:`dashboard.processes.serving`) beside
ONE worker process that runs the scheduler (APScheduler FAQ: a dedicated process). ``demo``
starts exactly that shape as child processes, so the demo runs what production runs, and
restarts a child that exits, as systemd does in a deployment (``deploy/systemd/``).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from dashboard.config import ROOT, Settings
from dashboard.processes.worker import run_ingest, run_water_levels
from dashboard.reference import load_reference
from dashboard.simulator.seed import seed
from dashboard.simulator.source import replay_lead
from dashboard.store.engine import make_engine
from dashboard.store.migrate import upgrade
from dashboard.store.refdata import store_reference
from dashboard.store.seeding import has_reports

log = logging.getLogger(__name__)


#: Web worker processes x application threads each. Several processes: the requests of one
#: supervisor filter change (three callbacks at once, then the map points) that met in one
#: process waited on each other for the GIL, two of them 4-5x slower than alone (overdue at
#: 1M on SQLite: 2 x 4 threads 270 ms, 4 x 2 threads 156 ms; ``bench.supervisor_served``).
#: 8 threads, not 2: one address may have ``max_requests_per_client`` (6) requests in
#: flight in all, so a browser's six parallel requests fit even when they meet in one
#: process, and a greedy address leaves two threads of every process free (:mod:`dashboard.processes.serving`).
WORKERS, THREADS = 4, 8
WORKER_CLASS = "dashboard.processes.serving.WaitressWorker"


def gunicorn_command(settings: Settings, workers: int = WORKERS) -> list[str]:
    """``pantau serve``: gunicorn's arbiter over ``workers`` waitress processes (see
    :mod:`dashboard.processes.serving` for why). No control socket: gunicorn's default path
    (``~/.gunicorn/gunicorn.ctl``) is one for every instance of a user on the machine, and
    systemd or ``pantau demo`` manage the processes."""
    return [
        sys.executable, "-m", "gunicorn", "--config", "python:dashboard.processes.serving",
        "--worker-class", WORKER_CLASS,
        "--workers", str(workers), "--threads", str(THREADS), "--bind", f"{settings.host}:{settings.port}",
        "--chdir", str(ROOT), "--no-control-socket", "app:server()",
    ]


def serve(settings: Settings, workers: int = WORKERS) -> int:
    """Run gunicorn in the foreground (replaces this process)."""
    cmd = gunicorn_command(settings, workers)
    os.execv(cmd[0], cmd)
    return 0  # not reached


def simulate(settings: Settings, interval: float, iterations: int = 0) -> int:
    """Run the simulator in the foreground: a batch every ``interval`` seconds goes through
    the same ingest pipeline as any feed, then the water levels are recorded."""
    settings = settings.with_(sources="simulator")
    done = 0
    while iterations == 0 or done < iterations:
        run_ingest(settings, "simulator", "")
        run_water_levels(settings)
        done += 1
        if iterations == 0 or done < iterations:
            time.sleep(interval)
    return 0


def prepare_store(settings: Settings, seed_reports: int, days: int) -> None:
    """Migrate, load reference data, and seed a history when the store has no reports."""
    upgrade(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    ref = load_reference()
    store_reference(engine, ref)
    with engine.connect() as conn:
        empty = not has_reports(conn)
    if empty and seed_reports > 0:
        log.info("seeding %d reports over %d days", seed_reports, days)
        now = datetime.now(timezone.utc)  # reports end where the simulator's first run starts
        seed(engine, ref, seed_reports, days, settings.sim_seed, now,
             reports_end=now - replay_lead(settings.sim_speed))
    engine.dispose()


def demo(settings: Settings, seed_reports: int, days: int, workers: int) -> int:
    """The one-command demo wall: SQLite store + live simulator + worker + web server, each
    child restarted when it exits (:func:`supervise`) until Ctrl-C or SIGTERM."""
    if "simulator" not in settings.sources:
        settings = settings.with_(sources="simulator")
    prepare_store(settings, seed_reports, days)
    env = dict(os.environ, PANTAU_SOURCES=settings.sources,
               PANTAU_DATABASE_URL=settings.resolved_database_url)
    children = [Child("worker", [sys.executable, "-m", "dashboard.cli", "worker"], env),
                Child("web", gunicorn_command(settings, workers), env)]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"Pantau demo: http://{settings.host}:{settings.port}/wall  (Ctrl-C stops)", flush=True)
    supervise(children, stop)
    return 0


#: Restart backoff of a demo child: the first restart waits FIRST_DELAY seconds, each
#: further quick exit doubles the wait up to MAX_DELAY; a child that stayed up
#: HEALTHY_AFTER seconds starts over at FIRST_DELAY.
FIRST_DELAY, MAX_DELAY, HEALTHY_AFTER = 1.0, 30.0, 60.0
#: How often the supervisor looks at its children.
TICK = 0.5


def restart_delay(previous: float, uptime: float) -> float:
    """Seconds to wait before restarting a child that exited after ``uptime`` seconds,
    when its previous restart waited ``previous`` (0: it was never restarted)."""
    if previous <= 0 or uptime >= HEALTHY_AFTER:
        return FIRST_DELAY
    return min(MAX_DELAY, previous * 2)


@dataclass
class Child:
    """One supervised process of the demo: the command, the running process, and when it
    started or is due to start again."""

    name: str
    command: list[str]
    env: dict[str, str]
    process: subprocess.Popen | None = None
    started: float = 0.0
    delay: float = 0.0  # the wait before its last restart
    restart_at: float | None = None

    def start(self, now: float) -> None:
        self.process = subprocess.Popen(self.command, env=self.env)
        self.started, self.restart_at = now, None


def supervise(children: list[Child], stop: threading.Event) -> None:
    """Start the children and restart each that exits, whatever its code (the worker exits
    3 when another worker holds the lock, non-zero when it gives up on the store), after
    :func:`restart_delay`, until ``stop`` is set; then stop them all."""
    for child in children:
        child.start(time.monotonic())
    while not stop.is_set():  # is_set() takes no lock: a signal handler may set() it safely
        time.sleep(TICK)
        now = time.monotonic()
        for child in children:
            if child.restart_at is None:
                code = child.process.poll()
                if code is not None:
                    child.delay = restart_delay(child.delay, now - child.started)
                    child.restart_at = now + child.delay
                    log.error("demo: %s (pid %d) exited with code %s; restarting in %.0f s",
                              child.name, child.process.pid, code, child.delay)
            elif now >= child.restart_at and not stop.is_set():
                child.start(now)
                log.info("demo: %s restarted (pid %d)", child.name, child.process.pid)
    _stop_all([c.process for c in children if c.process is not None])


def _stop_all(processes: list[subprocess.Popen]) -> None:
    """SIGTERM each running process, then SIGKILL what has not exited within 10 s."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
