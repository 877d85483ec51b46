"""New vs done over time: per UTC hour (the wall's flow chart), per local day of a view
(the supervisor's trend) and today's moves to Selesai per agency (the wall's agencies).
Windows are hard-capped (``portable.MAX_HOURS/MAX_DAYS``).

Callers: the wall snapshot (``dashboard.wall.aggregate.read_wall_inputs``: :func:`flow_24h`,
:func:`done_by_agency`) and the supervisor view (``callbacks.supervisor``: :func:`trend`).

"Done" counts moves to Selesai recorded in ``status_change`` (a report closed, reopened
and closed again counts twice) for the wall, and closed Selesai reports by ``closed_at``
for a view's trend; "new" counts reports by ``requested_at``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, literal_column, select
from sqlalchemy.sql import ColumnElement

from dashboard.clock import day_start, iso_z as _iso
from dashboard.models import Status
from dashboard.store.portable import MAX_DAYS, day_key, days_between, hour_key, hours_between, parse_day, parse_hour
from dashboard.store.schema import report, status_change
from dashboard.store.view import View
from dashboard.supervisor.filters import window

DONE = Status.SELESAI.value
TREND_DAYS = 14  # trend window when the filter has no dates
COUNT_DAYS = 62  # trend windows up to this many days: one range count per day


def _counts(conn: Connection, key: ColumnElement, time_col: ColumnElement, since: datetime, until: datetime,
            *where: ColumnElement) -> dict[str, int]:
    stmt = (select(key.label("k"), func.count()).where(time_col >= since, time_col < until, *where)
            .group_by(literal_column("k")))
    return {k: int(n) for k, n in conn.execute(stmt)}


def flow_by_hour(conn: Connection, since: datetime, until: datetime) -> list[tuple[datetime, int, int]]:
    """(UTC hour start, new, done) for every hour of ``[since, until)``, zero-filled."""
    hours = hours_between(since, until)
    new = _counts(conn, hour_key(conn, report.c.requested_at), report.c.requested_at, since, until)
    done = _counts(conn, hour_key(conn, status_change.c.changed_at), status_change.c.changed_at,
                   since, until, status_change.c.to_status == DONE)
    found = {parse_hour(k): (new.get(k, 0), done.get(k, 0)) for k in set(new) | set(done)}
    return [(h, *found.get(h, (0, 0))) for h in hours]


def flow_24h(conn: Connection, hour: datetime, carry: dict[str, list] | None = None,
             fresh_hours: int = 2) -> list[tuple[datetime, int, int]]:
    """(UTC hour, new, done) for the 24 hours ending with ``hour`` (the current one),
    via :func:`flow_by_hour`. With ``carry`` (a previous payload's ``flow_24h``)
    only the last ``fresh_hours`` are read and the older hours are taken from it; when
    it lacks one of them everything is read. Callers pass ``carry`` only between full
    recomputes, so data arriving late for an older hour shows at the next full one."""
    hours = [hour - timedelta(hours=23 - i) for i in range(24)]
    end = hour + timedelta(hours=1)
    if carry:
        old = {h: (n, d) for h, n, d in zip(carry["hours"], carry["new"], carry["done"])}
        fresh = {_iso(h): (n, d) for h, n, d in
                 flow_by_hour(conn, hour - timedelta(hours=fresh_hours - 1), end)}
        merged = [(h, *(fresh.get(_iso(h)) or old.get(_iso(h), (None, None)))) for h in hours]
        if all(n is not None for _, n, _ in merged):
            return merged
    return flow_by_hour(conn, hours[0], end)


def _key(col: ColumnElement, name: str) -> ColumnElement:
    """A GROUP BY key SQLite cannot serve from an index. With planner statistics SQLite
    would otherwise walk the whole-table (agency_code, status) index to avoid sorting
    the groups, instead of the small indexed time range; ``coalesce`` of a NOT NULL
    column changes nothing else."""
    return func.coalesce(col, "").label(name)


def done_by_agency(conn: Connection, since: datetime) -> dict[str, int]:
    """Moves to Selesai since ``since`` per agency (a report closed twice counts twice,
    as in :func:`flow_by_hour`): the ``changed_at`` range, then each report by
    primary key."""
    stmt = (select(_key(report.c.agency_code, "agency"), func.count())
            .select_from(status_change.join(report, status_change.c.report_id == report.c.id))
            .where(status_change.c.changed_at >= since, status_change.c.to_status == DONE)
            .group_by(literal_column("agency")))
    return {a: int(n) for a, n in conn.execute(stmt)}


def trend(conn: Connection, view: View) -> list[tuple[Any, int, int]]:
    """(local day, new, done) per day of the filter's dates (default: the last
    :data:`TREND_DAYS` local days, today included). Up to :data:`COUNT_DAYS` days: one range count per day and
    series (index-only on the report indexes); longer: one GROUP BY per series."""
    since, until = window(view.filters, view.zone)
    until = min(until or view.now, view.now)
    if since is None:  # whole local days: a cut first day would read as a drop
        today = (until - timedelta(microseconds=1)).astimezone(view.zone).date()
        since = day_start(today - timedelta(days=TREND_DAYS - 1), view.zone)
    since = max(since, until - timedelta(days=MAX_DAYS - 1))
    offset = view.now.astimezone(view.zone).utcoffset() or timedelta(0)
    days = days_between((since + offset).date(), (until - timedelta(microseconds=1) + offset).date())
    if len(days) <= COUNT_DAYS:
        return _counted_days(conn, view, days, since, until)
    new = _per_day(conn, view, report.c.requested_at, since, until, offset)
    done = _per_day(conn, view, report.c.closed_at, since, until, offset, report.c.status == DONE)
    return [(d, new.get(d, 0), done.get(d, 0)) for d in days]


def _counted_days(conn: Connection, view: View, days: list, since: datetime,
                  until: datetime) -> list[tuple[Any, int, int]]:
    # each day is already inside the filter's dates: without them in the WHERE the planner
    # ranges over the day, not over the whole window (7 days at 1M: about 8x faster)
    # all counts in ONE statement (a scalar subquery per day and series): one round trip,
    # and on a busy threaded server one wait for the GIL instead of one per count
    view = replace(view, filters=replace(view.filters, since=None, until=None))
    counts = []
    for day in days:
        start = max(since, day_start(day, view.zone))
        end = min(until, day_start(day + timedelta(days=1), view.zone))
        counts += [_count_between(view, report.c.requested_at, start, end),
                   _count_between(view, report.c.closed_at, start, end, report.c.status == DONE)]
    found = conn.execute(select(*counts)).one() if counts else ()
    return [(day, int(found[2 * i]), int(found[2 * i + 1])) for i, day in enumerate(days)]


def _count_between(view: View, col: Any, start: datetime, end: datetime, *extra: ColumnElement) -> Any:
    return (select(func.count()).select_from(report).where(*view.where(), col >= start, col < end, *extra)
            .scalar_subquery())


def _per_day(conn: Connection, view: View, col: Any, since: datetime, until: datetime,
             offset: timedelta, *extra: ColumnElement) -> dict:
    key = day_key(conn, col, offset).label("k")
    stmt = (select(key, func.count()).where(*view.where(), col >= since, col < until, *extra)
            .group_by(literal_column("k")))
    return {parse_day(k): int(n) for k, n in conn.execute(stmt)}
