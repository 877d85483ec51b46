"""Simulated water levels at the monitored flood gates (those with siaga thresholds).

A level is a pure function of ``(seed, gate, time)``, so readings are reproducible
and a history can be generated for any past hour:

* rivers sit around 55 % of the Siaga 3 threshold with a small daily wobble;
* sea posts (river "Laut") follow a two-component tide around 70 % of Siaga 3, so
  spring high tides sometimes reach Waspada (rob);
* rain events (more in the Nov-Apr wet season, mostly afternoons WIB) raise every
  gate over ~3 hours and recede over ~a day; a strong one crosses Siaga 2 or 1.
"""

from __future__ import annotations

import math
import zlib
from functools import lru_cache
from datetime import datetime, timezone
from typing import Iterable

import numpy as np

from dashboard.reference import FloodGate
from dashboard.store.water import Reading

HOUR = 3600.0
RISE_H, RECEDE_H = 3.0, 10.0
WET_MONTHS = {11, 12, 1, 2, 3, 4}


def simulate_levels(gates: Iterable[FloodGate], now: datetime, seed: int) -> list[Reading]:
    """One reading per monitored gate at ``now`` (seconds truncated); deterministic."""
    at = now.astimezone(timezone.utc).replace(microsecond=0)
    t = at.timestamp()
    rain = _rain(t, seed)
    out = []
    for gate in gates:
        if not gate.monitored:
            continue
        level = round(_level(gate, t, rain, seed), 1)
        out.append(Reading(gate.code, at, level, gate.siaga(level)))
    return out


def _top(gate: FloodGate) -> float:
    return float(gate.siaga1_cm or gate.siaga2_cm or gate.siaga3_cm * 1.25)


def is_sea(gate: FloodGate) -> bool:
    return "laut" in f"{gate.river or ''} {gate.kind or ''}".lower()


def _level(gate: FloodGate, t: float, rain: float, seed: int) -> float:
    s3 = float(gate.siaga3_cm)
    factor = _gate_factor(gate.code, seed)
    if is_sea(gate):
        hours = t / HOUR
        tide = 0.16 * math.sin(2 * math.pi * hours / 12.42) + 0.09 * math.sin(2 * math.pi * hours / 23.93 + 1.0)
        return s3 * (0.72 + tide) + 0.15 * s3 * rain * factor
    base = 0.55 * s3 * (1 + 0.03 * math.sin(2 * math.pi * (t / HOUR + 7) / 24))
    return base + rain * factor * (_top(gate) - base)


@lru_cache(maxsize=1024)
def _gate_factor(code: str, seed: int) -> float:
    return float(np.random.default_rng([seed, zlib.crc32(code.encode())]).uniform(0.7, 1.3))


def _rain(t: float, seed: int) -> float:
    """Sum of rain-event responses at epoch ``t`` (1.0 = a gate reaches its top)."""
    day = int(t // 86400)
    total = 0.0
    for d in range(day - 3, day + 1):
        for start, strength in _events(d, seed):
            dt = (t - start) / HOUR
            if dt <= 0:
                continue
            if dt < RISE_H:
                total += strength * math.sin(math.pi / 2 * dt / RISE_H) ** 2
            else:
                total += strength * math.exp(-(dt - RISE_H) / RECEDE_H)
    return total


@lru_cache(maxsize=4096)
def _events(day: int, seed: int) -> tuple[tuple[float, float], ...]:
    """(start epoch, strength) of the rain events that start on UTC day ``day``."""
    rng = np.random.default_rng([seed, day, 7])
    month = datetime.fromtimestamp(day * 86400, timezone.utc).month
    n = rng.poisson(0.8 if month in WET_MONTHS else 0.25)
    starts = day * 86400 + rng.uniform(5 * HOUR, 15 * HOUR, n)  # 12:00-22:00 WIB
    return tuple(zip(starts.tolist(), rng.gamma(2.0, 0.22, n).tolist()))
