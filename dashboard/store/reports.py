"""Reads of the ``report`` table, one function per number whoever shows it: status counts,
map points, the open backlog, the supervisor's table pages, one report's detail, the
media proxy's URL and the CSV export.

Each read takes an optional :class:`~dashboard.store.view.View` (``None``: the whole city).
Callers: the wall's ``/wall/points.json`` (``callbacks.routes``: :func:`map_points` of the
open backlog), the public layer (``dashboard.public.query``: :func:`status_counts` and
:func:`map_points` of today), the supervisor view (``callbacks.supervisor``: :func:`page`,
:func:`detail`, :func:`open_backlog`, and through :func:`dashboard.store.tallies.summary`
:func:`status_counts` of its cube; ``callbacks.supervisor_routes``: :func:`map_points`,
:func:`media_url`, :func:`iter_export`).

Aggregates are GROUP BY in SQL; lists have a LIMIT (``portable.cap``); the table pages
with LIMIT/OFFSET over whitelisted sort columns; the export streams with ``yield_per``
(a server-side cursor on PostgreSQL). Reporter identity is read only by :func:`detail`
and only when asked (admins).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterator, Literal, Mapping

from sqlalchemy import BigInteger, Connection, Engine, Select, cast, extract, func, literal_column, select
from sqlalchemy.sql import ColumnElement

from dashboard.access.auth import Scope
from dashboard.models import OPEN_VALUES, STATUS_ORDER, Status
from dashboard.store.portable import MAX_POINTS, cap, is_pg
from dashboard.store.schema import report, reporter, status_change
from dashboard.store.view import View, scope_condition, where
from dashboard.supervisor import grid

MAX_PAGE = 500  # rows per table page
VIEW_POINTS = 5_000  # map points of a supervisor's filtered set (the newest; the map says so)
UNIX_EPOCH_JULIAN = 2440587.5

#: Sort keys whose column is named differently (``<key>_code``); the others are the column's name.
_CODED = {"category": report.c.category_code, "agency": report.c.agency_code,
          "kelurahan": report.c.kelurahan_code, "kota": report.c.kota_code}
#: The grid's sort keys (``grid.SORTABLE``, ag-grid colId) → column. Anything else is refused.
SORTABLE: dict[str, Any] = {key: _CODED[key] if key in _CODED else report.c[key] for key in grid.SORTABLE}
TABLE_COLUMNS = (report.c.id, report.c.requested_at, report.c.updated_at, report.c.status,
                 report.c.category_code, report.c.agency_code, report.c.kota_code,
                 report.c.kelurahan_code, report.c.description)
EXPORT_COLUMNS = tuple(c for c in report.c if c.name not in ("flags", "change_seq", "media_url"))

#: What a map point holds: ``"view"`` (id, lat, lon, status, category_code, requested_at),
#: ``"wall"`` (the same, requested_at as whole epoch seconds: at 100k points parsing
#: datetimes costs more than the read) or ``"public"`` (lat, lon, status: the caller coarsens).
PointShape = Literal["view", "wall", "public"]


def status_counts_stmt(view: View | None = None, since: datetime | None = None,
                       until: datetime | None = None) -> Select:
    """The statement behind :func:`status_counts` (tests compile it)."""
    c = report.c
    window = [c.requested_at >= since] if since is not None else []
    window += [c.requested_at < until] if until is not None else []
    return select(c.status, func.count().label("n")).where(*where(view), *window).group_by(c.status)


def status_counts(conn: Connection, view: View | None = None, since: datetime | None = None,
                  until: datetime | None = None, cube: Mapping[tuple, int] | None = None) -> dict[str, int]:
    """Reports per status (every status present, zero-filled) of ``view`` requested in
    ``[since, until)`` (``None``: open-ended). With ``cube`` (a
    :func:`dashboard.store.tallies.cells` of the view) they are summed from it, no read."""
    counts = {s.value: 0 for s in STATUS_ORDER}
    if cube is not None:
        for key, n in cube.items():
            counts[key[3]] += n
        return counts
    for status, n in conn.execute(status_counts_stmt(view, since, until)):
        counts[status] = int(n)
    return counts


def prefix_end(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _epoch(pg: bool, col: ColumnElement) -> ColumnElement:
    if pg:
        return cast(extract("epoch", col), BigInteger)
    return cast((func.julianday(col) - literal_column(str(UNIX_EPOCH_JULIAN))) * literal_column("86400.0"), BigInteger)


def map_points_stmt(view: View | None = None, limit: int = MAX_POINTS, *, since: datetime | None = None,
                    open_only: bool = False, agency: str | None = None, agency_prefix: str | None = None,
                    shape: PointShape = "view", pg: bool = False) -> Select:
    """The statement behind :func:`map_points` (``pg``: PostgreSQL's epoch expression)."""
    c = report.c
    if shape == "public":
        cols: tuple = (c.lat, c.lon, c.status)
    else:
        when = _epoch(pg, c.requested_at) if shape == "wall" else c.requested_at
        cols = (c.id, c.lat, c.lon, c.status, c.category_code, when)
    stmt = select(*cols).where(*where(view))
    if since is not None:
        stmt = stmt.where(c.requested_at >= since)
    if open_only:
        stmt = stmt.where(c.status.in_(OPEN_VALUES))
    if agency is not None:
        stmt = stmt.where(c.agency_code == agency)
    if agency_prefix is not None:
        stmt = stmt.where(c.agency_code >= agency_prefix, c.agency_code < prefix_end(agency_prefix))
    return stmt.order_by(c.requested_at.desc(), c.id.desc()).limit(cap(limit, MAX_POINTS))


def map_points(conn: Connection, view: View | None = None, limit: int = MAX_POINTS, *,
               since: datetime | None = None, open_only: bool = False, agency: str | None = None,
               agency_prefix: str | None = None, shape: PointShape = "view") -> list[tuple]:
    """The newest reports of ``view`` (at most ``limit`` ≤ ``MAX_POINTS``) as map points of
    ``shape``, narrowed to those requested since ``since``, to the open backlog
    (``open_only``: ``models.OPEN``, any age), to one agency or to every agency whose code
    starts with ``agency_prefix`` (the wall's one row for every kelurahan office:
    ``"kel-"`` is the range ``>= 'kel-' AND < 'kel.'``)."""
    stmt = map_points_stmt(view, limit, since=since, open_only=open_only, agency=agency,
                           agency_prefix=agency_prefix, shape=shape, pg=is_pg(conn))
    return [tuple(r) for r in conn.execute(stmt).all()]


def open_backlog(conn: Connection, view: View | None = None) -> list[tuple[str, int]]:
    """Open reports of the set per status (the kelurahan page's backlog)."""
    c = report.c
    stmt = (select(c.status, func.count()).where(*where(view), c.status != Status.SELESAI.value)
            .group_by(c.status))
    found = dict(conn.execute(stmt).all())
    return [(s.value, int(found.get(s.value, 0))) for s in STATUS_ORDER if s is not Status.SELESAI]


def page(conn: Connection, view: View, start: int, end: int, sort: Any = None,
         report_id: int | None = None, status: str | None = None) -> list[dict[str, Any]]:
    """Rows ``start..end`` (end exclusive, at most :data:`MAX_PAGE`) sorted by ``sort``:
    ``[(key in SORTABLE, descending)]``; default newest first. Unknown keys raise KeyError.
    ``report_id`` / ``status``: the grid's own column filters, ANDed with the view."""
    start = max(0, int(start))
    size = cap(int(end) - start, MAX_PAGE)
    order = [SORTABLE[key].desc() if desc else SORTABLE[key].asc() for key, desc in (sort or [])]
    order = order or [report.c.requested_at.desc()]
    extra = [report.c.id == report_id] if report_id is not None else []
    extra += [report.c.status == status] if status is not None else []
    stmt = (select(*TABLE_COLUMNS).where(*view.where(), *extra)
            .order_by(*order, report.c.id.desc()).offset(start).limit(size))
    return [dict(r) for r in conn.execute(stmt).mappings()]


def detail(conn: Connection, scope: Scope | None, report_id: int, with_identity: bool = False) -> dict | None:
    """One report with its status history; None if unknown or outside ``scope``.
    Reporter identity is included only when ``with_identity`` (admins)."""
    row = conn.execute(select(report).where(report.c.id == int(report_id),
                                            *scope_condition(scope))).mappings().first()
    if row is None:
        return None
    out = dict(row)
    history = select(status_change.c.from_status, status_change.c.to_status, status_change.c.changed_at)
    out["history"] = [dict(h) for h in conn.execute(
        history.where(status_change.c.report_id == row["id"])
        .order_by(status_change.c.changed_at, status_change.c.id).limit(200)).mappings()]
    if with_identity:
        who = conn.execute(select(reporter).where(reporter.c.report_id == row["id"])).mappings().first()
        out["reporter"] = {k: v for k, v in (who or {}).items() if k != "report_id"}
    return out


def media_url(conn: Connection, scope: Scope | None, report_id: int) -> tuple[bool, str | None]:
    """(found in scope, the report's media_url) — the media proxy's only read."""
    row = conn.execute(select(report.c.media_url).where(report.c.id == int(report_id),
                                                        *scope_condition(scope))).first()
    return (row is not None, row[0] if row else None)


def iter_export(engine: Engine, view: View, batch: int = 1000) -> Iterator[Mapping[str, Any]]:
    """Every matching report (no identity) in id order, streamed ``batch`` rows at a time."""
    stmt = select(*EXPORT_COLUMNS).where(*view.where()).order_by(report.c.id)
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=batch).execute(stmt)
        yield from result.mappings()
