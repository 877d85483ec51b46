"""Supervisor benchmark: the reads of one filter change on a seeded store.

A filter change in the browser fires the view's data callbacks (overview, insights,
table) and the map fetches its points (``/supervisor/points.json``) beside them; each
runs its reads on one connection. This module times the same reads (``supervisor_queries`` +
``supervisor_insights``) for representative filters and reports the median per part and
their sum: where the time goes. ``bench.supervisor_served`` times the whole change
through the deployed server (figures, JSON and HTTP included), the row the ≤ 300 ms
target at 1M is checked on.

Also usable on an existing store: ``python -m bench.supervisor URL [--runs N]``.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from bench.common import Ctx, Row, median_ms
from dashboard.supervisor.filters import Filters
from dashboard.reference import load_reference
from dashboard.store import supervisor_cube as cube
from dashboard.store import supervisor_insights as insights
from dashboard.store import supervisor_queries as sq
from dashboard.store.engine import make_engine

WIB = ZoneInfo("Asia/Jakarta")


def filters_for(now: datetime) -> dict[str, Filters]:
    ref = load_reference()
    kel = sorted(ref.kelurahan)[0]
    today = now.astimezone(WIB).date()
    return {
        "none (whole store)": Filters(),
        "last 7 days": Filters(since=today - timedelta(days=6), until=today),
        "kota 31.71": Filters(kota="31.71"),
        "status menunggu": Filters(status=("menunggu",)),
        "one kelurahan": Filters(kelurahan=kel, kota=ref.kelurahan[kel].kota_code),
        "overdue only": Filters(overdue=True),
    }


def overview(engine: Engine, view: sq.View) -> None:
    """The reads of ``callbacks.supervisor`` overview (one cube, trend, and the
    kelurahan page when one is chosen; its city ranking is the one ``bench.wall``'s
    snapshot refresh saved, or, run alone, computed once and kept 5 min, so the median run
    does not pay the 30-day scan, as a supervisor clicking around would not)."""
    with engine.connect() as conn:
        if view.filters.kelurahan:
            insights.kelurahan_score(conn, view.filters.kelurahan, view.now), insights.open_backlog(conn, view)
        cells = cube.cells(conn, view)
        cube.summary(conn, view, cells), sq.trend(conn, view)
        for dim in ("agency", "kelurahan", "category"):
            cube.counts_by(cells, dim, 15, by_open=True)
        cube.counts_by(cells, "kelurahan", 1000, by_open=True)


def analysis(engine: Engine, view: sq.View) -> None:
    """The reads of ``callbacks.supervisor`` insights: one sample of the newest reports and
    their status changes; the histograms and flags are counted over the sample in Python."""
    with engine.connect() as conn:
        sample = insights.sample(conn, view)
        insights.funnel(conn, sample)
    insights.response_times(sample), insights.gaming_flags(sample)


def table(engine: Engine, view: sq.View) -> None:
    """One grid block (no total count: the infinite row model learns the end from a short block)."""
    with engine.connect() as conn:
        sq.page(conn, view, 0, 100, [("requested_at", True)])


def points(engine: Engine, view: sq.View) -> None:
    """The map's points (``/supervisor/points.json``): the newest matching reports."""
    with engine.connect() as conn:
        sq.map_points(conn, view, sq.MAX_POINTS)


CALLBACKS = {"overview": overview, "insights": analysis, "table": table, "map points": points}


def measure(engine: Engine, backend: str, now: datetime, runs: int) -> list[Row]:
    rows = []
    for label, f in filters_for(now).items():
        view = sq.View(f, None, now, WIB)
        parts = {name: median_ms(lambda fn=fn: fn(engine, view), runs) for name, fn in CALLBACKS.items()}
        for name, ms in parts.items():
            rows.append(Row("supervisor", f"{label}: {name}", backend, round(ms, 1), "ms"))
        rows.append(Row("supervisor", f"{label}: filter change, reads only (sum)", backend,
                        round(sum(parts.values()), 1), "ms"))
    return rows


def run(ctx: Ctx) -> list[Row]:
    return [r for backend, engine in ctx.engines.items() for r in measure(engine, backend, ctx.now, ctx.runs)]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.supervisor")
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--now", default="2026-11-27T03:00:00+00:00")
    args = parser.parse_args()
    engine = make_engine(args.url)
    for r in measure(engine, engine.dialect.name, datetime.fromisoformat(args.now), args.runs):
        print(f"| {r.name} | {r.backend} | {r.value} {r.unit} | {r.note} |")


if __name__ == "__main__":
    main()
