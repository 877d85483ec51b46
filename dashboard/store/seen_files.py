"""Which dropped files a file source has already ingested (written by
:func:`dashboard.store.writes.mark_files_seen`)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from dashboard.store.schema import seen_file


def seen_hashes(conn: Connection, source: str) -> set[str]:
    """SHA-256 hex digests of the files ``source`` has ingested."""
    return set(conn.execute(select(seen_file.c.sha256).where(seen_file.c.source == source)).scalars())
