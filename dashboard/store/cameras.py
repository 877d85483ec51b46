"""The ``camera_still`` table's write: one row per gate with its last good frame and last
attempt, written by the worker (:func:`store_frame`, from
``dashboard.ingest.cameras.refresh_cameras``). Its reads are :mod:`dashboard.store.gates`
(``camera_states`` for the wall snapshot, ``camera_frame`` for ``/camera/<gate_code>.png``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from dashboard.store import dialect
from dashboard.store.schema import camera_still


def store_frame(conn: Connection, gate_code: str, now: datetime, image: bytes | None,
                content_type: str | None = None, error: str | None = None) -> None:
    """Record one attempt: an image replaces the stored one; an error keeps it."""
    values: dict[str, Any] = {"last_try_at": now, "error": None if image else (error or "no frame")}
    if image is not None:
        values.update(image=image, content_type=content_type, last_ok_at=now)
    stmt = dialect.insert(conn, camera_still).values(gate_code=gate_code, **values)  # two jobs may store at once
    conn.execute(stmt.on_conflict_do_update(index_elements=["gate_code"], set_=values))

