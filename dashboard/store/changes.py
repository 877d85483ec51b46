"""Reads of what changed: reports by ``change_seq`` and moves recorded in ``status_change``.

Callers: the wall's incremental refresh (:mod:`dashboard.wall.delta`: every read below but
:func:`ticker`) and the wall snapshot (``dashboard.wall.aggregate.read_wall_inputs``:
:func:`ticker`).

* :func:`ticker` — the most recently changed reports (the ``change_seq`` index);
* :func:`young_reports` — the rows the incremental state starts from: open reports
  younger than the resolve target and every report requested since the start of today
  (the ``(status, requested_at)`` and ``requested_at`` index ranges);
* :func:`changed_reports` — reports whose ``change_seq`` is after a cursor (the
  ``change_seq`` index), at most ``limit + 1`` so a caller can tell "too many";
* :func:`requested_between` — ids requested in a half-open time slice (reports crossing
  an age-bucket boundary between two refreshes);
* :func:`done_after` — moves to Selesai recorded after a ``status_change`` id, per agency.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, func, or_, select

from dashboard.models import OPEN_VALUES, RESOLVE_TARGET, Status
from dashboard.store.schema import category, kelurahan, report, status_change

#: (id, agency_code, status, requested_at)
Row = tuple[int, str, str, datetime]
COLUMNS = (report.c.id, report.c.agency_code, report.c.status, report.c.requested_at)


def _rows(conn: Connection, stmt: Select) -> list[Row]:
    return [(int(i), a or "", s, t) for i, a, s, t in conn.execute(stmt)]


def young_reports(conn: Connection, now: datetime, day_start: datetime) -> list[Row]:
    """Open reports requested after ``now - RESOLVE_TARGET`` and all reports requested
    since ``day_start``."""
    c = report.c
    young = (c.status.in_(OPEN_VALUES)) & (c.requested_at > now - RESOLVE_TARGET)
    return _rows(conn, select(*COLUMNS).where(or_(young, c.requested_at >= day_start)))


def changed_reports(conn: Connection, cursor: int, version: int, limit: int) -> list[Row]:
    """Reports with ``cursor < change_seq <= version``, at most ``limit + 1``."""
    seq = report.c.change_seq
    return _rows(conn, select(*COLUMNS).where(seq > cursor, seq <= version).order_by(seq).limit(limit + 1))


def requested_between(conn: Connection, after: datetime, until: datetime) -> list[int]:
    """Ids of reports with ``after < requested_at <= until``."""
    c = report.c
    return [int(i) for (i,) in conn.execute(select(c.id).where(c.requested_at > after, c.requested_at <= until))]


def last_status_change(conn: Connection) -> int:
    """The newest ``status_change`` id (0 when there is none)."""
    return int(conn.execute(select(func.max(status_change.c.id))).scalar() or 0)


def done_after(conn: Connection, after_id: int, upto_id: int, since: datetime) -> dict[str, int]:
    """agency_code -> moves to Selesai with ``after_id < id <= upto_id`` and
    ``changed_at >= since`` (the primary-key range, each report by primary key)."""
    sc = status_change.c
    stmt = (select(report.c.agency_code, func.count())
            .select_from(status_change.join(report, sc.report_id == report.c.id))
            .where(sc.id > after_id, sc.id <= upto_id, sc.to_status == Status.SELESAI.value, sc.changed_at >= since)
            .group_by(report.c.agency_code))
    return {a or "": int(n) for a, n in conn.execute(stmt)}


def ticker(conn: Connection, limit: int) -> list[dict[str, Any]]:
    """The ``limit`` most recently changed reports (change_seq, then id, descending: the
    order of ``ix_report_change_seq``), with category and kelurahan names. No identity."""
    stmt = (select(report.c.id, report.c.status, report.c.requested_at, report.c.description,
                   category.c.name.label("category"), kelurahan.c.name.label("kelurahan"))
            .select_from(report.outerjoin(category, report.c.category_code == category.c.code)
                         .outerjoin(kelurahan, report.c.kelurahan_code == kelurahan.c.code))
            .order_by(report.c.change_seq.desc(), report.c.id.desc()).limit(limit))
    return [dict(r._mapping) for r in conn.execute(stmt)]
