"""Reads of the report table through a supervisor's View on SQLite and PostgreSQL: filters,
scope, paging, detail, export (counts checked with the reference reads of ``oracles``)."""

import tracemalloc
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboard.access.auth import Scope, ScopeKind
from dashboard.supervisor.filters import Filters
from dashboard.store import flow, reports
from dashboard.store.view import View
from tests.store import oracles
from tests.supervisor_data import NOW, SECRET, insert_reports, kelurahan_in, many_reports, row, two_kota

WIB = ZoneInfo("Asia/Jakarta")
PUSAT = Scope(ScopeKind.KOTA, "31.71")


def view(scope=None, **filters):
    return View(Filters(**filters), scope, NOW, WIB)


@pytest.fixture
def data(engine):
    return two_kota(engine)


def test_kpis_and_status_counts(engine, data):
    with engine.connect() as conn:
        k = oracles.kpis(conn, view())
        assert k == {"total": 10, "open": 7, "done": 3, "overdue": 1, "unresponded_6h": 2}
        assert reports.status_counts(conn, view()) == {"menunggu": 4, "koordinasi": 0, "disposisi": 1,
                                                  "proses": 2, "selesai": 3}
        assert oracles.kpis(conn, view(PUSAT))["total"] == 6


def test_filters_narrow(engine, data):
    with engine.connect() as conn:
        assert oracles.count(conn, view(status=("menunggu",))) == 4
        assert oracles.count(conn, view(category=("jalan_rusak",))) == 2
        assert oracles.count(conn, view(agency=("sudin-bina_marga-31.71",))) == 2
        assert oracles.count(conn, view(kota="31.74")) == 4
        assert oracles.count(conn, view(kelurahan=kelurahan_in("31.71"))) == 6
        assert oracles.count(conn, view(overdue=True)) == 1
        today = NOW.astimezone(WIB).date()
        assert oracles.count(conn, view(since=today, until=today)) == 3  # 10 h old = 00:00 WIB: included
        assert oracles.count(conn, view(until=today - timedelta(days=1))) == 7


def test_scope_is_always_applied(engine, data):
    with engine.connect() as conn:
        # A filter naming the other kota cannot widen a scoped view.
        assert oracles.count(conn, view(PUSAT, kota="31.74")) == 0
        rows = reports.page(conn, view(PUSAT), 0, 100)
        assert {r["id"] for r in rows} == set(data["31.71"])
        assert all(SECRET not in r["description"] for r in rows)
        assert reports.detail(conn, PUSAT, data["31.74"][0]) is None
        assert reports.detail(conn, None, data["31.74"][0])["description"] == SECRET
        tj = Scope(ScopeKind.AGENCY, "sudin-bina_marga-31.71")
        assert oracles.count(conn, view(tj)) == 2
        assert {p[0] for p in reports.map_points(conn, view(PUSAT))} == set(data["31.71"])
        assert all(code.startswith("31.71") for code, _, _ in oracles.counts_by(conn, view(PUSAT), "kelurahan"))


def test_paging_and_sorting(engine, data):
    with engine.connect() as conn:
        first = reports.page(conn, view(), 0, 4)
        second = reports.page(conn, view(), 4, 8)
        assert len(first) == 4 and len(second) == 4
        assert not {r["id"] for r in first} & {r["id"] for r in second}
        assert [r["requested_at"] for r in first] == sorted((r["requested_at"] for r in first), reverse=True)
        by_id = reports.page(conn, view(), 0, 100, [("id", False)])
        assert [r["id"] for r in by_id] == sorted(data["31.71"] + data["31.74"])
        by_status = reports.page(conn, view(), 0, 100, [("status", True)])
        assert by_status[0]["status"] == "selesai"
        assert len(reports.page(conn, view(), 0, 10_000)) == 10  # capped at MAX_PAGE anyway
        with pytest.raises(KeyError):
            reports.page(conn, view(), 0, 10, [("description; DROP TABLE report", False)])


def test_counts_by_dimension(engine, data):
    with engine.connect() as conn:
        by_kota = oracles.counts_by(conn, view(), "kota")
        assert by_kota == [("31.71", 6, 4), ("31.74", 4, 3)]
        by_cat = dict((k, n) for k, n, _ in oracles.counts_by(conn, view(), "category"))
        assert by_cat == {"sampah": 8, "jalan_rusak": 2}


def test_trend_counts_new_and_done_per_wib_day(engine, data):
    with engine.connect() as conn:
        days = flow.trend(conn, view())  # default: the last 14 WIB days, whole
        assert len(days) == 14 and (days[0][0], days[-1][0]) == (date(2026, 11, 14), date(2026, 11, 27))
        assert sum(n for _, n, _ in days) == 9  # all but the 20-day-old report
        assert sum(d for _, _, d in days) == 1  # closed 3 d ago (the other one 15 d ago)
        month = flow.trend(conn, view(since=date(2026, 10, 28), until=date(2026, 11, 27)))
        assert sum(n for _, n, _ in month) == 10 and sum(d for _, _, d in month) == 2
        bounded = flow.trend(conn, view(since=date(2026, 11, 20), until=date(2026, 11, 27)))
        assert [d for d, _, _ in bounded][0] == date(2026, 11, 20) and len(bounded) == 8


