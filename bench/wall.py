"""Wall benchmark: what a poll, a refresh and ten walls cost on a seeded store.

Rows per backend (medians over repeated runs, milliseconds of wall-clock time spent in
the process that does the work, the database server included as it is on this machine):

* ``poll unchanged`` — one web poll when nothing changed: ``snapshots.snapshot_version``
  (one primary-key read). Target ≤ 2 ms.
* ``refresh after 100 changes`` — 50 new + 50 status updates written through the ingest
  write path (``writes.upsert_reports``, timed apart), then ``refresh_wall_snapshot``
  with the leaderboard carried over (it is recomputed at most every 5 min; that cost is
  its own row). Target ≤ 50 ms.
* ``naive full reload`` — the design we replace: ``pandas.read_sql`` of the whole report
  table + groupbys for the same tiles, measured in the same run; the ratio row divides
  it by the refresh. Target ≥ 100×.
* ``CPU`` rows — the same calls measured in CPU time (``wall_meters.CpuMeter``: this process,
  incl. in-process SQLite, plus the PostgreSQL backends of the bench database), which
  does not grow when other processes compete for the 2 cores.
* ``10 walls vs 1`` — DB work of one poll cycle with one change batch: the worker's
  refresh (once, whatever the number of walls) plus, per wall, ``snapshot_version`` and
  the snapshot read because the version moved. Walls are served by ``WEB_WORKERS`` web
  processes (``pantau serve``'s default), each with its own ``SnapshotCache`` as the
  wall callback uses it, so the payload is read once per change per process. Ratio = cycle time with 10 walls / cycle
  time with 1 wall (target ≤ 1.2); the SQL statements per cycle are counted exactly
  (``before_cursor_execute``). The same cycle with Redis (``redis_url`` set: the worker
  mirrors the snapshot, walls read Redis) shows the DB statements no longer grow with
  walls. An unchanged cycle (the worker's check + version reads) is reported too.

* ``wall-browser`` rows — a new report visible in Chromium, the map update with 100k
  points and the JS heap (:mod:`bench.wall_browser`).

Timings are wall-clock on a shared 2-core machine: run it when nothing else is busy;
the statement counts do not depend on load.
"""

from __future__ import annotations

import statistics
import time
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd
from redis import Redis
from sqlalchemy import Engine, select

from bench.common import Ctx
from bench.wall_meters import CpuMeter, StatementCount, median_ms, medians, timed
from dashboard.wall.aggregate import WIDGET, redis_client, refresh_wall_snapshot
from dashboard.models import OPEN_VALUES, Report, Status
from dashboard.config import Settings
from dashboard.reference import Reference
from dashboard.store import snapshots
from dashboard.store.schema import report as report_table
from dashboard.store.schema import snapshot
from dashboard.store.writes import upsert_reports

BATCH = 100
ROUNDS = 7
WEB_WORKERS = 2  # pantau serve --workers default
POLLS = 300
REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own, away from a running demo


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# --- the change batch -------------------------------------------------------------------
def _open_rows(engine: Engine, n: int, rng: np.random.Generator) -> list[Any]:
    """``n`` open reports picked among recent ones (bounded read on the status index)."""
    c = report_table.c
    stmt = (select(report_table).where(c.status.in_(OPEN_VALUES))
            .order_by(c.requested_at.desc()).limit(20 * n))
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    picked = rng.choice(len(rows), size=min(n, len(rows)), replace=False) if rows else []
    return [rows[i] for i in picked]


def _advanced(row: Any, now: datetime) -> Report:
    order = list(Status)
    nxt = order[min(order.index(Status(row.status)) + 1, len(order) - 1)]
    return Report(source=row.source, external_id=row.external_id, category_code=row.category_code,
                  status=nxt, requested_at=row.requested_at, updated_at=now, lat=row.lat, lon=row.lon,
                  description=row.description, address=row.address, media_url=row.media_url,
                  kelurahan_code=row.kelurahan_code, agency_code=row.agency_code)


