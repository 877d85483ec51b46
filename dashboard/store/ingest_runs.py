"""Reads of the ingest's own tables: ``ingest_run`` (the last attempted and successful runs,
overall and per source) and ``quarantine`` (records the ingest refused).

Callers: ``/health`` and the wall's freshness (:mod:`dashboard.store.health`:
:func:`last_ingest`, :func:`data_as_of`), the wall snapshot
(``dashboard.wall.aggregate.read_wall_inputs``: :func:`data_as_of`) and
``pantau quarantine`` (``dashboard.operator.commands``: :func:`quarantine_list`, :func:`quarantine_get`)
and ``pantau status`` (``dashboard.store.overview``: :func:`last_ingest`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, func, select

from dashboard.store.portable import cap
from dashboard.store.schema import ingest_run, quarantine

#: how many recent runs last_ingest looks at to find the sources in use
RECENT_RUNS = 200
DETAIL_CHARS = 200


@dataclass(frozen=True)
class IngestStatus:
    """Last attempted and last successful ingest run, overall and per source (runs as
    dicts of the ``ingest_run`` columns; ``None`` when there is none)."""

    last_attempt: dict[str, Any] | None
    last_ok: dict[str, Any] | None
    sources: dict[str, dict[str, dict[str, Any] | None]] = field(default_factory=dict)


def _one(conn: Connection, stmt: Select) -> dict[str, Any] | None:
    row = conn.execute(stmt.limit(1)).first()
    return None if row is None else dict(row._mapping)


def last_ingest(conn: Connection) -> IngestStatus:
    """Latest runs by id (index scans from the end); sources are those seen in the last
    :data:`RECENT_RUNS` runs."""
    newest = select(ingest_run).order_by(ingest_run.c.id.desc())
    recent = select(ingest_run.c.source).order_by(ingest_run.c.id.desc()).limit(RECENT_RUNS).subquery()
    sources = sorted(conn.scalars(select(recent.c.source).distinct()))
    per_source = {}
    for source in sources:
        mine = select(ingest_run).where(ingest_run.c.source == source).order_by(ingest_run.c.started_at.desc())
        per_source[source] = {"last_attempt": _one(conn, mine),
                              "last_ok": _one(conn, mine.where(ingest_run.c.ok.is_(True)))}
    return IngestStatus(_one(conn, newest), _one(conn, newest.where(ingest_run.c.ok.is_(True))), per_source)


def data_as_of(conn: Connection) -> datetime | None:
    """``finished_at`` of the newest successful ingest run (newest ids first)."""
    return conn.execute(select(ingest_run.c.finished_at).where(ingest_run.c.ok.is_(True))
                        .order_by(ingest_run.c.id.desc()).limit(1)).scalar()


def quarantine_list(conn: Connection, limit: int, reason: str | None = None) -> list[dict[str, Any]]:
    """Quarantined records, newest first, without the raw record (detail shortened)."""
    q = quarantine.c
    stmt = select(q.id, q.source, q.external_id, q.reason, func.substr(q.detail, 1, DETAIL_CHARS).label("detail"),
                  q.received_at)
    if reason is not None:
        stmt = stmt.where(q.reason == reason)
    stmt = stmt.order_by(q.received_at.desc(), q.id.desc()).limit(cap(limit))
    return [dict(r._mapping) for r in conn.execute(stmt)]


def quarantine_get(conn: Connection, item_id: int) -> dict[str, Any] | None:
    """One quarantined record with its raw text, or ``None``."""
    return _one(conn, select(quarantine).where(quarantine.c.id == item_id))