def test_trend_per_day_counts_agree_with_group_by(engine, data, monkeypatch):
    """Short windows count each day with a range count, long ones GROUP BY: same series."""
    f = {"since": date(2026, 10, 28), "until": date(2026, 11, 27)}
    with engine.connect() as conn:
        for scope, extra in ((None, {}), (PUSAT, {}), (None, {"status": ("selesai", "proses")})):
            counted = flow.trend(conn, view(scope, **f, **extra))
            monkeypatch.setattr(flow, "COUNT_DAYS", 0)
            grouped = flow.trend(conn, view(scope, **f, **extra))
            monkeypatch.setattr(flow, "COUNT_DAYS", 62)
            assert counted == grouped and sum(n for _, n, _ in counted) > 0


def test_detail_history_and_identity(engine, data):
    rid = data["31.71"][3]  # selesai, responded and closed
    with engine.connect() as conn:
        d = reports.detail(conn, None, rid)
        assert [h["to_status"] for h in d["history"]] == ["menunggu", "proses", "selesai"]
        assert "reporter" not in d
        d = reports.detail(conn, None, rid, with_identity=True)
        assert d["reporter"]["last_name"] == f"Rahasia{rid}"


def test_export_streams_every_row_in_scope(engine, data):
    rows = list(reports.iter_export(engine, view(PUSAT), batch=2))
    assert [r["id"] for r in rows] == sorted(data["31.71"])
    assert all("email" not in r and "reporter" not in r for r in rows)


def test_export_memory_is_constant(engine):
    """20k rows streamed: the Python heap peak stays far below the size of the result
    (~15 MB as dicts); the 100k-row measurement is in tests/integration/test_export.py."""
    many_reports(engine, kelurahan_in("31.71"), 20_000)
    tracemalloc.start()
    n = sum(1 for _ in reports.iter_export(engine, view(), batch=1000))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert n == 20_000
    print(f"export peak traced memory at 20k rows ({engine.dialect.name}): {peak / 1e6:.1f} MB")
    assert peak < 4e6


def test_response_time_distribution(engine, data):
    from dashboard.store.performance import response_times, sample
    with engine.connect() as conn:
        rt = response_times(sample(conn, view(PUSAT)))
    assert dict(rt["respond"]) == {"lt1h": 1, "1h_6h": 2, "6h_24h": 1, "1d_3d": 0, "gt3d": 0}
    assert rt["respond_in_target"] == 3 and rt["not_responded"] == 2
    assert dict(rt["resolve"]) == {"lt1d": 1, "1d_3d": 0, "3d_7d": 1, "7d_14d": 0, "gt14d": 0}
    assert rt["resolve_in_target"] == 2 and rt["not_resolved"] == 4


def test_funnel_reached_and_median_hours(engine, data):
    from dashboard.store.performance import funnel, sample
    with engine.connect() as conn:
        hops = {h["hop"]: h for h in funnel(conn, sample(conn, view(PUSAT)))}
    assert hops["kelurahan"]["reached"] == 6
    assert hops["suku dinas"]["reached"] == 3  # proses reports + the two closed ones passed proses
    assert hops["selesai"]["reached"] == 2
    assert hops["disposisi"]["reached"] == 1
    # time at Menunggu for the 4 responded: 3 h, 2 min, 8 h, 2 h -> median (2 h + 3 h) / 2
    assert hops["kelurahan"]["median_hours"] == 2.5
    assert hops["koordinasi"]["median_hours"] is None


def test_gaming_flags(engine):
    from dashboard.store.performance import gaming_flags, sample
    kel = kelurahan_in("31.71")
    quick = [row(kel, "selesai", requested=NOW - timedelta(hours=h), responded_at=NOW - timedelta(hours=h),
                 closed_at=NOW - timedelta(hours=h) + timedelta(minutes=3)) for h in range(1, 6)]
    slow = [row(kelurahan_in("31.74"), "proses", requested=NOW - timedelta(hours=h)) for h in range(1, 8)]
    insert_reports(engine, quick + slow)
    with engine.connect() as conn:
        flagged = gaming_flags(sample(conn, view()))
        assert {(r.kind, r.code) for r in flagged} == {("kelurahan", kel), ("agency", "kel-" + kel)}
        assert all(r.flags == ("quick_close",) and r.quick_share == 1.0 for r in flagged)
        assert gaming_flags(sample(conn, view(Scope(ScopeKind.KOTA, "31.74")))) == []


def test_kelurahan_score_and_backlog(engine, data):
    from dashboard.store.performance import kelurahan_score
    from dashboard.store.reports import open_backlog
    kel = kelurahan_in("31.71")
    with engine.connect() as conn:
        score = kelurahan_score(conn, kel, NOW)
        assert score["rank"] in (1, 2) and score["of"] == 2
        assert set(score["parts"]) == {"processed", "response", "resolution", "overdue", "reopen"}
        assert 0 <= score["score"] <= 100 and score["counts"]["received"] == 6
        assert kelurahan_score(conn, "31.71.01.9999", NOW) is None
        assert dict(open_backlog(conn, view(kelurahan=kel))) == {
            "menunggu": 2, "koordinasi": 0, "disposisi": 1, "proses": 1}


def test_counts_by_open_first(engine, data):
    with engine.connect() as conn:
        assert oracles.counts_by(conn, view(), "kota", by_open=True)[0] == ("31.71", 6, 4)
        assert [k for k, _, _ in oracles.counts_by(conn, view(), "category", 1, by_open=True)] == ["sampah"]


def test_insights_look_at_the_newest_reports_of_the_set(engine, data):
    from dashboard.store.performance import sample
    with engine.connect() as conn:
        ids = [r.id for r in sample(conn, view(PUSAT), limit=2)]
    assert ids == data["31.71"][:2]  # requested 1 h and 10 h ago, newest first
