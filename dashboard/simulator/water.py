"""Simulated water levels at the monitored flood gates (those with siaga thresholds).

A level is a pure function of ``(seed, gate, time)``, so readings are reproducible
and a history can be generated for any past hour. Levels are whole centimetres, as the
DSDA posts report them (and as the wall and the camera stills print them).

Each gate has its own hydrograph (:data:`HYDROLOGY`):

* a base level of its own (a share of its Siaga 3 threshold: the city's gates hold water
  high behind them, the upstream posts sit low) with a daily wobble and slow gauge noise
  of its own period and phase;
* rain events (more in the Nov-Apr wet season, mostly afternoons WIB) fall partly in the
  hills and partly on the city. The hill part travels down its river: a gate sees the
  wave ``lag`` hours after the headwater post peaks, flatter and longer the further it
  went (rise and recession grow with the lag, the peak shrinks: attenuation). Travel
  times are those of ``data/reference/pos_pantau_tma_siaga.csv`` (``waktu_tempuh_jam``):
  Katulampa -> Depok 3 h, Depok -> Manggarai 6 h, so Katulampa -> Manggarai 9 h (the
  source gives 6-9 h "to Jakarta"); Krukut Hulu -> Karet 3 h; Pesanggrahan -> Cengkareng
  Drain 4.5 h; Angke Hulu -> Cengkareng 4 h; Sunter Hulu -> Pulo Gadung 4 h. Each
  event wets each river differently. The city part raises a gate within about an hour.
* sea posts (river "Laut") follow a two-component tide around 70 % of Siaga 3, so
  spring high tides sometimes reach Waspada (rob).

A strong event takes gates across Siaga 2 or 1.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Iterable

import numpy as np

from dashboard.reference import FloodGate
from dashboard.store.water import Reading

HOUR = 3600.0
WET_MONTHS = {11, 12, 1, 2, 3, 4}
CATCHMENTS = ("ciliwung", "krukut", "pesanggrahan", "angke", "sunter", "cipinang")
HEAD_RISE_H = 1.5  # rise time of the wave at a headwater post
LOOKBACK_DAYS = 3  # events older than this no longer show anywhere


@dataclass(frozen=True)
class Hydrology:
    """How a gate answers rain: ``inflows`` are (catchment, travel hours from its
    headwater post, share); ``base`` is the dry level as a share of Siaga 3; ``local`` the
    weight of rain falling on the city itself."""

    inflows: tuple[tuple[str, float, float], ...]
    base: float
    local: float


#: Per gate name (as in the reference data). Unknown gates answer only to city rain.
HYDROLOGY: dict[str, Hydrology] = {
    "Bendung Katulampa": Hydrology((("ciliwung", 0.0, 1.0),), 0.40, 0.10),
    "Pos Depok": Hydrology((("ciliwung", 3.0, 1.0),), 0.55, 0.20),
    "Pintu Air Manggarai": Hydrology((("ciliwung", 9.0, 1.0),), 0.86, 0.35),
    "Pintu Air Istiqlal": Hydrology((("ciliwung", 10.0, 0.7),), 0.62, 0.60),
    "Pintu Air Jembatan Merah": Hydrology((("ciliwung", 11.0, 0.6),), 0.55, 0.70),
    "Pintu Air Karet": Hydrology((("ciliwung", 10.0, 0.6), ("krukut", 3.0, 0.4)), 0.78, 0.40),
    "Pos Krukut Hulu": Hydrology((("krukut", 0.0, 1.0),), 0.45, 0.15),
    "Pos Pesanggrahan": Hydrology((("pesanggrahan", 0.0, 1.0),), 0.50, 0.15),
    "Pos Angke Hulu": Hydrology((("angke", 0.0, 1.0),), 0.48, 0.15),
    "Pintu Air Cengkareng Drain": Hydrology((("pesanggrahan", 4.5, 0.5), ("angke", 4.0, 0.5)), 0.70, 0.45),
    "Pos Sunter Hulu": Hydrology((("sunter", 0.0, 1.0),), 0.50, 0.15),
    "Pos Cipinang Hulu": Hydrology((("cipinang", 0.0, 1.0),), 0.45, 0.15),
    "Pintu Air Pulo Gadung": Hydrology((("sunter", 4.0, 0.6), ("cipinang", 4.0, 0.4)), 0.80, 0.40),
}
CITY = Hydrology((), 0.60, 1.0)  # drains, pumps and small canals: city rain only


def simulate_levels(gates: Iterable[FloodGate], now: datetime, seed: int) -> list[Reading]:
    """One reading per monitored gate at ``now`` (seconds truncated); deterministic."""
    at = now.astimezone(timezone.utc).replace(microsecond=0)
    t = at.timestamp()
    out = []
    for gate in gates:
        if not gate.monitored:
            continue
        level = float(round(level_at(gate, t, seed)))
        out.append(Reading(gate.code, at, level, gate.siaga(level)))
    return out


def is_sea(gate: FloodGate) -> bool:
    return "laut" in f"{gate.river or ''} {gate.kind or ''}".lower()


def level_at(gate: FloodGate, t: float, seed: int) -> float:
    """The level (cm, unrounded) at epoch ``t``."""
    s3 = float(gate.siaga3_cm)
    traits = _gate_traits(gate.code, seed)
    if is_sea(gate):
        hours = t / HOUR + traits[0] * 0.6  # a neighbouring post sees high tide a little apart
        tide = (0.16 * math.sin(2 * math.pi * hours / 12.42) + 0.09 * math.sin(2 * math.pi * hours / 23.93 + 1.0))
        return s3 * (0.72 + tide + 0.01 * _noise(t, traits)) + 0.15 * s3 * response(CITY, t, seed) * traits[1]
    hydro = HYDROLOGY.get(gate.name, CITY)
    wobble = (0.02 + 0.02 * traits[2]) * math.sin(2 * math.pi * (t / HOUR + 24 * traits[3]) / 24)
    base = hydro.base * s3 * (1 + wobble + 0.006 * _noise(t, traits))
    top = float(gate.siaga1_cm or gate.siaga2_cm or gate.siaga3_cm * 1.25)
    return max(1.0, base + response(hydro, t, seed) * traits[1] * (top - base))


def response(hydro: Hydrology, t: float, seed: int) -> float:
    """Sum of rain-event responses at epoch ``t`` (1.0 = the gate reaches its top)."""
    day = int(t // 86400)
    total = 0.0
    for d in range(day - LOOKBACK_DAYS, day + 1):
        for start, strength, hills, wet in _events(d, seed):
            for catchment, lag, share in hydro.inflows:
                rise, recede = HEAD_RISE_H + 0.35 * lag, 4.0 + 0.8 * lag
                onset = start + (lag + HEAD_RISE_H - rise) * HOUR  # peaks ``lag`` h after the head
                total += (strength * hills * wet[CATCHMENTS.index(catchment)] * share
                          * math.exp(-lag / 40.0) * pulse((t - onset) / HOUR, rise, recede))
            total += strength * (1 - hills) * hydro.local * pulse((t - start) / HOUR - 0.25, 1.0, 3.0)
    return total


def pulse(dt_h: float, rise_h: float, recede_h: float) -> float:
    """A unit hydrograph: 0 before the onset, a smooth rise to 1 at ``rise_h``, then an
    exponential recession with time constant ``recede_h``."""
    if dt_h <= 0:
        return 0.0
    if dt_h < rise_h:
        return math.sin(math.pi / 2 * dt_h / rise_h) ** 2
    return math.exp(-(dt_h - rise_h) / recede_h)


def _noise(t: float, traits: tuple[float, ...]) -> float:
    """Slow gauge noise in [-1, 1]: two sines of the gate's own periods (2-5 h)."""
    h = t / HOUR
    return 0.6 * math.sin(2 * math.pi * h / (2 + 3 * traits[4]) + 6 * traits[5]) + \
        0.4 * math.sin(2 * math.pi * h / (0.7 + traits[5]) + 6 * traits[4])


