"""Portable SQL pieces shared by the reads (not a read module): hard caps, time bucketing
and elapsed time, written once per backend so SQLite and PostgreSQL return identical answers.

Timestamps are naive UTC on disk (``schema.UTCDateTime``). Hour keys are UTC hours
(WIB is UTC+7, so UTC hours are WIB hours too); day keys are local days, shifted by a
whole-minute UTC offset before truncation.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import ColumnElement, Connection, Float, Interval, case, cast, extract, func, literal_column, text

#: Upper bounds no caller can exceed, whatever limit it asks for.
MAX_ROWS = 1_000  # lists (quarantine, groups)
MAX_POINTS = 200_000  # map points
MAX_HOURS = 24 * 31  # flow_by_hour window
MAX_DAYS = 400  # a trend's window (flow.trend)
#: Slack when comparing elapsed seconds (SQLite julianday arithmetic is ~50 µs exact).
EPSILON_S = 0.001

HOUR_FORMAT = "%Y-%m-%dT%H"
DAY_FORMAT = "%Y-%m-%d"


def cap(limit: int, hard: int = MAX_ROWS) -> int:
    """``limit`` clamped to ``1..hard``."""
    return max(1, min(int(limit), hard))


def is_pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def hour_key(conn: Connection, col: ColumnElement) -> ColumnElement:
    """Text key ``YYYY-MM-DDTHH`` of the UTC hour ``col`` falls in."""
    if is_pg(conn):
        return func.to_char(col, text("'YYYY-MM-DD\"T\"HH24'"))
    return func.strftime(text(f"'{HOUR_FORMAT}'"), col)


def day_key(conn: Connection, col: ColumnElement, offset: timedelta) -> ColumnElement:
    """Text key ``YYYY-MM-DD`` of the local day (UTC + ``offset``) ``col`` falls in."""
    minutes = int(offset.total_seconds() // 60)
    if is_pg(conn):
        shifted = col + literal_column(f"interval '{minutes} minutes'", Interval)
        return func.to_char(shifted, text("'YYYY-MM-DD'"))
    return func.strftime(text(f"'{DAY_FORMAT}'"), col, text(f"'{minutes:+d} minutes'"))


def elapsed_seconds(conn: Connection, start: ColumnElement, end: ColumnElement) -> ColumnElement:
    """Seconds from ``start`` to ``end`` as a float expression."""
    if is_pg(conn):
        return cast(extract("epoch", end - start), Float)
    return (func.julianday(end) - func.julianday(start)) * literal_column("86400.0")


def parse_hour(key: str) -> datetime:
    return datetime.strptime(key, HOUR_FORMAT).replace(tzinfo=timezone.utc)


def parse_day(key: str) -> date:
    return datetime.strptime(key, DAY_FORMAT).date()


def floor_hour(t: datetime) -> datetime:
    return t.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)


def hours_between(since: datetime, until: datetime) -> list[datetime]:
    """Every UTC hour start from ``since``'s hour up to (excluding) ``until``."""
    start, hours = floor_hour(since), []
    while start < until and len(hours) <= MAX_HOURS:
        hours.append(start)
        start += timedelta(hours=1)
    if len(hours) > MAX_HOURS:
        raise ValueError(f"window longer than {MAX_HOURS} hours")
    return hours


def days_between(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last`` inclusive."""
    n = (last - first).days + 1
    if n > MAX_DAYS:
        raise ValueError(f"window longer than {MAX_DAYS} days")
    return [first + timedelta(days=i) for i in range(max(n, 0))]


def count_where(condition: ColumnElement) -> ColumnElement:
    """``SUM(CASE WHEN condition THEN 1 ELSE 0 END)``: a conditional count in a GROUP BY."""
    return func.sum(case((condition, 1), else_=0))
