"""What benchmark modules share: the context they receive and the rows they return.

A benchmark module exposes ``run(ctx: Ctx) -> list[Row]``. ``bench/__main__.py`` seeds
one fresh store per backend, builds the :class:`Ctx` and calls every module in turn,
then prints all rows as one markdown table (one value column per backend) and writes them
to a results file that :mod:`bench.table` renders into the README.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import Engine

from dashboard.reference import Reference


@dataclass(frozen=True)
class Row:
    """One measurement. ``value`` None prints as "n/a" (``note`` says why)."""

    section: str  # e.g. "seed", "query", "naive", "wall"
    name: str
    backend: str  # "sqlite" | "postgresql"
    value: float | None
    unit: str  # "ms", "reports/s", "x", ...
    note: str = ""
    runs: int | None = None  # measurements the value is the median of (1: a single run)


@dataclass
class Ctx:
    """A freshly seeded store per backend, and how it was seeded."""

    n: int  # reports seeded into each store
    days: float  # history length of the seed
    now: datetime  # aware UTC; the seed's "now"
    ref: Reference
    engines: dict[str, Engine]  # backend name -> engine
    urls: dict[str, str]  # backend name -> SQLAlchemy URL
    workdir: Path  # a temporary directory, removed at the end
    runs: int = 5  # repetitions for medians (at least 5)
    seeded: dict[str, Any] = field(default_factory=dict)  # backend -> dashboard.simulator.seed.SeedResult


def median_ms(fn: Callable[[], Any], runs: int, warm_up: bool = True) -> float:
    """Median wall-clock milliseconds of ``runs`` calls. A warm-up call comes first;
    when it already took over a second (caches are not the issue then) it counts as
    the first run, so slow calls at 1M reports are not paid for one extra time."""
    times = []
    if warm_up:
        first = _timed(fn)
        if first > SLOW_MS:
            times.append(first)
    while len(times) < runs:
        times.append(_timed(fn))
    return statistics.median(times)


SLOW_MS = 1000.0


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000
