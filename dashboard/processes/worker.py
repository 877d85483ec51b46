"""The worker: ONE process per store runs every scheduled job (APScheduler 3, its own
process; never inside gunicorn). ``pantau worker`` or ``python -m dashboard.processes.worker``.

Jobs (module-level functions taking plain arguments, explicit ids, ``max_instances=1``,
``coalesce=True``):

* ``ingest:<kind>`` per entry of ``settings.sources`` (``simulator``, ``open311=URL``, ``open311-updated=URL``,
  ``files=DIR``) every ``ingest_seconds``; a run that changed reports refreshes the wall;
* ``water-levels`` (only with the simulator): simulated gate levels into ``water_level``;
* ``cameras``: flood-gate stills (``dashboard.ingest.cameras.refresh_cameras``);
* ``wall-snapshot``: ``dashboard.wall.aggregate.refresh_wall_snapshot`` (a no-op when the saved
  snapshot is current), so age-based numbers move even when no report does.

Everything a job uses is imported at the top of this module, in the main thread, before
the scheduler starts: imports racing in the scheduler's threads left workers that were
alive but failed every run. Every run goes through :class:`dashboard.processes.worker_guard.JobGuard`
(heartbeat row per job, retries of transient store errors, a worker that stops when a job
keeps failing).

Before scheduling anything the worker waits for the store (at most ``--reconnect-seconds``)
and takes the leader lock (:mod:`dashboard.processes.leader`); then it writes its heartbeat row
(``job='worker'``, renewed with the lock every ``lease/3``) and closes the ``ingest_run``
rows a dead worker left unfinished. A second worker says who holds the lock and exits 3,
or with ``--standby`` waits and takes over when the lock frees or when the leader's
heartbeat is older than the lease (a stopped or wedged leader: its lock is taken from it).
A leader whose lock connection dies (a PostgreSQL outage) takes the lock again on a new
connection when the store answers; it gives up after ``--reconnect-seconds``.

Exit codes: 0 stopped (SIGTERM/SIGINT); 1 a ``--once`` job failed; 2 the store has no
schema (run ``pantau db upgrade``); 3 another worker holds the lock (without
``--standby``); 4 the lock was lost (taken over, or not re-established within
``--reconnect-seconds``); 5 a job kept failing (``--max-failed-runs`` failed runs in a row
over at least ``--failing-seconds``); 6 the store was unreachable at start for
``--reconnect-seconds``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from types import FrameType
from typing import Any, Callable

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from dashboard.wall.aggregate import refresh_wall_snapshot
from dashboard.ingest.cameras import refresh_cameras
from dashboard.config import Settings
from dashboard.ingest.batch import Skipped
from dashboard.ingest.filedrop import SEEN
from dashboard.ingest.run import IngestResult, ingest_once
from dashboard.ingest.sources import ReportSource, build_source, parse_sources
from dashboard.processes.leader import LeaseLeader, PgLeader, make_leader
from dashboard.reference import Reference, load_reference
from dashboard.simulator.source import SimulatorSource
from dashboard.simulator.water import simulate_levels
from dashboard.store.engine import make_engine
from dashboard.operator.where import problem_line
from dashboard.store.heartbeat import WORKER_JOB, stale_leader
from dashboard.store.presence import MISSING, StoreCheck, safe_url, sqlite_file
from dashboard.store.takeover import close_orphan_runs, has_worker_tables
from dashboard.store.water import record_levels
from dashboard.processes.worker_guard import JobGuard, Stop
from dashboard.processes.worker_options import (EXIT_JOB_FAILING, EXIT_LOST_LEADER, EXIT_NO_STORE,
                                      EXIT_NO_STORE_CONNECTION, EXIT_NOT_LEADER, EXIT_ONCE_FAILED, LEASE_SECONDS,
                                      WorkerOptions, add_arguments, options_from)

log = logging.getLogger("pantau.worker")

MAX_BACKOFF_SECONDS = 10.0  # the longest wait between tries to reach the store
WATER_SECONDS = 60
CAMERA_SECONDS = 60
#: codes after which job threads may still be running: the process ends at once (no half worker)
HARD_EXIT_CODES = (EXIT_LOST_LEADER, EXIT_JOB_FAILING)
_WALL_LOCK = threading.Lock()


def _now() -> datetime:
    return datetime.now(timezone.utc)


@lru_cache(maxsize=4)
def _engine(url: str) -> Engine:  # one pooled engine per store for the process
    return make_engine(url)


def _ref() -> Reference:
    return load_reference()


@lru_cache(maxsize=16)
def _source(settings: Settings, kind: str, target: str) -> ReportSource:  # kept: sources hold state
    if kind == "simulator":
        return SimulatorSource(settings.sim_seed, settings.sim_speed,
                               settings.data_dir / "simulator-state.json", _ref())
    return build_source(kind, target, settings)


def run_ingest(settings: Settings, kind: str, target: str) -> IngestResult:
    """One ingest pass of one source; refreshes the wall when reports changed."""
    source = _source(settings, kind, target)
    result = ingest_once(source, _engine(settings.resolved_database_url), _ref(), _now(),
                         feed_tz=settings.feed_tz or None)
    if not result.ok:
        log.warning("ingest %s failed: %s", source.name, result.error)
        return result
    log.info("ingest %s: %s", source.name, result.summary())
    log_skipped(source.name, result.skipped)
    if result.n_new or result.n_updated:
        refresh_wall(settings)
    return result


def log_skipped(source: str, skipped: list[Skipped]) -> None:
    """One line per file a run left out, the first time the source reports it for that
    reason (a file already ingested only at DEBUG: a drop directory keeps its old files)."""
    for skip in skipped:
        if not skip.repeat:
            level = logging.DEBUG if skip.reason == SEEN else logging.INFO
            log.log(level, "ingest %s: skipped %s: %s", source, skip.name, skip.detail)


def run_water_levels(settings: Settings) -> int:
    """Record the simulator's gate levels for now; returns how many readings were new.
    New readings re-render the stills at once, so a still never shows an older level
    than its tile (the cameras job alone could lag a reading by up to a minute)."""
    readings = simulate_levels(_ref().gates.values(), _now(), settings.sim_seed)
    with _engine(settings.resolved_database_url).begin() as conn:
        n = record_levels(conn, readings)
    if n:
        run_cameras(settings)
        refresh_wall(settings)
    return n


def run_cameras(settings: Settings) -> Any:
    """Fetch (or render) the flood-gate stills."""
    return refresh_cameras(_engine(settings.resolved_database_url), _ref(), _now(), settings)


def refresh_wall(settings: Settings) -> bool | None:
    """Recompute the wall snapshot if stale; ``None`` when skipped (another refresh is
    running)."""
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


def run_guarded(guard: JobGuard, job_id: str, func: Callable, args: tuple) -> bool:
    """What the scheduler runs for every job: ``func(*args)`` through the guard."""
    return guard.run(job_id, func, args)


def build_scheduler(settings: Settings, guard: JobGuard) -> BlockingScheduler:
    """A scheduler with every job added through :func:`run_guarded` (first runs right
    away); not started."""
    scheduler = BlockingScheduler(timezone=settings.tz, job_defaults={
        "max_instances": 1, "coalesce": True, "misfire_grace_time": None})
    start = _now()
    for job_id, func, args, seconds in planned_jobs(settings):
        scheduler.add_job(run_guarded, "interval", seconds=seconds, args=(guard, job_id, func, args), id=job_id,
                          name=job_id, max_instances=1, coalesce=True, replace_existing=True, next_run_time=start)
    return scheduler


def run_once(settings: Settings, guard: JobGuard) -> int:
    """Every job once, in order (``--once``: cron-style use and smoke tests); a failing
    job is logged and the others still run. Returns 1 if any job failed, else 0."""
    failed = 0
    for job_id, func, args, _ in planned_jobs(settings):
        log.info("running %s", job_id)
        if not guard.run(job_id, func, args):
            failed = EXIT_ONCE_FAILED
    return failed


class LeaderWatch:
    """The leader-watch job's state: renews the lock and the leader's heartbeat row; a
    lock connection that died is re-established for at most ``reconnect_seconds``."""

    def __init__(self, leader: PgLeader | LeaseLeader, guard: JobGuard, stop: Stop, reconnect_seconds: float) -> None:
        self.leader, self.guard, self.stop, self.reconnect_seconds = leader, guard, stop, reconnect_seconds
        self.lost_since: float | None = None  # monotonic time the store stopped answering

    def tick(self) -> None:
        if self.stop.event.is_set():  # a stop that came before the scheduler ran
            self.stop.scheduler.shutdown(wait=False)
            return
        held = self.leader.renew()
        if held is None:
            self._unreachable()
        elif not held:
            self.stop.request(EXIT_LOST_LEADER, "the worker lock is held by another worker now")
        else:
            self._renewed()

    def _unreachable(self) -> None:
        if self.lost_since is None:
            self.lost_since = time.monotonic()
            self.guard.beat(WORKER_JOB, _now(), error="store not reachable: the worker lock is not renewed")
        waited = time.monotonic() - self.lost_since
        if waited > self.reconnect_seconds:
            self.stop.request(EXIT_LOST_LEADER, f"the worker lock was not re-established within {waited:.0f} s")

    def _renewed(self) -> None:
        now = _now()
        if self.lost_since is not None:
            log.info("store reachable again after %.0f s; still the leader", time.monotonic() - self.lost_since)
            self.lost_since = None
        self.guard.beat(WORKER_JOB, now)


def watch_leadership(watch: LeaderWatch) -> None:
    """Scheduler job, every ``lease/3`` (first run at start): :meth:`LeaderWatch.tick`."""
    watch.tick()


def _close_orphans(engine: Engine, started_before: datetime, now: datetime) -> None:
    try:
        n = close_orphan_runs(engine, started_before, now)
    except SQLAlchemyError as exc:
        log.warning("could not close unfinished ingest runs: %s", exc)
        return
    if n:
        log.warning("closed %d ingest run(s) left unfinished by a worker that died", n)


def refuse(holder: str | None) -> int:
    who = holder or "another process"
    msg = (f"pantau worker: {who} already holds the worker lock on this store; "
           "this worker runs nothing and exits (stop the other one first, or use --standby).")
    print(msg, file=sys.stderr, flush=True)
    return EXIT_NOT_LEADER


def wait_for_store(engine: Engine, stop: Stop, bound: float | None) -> int | None:
    """None once the store answers with the worker's tables; else an exit code: 2 no
    schema, 6 not reachable within ``bound`` seconds (None: wait for ever), 0 stopped."""
    deadline, delay = time.monotonic() + (bound or 0.0), 0.5
    while True:
        try:
            if has_worker_tables(engine):
                return None
            print("pantau worker: the store has no worker tables; is the store migrated? run `pantau db upgrade`",
                  file=sys.stderr, flush=True)
            return EXIT_NO_STORE
        except SQLAlchemyError as exc:
            if bound is not None and time.monotonic() + delay > deadline:
                print(f"pantau worker: the store is not reachable ({exc}); gave up after {bound:g} s",
                      file=sys.stderr, flush=True)
                return EXIT_NO_STORE_CONNECTION
            log.warning("store not reachable, retrying in %.1f s: %s", delay, exc)
        if stop.event.wait(delay):
            return 0
        delay = min(delay * 2, MAX_BACKOFF_SECONDS)


def store_file_missing(settings: Settings) -> bool:
    """Whether the store is a SQLite file that is absent (said on stderr): opening it would
    create an empty file, so the worker exits 2 before any connection."""
    path = sqlite_file(settings.resolved_database_url)
    if path is None or path.is_file():
        return False
    check = StoreCheck(safe_url(settings.resolved_database_url), MISSING)
    print(problem_line("pantau worker", check, settings), file=sys.stderr, flush=True)
    return True


def stand_by(leader: PgLeader | LeaseLeader, engine: Engine, stop: Stop, lease_seconds: float) -> bool:
    """Wait until this worker is the leader (True) or is stopped (False): try the lock every
    ``lease/3``; take it from a leader whose heartbeat is older than ``lease_seconds``."""
    said = None
    while not stop.event.is_set():
        try:
            if leader.acquire():
                return True
            with engine.connect() as conn:
                stale = stale_leader(conn, _now(), timedelta(seconds=lease_seconds))
            if stale is not None and leader.acquire(steal_from=stale):
                return True
            holder = leader.holder()
            if holder != said:
                log.info("standing by: %s holds the worker lock", holder or "another process")
                said = holder
        except SQLAlchemyError as exc:
            log.warning("standing by: store not reachable: %s", exc)
        stop.event.wait(max(lease_seconds / 3, 0.5))
    return False


def run_worker(settings: Settings, once: bool = False, lease_seconds: float = LEASE_SECONDS,
               options: WorkerOptions | None = None) -> int:
    """Wait for the store, take the leader lock, then run the jobs forever (or once).
    Returns an exit code (:data:`dashboard.processes.worker_options.EXIT_CODES`)."""
    opts = options or WorkerOptions(once=once, lease_seconds=lease_seconds)
    parse_sources(settings.sources)  # fail fast on a bad PANTAU_SOURCES
    if store_file_missing(settings):
        return EXIT_NO_STORE
    stop = Stop()
    if not opts.once:
        _handle_signals(stop)  # before the lock: a stop the moment this worker leads is clean
    engine = _engine(settings.resolved_database_url)
    code = wait_for_store(engine, stop, None if opts.standby else opts.reconnect_seconds)
    if code is not None:
        return code
    leader = make_leader(engine, opts.lease_seconds)
    guard = JobGuard(engine, leader, stop, opts.max_failed_runs, opts.failing_seconds)
    try:
        leading = leader.acquire()
    except SQLAlchemyError as exc:  # the store went away since it answered
        if not opts.standby:
            print(f"pantau worker: cannot take the worker lock: {exc}", file=sys.stderr, flush=True)
            return EXIT_NO_STORE_CONNECTION
        leading = False
    if not leading and not opts.standby:
        return refuse(leader.holder())
    if not leading and not stand_by(leader, engine, stop, opts.lease_seconds):
        return stop.code or 0
    try:
        return _lead(settings, opts, engine, leader, guard, stop)
    finally:
        leader.release()


def _lead(settings: Settings, opts: WorkerOptions, engine: Engine, leader: PgLeader | LeaseLeader, guard: JobGuard,
          stop: Stop) -> int:
    now = _now()
    guard.beat(WORKER_JOB, now, start=True)
    _close_orphans(engine, now, now)
    log.info("worker %s is the leader; sources: %s", leader.me, settings.sources)
    if opts.once:
        return run_once(settings, guard)
    scheduler = build_scheduler(settings, guard)
    watch = LeaderWatch(leader, guard, stop, opts.reconnect_seconds)
    scheduler.add_job(watch_leadership, "interval", seconds=max(opts.lease_seconds / 3, 0.5), args=(watch,),
                      id="leader-watch", replace_existing=True, next_run_time=now)
    stop.scheduler = scheduler
    if not stop.event.is_set():
        scheduler.start()  # blocks until shutdown
    if stop.code not in (None, 0):
        guard.beat(WORKER_JOB, _now(), error=f"exit {stop.code}: {stop.reason}")
    return stop.code or 0


def _handle_signals(stop: Stop) -> None:
    """SIGTERM/SIGINT stop the worker (exit 0) once running jobs finish."""
    if logging.getLogger("apscheduler").level == logging.NOTSET:
        logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line per job run is noise

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        # Never shut down inside the handler: the main thread may hold the executor's lock
        # (a deadlock seen in tests); another thread waits for it instead.
        threading.Thread(target=stop.request, args=(0, f"signal {signum}"), daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)


def finish(code: int) -> int:
    """``code``, for ``sys.exit``; after a lost lock or a failing job the process ends here
    at once (``os._exit``): a job thread still running must not keep a worker half alive."""
    if code in HARD_EXIT_CODES:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.processes.worker", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return finish(run_worker(Settings.from_env(), options=options_from(args)))


if __name__ == "__main__":
    sys.exit(main())
