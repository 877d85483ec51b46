"""Windowed reads over time: new vs done per hour and per local day, and the per-kelurahan
inputs of the leaderboard. Windows are hard-capped (``queries_sql.MAX_HOURS/MAX_DAYS``).

"Done" counts moves to Selesai recorded in ``status_change`` (a report closed, reopened
and closed again counts twice); "new" counts reports by ``requested_at``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, case, func, literal_column, select

from dashboard.models import OPEN_VALUES, RESOLVE_TARGET, RESPOND_TARGET, Status
from dashboard.store.queries_sql import (
    EPSILON_S,
    count_where as _flag,
    day_key,
    days_between,
    elapsed_seconds,
    hour_key,
    hours_between,
    parse_day,
    parse_hour,
)
from dashboard.store.schema import kelurahan, report, status_change

WIB = ZoneInfo("Asia/Jakarta")
DONE = Status.SELESAI.value


def _counts(conn: Connection, key, time_col, since: datetime, until: datetime, *where) -> dict[str, int]:  # noqa: ANN001
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


@dataclass(frozen=True)
class KelurahanInputs:
    """Raw leaderboard numbers of one kelurahan; ``received`` and the counts after it are
    about reports requested in the window, ``overdue_open`` about all open reports."""

    code: str
    name: str
    kota_code: str
    received: int = 0
    processed: int = 0  # of received: status past Menunggu
    done: int = 0  # of received: Selesai
    responded_in_target: int = 0  # responded within RESPOND_TARGET
    resolved_in_target: int = 0  # Selesai within RESOLVE_TARGET
    mean_response_hours: float | None = None  # over received reports that were responded to
    median_response_hours: float | None = None
    overdue_open: int = 0  # open and older than RESOLVE_TARGET (any request time)
    reopened: int = 0  # of received: reopened at least once


def _window_stmt(conn: Connection, since: datetime, now: datetime):
    c = report.c
    respond = elapsed_seconds(conn, c.requested_at, c.responded_at)
    resolve = elapsed_seconds(conn, c.requested_at, c.closed_at)
    return (select(
        c.kelurahan_code, func.count(),
        _flag(c.status != Status.MENUNGGU.value),
        _flag(c.status == DONE),
        _flag(c.responded_at.is_not(None) & (respond <= RESPOND_TARGET.total_seconds() + EPSILON_S)),
        _flag((c.status == DONE) & c.closed_at.is_not(None)
              & (resolve <= RESOLVE_TARGET.total_seconds() + EPSILON_S)),
        func.avg(case((c.responded_at.is_not(None), respond))),
        _flag(c.reopen_count > 0),
    ).where(c.requested_at >= since, c.requested_at < now, c.kelurahan_code.is_not(None))
        .group_by(c.kelurahan_code))


def _median_stmt(conn: Connection, since: datetime, now: datetime):
    """Median response seconds per kelurahan: the middle row(s) of each partition, with
    window functions both backends have (elapsed time computed once per row)."""
    c = report.c
    times = select(c.kelurahan_code.label("kel"), elapsed_seconds(conn, c.requested_at, c.responded_at).label("s")) \
        .where(c.requested_at >= since, c.requested_at < now, c.kelurahan_code.is_not(None),
               c.responded_at.is_not(None)).subquery()
    ranked = select(
        times.c.kel, times.c.s,
        func.row_number().over(partition_by=times.c.kel, order_by=times.c.s).label("rn"),
        func.count().over(partition_by=times.c.kel).label("cnt"),
    ).subquery()
    middle = ranked.c.rn.in_([(ranked.c.cnt + 1) // 2, (ranked.c.cnt + 2) // 2])
    return select(ranked.c.kel, func.avg(ranked.c.s)).where(middle).group_by(ranked.c.kel)


def _overdue_stmt(now: datetime):
    c = report.c
    return (select(c.kelurahan_code, func.count())
            .where(c.status.in_(OPEN_VALUES), c.requested_at < now - RESOLVE_TARGET,
                   c.kelurahan_code.is_not(None))
            .group_by(c.kelurahan_code))


def _hours(seconds: float | None) -> float | None:
    """Hours to 3 decimals; seconds are first rounded to the millisecond, so SQLite's
    julianday arithmetic (~50 µs off) gives the same answer as PostgreSQL."""
    return None if seconds is None else round(round(float(seconds), 3) / 3600, 3)


def leaderboard_inputs(conn: Connection, since: datetime, now: datetime) -> list[KelurahanInputs]:
    """One row per kelurahan of the reference data (sorted by code, zero-filled) with the
    numbers the leaderboard scores: see :class:`KelurahanInputs`."""
    window = {r[0]: r[1:] for r in conn.execute(_window_stmt(conn, since, now))}
    median = dict(conn.execute(_median_stmt(conn, since, now)).all())
    overdue = dict(conn.execute(_overdue_stmt(now)).all())
    refs = conn.execute(select(kelurahan.c.code, kelurahan.c.name, kelurahan.c.kota_code)
                        .order_by(kelurahan.c.code))
    return [_inputs(KelurahanInputs(code, name, kota_code, overdue_open=int(overdue.get(code, 0))),
                    window.get(code), median.get(code)) for code, name, kota_code in refs]


def _inputs(base: KelurahanInputs, w: tuple | None, median_s: float | None) -> KelurahanInputs:
    if w is None:
        return base
    received, processed, done, responded, resolved, mean_s, reopened = w
    return replace(base, received=int(received), processed=int(processed or 0), done=int(done or 0),
                   responded_in_target=int(responded or 0), resolved_in_target=int(resolved or 0),
                   mean_response_hours=_hours(mean_s), median_response_hours=_hours(median_s),
                   reopened=int(reopened or 0))