@lru_cache(maxsize=1024)
def _gate_traits(code: str, seed: int) -> tuple[float, ...]:
    """(tide phase, rain response factor 0.7-1.3, wobble size, wobble phase, noise
    period, noise phase) of a gate, fixed for a seed."""
    u = np.random.default_rng([seed, zlib.crc32(code.encode())]).random(6)
    return (float(u[0]), 0.7 + 0.6 * float(u[1]), *map(float, u[2:]))


@lru_cache(maxsize=4096)
def _events(day: int, seed: int) -> tuple[tuple[float, float, float, tuple[float, ...]], ...]:
    """(start epoch, strength, share falling in the hills, wetness per catchment) of the
    rain events that start on UTC day ``day``."""
    rng = np.random.default_rng([seed, day, 7])
    month = datetime.fromtimestamp(day * 86400, timezone.utc).month
    n = rng.poisson(0.8 if month in WET_MONTHS else 0.25)
    starts = day * 86400 + rng.uniform(5 * HOUR, 15 * HOUR, n)  # 12:00-22:00 WIB
    strengths = rng.gamma(2.0, 0.22, n)
    hills = rng.uniform(0.4, 0.9, n)
    wet = rng.lognormal(0.0, 0.4, (n, len(CATCHMENTS)))
    return tuple((float(s), float(g), float(h), tuple(w.tolist()))
                 for s, g, h, w in zip(starts, strengths, hills, wet))