def _new(ref: Reference, rng: np.random.Generator, now: datetime, tag: str, i: int) -> Report:
    kel = list(ref.kelurahan.values())[int(rng.integers(len(ref.kelurahan)))]
    cat = sorted(ref.categories)[int(rng.integers(len(ref.categories)))]
    return Report(source="bench", external_id=f"{tag}-{i}", category_code=cat, status=Status.MENUNGGU,
                  requested_at=now, updated_at=now, lat=kel.lat, lon=kel.lon,
                  description="Laporan uji beban dinding", kelurahan_code=kel.code,
                  agency_code=ref.route(cat, kel.code))


def write_changes(engine: Engine, ref: Reference, rng: np.random.Generator, tag: str) -> float:
    """Upsert ``BATCH`` reports (half new, half advanced one status); returns ms."""
    now = utcnow()
    updates = [_advanced(r, now) for r in _open_rows(engine, BATCH // 2, rng)]
    batch = updates + [_new(ref, rng, now, tag, i) for i in range(BATCH - len(updates))]

    def write() -> None:
        with engine.begin() as conn:
            upsert_reports(conn, batch, now)
    return timed(write)


# --- the measurements -------------------------------------------------------------------
def poll_unchanged(engine: Engine, redis: Redis | None = None) -> float:
    return median_ms(lambda: snapshots.snapshot_version(engine, WIDGET, redis), POLLS)


def refresh_after_changes(engine: Engine, ref: Reference, settings: Settings, rng: np.random.Generator,
                          rounds: int = 2 * ROUNDS + 1) -> dict[str, float]:
    """Median write ms, median / fastest refresh ms and median refresh CPU ms over
    ``rounds`` batches."""
    meter, writes, refreshes = CpuMeter(engine), [], []
    for i in range(rounds):
        writes.append(write_changes(engine, ref, rng, f"r{i}-{time.time_ns()}"))
        refreshes.append(meter.measure(lambda: _must_refresh(engine, ref, settings)))
    wall, cpu = medians(refreshes)
    return {"write": statistics.median(writes), "wall": wall, "fastest": min(w for w, _ in refreshes),
            "cpu": cpu}


def _must_refresh(engine: Engine, ref: Reference, settings: Settings) -> None:
    if not refresh_wall_snapshot(engine, ref, utcnow(), settings):
        raise RuntimeError("refresh skipped although the store changed")


def full_refresh(engine: Engine, ref: Reference, settings: Settings) -> float:
    """A refresh that also recomputes the leaderboard (no saved snapshot to carry from)."""
    def run() -> None:
        with engine.begin() as conn:
            conn.execute(snapshot.delete().where(snapshot.c.widget_id == WIDGET))
        _must_refresh(engine, ref, settings)
    return statistics.median(timed(run) for _ in range(3))


def naive_reload(engine: Engine) -> tuple[float, float]:
    """The replaced design: read the whole report table, compute the tiles in pandas.
    (wall ms, CPU ms), medians of 3."""
    def run() -> None:
        with engine.connect() as conn:
            df = pd.read_sql(select(report_table), conn)
        now = pd.Timestamp(utcnow())
        req = pd.to_datetime(df["requested_at"], utc=True, format="ISO8601")
        is_open = df["status"].isin(OPEN_VALUES)
        age = (now - req[is_open]).dt.total_seconds() / 3600
        df["status"].value_counts()
        df[is_open].groupby("agency_code").size().nlargest(12)
        pd.cut(age, [-1, 6, 24, 72, 168, 1e9]).value_counts()
        df[req >= now.normalize()].groupby(["agency_code", "status"]).size()
        df[is_open].groupby("kelurahan_code").size()
        df[req >= now - pd.Timedelta(days=30)].groupby("kelurahan_code")["status"].value_counts()
    meter = CpuMeter(engine)
    return medians([meter.measure(run) for _ in range(3)])


def wall_cycle(engine: Engine, ref: Reference, settings: Settings, rng: np.random.Generator,
               walls: int) -> tuple[float, float, float]:
    """One poll cycle after one change batch: the worker's refresh (once) + per wall a
    version read and a snapshot read. Medians over ROUNDS of (wall ms, CPU ms, SQL
    statements); the write itself is excluded. With ``settings.redis_url`` the walls
    read Redis."""
    redis = redis_client(settings.redis_url)
    meter, runs, statements = CpuMeter(engine), [], []
    for i in range(ROUNDS):
        write_changes(engine, ref, rng, f"w{walls}-{i}-{time.time_ns()}")

        caches = [snapshots.SnapshotCache() for _ in range(WEB_WORKERS)]

        def cycle() -> None:
            _must_refresh(engine, ref, settings)
            for wall in range(walls):
                version = snapshots.snapshot_version(engine, WIDGET, redis)
                caches[wall % WEB_WORKERS].read(engine, WIDGET, version, redis)
        with StatementCount(engine) as count:
            runs.append(meter.measure(cycle))
        statements.append(count.n)
    return (*medians(runs), statistics.median(statements))


def idle_cycle(engine: Engine, ref: Reference, settings: Settings, walls: int) -> float:
    """An unchanged cycle: the worker's check (no recompute) + per wall a version read."""
    redis = redis_client(settings.redis_url)

    def cycle() -> None:
        refresh_wall_snapshot(engine, ref, utcnow(), settings)
        for _ in range(walls):
            snapshots.snapshot_version(engine, WIDGET, redis)
    refresh_wall_snapshot(engine, ref, utcnow(), settings)
    return median_ms(cycle, 50)


def redis_settings(settings: Settings) -> Settings | None:
    """``settings`` with the bench's Redis database (15), or ``None`` when unreachable."""
    client = snapshots.redis_client(REDIS_URL)
    try:
        client.ping()
    except Exception:  # noqa: BLE001 - any failure means: no Redis rows
        return None
    return settings.with_(redis_url=REDIS_URL)


def payload_bytes(engine: Engine) -> int:
    saved = snapshots.read_snapshot(engine, WIDGET)
    return len(snapshots.encode(saved[0])) if saved else 0


def cycle_rows(label: str, one: tuple, ten: tuple, target: str) -> list[tuple[str, float, str, str]]:
    """Rows comparing a 1-wall and a 10-wall cycle: time, CPU, statements, ratios."""
    return [
        (f"{label}cycle with change, 1 / 10 walls", one[0], "ms", f"10 walls: {ten[0]:.1f} ms"),
        (f"{label}10 walls / 1 wall (changed)", ten[0] / one[0], "x", target),
        (f"{label}CPU per cycle, 1 / 10 walls", one[1], "ms CPU", f"10 walls: {ten[1]:.1f} ms CPU"),
        (f"{label}10 walls / 1 wall (changed, CPU)", ten[1] / one[1], "x", target),
        (f"{label}SQL statements per cycle, 1 / 10 walls", one[2], "statements", f"10 walls: {ten[2]:g}"),
    ]


def measure(engine: Engine, ref: Reference, settings: Settings, n_reports: int) -> list[dict[str, Any]]:
    """Every wall row for one seeded backend, as plain dicts (name, value, unit, target)."""
    rng = np.random.default_rng(7)
    full = full_refresh(engine, ref, settings)
    poll = poll_unchanged(engine)
    r = refresh_after_changes(engine, ref, settings, rng)
    naive, naive_cpu = naive_reload(engine)
    one, ten = (wall_cycle(engine, ref, settings, rng, w) for w in (1, 10))
    idle1, idle10 = (idle_cycle(engine, ref, settings, w) for w in (1, 10))
    rows = [
        ("poll unchanged (snapshot_version)", poll, "ms", "<= 2 ms"),
        ("write 100 reports (upsert_reports)", r["write"], "ms", ""),
        ("refresh after 100 changes", r["wall"], "ms", "<= 50 ms"),
        ("refresh after 100 changes, fastest of 15", r["fastest"], "ms", ""),
        ("refresh after 100 changes, CPU", r["cpu"], "ms CPU", ""),
        ("refresh incl. leaderboard (every 5 min)", full, "ms", ""),
        ("naive full reload (read_sql + groupby)", naive, "ms", ""),
        ("naive / refresh", naive / r["wall"], "x", ">= 100x"),
        ("naive / refresh, CPU", naive_cpu / r["cpu"], "x", ">= 100x"),
        *cycle_rows("", one, ten, "<= 1.2x"),
        ("idle cycle, 1 / 10 walls", idle1, "ms", f"10 walls: {idle10:.1f} ms"),
    ]
    with_redis = redis_settings(settings)
    if with_redis is not None:
        r1, r10 = (wall_cycle(engine, ref, with_redis, rng, w) for w in (1, 10))
        rows += cycle_rows("Redis: ", r1, r10, "<= 1.2x")
        rows.append(("Redis: poll unchanged (snapshot_version)",
                     poll_unchanged(engine, redis_client(with_redis.redis_url)), "ms", "<= 2 ms"))
    rows.append(("payload size", payload_bytes(engine) / 1024, "KiB", ""))
    backend = engine.dialect.name
    return [{"backend": backend, "reports": n_reports, "name": name, "value": round(value, 3),
             "unit": unit, "target": target} for name, value, unit, target in rows]


def run(ctx: Ctx) -> list:
    """``bench`` harness entry: every wall row on every seeded backend of ``ctx``."""
    from bench.common import Row
    from dashboard.config import Settings

    rows = []
    for backend, engine in ctx.engines.items():
        settings = Settings.from_env({}, database_url=ctx.urls[backend], data_dir=ctx.workdir, sources="seed")
        for d in measure(engine, ctx.ref, settings, ctx.n):
            rows.append(Row("wall", d["name"], backend, d["value"], d["unit"], _note(d["target"])))
    return rows + browser_rows(ctx)


def browser_rows(ctx: Ctx) -> list:
    """The Chromium rows (:mod:`bench.wall_browser`, its own 100k-point SQLite store);
    a failure is one error row, not the end of the run."""
    from bench import wall_browser
    from bench.common import Row
    try:
        return wall_browser.run(ctx)
    except Exception as exc:  # noqa: BLE001 - e.g. no Chromium on this machine
        return [Row("wall-browser", "error", "sqlite", None, "", f"{type(exc).__name__}: {exc}"[:90])]


def _note(target: str) -> str:
    """"target <= 2 ms" for a target, the text itself for an informational note."""
    return f"target {target}" if target.startswith(("<", ">", "=")) else target


# --- standalone: python -m bench.wall --reports N (the harness, this module only) --------
def main(argv: list[str] | None = None) -> int:
    """Seed fresh stores as ``python -m bench`` does, run only these rows, print them."""
    import argparse
    import tempfile
    from pathlib import Path

    from sqlalchemy import create_engine

    from bench.__main__ import PG_ADMIN, _cleanup, _seed_store, machine_table, rows_table
    from bench.common import Ctx
    from dashboard.reference import load_reference

    parser = argparse.ArgumentParser(prog="python -m bench.wall", description="Pantau wall benchmark")
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--days", type=float, default=90)  # as `python -m bench`
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pantau-bench-wall-") as tmp:
        ctx = Ctx(args.reports, args.days, utcnow(), load_reference(), {}, {}, Path(tmp))
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        try:
            for backend in args.backends.split(","):
                _seed_store(ctx, backend.strip(), admin)
            rows = run(ctx)
            print(machine_table(ctx) + "\n\n" + rows_table(rows, list(ctx.engines)))
        finally:
            _cleanup(ctx, admin)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
