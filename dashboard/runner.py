"""Process orchestration for ``pantau serve``, ``pantau simulate`` and ``pantau demo``.

The deployed shape is gunicorn web workers beside ONE worker process that runs the
scheduler (APScheduler FAQ: a dedicated process). ``demo`` starts exactly that shape as
child processes, so the demo runs what production runs.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

from sqlalchemy import func, select

from dashboard.config import ROOT, Settings

log = logging.getLogger(__name__)


#: Web worker processes x threads each. More processes than threads: the requests of one
#: supervisor filter change (three callbacks at once, then the map points) that met in one
#: process waited on each other for the GIL, two of them 4-5x slower than alone (overdue at
#: 1M on SQLite: 2 x 4 threads 270 ms, 4 x 2 threads 156 ms; ``bench.supervisor_served``).
WORKERS, THREADS = 4, 2


def gunicorn_command(settings: Settings, workers: int = WORKERS) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(THREADS),
        "--bind", f"{settings.host}:{settings.port}", "--chdir", str(ROOT),
        "--access-logfile", "-", "app:server()",
    ]


def serve(settings: Settings, workers: int = WORKERS) -> int:
    """Run gunicorn in the foreground (replaces this process)."""
    cmd = gunicorn_command(settings, workers)
    os.execv(cmd[0], cmd)
    return 0  # not reached


def simulate(settings: Settings, interval: float, iterations: int = 0) -> int:
    """Run the simulator in the foreground: a batch every ``interval`` seconds goes through
    the same ingest pipeline as any feed, then the water levels are recorded."""
    from dashboard.worker import run_ingest, run_water_levels

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
    from dashboard.reference import load_reference
    from dashboard.seed import seed
    from dashboard.store.engine import make_engine
    from dashboard.store.migrate import upgrade
    from dashboard.store.refdata import store_reference
    from dashboard.store.schema import report

    upgrade(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    ref = load_reference()
    store_reference(engine, ref)
    with engine.connect() as conn:
        empty = conn.execute(select(func.count()).select_from(report)).scalar_one() == 0
    if empty and seed_reports > 0:
        log.info("seeding %d reports over %d days", seed_reports, days)
        seed(engine, ref, seed_reports, days, settings.sim_seed, datetime.now(timezone.utc))
    engine.dispose()


def demo(settings: Settings, seed_reports: int, days: int, workers: int) -> int:
    """The one-command demo wall: SQLite store + live simulator + worker + web server."""
    if "simulator" not in settings.sources:
        settings = settings.with_(sources="simulator")
    prepare_store(settings, seed_reports, days)
    env = dict(os.environ, PANTAU_SOURCES=settings.sources,
               PANTAU_DATABASE_URL=settings.resolved_database_url)
    children = [
        subprocess.Popen([sys.executable, "-m", "dashboard.cli", "worker"], env=env),
        subprocess.Popen(gunicorn_command(settings, workers), env=env),
    ]
    print(f"Pantau demo: http://{settings.host}:{settings.port}/wall  (Ctrl-C stops)", flush=True)
    return _wait(children)


def _wait(children: list[subprocess.Popen]) -> int:
    """Wait until a child exits or we are interrupted; then stop the others."""
    stop = False

    def _stop(*_args) -> None:  # noqa: ANN002
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    code = 0
    while not stop:
        for child in children:
            if child.poll() is not None:
                log.error("process %s exited with %s", child.args[2:4], child.returncode)
                code, stop = child.returncode or 1, True
        time.sleep(0.5)
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
    return code
