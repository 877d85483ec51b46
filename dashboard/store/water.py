"""Water levels at the flood gates: idempotent writes (the worker's water job). Their
reads are :mod:`dashboard.store.gates` (``gate_readings``).

A reading is identified by ``(gate_code, observed_at)``: writing the same reading twice
stores it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from dashboard.store import dialect
from dashboard.store import counters
from dashboard.store.schema import water_level


@dataclass(frozen=True)
class Reading:
    """One water level observation; ``siaga`` is BPBD's 4 Normal .. 1 Awas."""

    gate_code: str
    observed_at: datetime  # aware
    level_cm: float
    siaga: int


def record_levels(conn: Connection, readings: list[Reading]) -> int:
    """Store readings not stored yet; returns how many were new. New readings bump the
    store's change cursor (as a report batch does), so the wall snapshot saved after them
    has a new version and every wall fetches it (flood mode follows a reading at once)."""
    if not readings:
        return 0
    rows = [vars(r) for r in readings]
    stmt = dialect.insert(conn, water_level).on_conflict_do_nothing(
        index_elements=["gate_code", "observed_at"])
    new = len(conn.execute(stmt.returning(water_level.c.id), rows).all())
    if new:
        counters.bump(conn)
    return new

