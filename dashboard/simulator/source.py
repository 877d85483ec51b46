"""The built-in live feed: :class:`SimulatorSource` speaks the ReportSource protocol and
emits raw Open311-shaped dicts that go through the same normalize/upsert path as any
real feed.

Time. Real time is cut into one-second *ticks* counted from the run's real start ``t0``.
Every record carries *simulated* times: a report's ``requested_datetime`` is the simulated
moment it arrived (spread uniformly over its tick's simulated interval) and each
``updated_datetime`` is the simulated moment of that status change. The simulated clock
at ``x`` real seconds into a run is::

    sim(x) = min(t0 + x, s0 + x * speed)        s0 = t0 - lead,  lead = (speed - 1) * fast_for

* speed 1 (the default, ``make demo``): ``lead`` is 0 and the simulated clock *is* the wall
  clock, so a day on the wall is a normal day at that hour.
* speed > 1 *replays the recent past*: the clock starts ``lead`` behind the wall clock, runs
  ``speed`` times faster, meets the present after ``fast_for`` real seconds (10 minutes
  by default: at speed 60 the last 9.8 hours are replayed), and from then on keeps real
  time. A faster clock that never stopped would soon be stamping the future; one that
  stamped the present would put an hour of reports into one minute.
* speed < 1 runs behind the wall clock for good.

Since ``sim(x) <= t0 + x`` and a fetch only processes ticks that have fully ended, no stamp
is ever later than the real ``now`` (the ingest quarantines future timestamps). Durations
are drawn in simulated seconds and scheduled at the tick whose simulated interval holds
them (:func:`tick_of`); nothing is rescaled by ``speed``.

Determinism. Tick ``k`` draws from ``default_rng([seed, k])``, ids are
``SIM<seed>-<run>-<tick>-<i>``, and the open reports being tracked are the only state.
The cursor is ``"<run>:<next tick>"``. The state file at ``state_path`` keeps two
snapshots of the tracked set: the one the fetch started from and the one it ended at.
A fetch starts from the snapshot whose tick matches the cursor it is given, so after a
crash between fetch and the caller's commit (cursor not saved) the next fetch starts
from the old snapshot again and regenerates the same reports (the idempotent upsert
absorbs them). Callers that do not keep cursors call :meth:`commit_state` after their
commit and pass ``cursor=None``. With no usable snapshot (none, another seed, another
speed) the simulator starts a new run at ``now``.

Restarts. A run resumed after a pause (the demo stopped for hours) continues from the
present: at most :data:`MAX_TICKS` real seconds before ``now`` are filled in, the rest of
the pause has no arrivals (the honest gap of a feed that was off), and the status changes
of tracked reports that fell due during the pause are delivered with their own simulated
times, as a feed catching up would.

One record per report per batch: the ingest quarantines a second record with the same
id in one batch, so a report's next event waits for the next fetch (keeping its own
time). The tracked set is bounded (:data:`MAX_TRACKED`): past it, the reports whose next
move is furthest away (those an agency ignores) drop out of tracking and stay open at
their last status.
"""

from __future__ import annotations

import heapq
import math
import orjson
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from dashboard.ingest.batch import Batch
from dashboard.models import Status, open311_status
from dashboard.reference import Reference
from dashboard.simulator import model, text

WIB = timezone(timedelta(hours=7))
DAILY_REPORTS = 3000  # simulated reports per simulated day (Qlue-like volume)
MAX_TICKS = 900  # ticks processed per fetch; after a longer outage time jumps ahead
MAX_TRACKED = 20_000
FAST_FOR = 600.0  # real seconds a speed > 1 run takes to catch up with the present
STATE_VERSION = 2


def replay_lead(speed: float, fast_for: float = FAST_FOR) -> timedelta:
    """How far behind the wall clock a run at ``speed`` starts (zero at speed <= 1). A
    history seeded for that run should end this long before the run starts, or the replay
    would double the reports of those hours."""
    return timedelta(seconds=max(0.0, (speed - 1.0) * fast_for))


def sim_clock(state: dict, x: float) -> float:
    """The simulated epoch ``x`` real seconds into the run of ``state``."""
    return min(state["real_start"] + x, state["sim_start"] + x * state["speed"])


def tick_of(state: dict, at: float) -> int:
    """The tick whose simulated interval holds the simulated epoch ``at``."""
    return math.floor(max((at - state["sim_start"]) / state["speed"], at - state["real_start"]))


