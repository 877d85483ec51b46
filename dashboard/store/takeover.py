"""What a worker asks of the store when it starts or takes over as the leader: is the
schema there, and which ``ingest_run`` rows did a dead worker leave unfinished."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, inspect, update

from dashboard.store.schema import ingest_run, lease, worker_heartbeat

#: the error an orphaned run is closed with
ORPHAN_ERROR = "worker died (no finish recorded)"
_WORKER_TABLES = (lease.name, worker_heartbeat.name, ingest_run.name)


def has_worker_tables(engine: Engine) -> bool:
    """Whether the tables the worker needs exist (False: run ``pantau db upgrade``).
    Raises the driver's error when the store cannot be reached."""
    with engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
    return all(name in names for name in _WORKER_TABLES)


def close_orphan_runs(engine: Engine, started_before: datetime, now: datetime) -> int:
    """Finish (``ok=False``, :data:`ORPHAN_ERROR`) every run started before
    ``started_before`` that has no finish; returns how many. Only the leader writes runs,
    so at takeover every unfinished run is an orphan of a worker that died mid-run."""
    with engine.begin() as conn:
        return conn.execute(update(ingest_run).where(ingest_run.c.finished_at.is_(None),
                                                     ingest_run.c.started_at < started_before)
                            .values(finished_at=now, ok=False, error=ORPHAN_ERROR)).rowcount
