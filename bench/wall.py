"""Wall benchmark: the worker's snapshot build and the walls' polls through the served app.

The wall's data path has two halves, and both are timed as they run in production:

* **worker** — :func:`dashboard.wall.aggregate.refresh_wall_snapshot`, the job the worker
  runs after every ingest (called here in-process, as the worker calls it). A change batch
  of 100 reports (50 new, 50 moved one status on) is written first through
  ``dashboard.store.writes.upsert_reports`` (the ingest write path; timed apart).
* **web** — ``pantau serve``'s server (:mod:`bench.server`: gunicorn over waitress, the
  process and thread counts of :mod:`dashboard.processes.runner`) on the same store. One
  wall's poll tick is what its browser sends: the wall callback (version check, snapshot
  read when the version moved, the rendered panels) and the freshness callback (the wall's
  freshness read: heartbeats and the newest ingest) at once, then, when the version moved,
  ``/wall/points.json?v=<version>`` (the map's open points).

Rows per backend (median of ``ctx.runs`` or more):

* ``poll unchanged`` — one wall's tick when nothing changed (the wall callback answers 204).
* ``refresh after 100 changes`` (+ fastest, CPU) — the worker's job after one batch.
* ``refresh incl. leaderboard`` — the same with the 30-day ranking recomputed (every 5 min).
* ``cycle with change, 1 / 10 walls`` — one batch's whole cycle: the worker's refresh once,
  then every wall's tick (walls one after the other; each wall's requests at once, as its
  browser sends them). CPU counts this process, the server's processes and the PostgreSQL
  backends of the bench database. ``idle cycle`` — the same with nothing changed.
* the same cycle with Redis (the worker mirrors the snapshot, the server reads Redis).
* ``naive`` ratios — :mod:`bench.naive`: every wall panel's ``GROUP BY`` on every poll; a
  cycle of N walls runs them N times (10 × the measured naive poll). The naive side is reads
  only (no HTTP, no rendering), so the ratio flatters it.

Timings are wall-clock on a shared machine: read ratios within one run.
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np
import requests
from sqlalchemy import Engine, select

from bench import naive, server
from bench.common import Ctx, Row, median_ms
from bench.wall_meters import CpuMeter, medians, timed
from dashboard.config import Settings
from dashboard.models import OPEN_VALUES, Report, Status
from dashboard.processes.runner import WORKERS
from dashboard.reference import Reference
from dashboard.store.schema import report as report_table
from dashboard.store.schema import snapshot
from dashboard.store.writes import upsert_reports
from dashboard.clock import local_midnight
from dashboard.wall import WIDGET
from dashboard.wall.aggregate import redis_client, refresh_wall_snapshot
from layouts import ids

BATCH = 100
WALLS = (1, 10)
POLLS = 30  # unchanged polls per median
REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own, away from a running demo
#: The wall callback's and the freshness callback's outputs (``/_dash-dependencies``).
WALL_OUTPUT, FRESH_OUTPUT = f"{ids.WALL_VERSION}.data", f"{ids.WALL_FRESHNESS}.data"
TICK = f"{ids.WALL_TICK}.n_intervals"
VIEWPORT_PX = 1080


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


# --- the worker's half --------------------------------------------------------------------
def must_refresh(engine: Engine, ref: Reference, settings: Settings) -> None:
    if not refresh_wall_snapshot(engine, ref, utcnow(), settings):
        raise RuntimeError("refresh skipped although the store changed")


def refresh_after_changes(engine: Engine, ref: Reference, settings: Settings, rng: np.random.Generator,
                          rounds: int) -> dict[str, float]:
    """Median write ms, median / fastest refresh ms and median refresh CPU ms over
    ``rounds`` batches."""
    meter, writes, refreshes = CpuMeter(engine), [], []
    for i in range(rounds):
        writes.append(write_changes(engine, ref, rng, f"r{i}-{time.time_ns()}"))
        refreshes.append(meter.measure(lambda: must_refresh(engine, ref, settings)))
    wall, cpu = medians(refreshes)
    return {"write": statistics.median(writes), "wall": wall, "fastest": min(w for w, _ in refreshes),
            "cpu": cpu}


def full_refresh(engine: Engine, ref: Reference, settings: Settings, runs: int) -> float:
    """A refresh that also recomputes the leaderboard (no saved snapshot to carry it from)."""
    def run() -> None:
        with engine.begin() as conn:
            conn.execute(snapshot.delete().where(snapshot.c.widget_id == WIDGET))
        must_refresh(engine, ref, settings)
    return statistics.median(timed(run) for _ in range(runs))


# --- the web half ---------------------------------------------------------------------------
class Walls:
    """``n`` walls polling one served app: one browser session each."""

    def __init__(self, served: server.Served, n: int, pool: ThreadPoolExecutor) -> None:
        self.served, self.pool = served, pool
        self.sessions = [requests.Session() for _ in range(n)]
        self.versions: list[Any] = [None] * n
        self.bytes: dict[str, int] = {}

    def _bodies(self, have: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        values = {"n_intervals": 1}
        wall = self.served.body(WALL_OUTPUT, values, {(ids.WALL_VIEWPORT, "data"): VIEWPORT_PX,
                                                      (ids.WALL_VERSION, "data"): have,
                                                      (ids.WALL_QUERY, "data"): {}})
        fresh = self.served.body(FRESH_OUTPUT, values, {(ids.WALL_QUERY, "data"): {}})
        for body in (wall, fresh):
            body["changedPropIds"] = [TICK]
        return wall, fresh

    def tick(self, i: int) -> bool:
        """Wall ``i``'s poll tick; True when it got a new version (and fetched the points)."""
        s, base = self.sessions[i], self.served.base
        wall, fresh = self._bodies(self.versions[i])
        sent = [self.pool.submit(server.post, base, s, wall, True), self.pool.submit(server.post, base, s, fresh)]
        answer = sent[0].result()
        sent[1].result()
        if answer.status_code == 204:
            return False
        version = answer.json()["response"][ids.WALL_VERSION]["data"]
        self.versions[i] = version
        points = server.get(s, f"{base}/wall/points.json?v={version}", b"")
        self.bytes = {"wall callback answer": len(answer.content),
                      "points.json (gzip)": int(points.headers.get("Content-Length", len(points.content)))}
        return True

    def poll_all(self, expect_new: bool | None) -> None:
        for i in range(len(self.sessions)):
            got = self.tick(i)
            if expect_new is not None and got != expect_new:
                raise RuntimeError(f"wall {i}: new version {got}, expected {expect_new}")


