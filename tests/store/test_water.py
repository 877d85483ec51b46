"""Water level writes are idempotent and the reads bounded (both backends)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from dashboard.simulator.water import simulate_levels
from dashboard.store.schema import water_level
from dashboard.store.water import Reading, latest_levels, level_trend, record_levels
from tests.conftest import NOW


def _hours(reference, n: int):
    return [r for h in range(n) for r in simulate_levels(reference.gates.values(), NOW - timedelta(hours=h), 3)]


def test_record_levels_is_idempotent(engine, reference):
    readings = _hours(reference, 5)
    with engine.begin() as conn:
        assert record_levels(conn, readings) == len(readings)
    with engine.begin() as conn:
        assert record_levels(conn, readings) == 0
        assert record_levels(conn, []) == 0
        assert conn.execute(select(func.count()).select_from(water_level)).scalar() == len(readings)


def test_latest_levels_one_per_gate(engine, reference):
    with engine.begin() as conn:
        record_levels(conn, _hours(reference, 6))
        latest = latest_levels(conn)
    expected = simulate_levels(reference.gates.values(), NOW, 3)
    assert latest == sorted(expected, key=lambda r: r.gate_code)
    assert all(r.observed_at.tzinfo is not None for r in latest)


def test_level_trend_window_and_per_gate_limit(engine, reference):
    with engine.begin() as conn:
        record_levels(conn, _hours(reference, 30))
        trend = level_trend(conn, since=NOW - timedelta(hours=10), per_gate_limit=4)
        wide = level_trend(conn, since=NOW - timedelta(hours=10), per_gate_limit=100)
    gates = {g.code for g in reference.gates.values() if g.monitored}
    assert set(trend) == gates
    for code, rows in trend.items():
        assert [r.observed_at for r in rows] == [NOW - timedelta(hours=h) for h in (3, 2, 1, 0)]
        assert all(isinstance(r, Reading) and r.gate_code == code for r in rows)
    assert all(len(rows) == 11 for rows in wide.values())
