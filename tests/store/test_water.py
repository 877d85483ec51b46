"""Water level writes are idempotent and their read (``store.gates.gate_readings``) bounded
(both backends)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from dashboard.simulator.water import simulate_levels
from dashboard.store.schema import water_level
from dashboard.store.gates import gate_readings
from dashboard.store.water import record_levels
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


def test_gate_readings_latest_one_per_gate(engine, reference):
    expected = simulate_levels(reference.gates.values(), NOW, 3)
    codes = sorted(r.gate_code for r in expected)
    with engine.begin() as conn:
        record_levels(conn, _hours(reference, 6))
        latest, _ = gate_readings(conn, codes, NOW - timedelta(hours=2), 1)
        older, _ = gate_readings(conn, codes, NOW + timedelta(hours=1), 1)  # none in the window: one probe each
    assert latest == older == {r.gate_code: {"observed_at": r.observed_at, "level_cm": float(r.level_cm),
                                             "siaga": r.siaga} for r in expected}
    assert all(r["observed_at"].tzinfo is not None for r in latest.values())


def test_gate_readings_trend_window_and_per_gate_limit(engine, reference):
    gates = sorted(g.code for g in reference.gates.values() if g.monitored)
    with engine.begin() as conn:
        record_levels(conn, _hours(reference, 30))
        _, trend = gate_readings(conn, gates, NOW - timedelta(hours=10), 4)
        _, wide = gate_readings(conn, gates, NOW - timedelta(hours=10), 100)
    assert set(trend) == set(gates)
    for rows in trend.values():
        assert [at for at, _ in rows] == [NOW - timedelta(hours=h) for h in (3, 2, 1, 0)]
    assert all(len(rows) == 11 for rows in wide.values())