def wall_cycle(engine: Engine, ref: Reference, settings: Settings, served: server.Served,
               rng: np.random.Generator, walls: int, rounds: int, pids: Callable[[], set[int]]
               ) -> tuple[float, float]:
    """Median (wall ms, CPU ms) of one batch's cycle: the worker's refresh, then every
    wall's tick. The write is not timed."""
    meter, runs = CpuMeter(engine, pids), []
    with ThreadPoolExecutor(2) as pool:
        screens = Walls(served, walls, pool)
        screens.poll_all(None)  # each wall holds the current version, as a running wall does
        for i in range(rounds):
            write_changes(engine, ref, rng, f"w{walls}-{i}-{time.time_ns()}")

            def cycle() -> None:
                must_refresh(engine, ref, settings)
                screens.poll_all(True)
            runs.append(meter.measure(cycle))
    return medians(runs)


def idle_cycle(engine: Engine, ref: Reference, settings: Settings, served: server.Served, walls: int,
               runs: int) -> float:
    """An unchanged cycle: the worker's check (no recompute) and every wall's tick (204)."""
    with ThreadPoolExecutor(2) as pool:
        screens = Walls(served, walls, pool)
        refresh_wall_snapshot(engine, ref, utcnow(), settings)
        screens.poll_all(None)

        def cycle() -> None:
            refresh_wall_snapshot(engine, ref, utcnow(), settings)
            screens.poll_all(False)
        return median_ms(cycle, runs)


def poll_unchanged(served: server.Served) -> float:
    with ThreadPoolExecutor(2) as pool:
        screens = Walls(served, 1, pool)
        screens.poll_all(None)
        return median_ms(lambda: screens.poll_all(False), POLLS)


def sizes(served: server.Served) -> dict[str, int]:
    with ThreadPoolExecutor(2) as pool:
        screens = Walls(served, 1, pool)
        screens.poll_all(True)
        return screens.bytes


def server_pids(served: server.Served) -> Callable[[], set[int]]:
    """The server's processes (gunicorn's arbiter and its children) for the CPU meter."""
    def pids() -> set[int]:
        root = served.process.pid
        try:
            children = Path(f"/proc/{root}/task/{root}/children").read_text().split()
        except OSError:
            children = []
        return {root, *map(int, children)}
    return pids


def redis_up() -> bool:
    try:
        return bool(redis_client(REDIS_URL).ping())
    except Exception:  # noqa: BLE001 - any failure means: no Redis rows
        return False


# --- the rows --------------------------------------------------------------------------------
Line = tuple[str, float, str, str, int]  # name, value, unit, note, runs


