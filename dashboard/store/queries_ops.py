"""Operational reads: load per agency, ingest health and the quarantine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, case, func, literal_column, select

from dashboard.models import OPEN_VALUES, RESOLVE_TARGET, RESPOND_TARGET, Status
from dashboard.reference import KELURAHAN_AGENCY_PREFIX
from dashboard.store.queries_sql import cap
from dashboard.store.schema import agency, ingest_run, quarantine, report, tally

#: agency_load groups every kelurahan office into one row with this key and name.
KELURAHAN_ALL = "kel-*"
KELURAHAN_ALL_NAME = "Kelurahan (semua)"
#: how many recent runs last_ingest looks at to find the sources in use
RECENT_RUNS = 200
DETAIL_CHARS = 200


@dataclass(frozen=True)
class AgencyLoad:
    """Open work of one agency (or of all kelurahan offices together)."""

    code: str
    name: str
    open: int
    overdue: int  # open longer than RESOLVE_TARGET
    unresponded: int  # still Menunggu after RESPOND_TARGET


def _agency_key(col: ColumnElement[str]) -> Any:
    return case((col.like(KELURAHAN_AGENCY_PREFIX + "%"), KELURAHAN_ALL), else_=col).label("key")


def _grouped(conn: Connection, stmt: Select) -> dict[str, int]:
    return {k: int(n) for k, n in conn.execute(stmt.group_by(literal_column("key")))}


def agency_load(conn: Connection, now: datetime, limit: int) -> list[AgencyLoad]:
    """Open, overdue and unresponded reports per agency, kelurahan offices aggregated into
    one row :data:`KELURAHAN_ALL`; most overdue first, at most ``limit`` rows. Open counts
    come from ``tally`` (O(groups)); overdue ones from the status/requested_at index."""
    open_ = _grouped(conn, select(_agency_key(tally.c.agency_code), func.sum(tally.c.n))
                     .where(tally.c.status.in_(OPEN_VALUES)))
    key = _agency_key(report.c.agency_code)
    overdue = _grouped(conn, select(key, func.count()).where(
        report.c.status.in_(OPEN_VALUES), report.c.requested_at < now - RESOLVE_TARGET))
    unresponded = _grouped(conn, select(key, func.count()).where(
        report.c.status == Status.MENUNGGU.value, report.c.requested_at < now - RESPOND_TARGET))
    keys = {k for k, n in open_.items() if n} | set(overdue) | set(unresponded)
    names = dict(conn.execute(select(agency.c.code, agency.c.name).where(agency.c.code.in_(keys))).all())
    names[KELURAHAN_ALL] = KELURAHAN_ALL_NAME
    rows = [AgencyLoad(k, names.get(k, k), open_.get(k, 0), overdue.get(k, 0), unresponded.get(k, 0))
            for k in keys]
    rows.sort(key=lambda r: (-r.overdue, -r.unresponded, -r.open, r.code))
    return rows[: cap(limit)]


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
