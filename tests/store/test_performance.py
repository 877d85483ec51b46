"""The supervisor insights on SQLite and PostgreSQL: the newest reports of a view are read
once (``sample``) and counted in Python. Bounds and thresholds are inclusive (with
``EPSILON_S`` of slack), a tie in a report's history keeps the order of the changes, and
the counts are what the same conditions give in SQL over the same reports."""

import random
from dataclasses import astuple
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import and_, case, func, insert, select

from dashboard.access.auth import Scope, ScopeKind
from dashboard.supervisor.filters import Filters
from dashboard.reference import load_reference
from dashboard.store import performance as ins
from dashboard.store.portable import EPSILON_S, elapsed_seconds
from dashboard.store.view import View
from dashboard.store.schema import report, status_change
from tests.supervisor_data import NOW, insert_reports, kelurahan_in, row

WIB = ZoneInfo("Asia/Jakarta")
H = timedelta(hours=1)
S = timedelta(seconds=1)
D = timedelta(days=1)
START = NOW - 30 * D  # every report of the bound tests arrived then


def view(scope=None, **filters):
    return View(Filters(**filters), scope, NOW, WIB)


def responded(kel, after):
    return row(kel, "proses", requested=START, responded_at=START + after)


def closed(kel, after, status="selesai", **extra):
    return row(kel, status, requested=START, responded_at=START + S, closed_at=START + after, **extra)


def test_response_time_bounds_are_inclusive(engine):
    insert_reports(engine, [responded(kelurahan_in("31.71"), after) for after in
                            (H, H + S, 6 * H, 6 * H + S, 24 * H, 72 * H, 72 * H + S)]
                   + [row(kelurahan_in("31.71"), requested=START)])
    insert_reports(engine, [closed(kelurahan_in("31.74"), after) for after in
                            (D, D + S, 7 * D, 7 * D + S, 14 * D, 14 * D + S)]
                   + [closed(kelurahan_in("31.74"), H, status="proses", reopen_count=1)])
    with engine.connect() as conn:
        respond = ins.response_times(ins.sample(conn, view(kota="31.71")))
        resolve = ins.response_times(ins.sample(conn, view(kota="31.74")))
    assert respond["respond"] == [("lt1h", 1), ("1h_6h", 2), ("6h_24h", 2), ("1d_3d", 1), ("gt3d", 1)]
    assert (respond["respond_in_target"], respond["not_responded"], respond["not_resolved"]) == (3, 1, 8)
    assert respond["resolve"] == [(label, 0) for label, _ in ins.RESOLVE_BUCKETS]
    assert resolve["resolve"] == [("lt1d", 1), ("1d_3d", 1), ("3d_7d", 1), ("7d_14d", 2), ("gt14d", 1)]
    assert (resolve["resolve_in_target"], resolve["not_resolved"]) == (3, 1)  # reopened: closed_at, not Selesai


def test_gaming_thresholds_are_inclusive(engine):
    quick, slow = kelurahan_in("31.71"), kelurahan_in("31.74")
    few = sorted(c for c, k in load_reference().kelurahan.items() if k.kota_code == "31.71")[1]
    insert_reports(engine, [closed(quick, ins.QUICK_CLOSE) for _ in range(5)]
                   + [closed(slow, ins.QUICK_CLOSE + S) for _ in range(4)]
                   + [row(slow, "proses", requested=START, reopen_count=1)]  # 1 of 5 ever closed
                   + [closed(few, H) for _ in range(ins.MIN_REPORTS - 1)])
    with engine.connect() as conn:
        flagged = ins.gaming_flags(ins.sample(conn, view()))
    assert [(g.kind, g.code, g.flags) for g in flagged] == [
        ("agency", "kel-" + quick, ("quick_close",)), ("kelurahan", quick, ("quick_close",)),
        ("agency", "kel-" + slow, ("reopen",)), ("kelurahan", slow, ("reopen",))]
    assert [astuple(g)[2:] for g in flagged] == [(5, 5, 5, 0)] * 2 + [(5, 0, 5, 1)] * 2


def test_funnel_ties_keep_the_order_of_the_changes(engine):
    """Two changes at the same instant: the one recorded first spent 0 h at its hop."""
    [report_id] = insert_reports(engine, [row(kelurahan_in("31.71"), "proses", requested=START)], history=False)
    moves = [(None, "menunggu", START), ("menunggu", "koordinasi", START + H),
             ("koordinasi", "disposisi", START + H), ("disposisi", "proses", START + 3 * H)]
    with engine.begin() as conn:
        for before, after, at in moves:
            conn.execute(insert(status_change).values(report_id=report_id, from_status=before, to_status=after,
                                                      changed_at=at))
    with engine.connect() as conn:
        hops = ins.funnel(conn, ins.sample(conn, view()))
    assert [(h["hop"], h["reached"], h["median_hours"]) for h in hops] == [
        ("kelurahan", 1, 1.0), ("koordinasi", 1, 0.0), ("disposisi", 1, 2.0), ("suku dinas", 1, None),
        ("selesai", 0, None)]