def cycle_rows(label: str, one: tuple[float, float], ten: tuple[float, float], note: str, runs: int) -> list[Line]:
    return [
        (f"{label}cycle with change, 1 / 10 walls", one[0], "ms", f"10 walls: {ten[0]:,.1f} ms; {note}", runs),
        (f"{label}10 walls / 1 wall (changed)", ten[0] / one[0], "x", "", runs),
        (f"{label}CPU per cycle, 1 / 10 walls", one[1], "ms CPU", f"10 walls: {ten[1]:,.1f} ms CPU", runs),
    ]


def measure(ctx: Ctx, backend: str) -> list[Row]:
    engine, ref, runs = ctx.engines[backend], ctx.ref, ctx.runs
    settings = Settings.from_env({}, database_url=ctx.urls[backend], data_dir=ctx.workdir, sources="seed")
    rng = np.random.default_rng(7)
    now = utcnow()
    day = local_midnight(now, settings.zone)
    shape = f"{server.SHAPE}; walls spread over {WORKERS} processes"
    out: list[Line] = []
    for name, make in naive.WALL_PANELS.items():
        out.append((f"naive per poll: {name}", median_ms(naive.wall_poll(engine, now, day, {name: make}), runs),
                    "ms", "", runs))
    naive_poll = median_ms(naive.wall_poll(engine, now, day), runs)
    out.append(("naive per poll: all panels (1 wall)", naive_poll, "ms", "GROUP BY over the needed columns", runs))
    full = full_refresh(engine, ref, settings, runs)
    r = refresh_after_changes(engine, ref, settings, rng, 3 * runs)
    served = server.start(ctx.urls[backend], ctx.workdir / f"wall-{backend}")
    try:
        pids = server_pids(served)
        poll = poll_unchanged(served)
        one, ten = (wall_cycle(engine, ref, settings, served, rng, w, runs, pids) for w in WALLS)
        idle1, idle10 = (idle_cycle(engine, ref, settings, served, w, runs) for w in WALLS)
        size = sizes(served)
    finally:
        server.stop(served)
    out += [
        ("poll unchanged (wall + freshness callbacks)", poll, "ms", "", POLLS),
        ("write 100 reports (upsert_reports)", r["write"], "ms", "", 3 * runs),
        ("refresh after 100 changes", r["wall"], "ms", "worker: refresh_wall_snapshot", 3 * runs),
        ("refresh after 100 changes, fastest", r["fastest"], "ms", "", 3 * runs),
        ("refresh after 100 changes, CPU", r["cpu"], "ms CPU", "", 3 * runs),
        ("refresh incl. leaderboard (every 5 min)", full, "ms", "", runs),
        *cycle_rows("", one, ten, shape, runs),
        ("naive cycle / cycle with change, 1 wall", naive_poll / one[0], "x", "naive: reads only", runs),
        ("naive cycle / cycle with change, 10 walls", 10 * naive_poll / ten[0], "x", "naive: 10 x naive poll", runs),
        ("idle cycle, 1 / 10 walls", idle1, "ms", f"10 walls: {idle10:,.1f} ms", runs),
    ]
    if redis_up():
        with_redis = settings.with_(redis_url=REDIS_URL)
        served = server.start(ctx.urls[backend], ctx.workdir / f"wall-redis-{backend}",
                              {"PANTAU_REDIS_URL": REDIS_URL})
        try:
            must_refresh_soon(engine, ref, with_redis, rng)
            pids = server_pids(served)
            r1, r10 = (wall_cycle(engine, ref, with_redis, served, rng, w, runs, pids) for w in WALLS)
            out += cycle_rows("Redis: ", r1, r10, shape, runs)
            out.append(("Redis: poll unchanged (wall + freshness callbacks)", poll_unchanged(served), "ms", "", POLLS))
        finally:
            server.stop(served)
    out += [(f"{name} size", n / 1024, "KiB", "", 1) for name, n in size.items()]
    return [Row("wall", name, backend, value, unit, note, n) for name, value, unit, note, n in out]


def must_refresh_soon(engine: Engine, ref: Reference, settings: Settings, rng: np.random.Generator) -> None:
    """A first refresh with Redis set, so the mirror holds the snapshot before walls read it."""
    write_changes(engine, ref, rng, f"redis-{time.time_ns()}")
    must_refresh(engine, ref, settings)


def run(ctx: Ctx) -> list[Row]:
    """``bench`` harness entry: every wall row on every seeded backend of ``ctx``."""
    return [row for backend in ctx.engines for row in measure(ctx, backend)]

