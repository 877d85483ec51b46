"""How well the filtered set is handled: response-time distribution against the 6 h / 7 d
targets, the hand-off funnel with the median time spent at each hop, anti-gaming flags
and the kelurahan page (its score and the parts of the formula).

All reads take a :class:`~dashboard.store.supervisor_queries.View` (scope always applied)
and aggregate in SQL over the newest :data:`INSIGHT_ROWS` reports of the filtered set
(:func:`recent`: a bound, so a filter change stays cheap on a 1M store; the panels say
so). Elapsed times use ``queries_sql.elapsed_seconds`` so both backends agree.

Anti-gaming flags (per kelurahan and per agency, with at least :data:`MIN_REPORTS` reports):

* ``quick_close``: share of reports closed within :data:`QUICK_CLOSE` (10 min) of arrival
  — too fast to have been fixed; flagged at :data:`QUICK_SHARE` (20 %) or more.
* ``reopen``: share of ever-closed reports that were opened again — closed without a
  fix; flagged at :data:`REOPEN_SHARE` (20 %) or more.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Connection, and_, any_, bindparam, case, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from dashboard import scoring
from dashboard.store.wall_aggregates import leaderboard_counts
from dashboard.models import RESOLVE_TARGET, RESPOND_TARGET, STATUS_ORDER, Status
from dashboard.store.queries_sql import EPSILON_S, elapsed_seconds, is_pg
from dashboard.store.schema import report, status_change
from dashboard.store.supervisor_queries import View

H = 3600.0
#: (label, upper bound in seconds) — the last bucket is open-ended.
RESPOND_BUCKETS = (("<1j", 1 * H), ("1-6j", 6 * H), ("6-24j", 24 * H), ("1-3h", 72 * H), (">3h", None))
RESOLVE_BUCKETS = (("<1h", 24 * H), ("1-3h", 72 * H), ("3-7h", 168 * H), ("7-14h", 336 * H), (">14h", None))
#: Hops of the hand-off funnel: status → what the supervisor calls that step.
HOPS = ((Status.MENUNGGU, "kelurahan"), (Status.KOORDINASI, "koordinasi"), (Status.DISPOSISI, "disposisi"),
        (Status.PROSES, "suku dinas"), (Status.SELESAI, "selesai"))
QUICK_CLOSE = timedelta(minutes=10)
QUICK_SHARE = 0.20
REOPEN_SHARE = 0.20
MIN_REPORTS = 5
#: The insights look at the newest this-many reports of the filtered set.
INSIGHT_ROWS = 5_000


def _columns() -> tuple:
    c = report.c
    return (c.id, c.requested_at, c.responded_at, c.closed_at, c.status, c.reopen_count,
            c.kelurahan_code, c.agency_code)


def recent(view: View, limit: int = INSIGHT_ROWS) -> Any:
    """Subquery ``r``: the newest ``limit`` reports of the view (the columns insights use)."""
    c = report.c
    return (select(*_columns()).where(*view.where())
            .order_by(c.requested_at.desc(), c.id.desc()).limit(limit).subquery("r"))


def sample(conn: Connection, view: View, limit: int = INSIGHT_ROWS) -> Any:
    """Subquery ``r`` holding what :func:`recent` holds, its ids looked up once: every
    insight of one filter change then reads those rows by primary key (the planners
    otherwise re-run the ORDER BY … LIMIT per insight, or pick a poor index for it)."""
    ids = conn.execute(select(recent(view, limit).c.id)).scalars().all()
    return select(*_columns()).where(_one_of(conn, report.c.id, ids)).subquery("r")


def _sum(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _bucket_sums(seconds: Any, present: Any, buckets: tuple) -> list[Any]:
    out, low = [], None
    for _label, high in buckets:
        cond = [present]
        if low is not None:
            cond.append(seconds > low + EPSILON_S)
        if high is not None:
            cond.append(seconds <= high + EPSILON_S)
        out.append(_sum(and_(*cond)))
        low = high
    return out


def response_times(conn: Connection, view: View, r: Any = None) -> dict[str, Any]:
    """Histograms of time to coordination (first move past Menunggu) and time to done,
    with how many met the targets and how many are still waiting."""
    r = recent(view) if r is None else r
    c = r.c
    respond = elapsed_seconds(conn, c.requested_at, c.responded_at)
    resolve = elapsed_seconds(conn, c.requested_at, c.closed_at)
    responded, closed = c.responded_at.is_not(None), and_(c.closed_at.is_not(None), c.status == Status.SELESAI.value)
    row = conn.execute(select(
        *_bucket_sums(respond, responded, RESPOND_BUCKETS), *_bucket_sums(resolve, closed, RESOLVE_BUCKETS),
        _sum(and_(responded, respond <= RESPOND_TARGET.total_seconds() + EPSILON_S)),
        _sum(and_(closed, resolve <= RESOLVE_TARGET.total_seconds() + EPSILON_S)),
        _sum(c.responded_at.is_(None)), _sum(c.status != Status.SELESAI.value),
    ).select_from(r)).one()
    values = [int(v) for v in row]
    n1, n2 = len(RESPOND_BUCKETS), len(RESOLVE_BUCKETS)
    return {
        "respond": list(zip([b for b, _ in RESPOND_BUCKETS], values[:n1])),
        "resolve": list(zip([b for b, _ in RESOLVE_BUCKETS], values[n1:n1 + n2])),
        "respond_in_target": values[n1 + n2], "resolve_in_target": values[n1 + n2 + 1],
        "not_responded": values[n1 + n2 + 2], "not_resolved": values[n1 + n2 + 3],
    }


def funnel(conn: Connection, view: View, r: Any = None) -> list[dict[str, Any]]:
    """Per hop: reports of the set that reached it and the median hours spent there
    (from entering it to the next status change; None when nothing has left it yet).
    The set's status changes (a few per report, bounded by the sample) are read once,
    in order, through the (report_id, changed_at) index and summed here."""
    sc = status_change.c
    r = recent(view) if r is None else r
    ids = conn.execute(select(r.c.id)).scalars().all()
    stmt = (select(sc.report_id, sc.to_status, sc.changed_at).where(_one_of(conn, sc.report_id, ids))
            .order_by(sc.report_id, sc.changed_at, sc.id))
    reached: dict[str, set] = {}
    spans: dict[str, list[float]] = {}
    previous = None
    for report_id, status, changed_at in conn.execute(stmt):
        reached.setdefault(status, set()).add(report_id)
        if previous is not None and previous[0] == report_id:
            spans.setdefault(previous[1], []).append((changed_at - previous[2]).total_seconds())
        previous = (report_id, status, changed_at)
    return [{"status": s.value, "hop": hop, "reached": len(reached.get(s.value, ())),
             "median_hours": _median_hours(spans.get(s.value))} for s, hop in HOPS]


def _one_of(conn: Connection, col: Any, ids: list[int]) -> Any:
    """``col IN ids``; on PostgreSQL one array parameter (``= ANY``), so the planner walks
    the index per id instead of hashing the whole status_change table."""
    if is_pg(conn):
        return col == any_(bindparam("ids", list(ids), type_=ARRAY(BigInteger)))
    return col.in_(ids)


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


def gaming_flags(conn: Connection, view: View, limit: int = 20, r: Any = None) -> list[GamingRow]:
    """Kelurahan and agencies with a flag, worst first (at most ``limit``)."""
    r = recent(view) if r is None else r
    c = r.c
    quick = and_(c.closed_at.is_not(None),
                 elapsed_seconds(conn, c.requested_at, c.closed_at) <= QUICK_CLOSE.total_seconds() + EPSILON_S)
    ever_closed = (c.closed_at.is_not(None)) | (c.reopen_count > 0)
    rows: list[GamingRow] = []
    for kind, col in (("kelurahan", c.kelurahan_code), ("agency", c.agency_code)):
        stmt = (select(col, func.count(), _sum(quick), _sum(ever_closed), _sum(c.reopen_count > 0))
                .where(col.is_not(None)).group_by(col)
                .having(func.count() >= MIN_REPORTS))
        rows += [GamingRow(kind, k, int(n), int(q), int(e), int(r)) for k, n, q, e, r in conn.execute(stmt)]
    flagged = [r for r in rows if r.flags]
    flagged.sort(key=lambda r: (-max(r.quick_share, r.reopen_share), -r.received, r.kind, r.code))
    return flagged[:limit]


def kelurahan_score(conn: Connection, code: str, now: datetime) -> dict[str, Any] | None:
    """The kelurahan's 30-day score, its parts, its rank and the raw counts behind them
    (``scoring`` module docstring has the formula); None when it had no reports.
    Ranking needs every kelurahan (a 30-day scan, 0.3-0.7 s at 1M): :func:`_ranking`
    keeps it for :data:`SCORE_TTL` like the wall's leaderboard; ``as_of`` says when."""
    as_of, counts, ranked = _ranking(conn, now)
    for position, score in enumerate(ranked, start=1):
        if score.code == code:
            raw = next(c for c in counts if c.code == code)
            return {"code": code, "score": score.score, "parts": score.parts, "rank": position,
                    "of": len(ranked), "counts": asdict(raw), "as_of": as_of}
    return None


SCORE_TTL = timedelta(minutes=5)
_RANKINGS: dict[str, tuple[datetime, list, list]] = {}


def _ranking(conn: Connection, now: datetime) -> tuple[datetime, list, list]:
    """(computed at, counts, ranked scores) of this store, recomputed when older than
    :data:`SCORE_TTL` (or when ``now`` is before it: a test clock)."""
    key = conn.engine.url.render_as_string(hide_password=True)
    found = _RANKINGS.get(key)
    if found is None or not found[0] <= now < found[0] + SCORE_TTL:
        counts = leaderboard_counts(conn, now - scoring.WINDOW, now)
        found = (now, counts, scoring.rank(counts))
        if len(_RANKINGS) > 8:
            _RANKINGS.clear()
        _RANKINGS[key] = found
    return found


def open_backlog(conn: Connection, view: View) -> list[tuple[str, int]]:
    """Open reports of the set per status (the kelurahan page's backlog)."""
    c = report.c
    stmt = (select(c.status, func.count()).where(*view.where(), c.status != Status.SELESAI.value)
            .group_by(c.status))
    found = dict(conn.execute(stmt).all())
    return [(s.value, int(found.get(s.value, 0))) for s in STATUS_ORDER if s is not Status.SELESAI]
