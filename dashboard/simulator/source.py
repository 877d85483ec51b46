"""The built-in live feed: :class:`SimulatorSource` speaks the ReportSource protocol and
emits raw Open311-shaped dicts that go through the same normalize/upsert path as any
real feed.

Time. Real time is cut into one-second *ticks* counted from the run's start. Tick ``k``
stands for simulated time ``start + k * speed`` seconds: the simulated clock (hour of day,
WIB) decides *how many* reports arrive in a tick, but every record is stamped with the
tick's real start time. A fetch only processes ticks that have fully ended, so no stamp
is ever later than the real ``now`` (the ingest quarantines future timestamps). Durations
drawn in simulated time are divided by ``speed``: at speed 60 a "7-day" job takes 2.8 h.

Determinism. Tick ``k`` draws from ``default_rng([seed, k])``, ids are
``SIM<seed>-<run>-<tick>-<i>``, and the open reports being tracked are the only state.
The cursor is ``"<run>:<next tick>"``. The state file at ``state_path`` keeps two
snapshots of the tracked set: the one the fetch started from and the one it ended at.
A fetch starts from the snapshot whose tick matches the cursor it is given, so after a
crash between fetch and the caller's commit (cursor not saved) the next fetch starts
from the old snapshot again and regenerates the same reports (the idempotent upsert
absorbs them). Callers that do not keep cursors call :meth:`commit_state` after their
commit and pass ``cursor=None``. With no usable snapshot the simulator starts a new run
at ``now``.

One record per report per batch: the ingest quarantines a second record with the same
id in one batch, so a report's next event waits for the next fetch (stamped then). The
tracked set is bounded (:data:`MAX_TRACKED`, sized for speed 60 where a report lives
~3 real hours on average): past it, the reports whose next move is furthest away (those
an agency ignores) drop out of tracking and stay open at their last status.
"""

from __future__ import annotations

import heapq
import orjson
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from dashboard.ingest.sources import Batch
from dashboard.models import Status, open311_status
from dashboard.reference import Reference
from dashboard.simulator import model, text

WIB = timezone(timedelta(hours=7))
DAILY_REPORTS = 3000  # simulated reports per simulated day (Qlue-like volume)
MAX_TICKS = 900  # ticks processed per fetch; after a longer outage time jumps ahead
MAX_TRACKED = 20_000


class SimulatorSource:
    name = "simulator"

    def __init__(self, seed: int, speed: float, state_path: Path | str, ref: Reference,
                 daily_reports: float = DAILY_REPORTS, max_tracked: int = MAX_TRACKED) -> None:
        self.seed, self.speed, self.ref = int(seed), float(speed), ref
        self.state_path = Path(state_path)
        self.daily_reports, self.max_tracked = daily_reports, max_tracked
        self.world = model.build_world(ref, self.seed)
        self._pending: dict | None = None
        self._snapshots: list[dict] | None = None  # what the state file holds

    # --- protocol ---------------------------------------------------------------------
    def fetch(self, cursor: str | None, now: datetime) -> Batch:
        """Records for every tick that ended since ``cursor`` (at most MAX_TICKS)."""
        state = self._start_state(cursor, now)
        now_tick = int(now.timestamp()) - state["real_start"]
        first = max(state["tick"], now_tick - MAX_TICKS)
        run = _Run(self, state)
        for k in range(first, now_tick):
            run.tick(k)
        end = run.finish(max(first, now_tick))
        self._save([self._loaded_base, end] if self._loaded_base is not None else [end])
        self._pending = end
        return Batch(run.records, f"{end['run']}:{end['tick']}")

    def commit_state(self) -> None:
        """Mark the last fetch as committed (for callers that do not keep the cursor)."""
        if self._pending is not None:
            self._save([dict(self._pending, committed=True)])

    def sim_time(self, now: datetime) -> datetime | None:
        """The simulated clock at real ``now`` for the current run (None before one)."""
        snaps = self._load()
        if not snaps:
            return None
        start = snaps[-1]["real_start"]
        return datetime.fromtimestamp(start + (now.timestamp() - start) * self.speed, WIB)

    # --- state ------------------------------------------------------------------------
    def _start_state(self, cursor: str | None, now: datetime) -> dict:
        snaps = self._load()
        self._loaded_base = None
        for snap in snaps:
            if (cursor is not None and cursor == f"{snap['run']}:{snap['tick']}") or (
                    cursor is None and snap.get("committed")):
                self._loaded_base = snap
                return orjson.loads(orjson.dumps(snap))  # a private copy to advance
        start = int(now.timestamp())
        return {"version": 1, "seed": self.seed, "real_start": start,
                "run": datetime.fromtimestamp(start, timezone.utc).strftime("%y%m%d%H%M%S"),
                "tick": 0, "tracked": {}}

    def _load(self) -> list[dict]:
        if self._snapshots is not None:
            return self._snapshots
        try:
            data = orjson.loads(self.state_path.read_bytes())
        except (FileNotFoundError, ValueError):
            return []
        snaps = data.get("snapshots", []) if isinstance(data, dict) else []
        self._snapshots = [s for s in snaps if s.get("seed") == self.seed]
        return self._snapshots

    def _save(self, snapshots: list[dict]) -> None:
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_bytes(orjson.dumps({"snapshots": snapshots}))
        os.replace(tmp, self.state_path)
        self._snapshots = snapshots


