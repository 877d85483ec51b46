"""The ``camera_still`` table: one row per gate with its last good frame and last attempt.

Written by the worker (:func:`store_frame`, from ``dashboard.ingest.cameras.refresh_cameras``),
read by the wall snapshot (:func:`camera_states`, no image bytes) and by the app's
``/camera/<gate_code>.png`` route (:func:`camera_frame`, one primary-key read).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from dashboard.store import dialect
from dashboard.store.schema import camera_still, flood_gate


def store_frame(conn: Connection, gate_code: str, now: datetime, image: bytes | None,
                content_type: str | None = None, error: str | None = None) -> None:
    """Record one attempt: an image replaces the stored one; an error keeps it."""
    values: dict[str, Any] = {"last_try_at": now, "error": None if image else (error or "no frame")}
    if image is not None:
        values.update(image=image, content_type=content_type, last_ok_at=now)
    stmt = dialect.insert(conn, camera_still).values(gate_code=gate_code, **values)  # two jobs may store at once
    conn.execute(stmt.on_conflict_do_update(index_elements=["gate_code"], set_=values))


def camera_gates(conn: Connection) -> list[tuple[str, str, str | None]]:
    """(code, name, snapshot_url) of monitored gates (those with siaga thresholds)."""
    g = flood_gate.c
    return [tuple(r) for r in conn.execute(select(g.code, g.name, g.snapshot_url)
                                           .where(g.siaga3_cm.is_not(None)).order_by(g.code))]


def camera_states(conn: Connection) -> dict[str, dict[str, Any]]:
    """gate_code -> {ok, last_ok_at, last_try_at, error} (no image bytes)."""
    c = camera_still.c
    rows = conn.execute(select(c.gate_code, c.last_ok_at, c.last_try_at, c.error))
    return {code: {"ok": ok_at is not None and error is None, "last_ok_at": ok_at,
                   "last_try_at": try_at, "error": error}
            for code, ok_at, try_at, error in rows}


def camera_frame(conn: Connection, gate_code: str) -> tuple[bytes, str] | None:
    """(image, content_type) of a gate's last good frame, ``None`` when there is none:
    what ``/camera/<gate_code>.png`` serves (one primary-key read)."""
    c = camera_still.c
    row = conn.execute(select(c.image, c.content_type).where(c.gate_code == gate_code)).first()
    return None if row is None or row.image is None else (bytes(row.image), row.content_type or "image/png")
