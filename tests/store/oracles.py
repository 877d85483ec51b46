"""Reference reads: the plain, slower versions of numbers the production code reads a
faster way. Tests check the served read against these (same answers on both backends);
nothing in ``dashboard/`` calls them.

* :func:`summary`, :func:`kpis`, :func:`counts_by`, :func:`count` — a view's KPIs and
  group counts as one GROUP BY over ``report`` (served from the tally cube,
  :mod:`dashboard.store.tallies`);
* :func:`young_open`, :func:`today_by_agency` — the wall's young backlog and today's
  reports as GROUP BYs (served from the incremental state, :mod:`dashboard.wall.delta`);
* :func:`open_backlog_by_age` — the whole city's open backlog per age bucket (the wall
  splits it per agency from ``tally`` and :func:`young_open`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, func, literal_column, select
from sqlalchemy.sql import ColumnElement

from dashboard.models import AGE_BUCKETS, OPEN_VALUES, RESOLVE_TARGET, RESPOND_TARGET, STATUS_ORDER, Status
from dashboard.store.portable import cap
from dashboard.store.schema import report
from dashboard.store.view import View

MENUNGGU = Status.MENUNGGU.value
#: Dimensions a group count can use.
GROUPS: dict[str, Any] = {
    "agency": report.c.agency_code, "kelurahan": report.c.kelurahan_code,
    "kecamatan": report.c.kecamatan_code, "kota": report.c.kota_code,
    "category": report.c.category_code, "status": report.c.status,
}


def _sum(condition: ColumnElement) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def summary(conn: Connection, view: View) -> tuple[dict[str, int], dict[str, int]]:
    """(KPIs, reports per status) in one scan. KPIs: total, open, done, overdue (open and
    older than 7 d) and unresponded_6h (Menunggu for more than 6 h)."""
    c, now = report.c, view.now
    stmt = (select(c.status, func.count(), _sum(c.requested_at < now - RESOLVE_TARGET),
                   _sum(c.requested_at < now - RESPOND_TARGET))
            .where(*view.where()).group_by(c.status))
    statuses = {s.value: 0 for s in STATUS_ORDER}
    kpi = dict.fromkeys(("total", "open", "done", "overdue", "unresponded_6h"), 0)
    for status, n, older_7d, older_6h in conn.execute(stmt):
        n, is_open = int(n), status in OPEN_VALUES
        statuses[status] = n
        kpi["total"] += n
        kpi["open" if is_open else "done"] += n
        kpi["overdue"] += int(older_7d) if is_open else 0
        kpi["unresponded_6h"] += int(older_6h) if status == MENUNGGU else 0
    return kpi, statuses


def kpis(conn: Connection, view: View) -> dict[str, int]:
    return summary(conn, view)[0]


def counts_by(conn: Connection, view: View, dimension: str, limit: int = 20,
              by_open: bool = False) -> list[tuple[str, int, int]]:
    """(code, total, open) per group, most reports (or most open, ``by_open``) first;
    ``dimension`` from :data:`GROUPS`."""
    col = GROUPS[dimension]
    total, open_n = func.count(), _sum(report.c.status.in_(OPEN_VALUES))
    first = open_n if by_open else total
    stmt = (select(col, total, open_n)
            .where(*view.where(), col.is_not(None)).group_by(col)
            .order_by(first.desc(), col).limit(cap(limit)))
    return [(k, int(n), int(o)) for k, n, o in conn.execute(stmt)]


def count(conn: Connection, view: View) -> int:
    """Reports of the view."""
    return int(conn.execute(select(func.count()).select_from(report).where(*view.where())).scalar_one())


def _key(col: ColumnElement, name: str) -> ColumnElement:
    return func.coalesce(col, "").label(name)


def today_by_agency(conn: Connection, since: datetime) -> list[tuple[str, str, int]]:
    """(agency_code, status, n) of reports requested since ``since``."""
    stmt = (select(_key(report.c.agency_code, "agency"), _key(report.c.status, "status"), func.count())
            .where(report.c.requested_at >= since)
            .group_by(literal_column("agency"), literal_column("status")))
    return [(a, s, int(n)) for a, s, n in conn.execute(stmt)]


def young_open(conn: Connection, now: datetime) -> list[tuple[str, str, int, int]]:
    """(agency_code, age bucket, n, of which Menunggu) of open reports younger than the
    resolve target."""
    whens = [(report.c.requested_at > now - upper, label) for label, upper in AGE_BUCKETS if upper]
    bucket = case(*whens[:-1], else_=whens[-1][1]).label("bucket")
    waiting = func.sum(case((report.c.status == MENUNGGU, 1), else_=0))
    stmt = (select(_key(report.c.agency_code, "agency"), bucket, func.count(), waiting)
            .where(report.c.status.in_(OPEN_VALUES), report.c.requested_at > now - RESOLVE_TARGET)
            .group_by(literal_column("agency"), literal_column("bucket")))
    return [(a, b, int(n), int(w or 0)) for a, b, n, w in conn.execute(stmt)]


def open_backlog_by_age(conn: Connection, now: datetime, agency_code: str | None = None) -> list[tuple[str, int]]:
    """Open reports per age bucket (``models.AGE_BUCKETS`` order, zero-filled), optionally
    for one agency."""
    whens = [(report.c.requested_at > now - upper, label) for label, upper in AGE_BUCKETS if upper]
    bucket = case(*whens, else_=AGE_BUCKETS[-1][0]).label("bucket")
    stmt = select(bucket, func.count()).where(report.c.status.in_(OPEN_VALUES))
    if agency_code is not None:
        stmt = stmt.where(report.c.agency_code == agency_code)
    found = dict(conn.execute(stmt.group_by(literal_column("bucket"))).all())
    return [(label, int(found.get(label, 0))) for label, _ in AGE_BUCKETS]
