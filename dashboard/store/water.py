"""Water levels at the flood gates: idempotent writes and bounded reads.

A reading is identified by ``(gate_code, observed_at)``: writing the same reading twice
stores it once. Reads use the unique index on that pair: the latest reading is one
index lookup per gate, and a trend is a time window capped per gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, func, or_, select

from dashboard.store import dialect
from dashboard.store import counters
from dashboard.store.schema import flood_gate, water_level


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


def latest_levels(conn: Connection) -> list[Reading]:
    """The newest reading of every gate that has one, ordered by gate code. Two indexed
    steps whatever the history length: per gate (a few dozen) one MAX lookup on the
    (gate_code, observed_at) index, then those rows fetched by key."""
    newest = (select(func.max(water_level.c.observed_at))
              .where(water_level.c.gate_code == flood_gate.c.code).correlate(flood_gate).scalar_subquery())
    keys = [(code, at) for code, at in conn.execute(select(flood_gate.c.code, newest)) if at is not None]
    if not keys:
        return []
    stmt = (select(water_level.c.gate_code, water_level.c.observed_at,
                   water_level.c.level_cm, water_level.c.siaga)
            .where(or_(*(and_(water_level.c.gate_code == code, water_level.c.observed_at == at)
                         for code, at in keys)))
            .order_by(water_level.c.gate_code))
    return [Reading(*row) for row in conn.execute(stmt)]


def level_trend(conn: Connection, since: datetime, per_gate_limit: int = 288) -> dict[str, list[Reading]]:
    """Readings at or after ``since``, at most the newest ``per_gate_limit`` per gate,
    oldest first within each gate. The gate list makes both backends walk the
    (gate_code, observed_at) index once per gate instead of scanning the history."""
    codes = list(conn.execute(select(flood_gate.c.code)).scalars())
    rank = func.row_number().over(partition_by=water_level.c.gate_code,
                                  order_by=water_level.c.observed_at.desc()).label("rank")
    inner = (select(water_level.c.gate_code, water_level.c.observed_at,
                    water_level.c.level_cm, water_level.c.siaga, rank)
             .where(water_level.c.gate_code.in_(codes), water_level.c.observed_at >= since).subquery())
    stmt = (select(inner.c.gate_code, inner.c.observed_at, inner.c.level_cm, inner.c.siaga)
            .where(inner.c.rank <= per_gate_limit)
            .order_by(inner.c.gate_code, inner.c.observed_at))
    out: dict[str, list[Reading]] = {}
    for row in conn.execute(stmt):
        out.setdefault(row.gate_code, []).append(Reading(*row))
    return out
