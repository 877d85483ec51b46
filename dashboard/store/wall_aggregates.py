"""The wall snapshot's own bounded reads (what ``ReportStore`` has no single method for).

Each read is windowed or bounded by an index range, so a refresh costs what changed in
the windows, not the size of the store:

* today's reports: ``requested_at >= start of today (WIB)`` (``ix_report_requested_at``);
* moves to Selesai today: ``status_change.changed_at >= start`` (``ix_status_change_changed_at``);
* open counts per agency and per kelurahan: the ``tally`` table (O(groups));
* open reports younger than 7 days, by age: ``ix_report_status_requested`` ranges (the
  overdue rest is tally minus these, so the old backlog is never scanned);
* flow per hour: the last 24 hours (between full recomputes only the last 2, see
  :func:`flow_24h`);
* the ticker: the newest ``change_seq`` entries of ``ix_report_change_seq``;
* leaderboard counts: reports requested in the last 30 days plus open older ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, func, literal_column, select

from dashboard.clock import iso_z as _iso
from dashboard.models import AGE_BUCKETS, OPEN_VALUES, RESOLVE_TARGET, RESPOND_TARGET, Status
from dashboard.scoring import KelurahanCounts
from dashboard.store import queries_flow
from dashboard.store.cameras import camera_frame, camera_states  # noqa: F401 - re-exported
from dashboard.store.queries_ops import data_as_of  # noqa: F401 - the wall reads it from here
from dashboard.store.queries_sql import EPSILON_S, count_where as _flag, elapsed_seconds
from dashboard.store.schema import (category, flood_gate, kelurahan, report,
                                    status_change, tally, water_level)

DONE = Status.SELESAI.value
MENUNGGU = Status.MENUNGGU.value


def _key(col, name: str):  # noqa: ANN001, ANN202
    """A GROUP BY key SQLite cannot serve from an index. With planner statistics SQLite
    would otherwise walk the whole-table (agency_code, status) index to avoid sorting
    the groups, instead of the small indexed time range; ``coalesce`` of a NOT NULL
    column changes nothing else."""
    return func.coalesce(col, "").label(name)


def today_by_agency(conn: Connection, since: datetime) -> list[tuple[str, str, int]]:
    """(agency_code, status, n) of reports requested since ``since`` (the
    ``requested_at`` range)."""
    stmt = (select(_key(report.c.agency_code, "agency"), _key(report.c.status, "status"), func.count())
            .where(report.c.requested_at >= since)
            .group_by(literal_column("agency"), literal_column("status")))
    return [(a, s, int(n)) for a, s, n in conn.execute(stmt)]


def done_by_agency(conn: Connection, since: datetime) -> dict[str, int]:
    """Moves to Selesai since ``since`` per agency (a report closed twice counts twice,
    as in ``queries_flow.flow_by_hour``): the ``changed_at`` range, then each report by
    primary key."""
    stmt = (select(_key(report.c.agency_code, "agency"), func.count())
            .select_from(status_change.join(report, status_change.c.report_id == report.c.id))
            .where(status_change.c.changed_at >= since, status_change.c.to_status == DONE)
            .group_by(literal_column("agency")))
    return {a: int(n) for a, n in conn.execute(stmt)}


def open_by_agency(conn: Connection) -> dict[str, tuple[int, int]]:
    """agency_code -> (open, of which Menunggu), from ``tally`` (O(groups))."""
    t = tally.c
    waiting = func.sum(case((t.status == MENUNGGU, t.n), else_=0))
    stmt = (select(t.agency_code, func.sum(t.n), waiting).where(t.status.in_(OPEN_VALUES))
            .group_by(t.agency_code))
    return {a: (int(n), int(w or 0)) for a, n, w in conn.execute(stmt) if n}


def open_by_kelurahan(conn: Connection) -> dict[str, int]:
    """kelurahan_code -> open reports, from ``tally`` (O(groups))."""
    t = tally.c
    stmt = (select(t.kelurahan_code, func.sum(t.n))
            .where(t.status.in_(OPEN_VALUES), t.kelurahan_code != "").group_by(t.kelurahan_code))
    return {k: int(n) for k, n in conn.execute(stmt) if n}


def young_open(conn: Connection, now: datetime) -> list[tuple[str, str, int, int]]:
    """(agency_code, age bucket, n, of which Menunggu) of open reports younger than the
    resolve target: index ranges on (status, requested_at). Older open reports are not
    read; they are the tally's open count minus these."""
    whens = [(report.c.requested_at > now - upper, label) for label, upper in AGE_BUCKETS if upper]
    bucket = case(*whens[:-1], else_=whens[-1][1]).label("bucket")
    waiting = func.sum(case((report.c.status == MENUNGGU, 1), else_=0))
    stmt = (select(_key(report.c.agency_code, "agency"), bucket, func.count(), waiting)
            .where(report.c.status.in_(OPEN_VALUES), report.c.requested_at > now - RESOLVE_TARGET)
            .group_by(literal_column("agency"), literal_column("bucket")))
    return [(a, b, int(n), int(w or 0)) for a, b, n, w in conn.execute(stmt)]


