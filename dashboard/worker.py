"""The worker: ONE process per store runs every scheduled job (APScheduler 3, its own
process; never inside gunicorn). ``pantau worker`` or ``python -m dashboard.worker``.

Jobs (module-level functions taking plain arguments, explicit ids, ``max_instances=1``,
``coalesce=True``):

* ``ingest:<kind>`` per entry of ``settings.sources`` (``simulator``, ``open311=URL``, ``open311-updated=URL``,
  ``files=DIR``) every ``ingest_seconds``; a run that changed reports refreshes the wall;
* ``water-levels`` (only with the simulator): simulated gate levels into ``water_level``;
* ``cameras``: flood-gate stills (``dashboard.cameras.refresh_cameras``);
* ``wall-snapshot``: ``dashboard.aggregate.refresh_wall_snapshot`` (a no-op when the saved
  snapshot is current), so age-based numbers move even when no report does.

Before scheduling anything the worker takes the leader lock (:mod:`dashboard.leader`);
a second worker on the same store says who holds it and exits with code 3.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.exc import DBAPIError

from dashboard.config import Settings
from dashboard.leader import make_leader

log = logging.getLogger("pantau.worker")

LEASE_SECONDS = 60.0  # SQLite lease; a killed worker is replaced within this
WATER_SECONDS = 60
CAMERA_SECONDS = 60
EXIT_NO_STORE = 2
EXIT_NOT_LEADER = 3
EXIT_LOST_LEADER = 4
SOURCE_KINDS = ("simulator", "open311", "open311-updated", "files")
_WALL_LOCK = threading.Lock()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def parse_sources(spec: str) -> list[tuple[str, str]]:
    """``"simulator,open311=URL,files=DIR"`` -> ``[(kind, target), ...]`` (target "" for
    the simulator). Raises ValueError for an unknown kind or a missing target."""
    out = []
    for item in filter(None, (s.strip() for s in spec.split(","))):
        kind, _, target = item.partition("=")
        kind, target = kind.strip(), target.strip()
        if kind not in SOURCE_KINDS:
            raise ValueError(f"PANTAU_SOURCES: unknown source {kind!r}; use {', '.join(SOURCE_KINDS)}")
        if kind != "simulator" and not target:
            raise ValueError(f"PANTAU_SOURCES: {kind} needs a target, e.g. {kind}=...")
        out.append((kind, target))
    return out


@lru_cache(maxsize=4)
def _engine(url: str):  # noqa: ANN202 - one pooled engine per store for the process
    from dashboard.store.engine import make_engine

    return make_engine(url)


def _ref():  # noqa: ANN202
    from dashboard.reference import load_reference

    return load_reference()


@lru_cache(maxsize=16)
def _source(settings: Settings, kind: str, target: str):  # noqa: ANN202 - kept: sources hold state
    if kind == "simulator":
        from dashboard.simulator.source import SimulatorSource

        return SimulatorSource(settings.sim_seed, settings.sim_speed,
                               settings.data_dir / "simulator-state.json", _ref())
    from dashboard.ingest.sources import build_source

    return build_source(kind, target, settings)


def run_ingest(settings: Settings, kind: str, target: str):  # noqa: ANN201
    """One ingest pass of one source; refreshes the wall when reports changed."""
    from dashboard.ingest.run import ingest_once

    source = _source(settings, kind, target)
    result = ingest_once(source, _engine(settings.resolved_database_url), _ref(), _now(),
                         feed_tz=settings.feed_tz or None)
    if not result.ok:
        log.warning("ingest %s failed: %s", source.name, result.error)
        return result
    log.info("ingest %s: %s", source.name, result.counts())
    if result.n_new or result.n_updated:
        refresh_wall(settings)
    return result


def run_water_levels(settings: Settings) -> int:
    """Record the simulator's gate levels for now; returns how many readings were new."""
    from dashboard.simulator.water import simulate_levels
    from dashboard.store.water import record_levels

    readings = simulate_levels(_ref().gates.values(), _now(), settings.sim_seed)
    with _engine(settings.resolved_database_url).begin() as conn:
        n = record_levels(conn, readings)
    if n:
        refresh_wall(settings)
    return n


def run_cameras(settings: Settings) -> Any:
    """Fetch (or render) the flood-gate stills; skipped with a log line if not available."""
    try:
        from dashboard.cameras import refresh_cameras
    except ImportError as exc:
        log.info("cameras job skipped: %s", exc)
        return None
    return refresh_cameras(_engine(settings.resolved_database_url), _ref(), _now(), settings)


def refresh_wall(settings: Settings) -> bool | None:
    """Recompute the wall snapshot if stale; ``None`` when skipped (another refresh is
    running, or the wall's aggregate module is not available)."""
    try:
        from dashboard.aggregate import refresh_wall_snapshot
    except ImportError as exc:
        log.info("wall snapshot skipped: %s", exc)
        return None
    if not _WALL_LOCK.acquire(blocking=False):
        return None
    try:
        return refresh_wall_snapshot(_engine(settings.resolved_database_url), _ref(), _now(), settings)
    finally:
        _WALL_LOCK.release()


def uses_simulator(settings: Settings) -> bool:
    return any(kind == "simulator" for kind, _ in parse_sources(settings.sources))


def planned_jobs(settings: Settings) -> list[tuple[str, Callable, tuple, int]]:
    """(id, function, args, interval seconds) of every job, in run order."""
    jobs, seen = [], set()
    for kind, target in parse_sources(settings.sources):
        job_id = f"ingest:{kind}" if kind not in seen else f"ingest:{kind}={target}"
        seen.add(kind)
        jobs.append((job_id, run_ingest, (settings, kind, target), settings.ingest_seconds))
    if uses_simulator(settings):
        jobs.append(("water-levels", run_water_levels, (settings,), WATER_SECONDS))
    jobs.append(("cameras", run_cameras, (settings,), CAMERA_SECONDS))
    jobs.append(("wall-snapshot", refresh_wall, (settings,), settings.ingest_seconds))
    return jobs


