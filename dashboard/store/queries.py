"""Named, bounded reads of the report store: every number on a view has a method here.

Each read has a time window and/or a LIMIT clamped to a hard cap
(:mod:`dashboard.store.queries_sql`), aggregates with GROUP BY in SQL and returns plain
dicts, tuples or dataclasses. No public read touches the ``reporter`` table
(``tests/store/test_queries.py`` compiles every statement to check).

The reads live as functions taking a :class:`~sqlalchemy.Connection` (here, in
``queries_flow`` and ``queries_ops``); :class:`ReportStore` opens one connection per call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Select, case, func, literal_column, select, tuple_

from dashboard.models import AGE_BUCKETS, OPEN_VALUES, STATUS_ORDER
from dashboard.store import counters, queries_flow, queries_ops
from dashboard.store.queries_sql import MAX_POINTS, cap
from dashboard.store.schema import agency, category, kelurahan, kota, report, tally

SHORT_DESCRIPTION = 140
NO_KELURAHAN = ""  # tally key for reports outside every kelurahan

#: dimension name -> (tally column, report column, reference table)
DIMENSIONS = {
    "agency": (tally.c.agency_code, report.c.agency_code, agency),
    "kelurahan": (tally.c.kelurahan_code, report.c.kelurahan_code, kelurahan),
    "category": (tally.c.category_code, report.c.category_code, category),
    "kota": (kelurahan.c.kota_code, report.c.kota_code, kota),
}


@dataclass(frozen=True)
class GroupCounts:
    """Status counts of one group (an agency, kelurahan, category or kota)."""

    key: str
    name: str
    total: int
    by_status: dict[str, int]


@dataclass(frozen=True)
class ChangePage:
    """Reports changed after a keyset cursor ``(cursor, after_id)``; pass both back."""

    rows: list[dict[str, Any]]
    cursor: int
    after_id: int
    more: bool


def _zero() -> dict[str, int]:
    return {s.value: 0 for s in STATUS_ORDER}


def status_counts(conn: Connection, since: datetime | None, until: datetime | None = None) -> dict[str, int]:
    """Reports per status (every status present, zero-filled). ``since=None``: all reports,
    read from ``tally``; else reports requested in ``[since, until)``."""
    counts = _zero()
    if since is None:
        stmt = select(tally.c.status, func.sum(tally.c.n)).group_by(tally.c.status)
    else:
        window = [report.c.requested_at >= since]
        if until is not None:
            window.append(report.c.requested_at < until)
        stmt = select(report.c.status, func.count()).where(*window).group_by(report.c.status)
    for status, n in conn.execute(stmt):
        counts[status] = int(n)
    return counts


def _grouped_stmt(dimension: str, since: datetime | None) -> Select:
    tally_col, report_col, _ = DIMENSIONS[dimension]
    if since is None:
        key = func.coalesce(tally_col, NO_KELURAHAN).label("key")
        stmt = select(key, tally.c.status, func.sum(tally.c.n))
        if dimension == "kota":
            stmt = stmt.select_from(tally.outerjoin(kelurahan, tally.c.kelurahan_code == kelurahan.c.code))
        return stmt.group_by(literal_column("key"), tally.c.status)
    key = func.coalesce(report_col, NO_KELURAHAN).label("key")
    return (select(key, report.c.status, func.count()).where(report.c.requested_at >= since)
            .group_by(literal_column("key"), report.c.status))


def status_counts_by(conn: Connection, dimension: str, since: datetime | None, limit: int) -> list[GroupCounts]:
    """Status counts per ``dimension`` ("agency" | "kelurahan" | "category" | "kota"), the
    ``limit`` largest groups first. ``since=None`` reads ``tally`` (all reports); else
    reports requested since ``since``. Groups are bounded by the reference data."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}; one of {sorted(DIMENSIONS)}")
    groups: dict[str, dict[str, int]] = {}
    for key, status, n in conn.execute(_grouped_stmt(dimension, since)):
        groups.setdefault(key, _zero())[status] = int(n)
    top = sorted(groups.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))[: cap(limit)]
    table = DIMENSIONS[dimension][2]
    names = dict(conn.execute(select(table.c.code, table.c.name).where(table.c.code.in_([k for k, _ in top]))).all())
    return [GroupCounts(k, names.get(k, k), sum(c.values()), c) for k, c in top]


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


def _short(text: str, public: bool) -> str:
    if not public or len(text) <= SHORT_DESCRIPTION:
        return text
    return text[: SHORT_DESCRIPTION - 1].rstrip() + "…"


def latest_changes(conn: Connection, limit: int, public: bool = True) -> list[dict[str, Any]]:
    """The most recently changed reports, newest first: id, category_code, category,
    kelurahan, agency, status, requested_at, updated_at, description (shortened when
    ``public``). ``public=False`` adds address, flags, source and external_id. Never
    reporter identity."""
    cols = [report.c.id, report.c.category_code, category.c.name.label("category"),
            kelurahan.c.name.label("kelurahan"), agency.c.name.label("agency"), report.c.status,
            report.c.requested_at, report.c.updated_at, report.c.description]
    if not public:
        cols += [report.c.address, report.c.flags, report.c.source, report.c.external_id]
    joined = (report.outerjoin(category, report.c.category_code == category.c.code)
              .outerjoin(kelurahan, report.c.kelurahan_code == kelurahan.c.code)
              .outerjoin(agency, report.c.agency_code == agency.c.code))
    stmt = (select(*cols).select_from(joined)
            .order_by(report.c.change_seq.desc(), report.c.id.desc())
            .limit(cap(limit)))
    rows = [dict(r._mapping) for r in conn.execute(stmt)]
    for row in rows:
        row["description"] = _short(row["description"], public)
    return rows