def split_backlog(open_by: dict[str, tuple[int, int]], young: list[tuple[str, str, int, int]]
                  ) -> tuple[list[tuple[str, str, int]], dict[str, int]]:
    """(backlog rows (agency, bucket, n), unresponded per agency) from the tally's open
    counts and the open reports younger than the resolve target: per agency, the
    overdue bucket is its open count minus its young ones, and Menunggu older than 6 h
    is its Menunggu count minus the Menunggu ones in the youngest bucket."""
    backlog: list[tuple[str, str, int]] = []
    young_n: dict[str, int] = {}
    waiting = {a: w for a, (_, w) in open_by.items()}
    for agency, label, n, n_waiting in young:
        backlog.append((agency, label, n))
        young_n[agency] = young_n.get(agency, 0) + n
        if label == AGE_BUCKETS[0][0]:
            waiting[agency] = waiting.get(agency, 0) - n_waiting
    for agency, (n, _) in open_by.items():
        if n > young_n.get(agency, 0):
            backlog.append((agency, AGE_BUCKETS[-1][0], n - young_n.get(agency, 0)))
    return backlog, {a: w for a, w in waiting.items() if w > 0}


def flow_24h(conn: Connection, hour: datetime, carry: dict[str, list] | None = None,
             fresh_hours: int = 2) -> list[tuple[datetime, int, int]]:
    """(UTC hour, new, done) for the 24 hours ending with ``hour`` (the current one),
    via ``queries_flow.flow_by_hour``. With ``carry`` (a previous payload's ``flow_24h``)
    only the last ``fresh_hours`` are read and the older hours are taken from it; when
    it lacks one of them everything is read. Callers pass ``carry`` only between full
    recomputes, so data arriving late for an older hour shows at the next full one."""
    hours = [hour - timedelta(hours=23 - i) for i in range(24)]
    end = hour + timedelta(hours=1)
    if carry:
        old = {h: (n, d) for h, n, d in zip(carry["hours"], carry["new"], carry["done"])}
        fresh = {_iso(h): (n, d) for h, n, d in
                 queries_flow.flow_by_hour(conn, hour - timedelta(hours=fresh_hours - 1), end)}
        merged = [(h, *(fresh.get(_iso(h)) or old.get(_iso(h), (None, None)))) for h in hours]
        if all(n is not None for _, n, _ in merged):
            return merged
    return queries_flow.flow_by_hour(conn, hours[0], end)


def ticker(conn: Connection, limit: int) -> list[dict[str, Any]]:
    """The ``limit`` most recently changed reports (change_seq, then id, descending: the
    order of ``ix_report_change_seq``), with category and kelurahan names. No identity."""
    stmt = (select(report.c.id, report.c.status, report.c.requested_at, report.c.description,
                   category.c.name.label("category"), kelurahan.c.name.label("kelurahan"))
            .select_from(report.outerjoin(category, report.c.category_code == category.c.code)
                         .outerjoin(kelurahan, report.c.kelurahan_code == kelurahan.c.code))
            .order_by(report.c.change_seq.desc(), report.c.id.desc()).limit(limit))
    return [dict(r._mapping) for r in conn.execute(stmt)]


def _window_stmt(conn: Connection, since: datetime, now: datetime):
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


def monitored_gates(conn: Connection) -> list[dict[str, Any]]:
    """Flood gates with siaga thresholds (code, name, river, snapshot_url), by code."""
    g = flood_gate.c
    stmt = (select(g.code, g.name, g.river, g.snapshot_url, g.siaga3_cm, g.siaga2_cm, g.siaga1_cm)
            .where(g.siaga3_cm.is_not(None)).order_by(g.code))
    return [dict(r._mapping) for r in conn.execute(stmt)]


def gate_readings(conn: Connection, gate_codes: list[str], since: datetime, per_gate: int
                  ) -> tuple[dict[str, dict[str, Any]], dict[str, list[tuple[datetime, float]]]]:
    """(latest, trends) of the gates: readings since ``since`` in one range read on the
    unique (gate_code, observed_at) index (the newest ``per_gate`` kept, oldest first);
    the latest {observed_at, level_cm, siaga} is the last of them, or for a gate with
    none in the window one index probe."""
    w = water_level.c
    stmt = (select(w.gate_code, w.observed_at, w.level_cm, w.siaga)
            .where(w.gate_code.in_(gate_codes), w.observed_at >= since)
            .order_by(w.gate_code, w.observed_at))
    rows: dict[str, list] = {code: [] for code in gate_codes}
    for r in conn.execute(stmt):
        rows[r.gate_code].append(r)
    latest = {code: _reading(rs[-1]) for code, rs in rows.items() if rs}
    for code in (c for c in gate_codes if not rows[c]):
        row = conn.execute(select(w.observed_at, w.level_cm, w.siaga).where(w.gate_code == code)
                           .order_by(w.observed_at.desc()).limit(1)).first()
        if row is not None:
            latest[code] = _reading(row)
    trends = {code: [(r.observed_at, float(r.level_cm)) for r in rs[-per_gate:]] for code, rs in rows.items()}
    return latest, trends


def _reading(row: Any) -> dict[str, Any]:
    return {"observed_at": row.observed_at, "level_cm": float(row.level_cm), "siaga": int(row.siaga)}