def build_scheduler(settings: Settings) -> BlockingScheduler:
    """A scheduler with every job added (first runs right away); not started."""
    scheduler = BlockingScheduler(timezone=settings.tz, job_defaults={
        "max_instances": 1, "coalesce": True, "misfire_grace_time": None})
    start = _now()
    for job_id, func, args, seconds in planned_jobs(settings):
        scheduler.add_job(func, "interval", seconds=seconds, args=args, id=job_id, name=job_id,
                          max_instances=1, coalesce=True, replace_existing=True, next_run_time=start)
    return scheduler


def run_once(settings: Settings) -> int:
    """Every job once, in order (``--once``: cron-style use and smoke tests); a failing
    job is logged and the others still run. Returns 1 if any job raised, else 0."""
    failed = 0
    for job_id, func, args, _ in planned_jobs(settings):
        log.info("running %s", job_id)
        try:
            func(*args)
        except Exception:  # noqa: BLE001 - report and go on, like the scheduler does
            log.exception("job %s failed", job_id)
            failed = 1
    return failed


def watch_leadership(leader, scheduler: BlockingScheduler, lost: threading.Event,  # noqa: ANN001
                     stopping: threading.Event) -> None:
    """Scheduler job (first run at start): stop when asked to (a signal that came before the
    scheduler ran), else renew the lock; on loss stop the scheduler (exit code 4)."""
    if stopping.is_set():
        scheduler.shutdown(wait=False)
    elif not leader.renew() and scheduler.running:
        log.error("leader lock lost; stopping so another worker can take over")
        lost.set()
        scheduler.shutdown(wait=False)


def refuse(holder: str | None) -> int:
    who = holder or "another process"
    msg = (f"pantau worker: {who} already holds the worker lock on this store; "
           "this worker runs nothing and exits (stop the other one first).")
    print(msg, file=sys.stderr, flush=True)
    return EXIT_NOT_LEADER


def run_worker(settings: Settings, once: bool = False, lease_seconds: float = LEASE_SECONDS) -> int:
    """Take the leader lock, then run the jobs forever (or once). Exit codes: 0 stopped,
    1 a ``once`` job failed, 2 the store has no schema, 3 another worker is the leader,
    4 the lock was lost."""
    parse_sources(settings.sources)  # fail fast on a bad PANTAU_SOURCES
    # SIGTERM is handled before the lock is taken: a stop that comes the moment this
    # worker becomes the leader still exits cleanly and releases the lock.
    stoppable = None if once else _stoppable_scheduler(settings)
    leader = make_leader(_engine(settings.resolved_database_url), lease_seconds)
    try:
        acquired = leader.acquire()
    except DBAPIError as exc:  # most often: a store without tables
        print(f"pantau worker: cannot take the worker lock ({type(exc.orig).__name__}: {exc.orig}); "
              "is the store migrated? run `pantau db upgrade`", file=sys.stderr, flush=True)
        return EXIT_NO_STORE
    if not acquired:
        return refuse(leader.holder())
    log.info("worker %s is the leader; sources: %s", leader.me, settings.sources)
    try:
        if stoppable is None:
            return run_once(settings)
        return _serve(*stoppable, leader, lease_seconds)
    finally:
        leader.release()


def _shutdown(scheduler: BlockingScheduler) -> None:
    """Let running jobs finish, then stop (the lock is released after that)."""
    if scheduler.running:  # not yet running: the leader-watch job's first run stops it
        scheduler.shutdown(wait=True)


def _stoppable_scheduler(settings: Settings) -> tuple[BlockingScheduler, threading.Event]:
    """The jobs' scheduler, and the event SIGTERM/SIGINT set when they stop it (a stop
    that comes before the scheduler runs is seen by the leader-watch job's first run)."""
    if logging.getLogger("apscheduler").level == logging.NOTSET:
        logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line per job run is noise
    scheduler, stopping = build_scheduler(settings), threading.Event()

    def stop(signum, _frame) -> None:  # noqa: ANN001
        # Never shut down inside the handler: the main thread may hold the executor's lock
        # (a deadlock seen in tests); another thread waits for it instead.
        log.info("signal %s: stopping the scheduler", signum)
        stopping.set()
        threading.Thread(target=_shutdown, args=(scheduler,), daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return scheduler, stopping


def _serve(scheduler: BlockingScheduler, stopping: threading.Event, leader, lease_seconds: float) -> int:  # noqa: ANN001
    lost = threading.Event()
    scheduler.add_job(watch_leadership, "interval", seconds=max(lease_seconds / 3, 0.5),
                      args=(leader, scheduler, lost, stopping), id="leader-watch",
                      replace_existing=True, next_run_time=_now())
    if not stopping.is_set():
        scheduler.start()  # blocks until shutdown
    return EXIT_LOST_LEADER if lost.is_set() else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.worker", description=__doc__.split("\n\n")[0])
    parser.add_argument("--once", action="store_true", help="run every job once, then exit")
    parser.add_argument("--lease-seconds", type=float, default=LEASE_SECONDS,
                        help=f"SQLite leader lease length (default {LEASE_SECONDS:g})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return run_worker(Settings.from_env(), once=args.once, lease_seconds=args.lease_seconds)


if __name__ == "__main__":
    sys.exit(main())
