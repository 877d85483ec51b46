"""The wall snapshot: bounded reads in, one JSON payload out (widget id :data:`dashboard.wall.WIDGET`).

:func:`refresh_wall_snapshot` is the worker job. It does nothing while the saved snapshot
is current: same version as the store's change cursor, the newest water reading of every
monitored gate already shown, and younger than :data:`MAX_AGE` (ages and "today" move
with the clock). Otherwise it reads the windows (:mod:`dashboard.store.tallies`,
:mod:`~dashboard.store.flow`, :mod:`~dashboard.store.changes`, :mod:`~dashboard.store.performance`,
:mod:`~dashboard.store.gates`) in one read snapshot and calls the pure
:func:`build_wall_payload`. A full recompute happens at most every
:data:`LEADERBOARD_MAX_AGE`: in between, the leaderboard (a 30-day score) and the flow
hours before the previous hour are carried over from the saved snapshot.

Flood mode (:func:`flood_episode`), with hysteresis so a level hovering at a threshold
does not flap: it starts when a monitored gate's reading reaches Siaga 2 (or 1) and ends
only after every gate has stayed below Siaga 2 for :data:`FLOOD_CALM` (30 min). The
episode is read from the readings themselves (the trend window), so a worker restart does
not forget it. A gate whose newest reading is an alarm older than
:data:`FLOOD_READING_MAX_AGE` (a dead sensor) does not keep the wall in flood mode; the
gate row still shows its level and ``observed_at``.

Status thresholds (``"ok" | "warning" | "danger"``):

* kpis: the worse of *overdue share of open* (open > 7 days) and *unresponded share of
  open* (Menunggu > 6 h): ``>= 25 %`` danger, ``>= 10 %`` warning, else ok;
* backlog buckets: ``gt7d`` (past the resolve target) is danger when it holds ``>= 10 %``
  of the open backlog, warning when it holds any report; ``3d_7d`` (close to the target)
  is warning at ``>= 25 %``; younger buckets are ok.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from redis import Redis
from sqlalchemy import Connection, Engine

from dashboard import scoring
from dashboard.clock import iso_z, local_midnight, parse_iso
from dashboard.config import Settings
from dashboard.wall import WIDGET
from dashboard.wall import delta as wall_delta
from dashboard.models import AGE_BUCKETS, STATUS_ORDER
from dashboard.public.redact import redact
from dashboard.reference import Reference
from dashboard.store import counters, snapshots
from dashboard.store.changes import ticker
from dashboard.store.flow import done_by_agency, flow_24h
from dashboard.store.gates import camera_states, gate_readings, monitored_gates
from dashboard.store.ingest_runs import data_as_of
from dashboard.store.performance import leaderboard_counts
from dashboard.store.portable import floor_hour
from dashboard.store.tallies import open_by_agency, open_by_kelurahan
from dashboard.wall.agencies import KELURAHAN, agency_label, grouped  # noqa: F401 - KELURAHAN re-exported

MAX_AGE = timedelta(seconds=60)
LEADERBOARD_MAX_AGE = timedelta(minutes=5)
FLOOD_READING_MAX_AGE = timedelta(hours=3)
FLOOD_CALM = timedelta(minutes=30)  # all gates below Siaga 2 this long: flood mode ends
FLOOD_SIAGA = 2  # flood mode from this siaga level (2 Siaga, 1 Awas)
TREND_SHOWN = timedelta(hours=6)  # the tiles' trend window
TREND_STEP = timedelta(minutes=10)  # one trend point (the highest reading) per step
AGENCIES = 12
TICKER = 15
TEXT_CHARS = 140
DANGER_SHARE, WARNING_SHARE = 0.25, 0.10
OVERDUE_BUCKET, LATE_BUCKET = AGE_BUCKETS[-1][0], AGE_BUCKETS[-2][0]


@dataclass
class WallInputs:
    """Everything the payload is built from (rows as the reads return them)."""

    version: int
    data_as_of: datetime | None = None
    today: list[tuple[str, str, int]] = field(default_factory=list)  # agency, status, n
    done_today: dict[str, int] = field(default_factory=dict)  # agency -> n
    backlog: list[tuple[str, str, int]] = field(default_factory=list)  # agency, age bucket, open
    unresponded: dict[str, int] = field(default_factory=dict)  # agency -> Menunggu older than 6 h
    open_by_kelurahan: dict[str, int] = field(default_factory=dict)
    flow: list[tuple[datetime, int, int]] = field(default_factory=list)  # hour, new, done
    ticker: list[dict[str, Any]] = field(default_factory=list)  # store.changes.ticker rows
    leaderboard: dict[str, Any] | None = None
    ranking: dict[str, Any] | None = None  # scoring.ranking, when the leaderboard was recomputed
    gates: list[dict[str, Any]] = field(default_factory=list)  # monitored gates
    levels: dict[str, dict[str, Any]] = field(default_factory=dict)  # gate -> observed_at, level_cm, siaga
    trends: dict[str, list[tuple[datetime, float]]] = field(default_factory=dict)
    cameras: dict[str, dict[str, Any]] = field(default_factory=dict)


def iso(t: datetime | None) -> str | None:
    return None if t is None else iso_z(t)


def share_status(part: int, whole: int, danger: float = DANGER_SHARE, warning: float = WARNING_SHARE) -> str:
    if whole <= 0 or part <= 0:
        return "ok"
    share = part / whole
    return "danger" if share >= danger else "warning" if share >= warning else "ok"


def _worst(*statuses: str) -> str:
    order = ("ok", "warning", "danger")
    return max(statuses, key=order.index)


def bucket_status(label: str, n: int, total: int) -> str:
    """Past the resolve target: danger from 10 % of the backlog, else warning if any;
    close to it (3-7 days): warning from 25 %; younger buckets are always ok."""
    if n <= 0 or total <= 0:
        return "ok"
    share = n / total
    if label == OVERDUE_BUCKET:
        return "danger" if share >= WARNING_SHARE else "warning"
    if label == LATE_BUCKET:
        return "warning" if share >= DANGER_SHARE else "ok"
    return "ok"


def group_view(today: dict[str, int], done: int, buckets: dict[str, int], unresponded: int) -> dict[str, Any]:
    """kpis + status_today + backlog_by_age of one group (the city or one agency)."""
    open_ = sum(buckets.values())
    overdue = buckets.get(OVERDUE_BUCKET, 0)
    status = _worst(share_status(overdue, open_), share_status(unresponded, open_))
    return {
        "kpis": {"today_new": sum(today.values()), "today_done": done, "open": open_, "overdue": overdue,
                 "unresponded_6h": unresponded, "status": status},
        "status_today": [{"status": s.value, "n": today.get(s.value, 0)} for s in STATUS_ORDER],
        "backlog_by_age": [{"bucket": label, "n": buckets.get(label, 0),
                            "status": bucket_status(label, buckets.get(label, 0), open_)}
                           for label, _ in AGE_BUCKETS],
    }


def _add(counts: dict[str, dict[str, int]], key: str, sub: str, n: int) -> None:
    inner = counts.setdefault(key, {})
    inner[sub] = inner.get(sub, 0) + n


def group_views(inputs: WallInputs, agencies: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(city view, {agency: view}) in one pass over the rows (see :func:`group_view`)."""
    city, wanted = "", set(agencies)
    today: dict[str, dict[str, int]] = {}
    buckets: dict[str, dict[str, int]] = {}
    for a, status, n in inputs.today:
        _add(today, city, status, n)
        if a in wanted:
            _add(today, a, status, n)
    for a, label, n in inputs.backlog:
        _add(buckets, city, label, n)
        if a in wanted:
            _add(buckets, a, label, n)

    def view(key: str, done: int, unresponded: int) -> dict[str, Any]:
        return group_view(today.get(key, {}), done, buckets.get(key, {}), unresponded)
    return (view(city, sum(inputs.done_today.values()), sum(inputs.unresponded.values())),
            {a: view(a, inputs.done_today.get(a, 0), inputs.unresponded.get(a, 0)) for a in agencies})


