"""Supervisor filter changes through the deployed server, end to end.

Per filter this times what the server does for one change: ``pantau serve``'s server
(:mod:`bench.server`: gunicorn over waitress, :mod:`dashboard.processes.runner`'s process
and thread counts) on the seeded store, an admin account signed in through the login form,
and the three data callbacks of a filter change — overview, insights and a first grid
block — POSTed to ``/_dash-update-component``, with the map's points
(``/supervisor/points.json`` with the same filters), all at once, as the browser sends them.
The clock runs from sending the first request to receiving the last answer: session and
authorization checks, input validation, the reads, the figures and the JSON. Each part is
also timed alone (one request in flight: where the time goes), and the naive overview
(:func:`bench.naive.supervisor_overview`: the counts and the trend as ``GROUP BY`` with the
filter as ``WHERE``) beside it. Medians of ``ctx.runs`` per row (a warm-up first); an
answer that is not 200 with data stops the run with what it got.

Also usable on an existing store: ``python -m bench.supervisor_served URL [--runs N]``.
"""

from __future__ import annotations

import argparse
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

import requests
from sqlalchemy import Engine

from bench import naive, server
from bench.common import Ctx, Row, median_ms
from dashboard.reference import load_reference
from dashboard.store.engine import make_engine
from dashboard.store.users import add_user, remove_user
from dashboard.supervisor.filters import Filters, to_query
from layouts import ids

USER, PASSWORD = "bench-admin", "bench-password-1"
WIB = ZoneInfo("Asia/Jakarta")
#: An output of each callback a filter change fires.
CALLBACKS = {"overview": f"{ids.SUPERVISOR_KPIS}.children", "insights": f"{ids.SUPERVISOR_RESPOND_FIG}.figure",
             "table": f"{ids.SUPERVISOR_TABLE}.getRowsResponse"}
FIRST_BLOCK = {"startRow": 0, "endRow": 100, "sortModel": [{"colId": "requested_at", "sort": "desc"}],
               "filterModel": {}}
SECTION = "supervisor-served"


def filters_for(now: datetime) -> dict[str, Filters]:
    """The representative filter changes (the README's rows)."""
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


def run(ctx: Ctx) -> list[Row]:
    return [r for backend, url in ctx.urls.items()
            for r in measure(ctx.engines[backend], url, backend, ctx.now, ctx.runs, ctx.workdir / f"served-{backend}")]


def measure(engine: Engine, url: str, backend: str, now: datetime, runs: int, data_dir: Path) -> list[Row]:
    remove_user(engine, USER)
    add_user(engine, USER, PASSWORD, "admin", None)
    served = server.start(url, data_dir)
    try:
        rows = []
        with ThreadPoolExecutor(len(CALLBACKS) + 1) as pool:
            sessions = [server.signed_in(served.base, USER, PASSWORD) for _ in range(len(CALLBACKS) + 1)]
            for label, filters in filters_for(now).items():
                search = "?" + to_query(filters)
                parts: dict[str, Callable[[requests.Session], Any]] = {
                    name: _poster(served, output, search) for name, output in CALLBACKS.items()}
                parts["map points"] = _points(served.base, search)

                def change(parts: dict[str, Callable[[requests.Session], Any]] = parts) -> None:
                    sent = [pool.submit(call, s) for s, call in zip(sessions, parts.values())]
                    for answer in sent:
                        answer.result()

                all_at_once = median_ms(change, runs)
                rows.append(Row(SECTION, f"{label}: filter change over HTTP (3 callbacks, map points)",
                                backend, all_at_once, "ms", f"target ≤ 300 ms; {server.SHAPE}", runs))
                for name, call in parts.items():
                    rows.append(Row(SECTION, f"{label}: {name} alone", backend,
                                    median_ms(lambda call=call: call(sessions[0]), runs), "ms", "", runs))
                overview = median_ms(naive.supervisor_overview(engine, filters, now, WIB), runs)
                rows.append(Row(SECTION, f"{label}: naive overview (GROUP BY per change)", backend, overview, "ms",
                                f"naive / served change {overview / all_at_once:.2g}x", runs))
        return rows
    finally:
        server.stop(served)
        remove_user(engine, USER)


def _poster(served: server.Served, output: str, search: str) -> Callable[[requests.Session], Any]:
    body = served.body(output, {"search": search, "getRowsRequest": FIRST_BLOCK})
    return lambda s: server.post(served.base, s, body)


def _points(base: str, search: str) -> Callable[[requests.Session], Any]:
    return lambda s: server.get(s, f"{base}/supervisor/points.json{search}", b'{"type":"FeatureCollection"')


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.supervisor_served",
                                     description="time supervisor filter changes through gunicorn on a store")
    parser.add_argument("url", help="SQLAlchemy URL of a seeded store (an admin account is added, then removed)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--now", default=None, help="ISO time the date filters count from (default: now)")
    args = parser.parse_args()
    engine = make_engine(args.url)
    now = datetime.fromisoformat(args.now) if args.now else datetime.now().astimezone()
    with tempfile.TemporaryDirectory(prefix="pantau-served-") as tmp:
        for r in measure(engine, args.url, engine.dialect.name, now, args.runs, Path(tmp)):
            print(f"| {r.name} | {r.backend} | {r.value} {r.unit} | {r.note} |")


if __name__ == "__main__":
    main()
