"""The public query layer on both backends: allow-listed columns, coarse points,
redacted text, filters, bounds."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest

from dashboard.clock import local_midnight
from dashboard.public.query import PublicStore, coarsen
from dashboard.store import reports
from dashboard.store import service_requests as sql
from dashboard.store.snapshots import save_snapshot
from dashboard.wall import WIDGET
from tests.public_data import EXACT_LAT, EXACT_LON, NOW, canary_text, leaks, seed

FORBIDDEN = ("reporter", "address", "media_url", "external_id", "source", "quarantine",
             "first_name", "email", "phone", "device_id", "account_id")


def _statements():
    yield sql.requests_stmt(sql.RequestFilter(since=NOW, until=NOW, statuses=("proses",),
                                              service_codes=("sampah",)))
    yield sql.requests_stmt(sql.RequestFilter(ids=(1, 2)))
    yield sql.services_stmt()
    yield reports.status_counts_stmt(since=NOW)
    yield reports.map_points_stmt(limit=10, since=NOW, shape="public")


@pytest.mark.parametrize("stmt", list(_statements()))
def test_statements_read_only_allowed_columns(stmt):
    compiled = str(stmt.compile()).lower()
    names = {c.name for c in stmt.selected_columns}
    assert names <= sql.ALLOWED
    for word in FORBIDDEN:
        assert f"{word}." not in compiled and f".{word}" not in compiled, word


def test_requests_are_public(engine):
    seed(engine)
    rows = PublicStore(engine).requests(sql.RequestFilter())
    assert len(rows) == 7
    body = orjson.dumps(rows, default=str).decode()
    assert leaks(body) == []
    first = next(r for r in rows if r["category_code"] == "sampah" and r["status"] == "menunggu")
    assert (first["lat"], first["lon"]) == coarsen(EXACT_LAT, EXACT_LON) == (-6.177, 106.818)
    assert first["description"].startswith("Banjir RT 05/RW 03, hubungi […]")
    assert first["area"] == "Petojo Selatan, Kota Administrasi Jakarta Pusat"
    assert "address" not in first and "media_url" not in first


def test_request_filters(engine):
    seed(engine)
    store = PublicStore(engine)
    week = dict(since=NOW - timedelta(days=7), until=NOW)
    assert len(store.requests(sql.RequestFilter(**week))) == 6
    assert {r["status"] for r in store.requests(sql.RequestFilter(**week, statuses=("selesai",)))} == {"selesai"}
    assert [r["category_code"] for r in store.requests(
        sql.RequestFilter(**week, service_codes=("jalan_rusak",)))] == ["jalan_rusak"]
    updated = store.requests(sql.RequestFilter(since=NOW - timedelta(days=19, hours=1),
                                               until=NOW - timedelta(days=18), date_field="updated_at"))
    assert [r["description"] for r in updated] == ["Sampah lama"]


def test_pages_are_newest_first_and_disjoint(engine):
    seed(engine)
    store = PublicStore(engine)
    pages = [store.requests(sql.RequestFilter(limit=3, offset=o)) for o in (0, 3, 6)]
    ids = [r["id"] for page in pages for r in page]
    assert [len(p) for p in pages] == [3, 3, 1] and len(set(ids)) == 7
    times = [r["requested_at"] for page in pages for r in page]
    assert times == sorted(times, reverse=True)


def test_limit_is_capped(engine):
    assert sql._page(sql.RequestFilter(limit=10**9))._limit_clause.value == sql.MAX_REQUESTS
    assert sql._page(sql.RequestFilter(ids=tuple(range(5000))))._limit_clause.value == sql.MAX_IDS


def test_request_by_id(engine):
    seed(engine)
    store = PublicStore(engine)
    some = store.requests(sql.RequestFilter())[0]
    assert store.request(some["id"])["id"] == some["id"]
    assert store.request(10**12) is None


def test_visitor_summary_counts_today_and_drops_ticker(engine):
    seed(engine)
    payload = {"ticker": [{"text": canary_text()}], "gates": [
        {"code": "g1", "name": "Manggarai", "river": "Ciliwung", "level_cm": 750.0, "siaga": 3,
         "observed_at": "2026-11-27T02:50:00Z", "camera": {"ok": True}}],
        "leaderboard": {"best": [{"code": "k", "name": "Gambir", "kota": "Jakarta Pusat",
                                  "score": 91.5, "received": 12, "parts": {}}], "formula": "f"}}
    save_snapshot(engine, WIDGET, payload, 3, NOW)
    summary = PublicStore(engine).visitor_summary(local_midnight(NOW, _wib()), 1000)
    counts = {r["status"]: r["n"] for r in summary["status_today"]}
    assert counts == {s: 1 for s in counts} and len(counts) == 5  # #10 was at 23:00 WIB yesterday
    assert summary["cells"] == [{"lat": -6.177, "lon": 106.818, "n": 5, "open": 4}]
    assert summary["gates"][0]["siaga"] == 3 and "camera" not in summary["gates"][0]
    assert summary["leaderboard"]["best"][0]["name"] == "Gambir"
    assert leaks(orjson.dumps(summary, default=str).decode()) == []


def test_visitor_summary_is_reused_for_its_ttl(engine):
    store, t = PublicStore(engine, summary_ttl=15), [100.0]
    first = store.visitor_summary(NOW - timedelta(days=1), 100, clock=lambda: t[0])
    seed(engine)
    assert store.visitor_summary(NOW - timedelta(days=1), 100, clock=lambda: t[0] + 14) is first
    t[0] += 15
    again = store.visitor_summary(NOW - timedelta(days=1), 100, clock=lambda: t[0])
    assert sum(r["n"] for r in again["status_today"]) == 6 > sum(r["n"] for r in first["status_today"])


def test_visitor_summary_without_snapshot(engine):
    summary = PublicStore(engine).visitor_summary(NOW, 10)
    assert summary["gates"] == [] and summary["leaderboard"]["best"] == []
    assert sum(r["n"] for r in summary["status_today"]) == 0


def _wib():
    from zoneinfo import ZoneInfo
    return ZoneInfo("Asia/Jakarta")
