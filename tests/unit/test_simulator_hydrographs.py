"""Each gate has its own hydrograph: a rain wave from the hills reaches Manggarai hours
after Katulampa, flatter and longer; gates differ in base level and timing."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest

from dashboard.simulator.water import level_at, simulate_levels

START = datetime(2026, 11, 1, tzinfo=timezone.utc)  # wet season
STEP_S = 600
TIMES = START.timestamp() + np.arange(0, 60 * 24 * 3600 // STEP_S) * STEP_S  # 60 days


def _gate(reference, name: str):
    return next(g for g in reference.gates.values() if g.name == name)


def _series(reference, name: str, seed: int) -> np.ndarray:
    gate = _gate(reference, name)
    return np.array([level_at(gate, t, seed) for t in TIMES])


def _lagged_corr(a: np.ndarray, b: np.ndarray, lag: int) -> float:
    return float(np.corrcoef(a[:len(a) - lag], b[lag:])[0, 1]) if lag else float(np.corrcoef(a, b)[0, 1])


def _half_width_h(x: np.ndarray) -> float:
    """Hours until the autocorrelation of ``x`` falls under 0.5 (how long a rise lasts)."""
    x = x - x.mean()
    lag = next(k for k in range(1, len(x)) if _lagged_corr(x, x, k) < 0.5)
    return lag * STEP_S / 3600


@pytest.mark.parametrize("seed", [42, 7])
def test_manggarai_follows_katulampa_hours_later_flatter_and_longer(reference, seed):
    up = _series(reference, "Bendung Katulampa", seed)
    down = _series(reference, "Pintu Air Manggarai", seed)
    lags = range(0, 24 * 3600 // STEP_S)
    corr = [_lagged_corr(up, down, k) for k in lags]
    best = int(np.argmax(corr))
    lag_h = best * STEP_S / 3600
    # Travel time Katulampa -> Manggarai: 3 h to Depok + 6 h Depok -> Manggarai
    # (data/reference/pos_pantau_tma_siaga.csv, waktu_tempuh_jam; "6-9 h to Jakarta").
    assert 6 <= lag_h <= 12, lag_h
    assert corr[best] > 0.7  # the same wave ...
    assert corr[0] < 0.4  # ... but not at the same time
    assert _half_width_h(down) > 1.5 * _half_width_h(up)  # attenuated: a broader, longer wave
    # the biggest flood at Katulampa peaks at Manggarai 6-12 h later
    top = int(np.argmax(up))
    window = down[top:top + 24 * 3600 // STEP_S]
    assert 6 <= int(np.argmax(window)) * STEP_S / 3600 <= 12


def test_gates_differ_in_base_level_and_shape(reference):
    names = ["Bendung Katulampa", "Pos Depok", "Pintu Air Manggarai", "Pintu Air Karet",
             "Pos Angke Hulu", "Pintu Air Pulo Gadung", "Pintu Air Pasar Ikan"]
    series = {n: _series(reference, n, 42) for n in names}
    dry = {n: float(np.median(s)) / _gate(reference, n).siaga3_cm for n, s in series.items()}
    assert max(dry.values()) - min(dry.values()) > 0.3  # bases of their own, not one share
    normed = {n: (s - s.mean()) / s.std() for n, s in series.items()}
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    same_shape = [(a, b) for a, b in pairs if np.corrcoef(normed[a], normed[b])[0, 1] > 0.95]
    assert same_shape == []  # no two gates draw one curve scaled


def test_levels_are_whole_centimetres(reference):
    times = [datetime.fromtimestamp(TIMES[0] + s, timezone.utc) for s in range(0, 48 * 3600, 1800)]
    readings = [r for t in times for r in simulate_levels(reference.gates.values(), t, 3)]
    assert readings and all(r.level_cm == int(r.level_cm) for r in readings)
