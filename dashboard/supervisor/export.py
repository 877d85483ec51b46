"""CSV export of reports. Pure: rows in, CSV text chunks out.

Cells are guarded against spreadsheet formula injection (OWASP "CSV injection"): a text
cell that starts with ``= + - @``, a tab or a carriage return gets a single quote in
front, so Excel/LibreOffice show it as text instead of running it. Numbers and times are
written by us and are never prefixed (a negative latitude stays a number).

:func:`csv_chunks` is a generator: it holds one chunk of rows at a time, so an export of
any size runs in constant memory when the rows come from a streaming cursor.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Callable, Iterable, Iterator, Mapping, Sequence
from zoneinfo import ZoneInfo

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")

#: (header, row key) of the exported columns, in order. Reporter identity is never exported.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "id"),
    ("source", "source"),
    ("external_id", "external_id"),
    ("requested_at_wib", "requested_at"),
    ("updated_at_wib", "updated_at"),
    ("responded_at_wib", "responded_at"),
    ("closed_at_wib", "closed_at"),
    ("status", "status"),
    ("category", "category_code"),
    ("agency", "agency_code"),
    ("kota", "kota_code"),
    ("kecamatan", "kecamatan_code"),
    ("kelurahan", "kelurahan_code"),
    ("lat", "lat"),
    ("lon", "lon"),
    ("reopen_count", "reopen_count"),
    ("address", "address"),
    ("description", "description"),
)


def escape_cell(value: object) -> str:
    """The CSV-safe text of one text cell (quoting is left to the csv module)."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(DANGEROUS_FIRST):
        return "'" + text
    return text


def format_value(value: object, zone: ZoneInfo) -> str:
    """Times in ``zone`` (ISO, minutes); numbers as numbers; everything else escaped."""
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value) if isinstance(value, float) else str(value)
    return escape_cell(value)


def _time(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _number(value: int | float | None, _zone: ZoneInfo) -> str:
    return "" if value is None else (repr(value) if isinstance(value, float) else str(value))


def _text(value: object, _zone: ZoneInfo) -> str:
    return escape_cell(value)


_TIME_KEYS = {"requested_at", "updated_at", "responded_at", "closed_at"}
_NUMBER_KEYS = {"id", "lat", "lon", "reopen_count"}
#: (row key, formatter) per column: the type of each column is known, so no per-cell guessing.
_FORMATTERS = tuple((key, _time if key in _TIME_KEYS else _number if key in _NUMBER_KEYS else _text)
                    for _, key in COLUMNS)


def csv_row(row: Mapping, zone: ZoneInfo) -> list[str]:
    """One report as CSV cells (times in ``zone``, numbers as numbers, text escaped)."""
    return [fmt(row.get(key), zone) for key, fmt in _FORMATTERS]


def csv_chunks(rows: Iterable[Mapping], zone: ZoneInfo, chunk_rows: int = 500,
               on_done: Callable[[int], None] | None = None) -> Iterator[str]:
    """Header then rows, ``chunk_rows`` per yielded string. ``on_done(count)`` runs once
    when the stream ends, is closed early (client went away) or fails."""
    count = 0
    try:
        yield _encode([[header for header, _ in COLUMNS]])
        batch: list[list[str]] = []
        for row in rows:
            batch.append(csv_row(row, zone))
            count += 1
            if len(batch) >= chunk_rows:
                yield _encode(batch)
                batch = []
        if batch:
            yield _encode(batch)
    finally:
        if on_done is not None:
            on_done(count)


def _encode(rows: Sequence[Sequence[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()
