"""A source that changed its name takes over the rows kept under the old one, once.

Open311 sources were all called ``open311``; each is now named after its endpoint
(:func:`dashboard.ingest.open311.source_name`). A store written by one Open311 source
keeps its cursor and reports when that source comes back under its new name, instead
of pulling 30 days again and storing every report a second time. The ``ingest_run``
log keeps the names the runs had.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from dashboard.store.schema import quarantine, report, source_cursor


def adopt_source(conn: Connection, old: str, new: str) -> int | None:
    """Give ``old``'s cursor, reports and quarantined records to ``new``, inside the
    caller's transaction. Only when ``old`` has a cursor and ``new`` has neither a
    cursor nor a report (so at most once, and never merging two sources). Returns the
    number of reports moved, or None when there was nothing to take over."""
    c = source_cursor.c
    cursors = set(conn.scalars(select(c.source).where(c.source.in_([old, new]))))
    if cursors != {old}:
        return None
    if conn.execute(select(report.c.id).where(report.c.source == new).limit(1)).first() is not None:
        return None
    conn.execute(update(source_cursor).where(c.source == old).values(source=new))
    moved = conn.execute(update(report).where(report.c.source == old).values(source=new)).rowcount
    conn.execute(update(quarantine).where(quarantine.c.source == old).values(source=new))
    return moved
