"""Fast history generation for ``pantau seed --reports N --days D``.

1. Draw ``n`` reports and their full status histories with numpy
   (:mod:`dashboard.simulator.history`: the live simulator's distributions).
2. Validate every record through the ingest's own rules:
   :func:`dashboard.ingest.normalize.normalize` on the raw Open311-shaped dict, then
   check that it lands in the kelurahan, agency, category and status we generated.
   ``locate`` is memoised per distinct point (the points come from per-kelurahan pools).
3. Bulk load ``report``, ``reporter``, ``status_change`` (COPY on PostgreSQL, tuple
   executemany on SQLite) with secondary indexes dropped and rebuilt after, rebuild
   ``tally`` with one GROUP BY, and bump the ``changes`` counter once, stamping every
   seeded row. Source name ``seed``; external ids ``seed-<seed>-<id, 10 digits>`` (in index order).
4. Hourly water levels at the monitored gates for the same ``days``.

One transaction: a failed seed leaves the store as it was.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from multiprocessing.connection import Connection as PipeEnd
from typing import Any, Iterator

import numpy as np
from sqlalchemy import Connection, Engine
from tqdm import tqdm

from dashboard.ingest.normalize import normalize
from dashboard.models import Report
from dashboard.reference import Reference
from dashboard.simulator import history, model, text
from dashboard.simulator.water import simulate_levels
from dashboard.store import bulk, counters
from dashboard.store.seeding import refresh_statistics, water_hours
from dashboard.store.schema import report, reporter, status_change, water_level

SOURCE = "seed"
REPORT_COLUMNS = ("id", "source", "external_id", "category_code", "status", "description",
                  "address", "media_url", "lat", "lon", "kelurahan_code", "kecamatan_code",
                  "kota_code", "agency_code", "requested_at", "updated_at", "responded_at",
                  "closed_at", "reopen_count", "flags", "change_seq")
REPORTER_COLUMNS = ("report_id", "first_name", "last_name", "email", "phone", "device_id", "account_id")
CHANGE_COLUMNS = ("report_id", "from_status", "to_status", "changed_at")
BIG_LOAD = 20_000  # from this many reports, indexes are dropped and rebuilt around the load
SQLITE_CACHE_KIB = 256 * 1024  # page cache while rebuilding indexes after a big load


class SeedError(Exception):
    """A generated record failed validation (a bug in the generator, never data)."""


@dataclass(frozen=True)
class SeedResult:
    n_reports: int
    n_status_changes: int
    n_water_levels: int
    change_seq: int
    seconds: float
    generate_seconds: float
    validate_seconds: float
    load_seconds: float
    cpu_seconds: float = 0.0  # CPU of this process + the validator (not the database server)

    @property
    def reports_per_second(self) -> float:
        return self.n_reports / self.seconds if self.seconds else 0.0

    def __str__(self) -> str:
        return (f"seeded {self.n_reports:,} reports ({self.n_status_changes:,} status changes, "
                f"{self.n_water_levels:,} water readings) in {self.seconds:.1f} s: "
                f"{self.reports_per_second:,.0f} validated reports/s (change cursor {self.change_seq})")


class _MemoRef:
    """The reference with ``locate`` memoised (same answers, computed once per point)."""

    def __init__(self, ref: Reference) -> None:
        self._ref, self._memo = ref, {}

    def locate(self, lon: float, lat: float) -> tuple[str | None, bool]:
        key = (lon, lat)
        if key not in self._memo:
            self._memo[key] = self._ref.locate(lon, lat)
        return self._memo[key]

    def __getattr__(self, name: str) -> Any:  # delegate everything else
        return getattr(self._ref, name)


def seed(engine: Engine, ref: Reference, n_reports: int, days: float, seed: int,
         now: datetime, progress: bool = True, reports_end: datetime | None = None) -> SeedResult:
    """Generate, validate and bulk-load ``n_reports`` reports over the ``days`` before
    ``reports_end`` (default ``now``: a history that ends at the present moment, its
    statuses as of then), and hourly water levels over the ``days`` before ``now``. An
    earlier ``reports_end`` leaves the last hours to a simulator that replays them
    (:func:`dashboard.simulator.source.replay_lead`)."""
    started, cpu = time.perf_counter(), time.process_time()
    world = model.build_world(ref, seed)
    end = now if reports_end is None else min(reports_end, now)
    hist = history.generate(world, n_reports, days, seed, int(end.timestamp()))
    cols = _columns(world, ref, hist)
    generated = time.perf_counter()
    checker = _Validator(ref, cols, now, progress)  # runs beside the load when it can fork
    with engine.begin() as conn:
        try:
            seq, n_changes = _load(conn, cols, hist, seed, progress=False)
            n_water = _water(conn, ref, days, now, seed)
        except Exception:
            checker.wait()  # a record the database refused is reported as invalid first
            raise
        loaded = time.perf_counter()
        checker.wait()  # raises SeedError before the commit: nothing invalid is kept
    refresh_statistics(engine)
    done = time.perf_counter()
    return SeedResult(n_reports, n_changes, n_water, seq, done - started, generated - started,
                      checker.seconds, loaded - generated, time.process_time() - cpu + checker.cpu)


def _columns(world: model.World, ref: Reference, hist: history.History) -> dict[str, list]:
    """Per-report Python lists (strings built once, shared by validation and load)."""
    d = hist.drawn
    cats = np.array(world.categories, dtype=object)[d["cat"]].tolist()
    kels = np.array(world.kelurahan, dtype=object)[d["kel"]]
    names = {k: ref.kelurahan[k].name for k in world.kelurahan}
    points = world.pools[d["kel"], d["point"]]
    ks = d["text"].tolist()
    return {
        "category": cats, "kelurahan": kels.tolist(), "ks": ks,
        "kecamatan": [k[:8] for k in kels.tolist()], "kota": [k[:5] for k in kels.tolist()],
        "agency": np.array(world.agencies, dtype=object)[d["agency"]].tolist(),
        "status": history.NAMES[hist.status].tolist(),
        "lon": points[:, 0].tolist(), "lat": points[:, 1].tolist(),
        "description": [text.description(c, k, names[kel]) for c, k, kel in zip(cats, ks, kels.tolist())],
        "address": [text.address(k, kel, ref) for k, kel in zip(ks, kels.tolist())],
        "requested_iso": _iso(hist.requested), "updated_iso": _iso(hist.updated),
        "requested_at": bulk.sql_time(hist.requested).tolist(),
        "updated_at": bulk.sql_time(hist.updated).tolist(),
        "responded_at": bulk.sql_time(hist.responded).tolist(),
        "closed_at": bulk.sql_time(hist.closed).tolist(),
        "reopen_count": hist.reopened.tolist(),
    }


def _iso(epochs: np.ndarray) -> list[str]:
    """ISO 8601 UTC with a zone, as a feed sends it: '2026-11-27T03:00:00+00:00'."""
    return bulk.epoch_texts(epochs, "T", "+00:00").tolist()


def raw_records(cols: dict[str, list]) -> Iterator[dict]:
    """The Open311-shaped dict of every generated report (agency given by code)."""
    for i, k in enumerate(cols["ks"]):
        yield {
            "service_request_id": f"seed-row-{i}", "jakarta_status": cols["status"][i],
            "service_code": cols["category"][i], "description": cols["description"][i],
            "agency_responsible": cols["agency"][i], "requested_datetime": cols["requested_iso"][i],
            "updated_datetime": cols["updated_iso"][i], "lat": cols["lat"][i], "long": cols["lon"][i],
            "address": cols["address"][i], **text.reporter(k),
        }


def validate(ref: Reference, cols: dict[str, list], now: datetime, progress: bool = False) -> int:
    """Run every record through ``normalize``; raise :class:`SeedError` on any refusal
    or on a record that normalizes to something other than what was generated."""
    memo = _MemoRef(ref)
    n = len(cols["ks"])
    for i, raw in enumerate(tqdm(raw_records(cols), total=n, desc="validate", disable=not progress,
                                 mininterval=0.5, unit="rec")):
        got = normalize(raw, SOURCE, memo, now)
        if not isinstance(got, Report):
            raise SeedError(f"record {i} refused: {got.reason.value}: {got.detail}")
        if (got.kelurahan_code, got.agency_code, got.category_code, got.status.value, got.flags) != (
                cols["kelurahan"][i], cols["agency"][i], cols["category"][i], cols["status"][i], ()):
            raise SeedError(f"record {i} normalizes differently: {got}")
    return n


class _Validator:
    """:func:`validate` in a forked child process (so it overlaps the database load on
    another core), or inline where fork is unavailable. :meth:`wait` raises its error."""

    def __init__(self, ref: Reference, cols: dict[str, list], now: datetime, progress: bool) -> None:
        self.started = time.perf_counter()
        self.seconds = self.cpu = 0.0  # the child's wall and CPU time (inline: counted by the caller)
        if "fork" not in mp.get_all_start_methods():
            validate(ref, cols, now, progress)
            self.seconds, self.proc = time.perf_counter() - self.started, None
            return
        ctx = mp.get_context("fork")
        self.recv, send = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_validate_child, args=(send, ref, cols, now, progress), daemon=True)
        self.proc.start()
        send.close()

    def wait(self) -> None:
        if self.proc is None:
            return
        try:
            error, self.seconds, self.cpu = self.recv.recv()
        except EOFError:
            error = f"validator process died (exit code {self.proc.exitcode})"
        self.proc.join()
        if error:
            raise SeedError(error)


def _validate_child(send: PipeEnd, ref: Reference, cols: dict[str, list], now: datetime, progress: bool) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    error = None
    try:
        validate(ref, cols, now, progress)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises
        error = f"{type(exc).__name__}: {exc}"
    send.send((error, time.perf_counter() - started, time.process_time() - cpu))


def _load(conn: Connection, cols: dict[str, list], hist: history.History, seed: int, progress: bool) -> tuple[int, int]:
    """Bulk insert the three report tables; returns (change_seq, status changes)."""
    n = len(hist)
    seq = counters.bump(conn)
    first = bulk.next_id(conn, report)
    ids = list(range(first, first + n))
    big = n >= BIG_LOAD
    cache = bulk.sqlite_cache(conn, SQLITE_CACHE_KIB) if big else None
    dropped = bulk.drop_indexes(conn, [report, status_change]) if big else []
    keys = bulk.drop_foreign_keys(conn, [reporter, status_change]) if big else []
    steps = tqdm(total=3, desc="load", disable=not progress, unit="table")
    bulk.load_rows(conn, report, REPORT_COLUMNS, _report_rows(ids, cols, seed, seq))
    steps.update()
    bulk.load_rows(conn, reporter, REPORTER_COLUMNS,
                   ((rid, *text.reporter(k).values()) for rid, k in zip(ids, cols["ks"])))
    steps.update()
    row, frm, to, at = hist.changes
    from_names = np.where(frm < 0, None, history.NAMES[np.maximum(frm, 0)]).tolist()
    n_changes = bulk.load_rows(conn, status_change, CHANGE_COLUMNS, zip(
        (row + first).tolist(), from_names, history.NAMES[to].tolist(), bulk.sql_time(at).tolist()))
    steps.update()
    steps.close()
    bulk.create_indexes(conn, dropped)
    bulk.add_foreign_keys(conn, keys)
    for table in (report, status_change):
        bulk.sync_sequence(conn, table)
    bulk.rebuild_tally(conn)
    bulk.restore_sqlite_cache(conn, cache)
    return seq, n_changes


def _report_rows(ids: list[int], cols: dict[str, list], seed: int, seq: int) -> Iterator[tuple]:
    n = len(ids)
    return zip(
        ids, [SOURCE] * n, [f"seed-{seed}-{i:010d}" for i in ids], cols["category"], cols["status"],
        cols["description"], cols["address"], [None] * n, cols["lat"], cols["lon"], cols["kelurahan"],
        cols["kecamatan"], cols["kota"], cols["agency"], cols["requested_at"], cols["updated_at"],
        cols["responded_at"], cols["closed_at"], cols["reopen_count"], [""] * n, [seq] * n,
    )


def _water(conn: Connection, ref: Reference, days: float, now: datetime, seed: int) -> int:
    """Hourly readings at the monitored gates over the last ``days``, bulk loaded;
    hours already stored (an earlier seed) are skipped, so re-seeding is safe."""
    end = now.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(hours=int(days * 24))
    have = water_hours(conn, start)
    readings = [r for h in range(int(days * 24), -1, -1)
                for r in simulate_levels(ref.gates.values(), end - timedelta(hours=h), seed)
                if (r.gate_code, r.observed_at) not in have]
    if not readings:
        return 0
    times = bulk.sql_time(np.array([int(r.observed_at.timestamp()) for r in readings], dtype=np.int64))
    return bulk.load_rows(conn, water_level, ("gate_code", "observed_at", "level_cm", "siaga"),
                          ((r.gate_code, t, r.level_cm, r.siaga) for r, t in zip(readings, times)))