class _Run:
    """One fetch: advances the tracked set tick by tick and collects records."""

    def __init__(self, source: SimulatorSource, state: dict) -> None:
        self.src, self.state = source, state
        state.pop("committed", None)
        self.tracked: dict[str, list] = state["tracked"]
        self.heap = [(entry[7][0][0], rid) for rid, entry in self.tracked.items() if entry[7]]
        heapq.heapify(self.heap)
        self.emitted: set[str] = set()
        self.deferred: list[tuple[int, str]] = []
        self.records: list[dict] = []

    def tick(self, k: int) -> None:
        self._updates(k)
        self._arrivals(k)

    def _arrivals(self, k: int) -> None:
        src, world = self.src, self.src.world
        rng = np.random.default_rng([src.seed, k])
        sim_epoch = self.state["real_start"] + k * src.speed
        hour = ((sim_epoch / model.HOUR) + 7) % 24
        lam = src.daily_reports / model.DAY * src.speed * float(model.hour_weight(hour))
        n = int(rng.poisson(lam))
        if n == 0:
            return
        drawn = model.draw_reports(world, rng, n)
        offsets = model.lifecycles(world, rng, drawn)
        for i in range(n):
            rid = f"SIM{src.seed}-{self.state['run']}-{k}-{i}"
            entry = [k] + [int(drawn[f][i]) for f in ("cat", "kel", "point", "text", "agency")]
            entry += [Status.MENUNGGU.value, _schedule(k, offsets[i], src.speed)]
            self.tracked[rid] = entry
            self._emit(rid, entry, k)
            if entry[7]:
                heapq.heappush(self.heap, (entry[7][0][0], rid))

    def _updates(self, k: int) -> None:
        while self.heap and self.heap[0][0] <= k:
            due, rid = heapq.heappop(self.heap)
            entry = self.tracked.get(rid)
            if entry is None or not entry[7] or entry[7][0][0] != due:
                continue  # dropped from tracking
            if rid in self.emitted:
                self.deferred.append((due, rid))
                continue
            _, col = entry[7].pop(0)
            entry[6] = model.STEPS[col].value
            self._emit(rid, entry, k)
            if entry[7]:
                entry[7][0][0] = max(entry[7][0][0], k + 1)
                heapq.heappush(self.heap, (entry[7][0][0], rid))

    def _emit(self, rid: str, entry: list, k: int) -> None:
        self.emitted.add(rid)
        start = self.state["real_start"]
        self.records.append(raw_record(self.src, rid, entry, start + entry[0], start + k))

    def finish(self, next_tick: int) -> dict:
        for due, rid in self.deferred:  # waits for the next fetch
            self.tracked[rid][7][0][0] = max(due, next_tick)
        done = [rid for rid, e in self.tracked.items() if not e[7]]
        for rid in done:
            del self.tracked[rid]
        excess = len(self.tracked) - self.src.max_tracked
        if excess > 0:
            for rid in sorted(self.tracked, key=lambda r: -self.tracked[r][7][0][0])[:excess]:
                del self.tracked[rid]
        self.state["tick"] = next_tick
        return self.state


def _schedule(k: int, offsets: np.ndarray, speed: float) -> list[list[int]]:
    """[[due tick, step column], ...] strictly increasing, at least one tick apart."""
    out: list[list[int]] = []
    last = k
    for col, off in enumerate(offsets):
        if np.isnan(off):
            continue
        due = max(last + 1, k + int(np.ceil(off / speed)))
        out.append([due, col])
        last = due
    return out


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), WIB).isoformat()


def raw_record(src: SimulatorSource, rid: str, entry: list, requested: float, stamp: float) -> dict:
    """The Open311 GeoReport v2 dict (plus jakarta_status and reporter fields)."""
    _, cat_i, kel_i, point_i, k, agency_i, status = entry[:7]
    world, ref = src.world, src.ref
    category = ref.categories[world.categories[cat_i]]
    kel_code = world.kelurahan[kel_i]
    lon, lat = world.pools[kel_i, point_i]
    return {
        "service_request_id": rid,
        "status": open311_status(Status(status)),
        "jakarta_status": status,
        "service_code": category.code,
        "service_name": category.name,
        "description": text.description(category.code, k, ref.kelurahan[kel_code].name),
        "agency_responsible": ref.agencies[world.agencies[agency_i]].name,
        "requested_datetime": iso(requested),
        "updated_datetime": iso(stamp),
        "lat": f"{lat:.6f}",
        "long": f"{lon:.6f}",
        "address": text.address(k, kel_code, ref),
        "media_url": None,
        **text.reporter(k),
    }
