"""Reads of the flood gates, their water readings (``water_level``) and camera stills
(``camera_still``). The writes are :mod:`dashboard.store.water` and
:mod:`dashboard.store.cameras`.

Callers: the wall snapshot (``dashboard.wall.aggregate``: :func:`monitored_gates`,
:func:`gate_readings`, :func:`camera_states`), the worker's camera job
(``dashboard.ingest.cameras``: :func:`camera_gates`, :func:`gate_readings`) and the app's
``/camera/<gate_code>.png`` route (``callbacks.routes``: :func:`camera_frame`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from dashboard.store.schema import camera_still, flood_gate, water_level


def monitored_gates(conn: Connection) -> list[dict[str, Any]]:
    """Flood gates with siaga thresholds (code, name, river, snapshot_url), by code."""
    g = flood_gate.c
    stmt = (select(g.code, g.name, g.river, g.snapshot_url, g.siaga3_cm, g.siaga2_cm, g.siaga1_cm)
            .where(g.siaga3_cm.is_not(None)).order_by(g.code))
    return [dict(r._mapping) for r in conn.execute(stmt)]


def gate_readings(conn: Connection, gate_codes: list[str], since: datetime, per_gate: int
                  ) -> tuple[dict[str, dict[str, Any]], dict[str, list[tuple[datetime, float]]]]:
    """(latest, trends) of the gates: readings since ``since`` in one range read on the
    unique (gate_code, observed_at) index (the newest ``per_gate`` kept, oldest first);
    the latest {observed_at, level_cm, siaga} is the last of them, or for a gate with
    none in the window one index probe."""
    w = water_level.c
    stmt = (select(w.gate_code, w.observed_at, w.level_cm, w.siaga)
            .where(w.gate_code.in_(gate_codes), w.observed_at >= since)
            .order_by(w.gate_code, w.observed_at))
    rows: dict[str, list] = {code: [] for code in gate_codes}
    for r in conn.execute(stmt):
        rows[r.gate_code].append(r)
    latest = {code: _reading(rs[-1]) for code, rs in rows.items() if rs}
    for code in (c for c in gate_codes if not rows[c]):
        row = conn.execute(select(w.observed_at, w.level_cm, w.siaga).where(w.gate_code == code)
                           .order_by(w.observed_at.desc()).limit(1)).first()
        if row is not None:
            latest[code] = _reading(row)
    trends = {code: [(r.observed_at, float(r.level_cm)) for r in rs[-per_gate:]] for code, rs in rows.items()}
    return latest, trends


def _reading(row: Any) -> dict[str, Any]:
    return {"observed_at": row.observed_at, "level_cm": float(row.level_cm), "siaga": int(row.siaga)}


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
