"""The naive design, per panel: the obvious ``GROUP BY`` over only the columns a panel
needs, run again on every poll, with no snapshot, counter table or cache.

This is the baseline the served paths are compared with (README "Benchmarks"). Each panel
is one statement over the ``report`` table; panels that read no report (flood gates, the
water levels, the freshness facts) have no baseline here. A wall poll in the naive design
runs every wall panel (:data:`WALL_PANELS`), so ten walls run them ten times; a supervisor
filter change runs the overview's counts with the filter as a ``WHERE``
(:func:`supervisor_overview`); the grid block and the map points are already the obvious
``ORDER BY ... LIMIT`` reads, so they have no separate baseline.

The statements are SQLAlchemy Core over :mod:`dashboard.store.schema`'s ``report`` table,
so one text serves SQLite and PostgreSQL (the hour and day buckets differ by dialect).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Engine, Select, case, func, literal, select

from dashboard.store.schema import report
from dashboard.supervisor.filters import Filters, window

#: Statuses counted as open (a report not yet closed: ``models.OPEN``), spelled out so the
#: baseline does not follow the code it is compared with.
OPEN = ("menunggu", "koordinasi", "disposisi", "proses")
#: Open longer than this is overdue (the supervisor's "overdue" filter: ``models.RESOLVE_TARGET``).
OVERDUE = timedelta(days=7)
#: Upper bounds (hours) of the wall's open-backlog age buckets; the last is unbounded.
AGE_HOURS = (6, 24, 72, 168)
TICKER = 15
LEADERBOARD_DAYS = 30
FLOW_HOURS = 24

Stmt = Callable[[datetime, datetime, str], Select[Any]]


def hour_of(col: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
    """The UTC hour a timestamp falls in (SQLite stores ``YYYY-MM-DD HH:MM:SS`` text)."""
    return func.substr(col, 1, 13) if dialect == "sqlite" else func.date_trunc("hour", col)


def day_of(col: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
    return func.substr(col, 1, 10) if dialect == "sqlite" else func.date_trunc("day", col)


def _status_today(now: datetime, today: datetime, dialect: str) -> Select[Any]:
    c = report.c
    return (select(c.agency_code, c.status, func.count()).where(c.requested_at >= today)
            .group_by(c.agency_code, c.status))


def _backlog_by_age(now: datetime, today: datetime, dialect: str) -> Select[Any]:
    c = report.c
    bucket = case(*((c.requested_at >= now - timedelta(hours=h), literal(i)) for i, h in enumerate(AGE_HOURS)),
                  else_=literal(len(AGE_HOURS)))
    return select(bucket.label("bucket"), func.count()).where(c.status.in_(OPEN)).group_by(bucket)


def _agency_load(now: datetime, today: datetime, dialect: str) -> Select[Any]:
    c = report.c
    return select(c.agency_code, func.count()).where(c.status.in_(OPEN)).group_by(c.agency_code)


def _flow_by_hour(now: datetime, today: datetime, dialect: str) -> Select[Any]:
    c = report.c
    hour = hour_of(c.requested_at, dialect)
    return (select(hour.label("hour"), func.count()).where(c.requested_at >= now - timedelta(hours=FLOW_HOURS))
            .group_by(hour))


def _closed_by_hour(now: datetime, today: datetime, dialect: str) -> Select[Any]:
    c = report.c
    hour = hour_of(c.closed_at, dialect)
    return (select(hour.label("hour"), func.count()).where(c.closed_at >= now - timedelta(hours=FLOW_HOURS))
            .group_by(hour))


def _leaderboard(now: datetime, today: datetime, dialect: str) -> Select[Any]:
    c = report.c
    return (select(c.kelurahan_code, c.status, func.count())
            .where(c.requested_at >= now - timedelta(days=LEADERBOARD_DAYS)).group_by(c.kelurahan_code, c.status))


def _ticker(now: datetime, today: datetime, dialect: str) -> Select[Any]:
    c = report.c
    return (select(c.id, c.category_code, c.status, c.kelurahan_code, c.description, c.updated_at)
            .order_by(c.updated_at.desc()).limit(TICKER))


#: Every panel of the wall that reads reports, as the naive design would read it per poll.
WALL_PANELS: dict[str, Stmt] = {
    "status today by agency (tiles, agencies)": _status_today,
    "open backlog by age": _backlog_by_age,
    "open per agency (agency load)": _agency_load,
    "received per hour 24h (flow)": _flow_by_hour,
    "closed per hour 24h (flow)": _closed_by_hour,
    "status per kelurahan 30d (leaderboard)": _leaderboard,
    f"latest {TICKER} reports (ticker)": _ticker,
}


def run_all(engine: Engine, stmts: list[Select[Any]]) -> None:
    """Every statement on one connection, every row fetched (a poll's reads)."""
    with engine.connect() as conn:
        for stmt in stmts:
            conn.execute(stmt).all()


def wall_poll(engine: Engine, now: datetime, today: datetime,
              panels: dict[str, Stmt] | None = None) -> Callable[[], None]:
    """One naive wall poll: the ``panels`` (default all) read again."""
    dialect = engine.dialect.name
    stmts = [make(now, today, dialect) for make in (panels or WALL_PANELS).values()]
    return lambda: run_all(engine, stmts)


def _where(stmt: Select[Any], filters: Filters, now: datetime, zone: ZoneInfo) -> Select[Any]:
    """``stmt`` narrowed to the filter."""
    c = report.c
    since, until = window(filters, zone)
    conds = [cond for cond in (
        c.requested_at >= since if since else None, c.requested_at < until if until else None,
        c.kota_code == filters.kota if filters.kota else None,
        c.kecamatan_code == filters.kecamatan if filters.kecamatan else None,
        c.kelurahan_code == filters.kelurahan if filters.kelurahan else None,
        c.agency_code.in_(filters.agency) if filters.agency else None,
        c.category_code.in_(filters.category) if filters.category else None,
        c.status.in_(filters.status) if filters.status else None,
        c.status.in_(OPEN) if filters.overdue else None,
        c.requested_at < now - OVERDUE if filters.overdue else None,
    ) if cond is not None]
    return stmt.where(*conds)


def supervisor_overview(engine: Engine, filters: Filters, now: datetime, zone: ZoneInfo) -> Callable[[], None]:
    """A naive filter change's overview: counts by status, agency, kelurahan and category
    and the daily trend, each a ``GROUP BY`` with the filter as ``WHERE``."""
    c, dialect = report.c, engine.dialect.name
    day = day_of(c.requested_at, dialect)
    groups: list[tuple[ColumnElement[Any], ...]] = [
        (c.status,), (c.agency_code, c.status), (c.kelurahan_code, c.status), (c.category_code, c.status),
        (day.label("day"), c.status)]
    stmts = [_where(select(*cols, func.count()).group_by(*cols), filters, now, zone) for cols in groups]
    return lambda: run_all(engine, stmts)
