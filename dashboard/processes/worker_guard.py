"""How the worker runs a job and how it ends: every run goes through :class:`JobGuard`
(heartbeat rows, retries of transient store errors, a count of failed runs) and every
stop through :class:`Stop` (the first reason wins and sets the exit code).

* Transient store errors (:func:`is_transient`: a dropped or refused connection, an
  invalidated pooled connection, SQLite "database is locked") are retried
  :data:`RETRIES` times within the run, after :data:`BACKOFF_SECONDS`, doubling.
* A run that raises (after its retries) is a failed run. ``max_failed_runs`` failed runs in
  a row of one job (default 5), the first at least ``failing_seconds`` ago (default 300),
  stop the worker with exit code 5: restarting it is more likely to help than going on.
  An ingest whose *source* failed (the run is recorded with ``ok=False``) is written to the
  heartbeat as an error but does not count: a restart cannot bring a remote feed back.
* Heartbeat writes never raise: when the store is down the failure is kept in memory and
  written before the job's next heartbeat that reaches the store.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable

import psycopg
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, PendingRollbackError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from dashboard.ingest.run import IngestResult
from dashboard.processes.leader import LeaseLeader, PgLeader
from dashboard.store.heartbeat import beat_end, beat_start
from dashboard.processes.worker_options import EXIT_JOB_FAILING, FAILING_SECONDS, MAX_FAILED_RUNS

log = logging.getLogger("pantau.worker")

RETRIES = 3
BACKOFF_SECONDS = 0.5
_SQLITE_TRANSIENT = ("database is locked", "database is busy", "database table is locked")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def is_transient(exc: BaseException) -> bool:
    """Whether a store error may go away by itself (worth a retry): a connection that
    dropped or was refused, a pooled connection found dead, a pool timeout, SQLite busy.
    A missing table, a constraint, a syntax error are not."""
    if isinstance(exc, (PendingRollbackError, PoolTimeout, psycopg.OperationalError, psycopg.InterfaceError)):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if isinstance(exc.orig, sqlite3.OperationalError):
        return any(text in str(exc.orig) for text in _SQLITE_TRANSIENT)
    return isinstance(exc.orig, (psycopg.OperationalError, psycopg.InterfaceError))


class Stop:
    """The worker's end: :meth:`request` once per reason; the first one sets :attr:`code`,
    sets :attr:`event` (waits in the worker end early) and shuts the scheduler down."""

    def __init__(self) -> None:
        self.code: int | None = None
        self.reason = ""
        self.event = threading.Event()
        self.scheduler = None  # set when the jobs' scheduler exists
        self._lock = threading.Lock()

    def request(self, code: int, reason: str) -> None:
        with self._lock:
            if self.code is not None:
                return
            self.code, self.reason = code, reason
        self.event.set()
        log.log(logging.INFO if code == 0 else logging.ERROR, "stopping (exit code %d): %s", code, reason)
        scheduler = self.scheduler
        if scheduler is not None and scheduler.running:
            # a signal lets running jobs finish; a job thread asking must not wait for itself
            scheduler.shutdown(wait=code == 0)


class JobGuard:
    """Runs jobs for the leader ``me``: skips a run when the lock is no longer held,
    writes ``beat_start``/``beat_end``, retries transient store errors, counts failures."""

    def __init__(self, engine: Engine, leader: PgLeader | LeaseLeader, stop: Stop,
                 max_failed_runs: int = MAX_FAILED_RUNS,
                 failing_seconds: float = FAILING_SECONDS, retries: int = RETRIES) -> None:
        self.engine, self.leader, self.stop = engine, leader, stop
        self.max_failed_runs, self.failing_seconds, self.retries = max_failed_runs, failing_seconds, retries
        self._failing: dict[str, tuple[int, float]] = {}  # job -> (failed runs in a row, monotonic of the first)
        self._unsaved: dict[str, tuple[datetime, str]] = {}  # job -> a failure not yet in its heartbeat row

    def run(self, job_id: str, func: Callable, args: tuple) -> bool:
        """One guarded run; True when it succeeded."""
        if not self.leader.still_held():
            log.warning("job %s skipped: this worker does not hold the worker lock right now", job_id)
            return False
        self.beat(job_id, _now(), start=True)
        error, raised = self._call(job_id, func, args)
        self.beat(job_id, _now(), error=error)
        self._count(job_id, raised, error)
        return error is None

    def _call(self, job_id: str, func: Callable, args: tuple) -> tuple[str | None, bool]:
        for attempt in range(self.retries + 1):
            try:
                result: Any = func(*args)
            except Exception as exc:  # every failure is recorded and counted
                if is_transient(exc) and attempt < self.retries and not self.stop.event.is_set():
                    delay = BACKOFF_SECONDS * 2 ** attempt
                    log.warning("job %s: transient store error, retry %d/%d in %.1f s: %s",
                                job_id, attempt + 1, self.retries, delay, exc)
                    self.stop.event.wait(delay)
                    continue
                log.exception("job %s failed", job_id)
                return f"{type(exc).__name__}: {exc}", True
            if isinstance(result, IngestResult) and not result.ok:
                return result.error or "ingest failed", False
            return None, False
        raise AssertionError("unreachable: the last attempt returns")  # pragma: no cover

    def _count(self, job_id: str, raised: bool, error: str | None) -> None:
        if not raised:
            self._failing.pop(job_id, None)
            return
        n, first = self._failing.get(job_id, (0, time.monotonic()))
        self._failing[job_id] = (n + 1, first)
        span = time.monotonic() - first
        if n + 1 >= self.max_failed_runs and span >= self.failing_seconds:
            self.stop.request(EXIT_JOB_FAILING, f"job {job_id} failed {n + 1} runs in a row over {span:.0f} s; "
                                                f"last error: {error}")

    def beat(self, job_id: str, now: datetime, start: bool = False, error: str | None = None) -> bool:
        """Write one heartbeat of ``job_id`` (and a failure kept from before); never
        raises: a write that does not reach the store is logged, a failure kept."""
        unsaved = self._unsaved.pop(job_id, None)
        try:
            with self.engine.begin() as conn:
                if unsaved is not None:
                    beat_end(conn, job_id, self.leader.me, *unsaved)
                if start:
                    beat_start(conn, job_id, self.leader.me, now)
                else:
                    beat_end(conn, job_id, self.leader.me, now, error)
            return True
        except SQLAlchemyError as exc:
            if error is not None:
                self._unsaved[job_id] = (now, error)
            elif unsaved is not None:
                self._unsaved[job_id] = unsaved
            log.warning("heartbeat of %s not written: %s", job_id, exc)
            return False
