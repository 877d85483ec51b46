"""Vectorised history: ``n`` reports over the last ``days`` with their full status
history, drawn from the same distributions as the live simulator (:mod:`.model`).

Column arrays only (numpy); :mod:`dashboard.simulator.seed` validates and stores them. Times are
integer epoch seconds (UTC); an event counts only if it happened at or before ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dashboard.models import RESPONDED, STATUS_ORDER, Status
from dashboard.simulator import model

#: Status <-> small int codes used in the arrays.
CODES = {s: i for i, s in enumerate(STATUS_ORDER)}
NAMES = np.array([s.value for s in STATUS_ORDER], dtype=object)
STEP_CODES = np.array([CODES[s] for s in model.STEPS])
_RESPONDED = np.array([s in RESPONDED for s in STATUS_ORDER])


@dataclass
class History:
    drawn: dict[str, np.ndarray]  # cat, kel, point, agency, kel_agency, text indexes
    requested: np.ndarray  # epoch seconds
    updated: np.ndarray
    status: np.ndarray  # status code
    responded: np.ndarray  # epoch seconds, -1 = never
    closed: np.ndarray  # epoch seconds, -1 = not closed
    reopened: np.ndarray  # 0/1
    changes: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # row, from, to, at

    def __len__(self) -> int:
        return len(self.requested)


def request_times(rng: np.random.Generator, n: int, days: float, now_epoch: int) -> np.ndarray:
    """``n`` request times in (now - days, now], following the WIB daily rhythm, sorted."""
    peak = model.hour_weight(np.arange(0, 24, 0.25)).max()
    got: list[np.ndarray] = [np.empty(0)]
    have = 0
    while have < n:
        t = now_epoch - rng.uniform(0, days * model.DAY, int(n * 1.8) + 64)
        keep = t[rng.random(len(t)) * peak < model.hour_weight((t / model.HOUR + 7) % 24)]
        got.append(keep)
        have += len(keep)
    return np.sort(np.floor(np.concatenate(got)[:n]).astype(np.int64))


def generate(world: model.World, n: int, days: float, seed: int, now_epoch: int) -> History:
    """The reports and their status histories as arrays."""
    rng = np.random.default_rng([seed, 3])
    requested = request_times(rng, n, days, now_epoch)
    drawn = model.draw_reports(world, rng, n)
    at = requested[:, None] + np.floor(model.lifecycles(world, rng, drawn))  # NaN stays NaN
    happened = ~np.isnan(at) & (at <= now_epoch)
    at = np.where(happened, at, -1).astype(np.int64)
    status = np.full(n, CODES[Status.MENUNGGU])
    updated, responded = requested.copy(), np.full(n, -1, dtype=np.int64)
    rows, froms, tos, times = [np.arange(n)], [np.full(n, -1)], [status.copy()], [requested]
    for col, code in enumerate(STEP_CODES):
        mask = happened[:, col]
        idx = np.nonzero(mask)[0]
        rows.append(idx), froms.append(status[idx]), tos.append(np.full(len(idx), code))
        times.append(at[idx, col])
        status[idx], updated[idx] = code, at[idx, col]
        if _RESPONDED[code]:
            first = idx[responded[idx] < 0]
            responded[first] = at[first, col]
    closed = np.where(status == CODES[Status.SELESAI], updated, -1)
    order = _change_order(rows, times)
    changes = tuple(np.concatenate(part)[order] for part in (rows, froms, tos, times))
    return History(drawn, requested, updated, status, responded, closed,
                   happened[:, 4].astype(np.int64), changes)


def _change_order(rows: list[np.ndarray], times: list[np.ndarray]) -> np.ndarray:
    """Status changes ordered by report, then time (stable: first sighting first)."""
    return np.lexsort((np.concatenate(times), np.concatenate(rows)))
