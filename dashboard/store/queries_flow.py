"""Windowed reads over time: new vs done per hour and per local day. Windows are
hard-capped (``queries_sql.MAX_HOURS/MAX_DAYS``). The leaderboard's per-kelurahan counts
are :func:`dashboard.store.wall_aggregates.leaderboard_counts`.

"Done" counts moves to Selesai recorded in ``status_change`` (a report closed, reopened
and closed again counts twice); "new" counts reports by ``requested_at``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, func, literal_column, select

from dashboard.models import Status
from dashboard.store.queries_sql import day_key, days_between, hour_key, hours_between, parse_day, parse_hour
from dashboard.store.schema import report, status_change

WIB = ZoneInfo("Asia/Jakarta")
DONE = Status.SELESAI.value


def _counts(conn: Connection, key: ColumnElement[str], time_col: ColumnElement[datetime], since: datetime,
            until: datetime, *where: ColumnElement[bool]) -> dict[str, int]:
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


def flow_by_day(conn: Connection, since: datetime, until: datetime,
                zone: ZoneInfo | None = None) -> list[tuple[date, int, int]]:
    """(local date, new, done) for every local day touched by ``[since, until)``,
    zero-filled. Days are in ``zone`` (default WIB), using its UTC offset at ``since``."""
    zone = zone or WIB
    offset = since.astimezone(zone).utcoffset() or timedelta(0)
    days = days_between(since.astimezone(zone).date(), (until - timedelta(microseconds=1)).astimezone(zone).date())
    new = _counts(conn, day_key(conn, report.c.requested_at, offset), report.c.requested_at, since, until)
    done = _counts(conn, day_key(conn, status_change.c.changed_at, offset), status_change.c.changed_at,
                   since, until, status_change.c.to_status == DONE)
    found = {parse_day(k): (new.get(k, 0), done.get(k, 0)) for k in set(new) | set(done)}
    return [(d, *found.get(d, (0, 0))) for d in days]