class SimulatorSource:
    name = "simulator"

    def __init__(self, seed: int, speed: float, state_path: Path | str, ref: Reference,
                 daily_reports: float = DAILY_REPORTS, max_tracked: int = MAX_TRACKED,
                 fast_for: float = FAST_FOR) -> None:
        if speed <= 0:
            raise ValueError("simulator speed must be positive")
        self.seed, self.speed, self.ref = int(seed), float(speed), ref
        self.state_path = Path(state_path)
        self.daily_reports, self.max_tracked, self.fast_for = daily_reports, max_tracked, fast_for
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
        state = snaps[-1]
        return datetime.fromtimestamp(sim_clock(state, now.timestamp() - state["real_start"]), WIB)

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
        return {"version": STATE_VERSION, "seed": self.seed, "speed": self.speed,
                "real_start": start,
                "sim_start": start - replay_lead(self.speed, self.fast_for).total_seconds(),
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
        self._snapshots = [s for s in snaps if s.get("version") == STATE_VERSION
                           and s.get("seed") == self.seed and s.get("speed") == self.speed]
        return self._snapshots

    def _save(self, snapshots: list[dict]) -> None:
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_bytes(orjson.dumps({"snapshots": snapshots}))
        os.replace(tmp, self.state_path)
        self._snapshots = snapshots


#: A tracked report: [requested epoch, cat, kel, point, text, agency, status, schedule];
#: the schedule is [[due tick, step column, simulated epoch], ...].
DUE, AT = 0, 2


class _Run:
    """One fetch: advances the tracked set tick by tick and collects records."""

    def __init__(self, source: SimulatorSource, state: dict) -> None:
        self.src, self.state = source, state
        state.pop("committed", None)
        self.tracked: dict[str, list] = state["tracked"]
        self.heap = [(entry[7][0][DUE], rid) for rid, entry in self.tracked.items() if entry[7]]
        heapq.heapify(self.heap)
        self.emitted: set[str] = set()
        self.deferred: list[tuple[int, str]] = []
        self.records: list[dict] = []

    def tick(self, k: int) -> None:
        self._updates(k)
        self._arrivals(k)

    def _arrivals(self, k: int) -> None:
        src, world, state = self.src, self.src.world, self.state
        rng = np.random.default_rng([src.seed, k])
        begin, end = sim_clock(state, k), sim_clock(state, k + 1)
        hour = (((begin + end) / 2 / model.HOUR) + 7) % 24
        lam = src.daily_reports / model.DAY * (end - begin) * float(model.hour_weight(hour))
        n = int(rng.poisson(lam))
        if n == 0:
            return
        requested = np.floor(np.sort(rng.uniform(begin, end, n))).astype(np.int64)
        drawn = model.draw_reports(world, rng, n)
        offsets = model.lifecycles(world, rng, drawn)
        for i in range(n):
            rid = f"SIM{src.seed}-{state['run']}-{k}-{i}"
            entry = [int(requested[i])] + [int(drawn[f][i]) for f in ("cat", "kel", "point", "text", "agency")]
            entry += [Status.MENUNGGU.value, _schedule(state, k, int(requested[i]), offsets[i])]
            self.tracked[rid] = entry
            self._emit(rid, entry, entry[0])
            if entry[7]:
                heapq.heappush(self.heap, (entry[7][0][DUE], rid))

    def _updates(self, k: int) -> None:
        while self.heap and self.heap[0][0] <= k:
            due, rid = heapq.heappop(self.heap)
            entry = self.tracked.get(rid)
            if entry is None or not entry[7] or entry[7][0][DUE] != due:
                continue  # dropped from tracking
            if rid in self.emitted:
                self.deferred.append((due, rid))
                continue
            _, col, at = entry[7].pop(0)
            entry[6] = model.STEPS[col].value
            self._emit(rid, entry, at)
            if entry[7]:
                entry[7][0][DUE] = max(entry[7][0][DUE], k + 1)
                heapq.heappush(self.heap, (entry[7][0][DUE], rid))

    def _emit(self, rid: str, entry: list, at: int) -> None:
        self.emitted.add(rid)
        self.records.append(raw_record(self.src, rid, entry, entry[0], at))

    def finish(self, next_tick: int) -> dict:
        for due, rid in self.deferred:  # waits for the next fetch
            self.tracked[rid][7][0][DUE] = max(due, next_tick)
        done = [rid for rid, e in self.tracked.items() if not e[7]]
        for rid in done:
            del self.tracked[rid]
        excess = len(self.tracked) - self.src.max_tracked
        if excess > 0:
            for rid in sorted(self.tracked, key=lambda r: -self.tracked[r][7][0][DUE])[:excess]:
                del self.tracked[rid]
        self.state["tick"] = next_tick
        return self.state


def _schedule(state: dict, k: int, requested: int, offsets: np.ndarray) -> list[list[int]]:
    """[[due tick, step column, simulated epoch], ...]: each event at the tick whose
    simulated interval holds it, ticks strictly increasing (at least one apart)."""
    out: list[list[int]] = []
    last = k
    for col, off in enumerate(offsets):
        if np.isnan(off):
            continue
        at = requested + int(off)
        due = max(last + 1, tick_of(state, at))
        out.append([due, col, at])
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
