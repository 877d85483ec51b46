"""Simulated water levels and camera stills."""

from __future__ import annotations

import io
from collections import Counter
from datetime import datetime, timedelta, timezone

from PIL import Image

from dashboard.simulator.stills import SIZE, render_still
from dashboard.simulator.water import is_sea, simulate_levels

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)


def test_one_reading_per_monitored_gate_deterministic(reference):
    gates = list(reference.gates.values())
    readings = simulate_levels(gates, NOW, seed=4)
    assert [r.gate_code for r in readings] == [g.code for g in gates if g.monitored]
    assert readings == simulate_levels(gates, NOW, seed=4)
    assert readings != simulate_levels(gates, NOW, seed=5)
    assert all(r.observed_at == NOW for r in readings)


def test_siaga_matches_thresholds(reference):
    gates = [g for g in reference.gates.values() if g.monitored]
    levels = Counter()
    for h in range(0, 24 * 60, 3):
        for r in simulate_levels(gates, NOW + timedelta(hours=h), seed=4):
            gate = reference.gates[r.gate_code]
            expected = 4
            for level, cm in ((3, gate.siaga3_cm), (2, gate.siaga2_cm), (1, gate.siaga1_cm)):
                if cm is not None and r.level_cm >= cm:
                    expected = level
            assert r.siaga == expected
            assert r.level_cm > 0
            levels[r.siaga] += 1
    assert levels[4] > 0.7 * sum(levels.values())  # mostly normal
    assert levels[3] > 0 and levels[1] + levels[2] > 0  # rain events cross thresholds


def test_sea_posts_follow_the_tide(reference):
    sea = next(g for g in reference.gates.values() if g.monitored and is_sea(g))
    day = [simulate_levels([sea], NOW + timedelta(hours=h), 1)[0].level_cm for h in range(25)]
    assert max(day) - min(day) > 0.2 * sea.siaga3_cm


def test_render_still_is_a_png_of_the_right_size():
    data = render_still("Pintu Air Manggarai", 905.0, 2, datetime(2026, 11, 27, 10, 0))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(data))
    assert image.size == SIZE == (640, 360)


def test_still_water_line_rises_with_siaga():
    def water_rows(siaga: int) -> int:
        img = Image.open(io.BytesIO(render_still("X", 100.0, siaga, datetime(2026, 11, 27)))).convert("RGB")
        return sum(1 for y in range(SIZE[1]) if img.getpixel((150, y)) == (60, 95, 120))
    assert water_rows(1) > water_rows(3) > water_rows(4) > 0
