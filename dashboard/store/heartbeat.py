"""The worker's heartbeat: one ``worker_heartbeat`` row per job, plus ``job='worker'`` for
the leader itself. The worker calls :func:`beat_start` / :func:`beat_end` around every run;
``/health``, the wall and a standby worker call :func:`read_heartbeats`.

A row says when the job last started, last succeeded, last failed (and why), and how many
runs in a row have failed. Writes are upserts keyed by job, so the table holds one row per
job whatever the worker's age.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from dashboard.store import dialect
from dashboard.store.schema import worker_heartbeat

WORKER_JOB = "worker"  # the leader's own row: renewed with the leader lock
MAX_ERROR_CHARS = 500
MAX_ROWS = 200  # bound on the read (one row per job; a store has a handful)


def _upsert(conn: Connection, values: dict[str, Any], update: dict[str, Any]) -> None:
    stmt = dialect.insert(conn, worker_heartbeat).values(**values)
    conn.execute(stmt.on_conflict_do_update(index_elements=["job"], set_=update))


def beat_start(conn: Connection, job: str, worker: str, now: datetime) -> None:
    """A run of ``job`` started (the leader's own row: the lock was renewed)."""
    _upsert(conn, dict(job=job, worker=worker, last_start=now, failures=0, updated_at=now),
            dict(worker=worker, last_start=now, updated_at=now))


def beat_end(conn: Connection, job: str, worker: str, now: datetime, error: str | None = None) -> None:
    """A run of ``job`` ended: a success resets ``failures``; an error is kept (truncated)
    with its time and counts one more consecutive failure."""
    if error is None:
        _upsert(conn, dict(job=job, worker=worker, last_success=now, failures=0, updated_at=now),
                dict(worker=worker, last_success=now, failures=0, updated_at=now))
        return
    error = error[:MAX_ERROR_CHARS]
    _upsert(conn, dict(job=job, worker=worker, last_error_at=now, last_error=error, failures=1, updated_at=now),
            dict(worker=worker, last_error_at=now, last_error=error,
                 failures=worker_heartbeat.c.failures + 1, updated_at=now))


def read_heartbeats(conn: Connection) -> list[dict[str, Any]]:
    """Every job's row as a dict of the table's columns, ordered by job."""
    rows = conn.execute(select(worker_heartbeat).order_by(worker_heartbeat.c.job).limit(MAX_ROWS))
    return [dict(r._mapping) for r in rows]


def stale_leader(conn: Connection, now: datetime, max_age: timedelta) -> str | None:
    """The worker (``host:pid``) whose leader row was last renewed more than ``max_age``
    ago, or None (a fresh row, or none: a store no leader has written yet)."""
    row = conn.execute(select(worker_heartbeat.c.worker, worker_heartbeat.c.updated_at)
                       .where(worker_heartbeat.c.job == WORKER_JOB)).first()
    return row.worker if row is not None and row.updated_at < now - max_age else None
