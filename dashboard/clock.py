"""Time words, one home each: ISO 8601 in UTC with ``Z`` (the snapshots' and feeds' format)
and the local day (``Settings.tz``, Asia/Jakarta: WIB) that "today" and a date filter mean.
Pure: no I/O, no clock reads (callers pass ``now``)."""

from __future__ import annotations

from datetime import date, datetime, time, timezone, tzinfo


def iso_z(t: datetime, timespec: str = "auto") -> str:
    """``t`` in UTC as ISO 8601 with ``Z``: ``2026-11-27T02:50:00Z`` (``timespec`` as
    :meth:`datetime.isoformat`: ``"seconds"`` drops the microseconds)."""
    return t.astimezone(timezone.utc).isoformat(timespec=timespec).replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """An ISO 8601 time (``Z`` or an offset) as an aware datetime; a naive one means UTC.
    Raises ``ValueError`` for anything else."""
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def day_start(day: date, zone: tzinfo) -> datetime:
    """The first instant (local midnight) of ``day`` in ``zone``, in UTC."""
    return datetime.combine(day, time(), zone).astimezone(timezone.utc)


def local_midnight(now: datetime, zone: tzinfo) -> datetime:
    """The start of ``now``'s local day in ``zone``, in UTC."""
    return day_start(now.astimezone(zone).date(), zone)