@pytest.fixture
def mixed(engine):
    """~300 reports over five kelurahan, their times often right on a bound."""
    rng = random.Random(5)
    kels = [kelurahan_in("31.74")] + sorted(c for c, k in load_reference().kelurahan.items()
                                            if k.kota_code == "31.71")[:4]
    bounds = [b for _, b in ins.RESPOND_BUCKETS + ins.RESOLVE_BUCKETS if b] + [ins.QUICK_CLOSE.total_seconds()]

    def after():
        seconds = rng.choice(bounds) + rng.choice((-1, 0, 0, 1)) if rng.random() < 0.6 else rng.uniform(0, 20 * 86400)
        return timedelta(seconds=seconds)

    rows = []
    for _ in range(300):
        requested = NOW - timedelta(minutes=rng.randrange(40 * 24 * 60))
        times = {"responded_at": requested + after()} if rng.random() < 0.8 else {}
        if times and rng.random() < 0.6:
            times["closed_at"] = requested + after()
        status = "selesai" if "closed_at" in times and rng.random() < 0.8 else rng.choice(("menunggu", "proses"))
        rows.append(row(rng.choice(kels), status, rng.choice(("sampah", "jalan_rusak")), requested,
                        reopen_count=rng.choice((0, 0, 0, 1, 2)), **times))
    insert_reports(engine, rows, identity=False)


def _newest(view, limit):
    c = report.c
    return select(report).where(*view.where()).order_by(c.requested_at.desc(), c.id.desc()).limit(limit).subquery()


def _sql_times(conn, r):
    """``response_times`` written as SQL over the reports of ``r`` (counts only)."""
    respond = elapsed_seconds(conn, r.c.requested_at, r.c.responded_at)
    resolve = elapsed_seconds(conn, r.c.requested_at, r.c.closed_at)
    answered, done = r.c.responded_at.is_not(None), and_(r.c.closed_at.is_not(None), r.c.status == "selesai")
    return {
        "respond": [_n(conn, r, answered, *_within(respond, b)) for b in _pairs(ins.RESPOND_BUCKETS)],
        "resolve": [_n(conn, r, done, *_within(resolve, b)) for b in _pairs(ins.RESOLVE_BUCKETS)],
        "respond_in_target": _n(conn, r, answered, respond <= ins.RESPOND_TARGET.total_seconds() + EPSILON_S),
        "resolve_in_target": _n(conn, r, done, resolve <= ins.RESOLVE_TARGET.total_seconds() + EPSILON_S),
        "not_responded": _n(conn, r, r.c.responded_at.is_(None)),
        "not_resolved": _n(conn, r, r.c.status != "selesai"),
    }


def _sql_groups(conn, r):
    """The gaming counts of every kelurahan and agency of ``r`` with enough reports, in SQL."""
    resolve = elapsed_seconds(conn, r.c.requested_at, r.c.closed_at)
    quick = and_(r.c.closed_at.is_not(None), resolve <= ins.QUICK_CLOSE.total_seconds() + EPSILON_S)
    ever, again = r.c.closed_at.is_not(None) | (r.c.reopen_count > 0), r.c.reopen_count > 0
    groups = set()
    for kind, col in (("kelurahan", r.c.kelurahan_code), ("agency", r.c.agency_code)):
        stmt = (select(col, func.count(), *(func.sum(case((x, 1), else_=0)) for x in (quick, ever, again)))
                .where(col.is_not(None)).group_by(col).having(func.count() >= ins.MIN_REPORTS))
        groups |= {(kind, code, *map(int, counts)) for code, *counts in conn.execute(stmt)}
    return groups


def _pairs(buckets):
    return [(buckets[i - 1][1] if i else None, high) for i, (_, high) in enumerate(buckets)]


def _within(seconds, bounds):
    low, high = bounds
    return ([seconds > low + EPSILON_S] if low is not None else []) + (
        [seconds <= high + EPSILON_S] if high is not None else [])


def _n(conn, r, *conditions):
    return int(conn.execute(select(func.coalesce(func.sum(case((and_(*conditions), 1), else_=0)), 0))
                            .select_from(r)).scalar())


@pytest.mark.parametrize("scope, filters", [
    (None, {}), (Scope(ScopeKind.KOTA, "31.71"), {}), (None, {"status": ("selesai",)}),
    (None, {"overdue": True}), (None, {"since": NOW.astimezone(WIB).date() - timedelta(days=10)})])
def test_counts_agree_with_sql(engine, mixed, monkeypatch, scope, filters):
    monkeypatch.setattr(ins, "QUICK_SHARE", 0.0)  # every kelurahan / agency with enough reports is listed
    checked = View(Filters(**filters), scope, NOW, WIB)
    with engine.connect() as conn:
        for limit in (40, ins.INSIGHT_ROWS):
            rows, r = ins.sample(conn, checked, limit), _newest(checked, limit)
            times = ins.response_times(rows)
            times.update({k: [n for _, n in times[k]] for k in ("respond", "resolve")})  # SQL counts only
            assert times == _sql_times(conn, r)
            assert {astuple(g) for g in ins.gaming_flags(rows, limit=1000)} == _sql_groups(conn, r)