def agency_rows(inputs: WallInputs, ref: Reference, limit: int = AGENCIES) -> list[dict[str, Any]]:
    """The ``limit`` agencies with most open reports (ties: more overdue, then code);
    pass :func:`grouped` inputs so all kelurahan offices are one row."""
    load: dict[str, list[int]] = {}
    for a, label, n in inputs.backlog:
        row = load.setdefault(a, [0, 0, inputs.unresponded.get(a, 0)])
        row[0] += n
        row[1] += n if label == OVERDUE_BUCKET else 0
    top = sorted(load.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:limit]
    out = []
    for code, (open_, overdue, unresponded) in top:
        name, kind = agency_label(code, ref)
        out.append({"code": code, "name": name, "kind": kind,
                    "open": open_, "overdue": overdue, "unresponded": unresponded})
    return out


def ticker_rows(rows: list[dict[str, Any]], now: datetime, limit: int = TICKER) -> list[dict[str, Any]]:
    """Latest changes as ticker items. The wall is public: the text has personal data
    redacted (:func:`dashboard.public.redact.redact`, on the whole text, then cut to 140 chars);
    otherwise it is raw (the UI escapes it)."""
    out = []
    for r in rows[:limit]:
        text = redact(r.get("description") or "")
        if len(text) > TEXT_CHARS:
            text = text[: TEXT_CHARS - 1] + "…"
        age = max(0, int((now - r["requested_at"]).total_seconds() // 60))
        out.append({"id": r["id"], "category": r.get("category") or r.get("category_code"),
                    "kelurahan": r.get("kelurahan"), "status": r["status"], "age_minutes": age, "text": text})
    return out


def trend_points(readings: list[tuple[datetime, float]], now: datetime,
                 window: timedelta = TREND_SHOWN, step: timedelta = TREND_STEP) -> list[list]:
    """The readings of the last ``window`` as [iso time, level], at most one per ``step``
    (the highest of the step, stamped with the step's last reading: a peak is never
    smoothed away); a reading every minute would make the payload 10x larger."""
    since = now - window
    steps: dict[int, tuple[datetime, float]] = {}
    for t, v in readings:
        if t < since:
            continue
        key = int((t - since) / step)
        top = steps.get(key)
        steps[key] = (t, float(v)) if top is None else (max(top[0], t), max(top[1], float(v)))
    return [[iso(t), v] for _, (t, v) in sorted(steps.items())]


def gate_rows(inputs: WallInputs, now: datetime) -> list[dict[str, Any]]:
    """Monitored gates that have a reading: level, siaga, thresholds, the last 6 h of
    readings and the camera state (``simulated``: the gate has no camera URL, so its
    still is the simulator's rendering)."""
    out = []
    for g in inputs.gates:
        level = inputs.levels.get(g["code"])
        if level is None:
            continue
        camera = inputs.cameras.get(g["code"], {})
        out.append({"code": g["code"], "name": g["name"], "river": g.get("river"),
                    "level_cm": float(level["level_cm"]), "siaga": int(level["siaga"]),
                    "alert_ratio": round(float(level["level_cm"]) / g["siaga3_cm"], 3) if g.get("siaga3_cm") else 0.0,
                    "observed_at": iso(level["observed_at"]),
                    "thresholds": {str(n): g.get(f"siaga{n}_cm") for n in (3, 2, 1) if g.get(f"siaga{n}_cm")},
                    "trend": trend_points(inputs.trends.get(g["code"], []), now),
                    "camera": {"ok": bool(camera.get("ok")), "last_ok_at": iso(camera.get("last_ok_at")),
                               "simulated": bool(camera.get("ok")) and not g.get("snapshot_url")}})
    return out


def _alarm_spans(gate: dict[str, Any], readings: list[tuple[datetime, float]], latest: dict[str, Any],
                 now: datetime) -> list[tuple[datetime, datetime | None]]:
    """(start, calm) spans during which ``gate`` was at Siaga 2 or worse: ``calm`` is its
    first reading below again (``None``: still in alarm at its newest reading). A reading
    is an alarm when its level reaches the gate's Siaga 2 threshold; the newest one also
    by its ingested siaga. An ongoing alarm older than FLOOD_READING_MAX_AGE is dropped."""
    threshold = gate.get("siaga2_cm")
    marks = [(t, threshold is not None and v >= threshold) for t, v in readings]
    if latest and (not marks or latest["observed_at"] >= marks[-1][0]):
        marks = [m for m in marks if m[0] < latest["observed_at"]]
        marks.append((latest["observed_at"], int(latest["siaga"]) <= FLOOD_SIAGA))
    spans, start = [], None
    for t, alarm in marks:
        if alarm and start is None:
            start = t
        elif not alarm and start is not None:
            spans.append((start, t))
            start = None
    if start is not None and marks[-1][0] >= now - FLOOD_READING_MAX_AGE:
        spans.append((start, None))
    return spans


def flood_episode(inputs: WallInputs, now: datetime, calm: timedelta = FLOOD_CALM) -> dict[str, Any] | None:
    """The flood episode the wall is in at ``now``, or ``None``.

    Flood mode holds from the first alarm reading (Siaga 2 or 1) of an episode until every
    gate has stayed below Siaga 2 for ``calm``: each gate's alarm span is stretched by
    ``calm`` past its calm reading, overlapping spans join, and the span holding ``now`` is
    the episode. Returns ``since`` (its first alarm), ``calm_since`` (when the last gate
    went below, ``None`` while one is still in alarm), and the gate to name: the worst one
    now in alarm (lowest siaga, then highest against its Siaga 1 threshold), else the last to calm
    down. Only the readings in the trend window count (an episode older than that starts
    at the window's start)."""
    by_code = {g["code"]: g for g in inputs.gates}
    spans = []  # (start, end, calm reading or None, gate code)
    for code, gate in by_code.items():
        for start, calm_at in _alarm_spans(gate, inputs.trends.get(code, []), inputs.levels.get(code, {}), now):
            spans.append((start, now + calm if calm_at is None else calm_at + calm, calm_at, code))
    groups: list[list] = []  # overlapping spans joined: [start, end, spans]
    for span in sorted(spans):
        if groups and span[0] <= groups[-1][1]:
            groups[-1][1] = max(groups[-1][1], span[1])
            groups[-1][2].append(span)
        else:
            groups.append([span[0], span[1], [span]])
    episode = next((g[2] for g in groups if g[0] <= now < g[1]), None)
    if episode is None:
        return None
    ongoing = [s[3] for s in episode if s[2] is None]
    if ongoing:
        def worst(code: str) -> tuple:
            level = inputs.levels[code]
            return (int(level["siaga"]), -float(level["level_cm"]) / max(1, by_code[code].get("siaga1_cm") or 1))
        code, calm_since = min(ongoing, key=worst), None
    else:
        last = max(episode, key=lambda s: s[2])
        code, calm_since = last[3], last[2]
    level = inputs.levels.get(code, {})
    return {"gate": code, "name": by_code[code]["name"], "siaga": int(level.get("siaga", FLOOD_SIAGA)),
            "since": iso(episode[0][0]), "calm_since": iso(calm_since)}


def build_wall_payload(inputs: WallInputs, ref: Reference, now: datetime) -> dict[str, Any]:
    """The wall payload, the contract between the worker and the wall's callbacks (module
    docstring for statuses and flood mode). Agencies and their focus views group every kelurahan
    office into one row :data:`KELURAHAN` (:func:`agency_group`)."""
    inputs = grouped(inputs)
    agencies = agency_rows(inputs, ref)
    city, focus = group_views(inputs, [a["code"] for a in agencies])
    gates = gate_rows(inputs, now)
    flood = flood_episode(inputs, now)
    fresh = now - FLOOD_READING_MAX_AGE
    flooded = [g for g in gates if g["siaga"] <= FLOOD_SIAGA and inputs.levels[g["code"]]["observed_at"] >= fresh]
    return {
        "version": inputs.version, "computed_at": iso(now), "data_as_of": iso(inputs.data_as_of),
        **city,
        "flow_24h": {"hours": [iso(h) for h, _, _ in inputs.flow], "new": [int(n) for _, n, _ in inputs.flow],
                     "done": [int(d) for _, _, d in inputs.flow]},
        "agencies": agencies,
        "focus": focus,
        "leaderboard": inputs.leaderboard or scoring.leaderboard([], ref, None),
        "ticker": ticker_rows(inputs.ticker, now),
        "gates": gates,
        "flood_mode": flood is not None,
        "flood": flood,
        "flood_rivers": sorted({g["river"] for g in flooded if g["river"]}),
        "kelurahan_backlog": dict(sorted(inputs.open_by_kelurahan.items())),
    }


@lru_cache(maxsize=4)
def redis_client(url: str) -> Redis | None:
    """One Redis client per URL for the worker process (``None`` when no URL)."""
    return snapshots.redis_client(url)


# --- the worker job: read the windows, build, save ----------------------------------------
TREND_WINDOW = timedelta(hours=12)  # flood episodes are read from this window
TREND_POINTS = 12 * 60 + 30  # every reading of the window (one a minute), then thinned for the payload


def _carried_leaderboard(previous: dict[str, Any] | None, now: datetime) -> dict[str, Any] | None:
    board = (previous or {}).get("leaderboard") or {}
    stamp = board.get("computed_at")
    if not stamp:
        return None
    age = now - parse_iso(stamp)
    return board if timedelta(0) <= age < LEADERBOARD_MAX_AGE else None


def _snapshot_conn(engine: Engine) -> Connection:
    """A connection whose reads all see one snapshot (SQLite's read transaction already
    does; PostgreSQL needs REPEATABLE READ), so tally, report and version agree."""
    conn = engine.connect()
    if conn.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


def read_wall_inputs(engine: Engine, ref: Reference, now: datetime, zone: ZoneInfo,
                     previous: dict[str, Any] | None = None) -> WallInputs:
    """Windowed reads in one snapshot (see the module docstring)."""
    start, hour = local_midnight(now, zone), floor_hour(now)  # flow: the 24 hours up to this one
    with _snapshot_conn(engine) as conn:
        version = counters.current(conn)
        board = _carried_leaderboard(previous, now)  # None: time for a full recompute
        young, today, done = young_parts(conn, str(engine.url), version, now, start,
                                         full=board is None, previous=previous)
        backlog, unresponded = wall_delta.split_backlog(open_by_agency(conn), young)
        carry = (previous or {}).get("flow_24h") if board is not None else None
        ranking = None
        if board is None:
            counts = leaderboard_counts(conn, now - scoring.WINDOW, now)
            board, ranking = scoring.leaderboard(counts, ref, now), scoring.ranking(counts, now)
        monitored = monitored_gates(conn)
        levels, trends = gate_readings(conn, [g["code"] for g in monitored], now - TREND_WINDOW,
                                       TREND_POINTS)
        return WallInputs(
            version=version, data_as_of=data_as_of(conn),
            today=today, done_today=done,
            backlog=backlog, unresponded=unresponded, open_by_kelurahan=open_by_kelurahan(conn),
            flow=flow_24h(conn, hour, carry),
            ticker=ticker(conn, TICKER), leaderboard=board, ranking=ranking, gates=monitored,
            levels=levels, trends=trends,
            cameras=camera_states(conn))


#: the worker's incremental state per store URL (:mod:`dashboard.wall.delta`)
_STATES: dict[str, wall_delta.YoungState] = {}


def young_parts(conn: Connection, key: str, version: int, now: datetime, start: datetime, full: bool,
                previous: dict[str, Any] | None = None) -> tuple[list, list, dict[str, int]]:
    """(young open rows, today's rows, today's Selesai moves) from the incremental state
    (as the reference reads of ``tests/store/oracles.py`` give them). The state is
    advanced only when it produced ``previous`` (the saved snapshot: same version and
    computed_at); otherwise, or when ``full``, or when it cannot advance, it is built afresh."""
    state = _STATES.get(key)
    made_previous = state is not None and previous is not None and (
        previous.get("version"), previous.get("computed_at")) == (state.version, iso(state.at))
    state = wall_delta.advance(conn, state, version, now, start) if made_previous and not full else None
    if state is None:
        state = wall_delta.build(conn, version, now, start, done_by_agency(conn, start))
    _STATES[key] = state
    return state.young_rows(), state.today_rows(), state.done_counts()


def is_current(saved: tuple[Any, int, datetime] | None, version: int, levels: dict[str, dict],
               now: datetime) -> bool:
    """A saved snapshot is current when it reflects ``version``, shows the newest reading
    of every monitored gate (water readings do not bump the change cursor) and is
    younger than :data:`MAX_AGE`."""
    if saved is None:
        return False
    payload, saved_version, computed_at = saved
    shown = {g["code"]: g["observed_at"] for g in payload.get("gates", [])}
    newest = {code: iso(r["observed_at"]) for code, r in levels.items()}
    return (saved_version == version and timedelta(0) <= now - computed_at < MAX_AGE
            and all(shown.get(k) == v for k, v in newest.items()))


def refresh_wall_snapshot(engine: Engine, ref: Reference, now: datetime, settings: Settings) -> bool:
    """Recompute and save the wall snapshot unless it is current (:func:`is_current`).
    Returns whether a snapshot was written."""
    redis = redis_client(settings.redis_url)
    with engine.connect() as conn:
        version = counters.current(conn)
        levels, _ = gate_readings(conn, [c for c, g in ref.gates.items() if g.monitored],
                                  now - TREND_WINDOW, 1)
    saved = snapshots.read_snapshot(engine, WIDGET, redis)
    if is_current(saved, version, levels, now):
        return False
    previous = saved[0] if saved is not None else None
    inputs = read_wall_inputs(engine, ref, now, settings.zone, previous)
    snapshots.save_snapshot(engine, WIDGET, build_wall_payload(inputs, ref, now), inputs.version, now, redis)
    if inputs.ranking is not None:
        snapshots.save_snapshot(engine, scoring.RANKING_SNAPSHOT, inputs.ranking, inputs.version, now)
    return True
