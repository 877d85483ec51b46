"""How well reports are handled: the kelurahan scores' counts (:func:`leaderboard_counts`),
response-time distribution against the 6 h / 7 d targets, the hand-off funnel with the
median time spent at each hop, anti-gaming flags and the kelurahan page (its score and
the parts of the formula).

Callers: the wall snapshot (``dashboard.wall.aggregate.read_wall_inputs``:
:func:`leaderboard_counts`) and the supervisor view (``callbacks.supervisor``: :func:`sample`,
:func:`funnel`, :func:`response_times`, :func:`gaming_flags`, :func:`kelurahan_score`).

The view's reads take a :class:`~dashboard.store.view.View` (scope always applied).
The insights look at the newest :data:`INSIGHT_ROWS` reports of the filtered set (a bound,
so a filter change stays cheap on a 1M store; the panels say so), read once by
:func:`sample`: response times and flags are counted here over those rows, the funnel
reads their status changes in one more query. Elapsed times come from
``portable.elapsed_seconds`` in that read, so both backends agree; bounds are
inclusive, with :data:`~dashboard.store.portable.EPSILON_S` of slack.

Anti-gaming flags (per kelurahan and per agency, with at least :data:`MIN_REPORTS` reports):

* ``quick_close``: share of reports closed within :data:`QUICK_CLOSE` (10 min) of arrival
  — too fast to have been fixed; flagged at :data:`QUICK_SHARE` (20 %) or more.
* ``reopen``: share of ever-closed reports that were opened again — closed without a
  fix; flagged at :data:`REOPEN_SHARE` (20 %) or more.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import compress
from typing import Any, NamedTuple

from sqlalchemy import (BigInteger, Connection, DateTime, Select, any_, bindparam, func, literal_column, select,
                        type_coerce)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql import ColumnElement

from dashboard import scoring
from dashboard.clock import parse_iso
from dashboard.models import OPEN_VALUES, RESOLVE_TARGET, RESPOND_TARGET, Status
from dashboard.scoring import KelurahanCounts
from dashboard.store.portable import EPSILON_S, count_where as _flag, elapsed_seconds, is_pg
from dashboard.store.schema import report, status_change
from dashboard.store.snapshots import read_snapshot
from dashboard.store.tallies import open_by_kelurahan
from dashboard.store.view import View

H = 3600.0
#: (label, upper bound in seconds) — the last bucket is open-ended.
RESPOND_BUCKETS = (("lt1h", 1 * H), ("1h_6h", 6 * H), ("6h_24h", 24 * H), ("1d_3d", 72 * H), ("gt3d", None))
RESOLVE_BUCKETS = (("lt1d", 24 * H), ("1d_3d", 72 * H), ("3d_7d", 168 * H), ("7d_14d", 336 * H), ("gt14d", None))
#: Hops of the hand-off funnel: status → what the supervisor calls that step.
HOPS = ((Status.MENUNGGU, "kelurahan"), (Status.KOORDINASI, "koordinasi"), (Status.DISPOSISI, "disposisi"),
        (Status.PROSES, "suku dinas"), (Status.SELESAI, "selesai"))
QUICK_CLOSE = timedelta(minutes=10)
QUICK_SHARE = 0.20
REOPEN_SHARE = 0.20
MIN_REPORTS = 5
#: The insights look at the newest this-many reports of the filtered set.
INSIGHT_ROWS = 5_000


class Sampled(NamedTuple):
    """One report of a :func:`sample`."""

    id: int
    status: str
    reopen_count: int
    kelurahan_code: str | None
    agency_code: str
    respond_s: float | None  # seconds from arrival to responded_at (None while unset)
    resolve_s: float | None  # seconds from arrival to closed_at (None while unset)


def sample(conn: Connection, view: View, limit: int = INSIGHT_ROWS) -> list[Sampled]:
    """The newest ``limit`` reports of the view, newest first: read once, then every
    insight of a filter change looks at them."""
    c = report.c
    stmt = (select(c.id, c.status, c.reopen_count, c.kelurahan_code, c.agency_code,
                   elapsed_seconds(conn, c.requested_at, c.responded_at),
                   elapsed_seconds(conn, c.requested_at, c.closed_at))
            .where(*view.where()).order_by(c.requested_at.desc(), c.id.desc()).limit(limit))
    return list(map(Sampled._make, conn.execute(stmt).all()))


def response_times(rows: Sequence[Sampled]) -> dict[str, Any]:
    """Histograms of time to coordination (first move past Menunggu) and time to done
    (closed and Selesai) over a :func:`sample`, with how many met the targets and how
    many are still waiting."""
    done = Status.SELESAI.value
    respond = [r.respond_s for r in rows if r.respond_s is not None]
    resolve = [r.resolve_s for r in rows if r.resolve_s is not None and r.status == done]
    return {
        "respond": _histogram(respond, RESPOND_BUCKETS), "resolve": _histogram(resolve, RESOLVE_BUCKETS),
        "respond_in_target": _at_most(respond, RESPOND_TARGET), "resolve_in_target": _at_most(resolve, RESOLVE_TARGET),
        "not_responded": len(rows) - len(respond), "not_resolved": sum(r.status != done for r in rows),
    }


def _histogram(seconds: Iterable[float], buckets: tuple) -> list[tuple[str, int]]:
    """(label, count) per bucket: each holds what is above the previous bucket's bound and
    at most its own (the last one: everything above)."""
    bounds = [high + EPSILON_S for _label, high in buckets[:-1]]
    counts = [0] * len(buckets)
    for s in seconds:
        counts[bisect_left(bounds, s)] += 1
    return [(label, n) for (label, _high), n in zip(buckets, counts)]


def _at_most(seconds: Iterable[float], limit: timedelta) -> int:
    bound = limit.total_seconds() + EPSILON_S
    return sum(s <= bound for s in seconds)


def funnel(conn: Connection, rows: Sequence[Sampled]) -> list[dict[str, Any]]:
    """Per hop: reports of a :func:`sample` that reached it and the median hours spent
    there (from entering it to the next status change; None when nothing has left it
    yet). Their status changes (a few per report) are read in one query, in order,
    through the covering (report_id, changed_at, …) index, and summed here."""
    sc = status_change.c
    at = type_coerce(sc.changed_at, DateTime())  # naive UTC, without UTCDateTime's per-row step
    stmt = (select(sc.report_id, sc.to_status, at).where(_one_of(conn, sc.report_id, [r.id for r in rows]))
            .order_by(sc.report_id, sc.changed_at, sc.id))
    reached, spans = _walk(conn.execute(stmt).all())
    return [{"status": s.value, "hop": hop, "reached": len(reached.get(s.value, ())),
             "median_hours": _median_hours(spans.get(s.value))} for s, hop in HOPS]


def _walk(changes: Iterable[tuple[int, str, datetime]]) -> tuple[dict[str, set], dict[str, list[float]]]:
    """(reports that reached each status, seconds spent in it until the report's next
    change) from ``(report_id, to_status, changed_at)`` ordered by report, then time."""
    reached: dict[str, set] = {}
    spans: dict[str, list[float]] = {}
    previous = None
    for report_id, status, changed_at in changes:
        reached.setdefault(status, set()).add(report_id)
        if previous is not None and previous[0] == report_id:
            spans.setdefault(previous[1], []).append((changed_at - previous[2]).total_seconds())
        previous = (report_id, status, changed_at)
    return reached, spans


def _one_of(conn: Connection, col: Any, ids: list[int]) -> Any:
    """``col IN ids`` with the ids in one parameter (a plain ``IN`` binds one per id, ~1 ms
    per thousand): on PostgreSQL an array (``= ANY``, so the planner walks the index per id
    instead of hashing the whole status_change table), on SQLite a JSON list (``json_each``)."""
    if is_pg(conn):
        return col == any_(bindparam("ids", list(ids), type_=ARRAY(BigInteger)))
    return col.in_(select(func.json_each(json.dumps(list(ids))).table_valued("value").c.value))


def _median_hours(seconds: list[float] | None) -> float | None:
    if not seconds:
        return None
    ordered, n = sorted(seconds), len(seconds)
    middle = (ordered[(n - 1) // 2] + ordered[n // 2]) / 2
    return round(middle / H, 2)


@dataclass(frozen=True)
class GamingRow:
    kind: str  # kelurahan | agency
    code: str
    received: int
    quick_closed: int
    ever_closed: int
    reopened: int

    @property
    def quick_share(self) -> float:
        return self.quick_closed / self.received if self.received else 0.0

    @property
    def reopen_share(self) -> float:
        return self.reopened / self.ever_closed if self.ever_closed else 0.0

    @property
    def flags(self) -> tuple[str, ...]:
        out = []
        if self.received >= MIN_REPORTS and self.quick_share >= QUICK_SHARE:
            out.append("quick_close")
        if self.ever_closed >= MIN_REPORTS and self.reopen_share >= REOPEN_SHARE:
            out.append("reopen")
        return tuple(out)


def gaming_flags(rows: Sequence[Sampled], limit: int = 20) -> list[GamingRow]:
    """Kelurahan and agencies of a :func:`sample` with a flag, worst first (at most
    ``limit``); only those with at least :data:`MIN_REPORTS` reports are judged."""
    found = [GamingRow(kind, code, *counts) for (kind, code), counts in _tallies(rows).items()
             if counts[0] >= MIN_REPORTS]
    flagged = [g for g in found if g.flags]
    flagged.sort(key=lambda g: (-max(g.quick_share, g.reopen_share), -g.received, g.kind, g.code))
    return flagged[:limit]


def _tallies(rows: Sequence[Sampled]) -> dict[tuple[str, str], list[int]]:
    """(kind, code) → [received, quick closed, ever closed, reopened] per kelurahan and agency."""
    bound = QUICK_CLOSE.total_seconds() + EPSILON_S
    marks = ([r.resolve_s is not None and r.resolve_s <= bound for r in rows],
             [r.resolve_s is not None or r.reopen_count > 0 for r in rows], [r.reopen_count > 0 for r in rows])
    out: dict[tuple[str, str], list[int]] = {}
    for kind, codes in (("kelurahan", [r.kelurahan_code for r in rows]), ("agency", [r.agency_code for r in rows])):
        counters = [Counter(codes), *(Counter(compress(codes, marked)) for marked in marks)]
        out.update({(kind, code): [c[code] for c in counters] for code in counters[0] if code is not None})
    return out


def kelurahan_score(conn: Connection, code: str, now: datetime) -> dict[str, Any] | None:
    """The kelurahan's 30-day score, its parts, its rank and the raw counts behind them
    (``scoring`` module docstring has the formula); None when it had no reports.
    ``as_of`` says when the ranking was computed (see :func:`_ranking`)."""
    as_of, ranked = _ranking(conn, now)
    for position, row in enumerate(ranked, start=1):
        if row["code"] == code:
            return {"code": code, "score": row["score"], "parts": row["parts"], "rank": position,
                    "of": len(ranked), "counts": row["counts"], "as_of": as_of}
    return None


SCORE_TTL = timedelta(minutes=5)
_RANKINGS: dict[str, tuple[datetime, list]] = {}


def _ranking(conn: Connection, now: datetime) -> tuple[datetime, list[dict]]:
    """(computed at, ``scoring.ranking`` rows) of this store. The worker's, saved with the
    wall's leaderboard, while it is at most 2 x :data:`SCORE_TTL` old: both views then show
    the same scores, and no web process pays the 30-day scan (0.3-0.7 s at 1M). Without
    it (no worker running), computed here and kept :data:`SCORE_TTL` per process."""
    saved = read_snapshot(conn.engine, scoring.RANKING_SNAPSHOT)
    if saved is not None:
        at = parse_iso(saved[0]["computed_at"])
        if at <= now < at + 2 * SCORE_TTL:
            return at, saved[0]["ranked"]
    key = conn.engine.url.render_as_string(hide_password=True)
    found = _RANKINGS.get(key)
    if found is None or not found[0] <= now < found[0] + SCORE_TTL:
        found = (now, scoring.ranking(leaderboard_counts(conn, now - scoring.WINDOW, now), now)["ranked"])
        if len(_RANKINGS) > 8:
            _RANKINGS.clear()
        _RANKINGS[key] = found
    return found



DONE = Status.SELESAI.value
MENUNGGU = Status.MENUNGGU.value


def _key(col: ColumnElement, name: str) -> ColumnElement:
    """A GROUP BY key SQLite cannot serve from an index (see ``flow._key``)."""
    return func.coalesce(col, "").label(name)


def _window_stmt(conn: Connection, since: datetime, now: datetime) -> Select:
    c = report.c
    respond = elapsed_seconds(conn, c.requested_at, c.responded_at)
    resolve = elapsed_seconds(conn, c.requested_at, c.closed_at)
    is_open = c.status.in_(OPEN_VALUES)
    return (select(
        _key(c.kelurahan_code, "kel"), func.count(),
        _flag(c.status != MENUNGGU),
        _flag(c.responded_at.is_not(None) & (respond <= RESPOND_TARGET.total_seconds() + EPSILON_S)),
        _flag(c.responded_at.is_not(None) | (c.requested_at <= now - RESPOND_TARGET)),
        _flag((c.status == DONE) & c.closed_at.is_not(None)
              & (resolve <= RESOLVE_TARGET.total_seconds() + EPSILON_S)),
        _flag((c.status == DONE) | (c.requested_at <= now - RESOLVE_TARGET)),
        _flag(is_open & (c.requested_at <= now - RESOLVE_TARGET)),
        _flag(c.reopen_count > 0),
        _flag((c.status == DONE) | (c.reopen_count > 0)),
        _flag(is_open),
    ).where(c.requested_at >= since, c.requested_at < now, c.kelurahan_code.is_not(None))
        .group_by(literal_column("kel")))


def leaderboard_counts(conn: Connection, since: datetime, now: datetime) -> list[KelurahanCounts]:
    """:class:`~dashboard.scoring.KelurahanCounts` per kelurahan with reports in
    ``[since, now)``; open reports from before ``since`` count as overdue and as load.
    Those are the tally's open count minus the window's open ones, so the old backlog
    is never scanned."""
    open_by_kel = open_by_kelurahan(conn)
    out = []
    for row in conn.execute(_window_stmt(conn, since, now)):
        code, values = row[0], [int(v or 0) for v in row[1:]]
        n, acted, r6, rdue, s7, sdue, late, reop, closed, open_now = values
        before = max(0, open_by_kel.get(code, 0) - open_now)
        out.append(KelurahanCounts(
            code, n, acted_on=acted, responded_6h=r6, response_due=rdue, resolved_7d=s7, resolution_due=sdue,
            overdue_open=late + before, reopened=reop, ever_closed=closed, load=n + before))
    return out
