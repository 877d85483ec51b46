"""The reads behind ``pantau status``: one look at the whole store for an operator.

Reports per status, the last attempted and successful ingest per source
(:func:`dashboard.store.ingest_runs.last_ingest`, as ``/health`` reads them), quarantined
records per reason, the worker's heartbeat rows, a snapshot's age and the accounts per
role. Counts are ``GROUP BY`` in SQL; every list is bounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from dashboard.store.heartbeat import read_heartbeats
from dashboard.store.ingest_runs import IngestStatus, last_ingest
from dashboard.store.reports import status_counts
from dashboard.store.schema import app_user, quarantine, snapshot

MAX_REASONS = 50  # quarantine reasons are codes of ingest.reasons.Reason: a handful


@dataclass(frozen=True)
class Overview:
    """What ``pantau status`` shows, as read (ages are the caller's: it has the clock)."""

    reports: dict[str, int]  # status -> reports
    ingest: IngestStatus
    quarantine: dict[str, int]  # reason -> records
    heartbeats: list[dict[str, Any]]
    snapshot_at: datetime | None  # computed_at of the snapshot asked for
    users: list[dict[str, Any]] = field(default_factory=list)  # role, disabled, n


def read_overview(engine: Engine, widget_id: str) -> Overview:
    """Every number of :class:`Overview`, in one read transaction."""
    with engine.connect() as conn:
        return Overview(status_counts(conn), last_ingest(conn), quarantine_by_reason(conn), read_heartbeats(conn),
                        snapshot_computed_at(conn, widget_id), users_by_role(conn))


def quarantine_by_reason(conn: Connection) -> dict[str, int]:
    """Quarantined records per reason code, most first."""
    n = func.count().label("n")
    rows = conn.execute(select(quarantine.c.reason, n).group_by(quarantine.c.reason)
                        .order_by(n.desc(), quarantine.c.reason).limit(MAX_REASONS))
    return {reason: int(count) for reason, count in rows}


def snapshot_computed_at(conn: Connection, widget_id: str) -> datetime | None:
    return conn.execute(select(snapshot.c.computed_at).where(snapshot.c.widget_id == widget_id)).scalar()


def users_by_role(conn: Connection) -> list[dict[str, Any]]:
    """``{"role", "disabled", "n"}`` per role and disabled flag."""
    u = app_user.c
    rows = conn.execute(select(u.role, u.disabled, func.count().label("n")).group_by(u.role, u.disabled)
                        .order_by(u.role, u.disabled))
    return [{"role": role, "disabled": bool(disabled), "n": int(n)} for role, disabled, n in rows]