def map_points(conn: Connection, since: datetime, bbox: tuple[float, float, float, float] | None = None,
               statuses: list[str] | None = None, agency_code: str | None = None,
               limit: int = MAX_POINTS) -> list[tuple]:
    """(id, lat, lon, status, category_code, requested_at) of reports requested since
    ``since``, newest first, at most ``limit`` (≤ MAX_POINTS). ``bbox`` is
    (min_lon, min_lat, max_lon, max_lat)."""
    stmt = select(report.c.id, report.c.lat, report.c.lon, report.c.status, report.c.category_code,
                  report.c.requested_at).where(report.c.requested_at >= since)
    if bbox is not None:
        stmt = stmt.where(report.c.lon.between(bbox[0], bbox[2]), report.c.lat.between(bbox[1], bbox[3]))
    if statuses:
        stmt = stmt.where(report.c.status.in_([getattr(st, "value", st) for st in statuses]))
    if agency_code is not None:
        stmt = stmt.where(report.c.agency_code == agency_code)
    stmt = stmt.order_by(report.c.requested_at.desc(), report.c.id.desc()).limit(cap(limit, MAX_POINTS))
    return [tuple(r) for r in conn.execute(stmt)]


CHANGE_COLUMNS = (report.c.id, report.c.change_seq, report.c.status, report.c.category_code,
                  report.c.kelurahan_code, report.c.agency_code, report.c.lat, report.c.lon,
                  report.c.requested_at, report.c.updated_at)


def changes_since(conn: Connection, cursor: int, limit: int, after_id: int = 0) -> ChangePage:
    """Reports changed after the keyset ``(cursor, after_id)``, in change order, at most
    ``limit``. ``after_id=0`` means all of batch ``cursor`` was seen: start with
    ``(change_cursor(), 0)``. A page that splits a batch returns the last id as
    ``after_id``; otherwise ``after_id`` is 0."""
    seq = report.c.change_seq
    # a row-value range on the (change_seq, id) index (SQLite >= 3.15, PostgreSQL)
    after = tuple_(seq, report.c.id) > tuple_(cursor, after_id) if after_id else seq > cursor
    n = cap(limit)
    stmt = select(*CHANGE_COLUMNS).where(after).order_by(seq, report.c.id).limit(n + 1)
    rows = [dict(r._mapping) for r in conn.execute(stmt)]
    if not rows:
        return ChangePage([], cursor, after_id, False)
    page, last = rows[:n], rows[min(n, len(rows)) - 1]
    split = len(rows) > n and rows[n]["change_seq"] == last["change_seq"]
    return ChangePage(page, last["change_seq"], last["id"] if split else 0, len(rows) > n)


class ReportStore:
    """The web processes' gateway to the store: one short connection per named read."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _read(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self.engine.connect() as conn:
            return fn(conn, *args, **kwargs)

    def change_cursor(self) -> int:
        """The store's change counter: bumps once per write batch that changed reports."""
        return self._read(counters.current)

    def status_counts(self, since: datetime | None, until: datetime | None = None) -> dict[str, int]:
        return self._read(status_counts, since, until)

    def status_counts_by(self, dimension: str, since: datetime | None, limit: int = 50) -> list[GroupCounts]:
        return self._read(status_counts_by, dimension, since, limit)

    def open_backlog_by_age(self, now: datetime, agency: str | None = None) -> list[tuple[str, int]]:
        return self._read(open_backlog_by_age, now, agency)

    def flow_by_hour(self, since: datetime, until: datetime) -> list[tuple[datetime, int, int]]:
        return self._read(queries_flow.flow_by_hour, since, until)

    def flow_by_day(self, since: datetime, until: datetime, zone: ZoneInfo | None = None) -> list[tuple]:
        return self._read(queries_flow.flow_by_day, since, until, zone)

    def latest_changes(self, limit: int, public: bool = True) -> list[dict[str, Any]]:
        return self._read(latest_changes, limit, public)

    def map_points(self, since: datetime, bbox: tuple[float, float, float, float] | None = None,
                   statuses: list[str] | None = None, agency: str | None = None,
                   limit: int = MAX_POINTS) -> list[tuple]:
        return self._read(map_points, since, bbox, statuses, agency, limit)

    def changes_since(self, cursor: int, limit: int, after_id: int = 0) -> ChangePage:
        return self._read(changes_since, cursor, limit, after_id)

    def agency_load(self, now: datetime, limit: int = 50) -> list[queries_ops.AgencyLoad]:
        return self._read(queries_ops.agency_load, now, limit)

    def last_ingest(self) -> queries_ops.IngestStatus:
        return self._read(queries_ops.last_ingest)

    def data_as_of(self) -> datetime | None:
        """When the newest successful ingest finished: one indexed read (wall freshness)."""
        return self._read(queries_ops.data_as_of)

    def quarantine_list(self, limit: int, reason: str | None = None) -> list[dict[str, Any]]:
        return self._read(queries_ops.quarantine_list, limit, reason)

    def quarantine_get(self, item_id: int) -> dict[str, Any] | None:
        return self._read(queries_ops.quarantine_get, item_id)
