"""The spine: how fast history loads and how fast the live ingest path stores reports.

The seed rows are the one seed of this run (``dashboard.simulator.seed.seed``, timed by
itself); the ingest row is one run of the live path: simulator batches through
:func:`dashboard.ingest.run.ingest_once` (normalize + upsert), as the worker's ingest job
runs it. The reads views and jobs make are timed in :mod:`bench.wall`,
:mod:`bench.supervisor_served` and :mod:`bench.public`, each beside its naive baseline
(:mod:`bench.naive`).
"""

from __future__ import annotations

import time
from datetime import timedelta

from bench.common import Ctx, Row
from dashboard.ingest.run import ingest_once
from dashboard.simulator.source import SimulatorSource

INGEST_BATCHES = 2


def run(ctx: Ctx) -> list[Row]:
    rows: list[Row] = []
    for backend in ctx.engines:
        rows += seed_rows(ctx, backend)
        rows += ingest_rows(ctx, backend)
    return rows


def seed_rows(ctx: Ctx, backend: str) -> list[Row]:
    res = ctx.seeded.get(backend)
    if res is None:
        return []
    return [
        Row("seed", f"seed {ctx.n:,} reports: rate", backend, res.reports_per_second, "reports/s", "", 1),
        Row("seed", "seed: total", backend, res.seconds, "s", "", 1),
        Row("seed", "seed: generate", backend, res.generate_seconds, "s", "", 1),
        Row("seed", "seed: validate (normalize, parallel)", backend, res.validate_seconds, "s", "", 1),
        Row("seed", "seed: load + index + tally", backend, res.load_seconds, "s", "", 1),
        Row("seed", "seed: CPU of seeding processes (excl. DB server)", backend,
            getattr(res, "cpu_seconds", None), "s", "", 1),
        Row("seed", "seed: status changes", backend, res.n_status_changes, "rows", "", 1),
    ]


def ingest_rows(ctx: Ctx, backend: str) -> list[Row]:
    """Live path rate: simulator batches through normalize + upsert (ingest_once)."""
    engine = ctx.engines[backend]
    source = SimulatorSource(seed=11, speed=3600, state_path=ctx.workdir / f"sim-{backend}.json",
                             ref=ctx.ref, daily_reports=24_000)
    start = ctx.now + timedelta(seconds=1)
    ingest_once(source, engine, ctx.ref, start)  # starts the run; no records yet
    seen = quarantined = 0
    clock = time.perf_counter()
    for i in range(1, INGEST_BATCHES + 1):
        result = ingest_once(source, engine, ctx.ref, start + timedelta(seconds=10 * i))
        seen, quarantined = seen + result.n_seen, quarantined + result.n_quarantined
    elapsed = time.perf_counter() - clock
    return [Row("ingest", f"ingest_once simulator ({seen:,} records)", backend, seen / elapsed, "records/s",
                f"{quarantined} quarantined; {INGEST_BATCHES} batches", 1)]
