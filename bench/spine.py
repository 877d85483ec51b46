"""The spine: how fast history loads, how fast the live ingest path stores reports,
what each named query costs, and what the naive way (``pandas.read_sql`` of the whole
report table + groupby) costs in the same run.

Query names missing from ``ReportStore`` (or failing) are reported "n/a", not fatal.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any, Callable

import pandas as pd
from sqlalchemy import Engine

from bench.common import Ctx, Row, median_ms
from dashboard.ingest.run import ingest_once
from dashboard.simulator.source import SimulatorSource

INGEST_BATCHES = 2


def query_calls(ctx: Ctx) -> list[tuple[str, Callable[[Any], Any]]]:
    """(name, call on a ReportStore) for every named read the wall and supervisor use."""
    now = ctx.now
    day, week, month = now - timedelta(days=1), now - timedelta(days=7), now - timedelta(days=30)
    return [
        ("change_cursor", lambda s: s.change_cursor()),
        ("status_counts 24h", lambda s: s.status_counts(day)),
        ("status_counts all", lambda s: s.status_counts(None)),
        ("status_counts_by agency 7d", lambda s: s.status_counts_by("agency", week, 50)),
        ("status_counts_by kelurahan 7d", lambda s: s.status_counts_by("kelurahan", week, 50)),
        ("status_counts_by category 30d", lambda s: s.status_counts_by("category", month, 50)),
        ("status_counts_by kota all", lambda s: s.status_counts_by("kota", None, 10)),
        ("open_backlog_by_age", lambda s: s.open_backlog_by_age(now)),
        ("flow_by_hour 48h", lambda s: s.flow_by_hour(now - timedelta(hours=48), now)),
        ("flow_by_day 30d", lambda s: s.flow_by_day(month, now)),
        ("latest_changes 50", lambda s: s.latest_changes(50)),
        ("map_points 7d (20k)", lambda s: s.map_points(week, limit=20_000)),
        ("changes_since (500)", lambda s: s.changes_since(max(s.change_cursor() - 1, 0), 500)),
        ("agency_load", lambda s: s.agency_load(now, 50)),
        ("last_ingest", lambda s: s.last_ingest()),
        ("quarantine_list 50", lambda s: s.quarantine_list(50)),
    ]


def run(ctx: Ctx) -> list[Row]:
    rows: list[Row] = []
    for backend, engine in ctx.engines.items():
        rows += seed_rows(ctx, backend)
        naive = naive_ms(engine, ctx.runs)
        rows.append(Row("naive", "read_sql(report) + groupby(status)", backend, naive, "ms"))
        rows += query_rows(ctx, backend, naive)
        rows += ingest_rows(ctx, backend)
    return rows


def seed_rows(ctx: Ctx, backend: str) -> list[Row]:
    res = ctx.seeded.get(backend)
    if res is None:
        return []
    return [
        Row("seed", f"seed {ctx.n:,} reports: rate", backend, res.reports_per_second, "reports/s"),
        Row("seed", "seed: total", backend, res.seconds, "s"),
        Row("seed", "seed: generate", backend, res.generate_seconds, "s"),
        Row("seed", "seed: validate (normalize, parallel)", backend, res.validate_seconds, "s"),
        Row("seed", "seed: load + index + tally", backend, res.load_seconds, "s"),
        Row("seed", "seed: CPU of seeding processes (excl. DB server)", backend, getattr(res, "cpu_seconds", None),
            "s"),
        Row("seed", "seed: status changes", backend, res.n_status_changes, "rows"),
    ]


def naive_ms(engine: Engine, runs: int) -> float:
    """The design we replace: read every report into pandas, then count by status."""
    def naive() -> None:
        with engine.connect() as conn:
            pd.read_sql("SELECT * FROM report", conn).groupby("status").size()
    return median_ms(naive, runs, warm_up=False)  # seconds per call at 1M: no warm-up


def query_rows(ctx: Ctx, backend: str, naive: float) -> list[Row]:
    from dashboard.store import queries

    store = queries.ReportStore(ctx.engines[backend])
    rows = []
    for name, call in query_calls(ctx):
        try:
            ms = median_ms(lambda: call(store), ctx.runs)
        except AttributeError as exc:
            rows.append(Row("query", name, backend, None, "ms", f"missing: {exc}"))
            continue
        except Exception as exc:  # noqa: BLE001 - a failing query is a result, not a crash
            rows.append(Row("query", name, backend, None, "ms", f"{type(exc).__name__}: {exc}"[:80]))
            continue
        rows.append(Row("query", name, backend, ms, "ms", f"naive/query {naive / ms:,.0f}x"))
    return rows


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
                f"{quarantined} quarantined")]
