"""Map points for the wall: the open backlog, one bounded read per (version, focus), built
for speed.

The wall's map shows the backlog: reports whose status is in :data:`dashboard.models.OPEN`,
whatever their age (the kelurahan shading counts the same set, from ``tally``). Closed
reports are never read here. ``ReportStore.map_points`` returns ``requested_at`` as
datetimes; at 100k points parsing them costs more than the read itself, and the wall only
needs whole epoch seconds (the age ring). :func:`point_rows` computes them in SQL. It also
serves the agencies panel's one row for every kelurahan office: ``prefix="kel-"`` is the
range ``agency_code >= 'kel-' AND < 'kel.'``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ColumnElement, Connection, cast, extract, func, literal_column, select

from dashboard.models import OPEN_VALUES
from dashboard.store.queries_sql import MAX_POINTS, cap, is_pg
from dashboard.store.schema import report

UNIX_EPOCH_JULIAN = 2440587.5


def prefix_end(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _epoch(conn: Connection, col: ColumnElement[datetime]) -> ColumnElement[int]:
    if is_pg(conn):
        return cast(extract("epoch", col), BigInteger)
    return cast((func.julianday(col) - literal_column(str(UNIX_EPOCH_JULIAN))) * literal_column("86400.0"), BigInteger)


def point_rows(conn: Connection, limit: int, agency: str | None = None, prefix: str | None = None) -> list[tuple]:
    """(id, lat, lon, status, category_code, requested_at as epoch seconds) of the open
    reports (``models.OPEN``, any age), of one agency or of every agency whose code starts
    with ``prefix`` (neither: all), newest first, at most ``limit`` (≤ MAX_POINTS)."""
    c = report.c
    stmt = select(c.id, c.lat, c.lon, c.status, c.category_code, _epoch(conn, c.requested_at)).where(
        c.status.in_(OPEN_VALUES))
    if agency is not None:
        stmt = stmt.where(c.agency_code == agency)
    if prefix is not None:
        stmt = stmt.where(c.agency_code >= prefix, c.agency_code < prefix_end(prefix))
    stmt = stmt.order_by(c.requested_at.desc(), c.id.desc()).limit(cap(limit, MAX_POINTS))
    return [tuple(r) for r in conn.execute(stmt).all()]


def map_points_prefix(conn: Connection, prefix: str, limit: int) -> list[tuple]:
    """:func:`point_rows` of every agency whose code starts with ``prefix``."""
    return point_rows(conn, limit, prefix=prefix)
