"""``python -m bench --reports N`` — Pantau's benchmark harness (``make bench N=...``).

It seeds one fresh store per backend — a SQLite file in a temporary directory and a new
PostgreSQL database ``bench_<pid>`` (created here, dropped at the end) — with N reports
through :func:`dashboard.simulator.seed.seed`, then runs every benchmark module and prints one
markdown table: the machine, then one row per measurement with a column per backend. The
same is written to ``--results`` (default ``bench/results.json``), which
:mod:`bench.table` renders into the README.

Adding a benchmark: write ``bench/<name>.py`` with ``run(ctx: bench.common.Ctx) ->
list[bench.common.Row]`` and add it to :data:`MODULES`. ``ctx`` carries ``n``, ``days``,
``now``, ``ref``, ``engines`` / ``urls`` per backend (``"sqlite"``, ``"postgresql"``),
``workdir``, ``runs`` (≥ 5, for medians) and ``seeded`` (the SeedResult per backend).
Modules run in order on the same stores; a module that writes should come last.
A module that is missing or fails is reported in the output, never fatal.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import signal
import sqlite3
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from types import FrameType, ModuleType

from sqlalchemy import Engine, create_engine, text

from bench.common import Ctx, Row
from bench.table import RESULTS, machine_table, results_dict, rows_table
from dashboard.reference import load_reference
from dashboard.simulator.seed import seed
from dashboard.store import schema
from dashboard.store.engine import make_engine
from dashboard.store.refdata import store_reference

MODULES = ("bench.spine", "bench.wall", "bench.wall_browser", "bench.supervisor_served", "bench.public")
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Pantau benchmarks")
    parser.add_argument("--reports", type=int, default=1_000_000, help="reports seeded per store")
    parser.add_argument("--days", type=float, default=90, help="days of seeded history")
    parser.add_argument("--runs", type=int, default=5, help="runs per median (at least 5)")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument("--modules", default=",".join(MODULES), help="benchmark modules to run, in order")
    parser.add_argument("--pg-url", default=PG_ADMIN,
                        help="PostgreSQL server to create the bench_<pid> database on (any existing db)")
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help="results file to write (JSON; `make readme` puts it in the README)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)  # a killed run still drops its database
    with tempfile.TemporaryDirectory(prefix="pantau-bench-") as tmp:
        ctx = Ctx(args.reports, args.days, datetime.now(timezone.utc), load_reference(), {}, {},
                  Path(tmp), runs=max(5, args.runs))
        admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
        try:
            for backend in args.backends.split(","):
                _seed_store(ctx, backend.strip(), admin)
            rows = _run_modules(ctx, args.modules.split(","))
            machine = machine_facts(ctx)
            print(machine_table(machine))
            print()
            print(rows_table(rows, list(ctx.engines)))
            args.results.write_text(json.dumps(results_dict(machine, list(ctx.engines), rows), indent=1,
                                               ensure_ascii=False) + "\n", encoding="utf-8")
            print(f"# results: {args.results}", flush=True)
        finally:
            _cleanup(ctx, admin)
    return 0


def _seed_store(ctx: Ctx, backend: str, admin: Engine) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{ctx.workdir / 'bench.db'}"
    elif backend in ("postgres", "postgresql"):
        backend, name = "postgresql", f"bench_{os.getpid()}"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin.url.set(database=name).render_as_string(hide_password=False)
    else:
        raise SystemExit(f"unknown backend {backend!r}")
    engine = make_engine(url)
    ctx.engines[backend], ctx.urls[backend] = engine, url
    schema.create_all(engine)
    store_reference(engine, ctx.ref)
    print(f"# seeding {ctx.n:,} reports on {backend} ...", flush=True)
    ctx.seeded[backend] = seed(engine, ctx.ref, ctx.n, ctx.days, 42, ctx.now, progress=True)
    print(f"# {backend}: {ctx.seeded[backend].reports_per_second:,.0f} reports/s", flush=True)


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _run_modules(ctx: Ctx, names: list[str]) -> list[Row]:
    """Every module's rows; each module's own table is printed as soon as it is done."""
    rows: list[Row] = []
    for name in (n.strip() for n in names if n.strip()):
        started = time.perf_counter()
        try:
            module = importlib.import_module(name)
            got = _call(module, ctx)
        except Exception as exc:  # noqa: BLE001 - one broken module must not hide the rest
            traceback.print_exc()
            got = [Row("error", name, b, None, "", f"{type(exc).__name__}: {exc}"[:90]) for b in ctx.engines]
        rows += got
        print(f"# {name}: {time.perf_counter() - started:.1f} s", flush=True)
        print(rows_table(got, list(ctx.engines)) + "\n", file=sys.stderr, flush=True)
    return rows


def _call(module: ModuleType, ctx: Ctx) -> list[Row]:
    rows: list[Row] = module.run(ctx)
    return rows


def _cleanup(ctx: Ctx, admin: Engine) -> None:
    for backend, engine in ctx.engines.items():
        engine.dispose()
        if backend == "postgresql":
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "bench_{os.getpid()}" WITH (FORCE)'))
    admin.dispose()


def machine_facts(ctx: Ctx) -> dict[str, str]:
    """The machine and the run: CPU, cores, RAM, Python, SQLite and PostgreSQL versions, N."""
    versions = {"sqlite": sqlite3.sqlite_version}
    if "postgresql" in ctx.engines:
        with ctx.engines["postgresql"].connect() as conn:
            versions["postgresql"] = str(conn.execute(text("SHOW server_version")).scalar())
    return {
        "CPU": _cpu_model(), "cores": str(os.cpu_count()), "RAM": _ram(),
        "python": platform.python_version(), **versions,
        "reports per store": f"{ctx.n:,} over {ctx.days:g} days",
        "runs per median": f"at least {ctx.runs} (each row's runs column)",
        "date": ctx.now.strftime("%Y-%m-%d %H:%M UTC"),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram() -> str:
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        return f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        return "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
