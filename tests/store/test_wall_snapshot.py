"""refresh_wall_snapshot against a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta, timezone

import pytest

from dashboard.wall import WIDGET
from dashboard.wall.aggregate import KELURAHAN, build_wall_payload, read_wall_inputs, refresh_wall_snapshot
from dashboard.models import Status
from dashboard.store import counters, snapshots
from dashboard.store.schema import ingest_run
from dashboard.store.reports import map_points
from dashboard.store.water import Reading, record_levels
from dashboard.store.writes import upsert_reports
from tests.conftest import NOW
from tests.factories import make_report

REDIS_URL = "redis://127.0.0.1:6379/13"  # a database of its own, away from a running demo
# report points: Gambir and a few other kelurahan
POINTS = [(106.8175, -6.1766), (106.8456, -6.2088), (106.9000, -6.1500), (106.7800, -6.2400)]
SEED = [  # (external id, status, hours ago)
    ("A1", Status.MENUNGGU, 1), ("A2", Status.MENUNGGU, 10), ("A3", Status.PROSES, 30),
    ("A4", Status.SELESAI, 50), ("A5", Status.DISPOSISI, 24 * 9), ("A6", Status.KOORDINASI, 5),
    ("A7", Status.SELESAI, 3), ("A8", Status.MENUNGGU, 24 * 4),
]


def report(ext: str, status: Status, hours: float, point: int = 0, **kw):  # noqa: ANN201
    at = NOW - timedelta(hours=hours)
    updated = at if status is Status.MENUNGGU else at + timedelta(minutes=min(hours * 60 - 1, 120))
    lon, lat = POINTS[point % len(POINTS)]
    return make_report(external_id=ext, status=status, requested_at=at, updated_at=updated,
                       lon=lon, lat=lat, **kw)


def seed(engine) -> None:  # noqa: ANN001
    with engine.begin() as conn:
        upsert_reports(conn, [report(e, s, h, i) for i, (e, s, h) in enumerate(SEED)], NOW)


def payload(engine):  # noqa: ANN001, ANN201
    saved = snapshots.read_snapshot(engine, WIDGET)
    assert saved is not None
    return saved


def test_payload_matches_the_contract(engine, reference, settings):
    seed(engine)
    with engine.begin() as conn:  # the last successful run is "data as of", not a later failure
        conn.execute(ingest_run.insert(), [
            dict(source="test", started_at=NOW - timedelta(minutes=3), finished_at=NOW - timedelta(minutes=2),
                 ok=True),
            dict(source="test", started_at=NOW - timedelta(minutes=1), finished_at=NOW, ok=False,
                 error="HTTP 500"),
        ])
    assert refresh_wall_snapshot(engine, reference, NOW, settings) is True
    p, version, computed_at = payload(engine)
    with engine.connect() as conn:
        assert version == p["version"] == counters.current(conn) > 0
    assert computed_at == NOW and p["computed_at"] == "2026-11-27T03:00:00Z"
    assert p["data_as_of"] == "2026-11-27T02:58:00Z"
    k = p["kpis"]
    assert set(k) == {"today_new", "today_done", "open", "overdue", "unresponded_6h", "status"}
    assert all(isinstance(k[key], int) for key in k if key != "status")
    assert k["status"] in {"ok", "warning", "danger"}
    assert k["open"] == 6 and k["overdue"] == 1
    assert k["unresponded_6h"] == 2  # A2 (10 h) and A8 (4 days) are still Menunggu
    assert [s["status"] for s in p["status_today"]] == [s.value for s in Status]
    assert sum(b["n"] for b in p["backlog_by_age"]) == 6
    assert len(p["flow_24h"]["hours"]) == 24 and sum(p["flow_24h"]["new"]) == 4  # A1, A2, A6, A7
    assert 1 <= len(p["agencies"]) <= 12 and set(p["focus"]) == {a["code"] for a in p["agencies"]}
    assert sum(a["open"] for a in p["agencies"]) == 6
    assert sum(p["kelurahan_backlog"].values()) == 6
    ticker = p["ticker"]
    assert len(ticker) == 8
    assert set(ticker[0]) == {"id", "category", "kelurahan", "status", "age_minutes", "text"}
    board = p["leaderboard"]
    assert 1 <= len(board["best"]) <= 10 and len(board["worst"]) <= 10 and board["formula"]
    for row in board["best"] + board["worst"]:
        assert 0 <= row["score"] <= 100 and row["received"] >= 1
        assert all(0 <= v <= 1 for v in row["parts"].values())
    assert p["flood_mode"] is False and p["gates"] == []


def test_unchanged_store_is_not_recomputed_until_it_ages(engine, reference, settings):
    seed(engine)
    assert refresh_wall_snapshot(engine, reference, NOW, settings) is True
    assert refresh_wall_snapshot(engine, reference, NOW + timedelta(seconds=30), settings) is False
    assert payload(engine)[2] == NOW
    assert refresh_wall_snapshot(engine, reference, NOW + timedelta(seconds=61), settings) is True


def test_one_more_report_moves_the_counts_by_one(engine, reference, settings):
    seed(engine)
    refresh_wall_snapshot(engine, reference, NOW, settings)
    before, v1, _ = payload(engine)
    with engine.begin() as conn:
        upsert_reports(conn, [report("B1", Status.MENUNGGU, 0.5)], NOW)
    assert refresh_wall_snapshot(engine, reference, NOW, settings) is True
    after, v2, _ = payload(engine)
    assert v2 > v1 and after["version"] == v2
    for key in ("today_new", "open"):
        assert after["kpis"][key] == before["kpis"][key] + 1
    assert after["kpis"]["overdue"] == before["kpis"]["overdue"]
    waiting = [{s["status"]: s["n"] for s in p["status_today"]}["menunggu"] for p in (before, after)]
    assert waiting[1] == waiting[0] + 1
    assert sum(after["kelurahan_backlog"].values()) == sum(before["kelurahan_backlog"].values()) + 1
    assert after["ticker"][0]["age_minutes"] == 30


def test_report_closed_today_counts_as_done(engine, reference, settings):
    seed(engine)
    refresh_wall_snapshot(engine, reference, NOW, settings)
    before = payload(engine)[0]["kpis"]
    closed = replace(report("A2", Status.SELESAI, 10, 1), updated_at=NOW - timedelta(minutes=5))
    with engine.begin() as conn:
        upsert_reports(conn, [closed], NOW)
    refresh_wall_snapshot(engine, reference, NOW, settings)
    after = payload(engine)[0]["kpis"]
    assert after["today_done"] == before["today_done"] + 1
    assert after["open"] == before["open"] - 1


def test_flood_mode_when_a_gate_reaches_siaga_2(engine, reference, settings):
    seed(engine)
    gate = next(g for g in reference.gates.values() if g.monitored and g.siaga2_cm and g.river)
    with engine.begin() as conn:
        record_levels(conn, [Reading(gate.code, NOW - timedelta(minutes=20), gate.siaga3_cm - 10, 4)])
    refresh_wall_snapshot(engine, reference, NOW, settings)
    calm = payload(engine)[0]
    assert calm["flood_mode"] is False and [g["code"] for g in calm["gates"]] == [gate.code]
    level = float(gate.siaga2_cm + 5)
    with engine.begin() as conn:
        record_levels(conn, [Reading(gate.code, NOW - timedelta(minutes=5), level, gate.siaga(level))])
    # no report changed: the new water reading alone makes the snapshot stale
    assert refresh_wall_snapshot(engine, reference, NOW, settings) is True
    p = payload(engine)[0]
    assert p["flood_mode"] is True and p["flood_rivers"] == [gate.river]
    g = p["gates"][0]
    assert g["siaga"] <= 2 and g["level_cm"] == level and len(g["trend"]) == 2
    assert g["camera"] == {"ok": False, "last_ok_at": None, "simulated": False}


def test_redis_mirror_when_redis_url_is_set(engine, reference, settings):
    import redis as redis_lib

    client = redis_lib.Redis.from_url(REDIS_URL, socket_timeout=2)
    try:
        client.ping()
    except redis_lib.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    key = snapshots.redis_key(WIDGET)
    client.delete(key)
    try:
        seed(engine)
        assert refresh_wall_snapshot(engine, reference, NOW, settings.with_(redis_url=REDIS_URL)) is True
        with engine.connect() as conn:
            version = counters.current(conn)
        assert int(client.hget(key, "version")) == version
        assert snapshots.read_snapshot(engine, WIDGET, client)[0]["version"] == version
    finally:
        client.delete(key)


def test_leaderboard_counts_by_hand(engine, reference):
    from dashboard.store.performance import leaderboard_counts
    from dashboard.scoring import WINDOW

    day = 24
    with engine.begin() as conn:
        upsert_reports(conn, [
            report("old", Status.DISPOSISI, 40 * day),  # open, before the window: overdue + load
            report("closed", Status.SELESAI, 3 * day),  # responded and closed 2 h after the request
            report("late", Status.PROSES, 10 * day),  # responded after 2 h, open > 7 days: overdue
            report("new", Status.MENUNGGU, 1),  # not due for anything yet
            report("elsewhere", Status.MENUNGGU, 2, point=2),
        ], NOW)
    with engine.connect() as conn:
        counts = {c.code: c for c in leaderboard_counts(conn, NOW - WINDOW, NOW)}
    gambir = reference.locate(*POINTS[0])[0]
    c = counts[gambir]
    assert (c.received, c.acted_on, c.responded_6h, c.response_due) == (3, 2, 2, 2)
    assert (c.resolved_7d, c.resolution_due, c.overdue_open, c.load) == (1, 2, 2, 4)
    assert (c.reopened, c.ever_closed) == (0, 1)
    other = counts[reference.locate(*POINTS[2])[0]]
    assert (other.received, other.overdue_open, other.load) == (1, 0, 1)


def test_flow_hours_are_carried_between_full_recomputes(engine, reference, settings):
    from dashboard.wall.aggregate import LEADERBOARD_MAX_AGE

    seed(engine)
    refresh_wall_snapshot(engine, reference, NOW, settings)
    before = payload(engine)[0]["flow_24h"]
    assert len(before["hours"]) == 24 and before["hours"][-1] == "2026-11-27T03:00:00Z"
    with engine.begin() as conn:  # one in the previous hour, one arriving 5 hours late
        upsert_reports(conn, [report("now", Status.MENUNGGU, 0.5), report("late", Status.MENUNGGU, 5)], NOW)
    later = NOW + timedelta(minutes=1)
    assert refresh_wall_snapshot(engine, reference, later, settings) is True
    after = payload(engine)[0]["flow_24h"]
    index = {h: i for i, h in enumerate(after["hours"])}
    assert after["new"][index["2026-11-27T02:00:00Z"]] == before["new"][index["2026-11-27T02:00:00Z"]] + 1
    assert after["new"][index["2026-11-26T22:00:00Z"]] == before["new"][index["2026-11-26T22:00:00Z"]]  # carried
    full = NOW + LEADERBOARD_MAX_AGE
    refresh_wall_snapshot(engine, reference, full, settings)
    assert payload(engine)[0]["flow_24h"]["new"][index["2026-11-26T22:00:00Z"]] == \
        before["new"][index["2026-11-26T22:00:00Z"]] + 1  # the full recompute sees the late one


def test_kelurahan_focus_points_are_every_kel_office(engine, reference):
    sudin = next(c for c, a in reference.agencies.items() if a.kind == "suku_dinas")
    kels = [c for c, a in reference.agencies.items() if a.kind == "kelurahan"][:2]
    with engine.begin() as conn:
        upsert_reports(conn, [report("K1", Status.MENUNGGU, 1, 0, agency_code=kels[0]),
                              report("K2", Status.PROSES, 2, 1, agency_code=kels[1]),
                              report("S1", Status.MENUNGGU, 3, 2, agency_code=sudin),
                              report("K3", Status.MENUNGGU, 24 * 40, 3, agency_code=kels[0])], NOW)
    with engine.connect() as conn:
        rows = map_points(conn, None, 10, open_only=True, agency_prefix="kel-", shape="wall")
        assert len(map_points(conn, None, 1, open_only=True, agency_prefix="kel-", shape="wall")) == 1
    assert [r[3] for r in rows] == ["menunggu", "proses", "menunggu"]  # newest first; 40-day-old K3 is backlog too
    payload = build_wall_payload(read_wall_inputs(engine, reference, NOW, timezone.utc), reference, NOW)
    assert [a["code"] for a in payload["agencies"]][:2] == [KELURAHAN, sudin]
    assert payload["focus"][KELURAHAN]["kpis"]["open"] == 3


def test_wall_map_points_epoch_seconds_and_agency_filters(engine, reference):
    sudin = next(c for c, a in reference.agencies.items() if a.kind == "suku_dinas")
    at = NOW - timedelta(hours=3, seconds=17)
    with engine.begin() as conn:
        upsert_reports(conn, [report("P1", Status.MENUNGGU, 3 + 17 / 3600, 0, agency_code=sudin),
                              report("P2", Status.PROSES, 1, 1)], NOW)
    with engine.connect() as conn:
        rows = map_points(conn, None, 10, open_only=True, agency=sudin, shape="wall")
        assert len(map_points(conn, None, 10, open_only=True, shape="wall")) == 2
    assert len(rows) == 1 and abs(rows[0][5] - at.timestamp()) <= 1 and isinstance(rows[0][5], int)


def test_the_kelurahan_page_shows_the_walls_ranking(engine, reference, settings):
    """The worker saves the whole ranking with the leaderboard; the supervisor's kelurahan
    page reads it (same score, rank and as-of as the wall) until it is 10 min old, then
    computes its own."""
    from dashboard.store.performance import kelurahan_score
    seed(engine)
    assert refresh_wall_snapshot(engine, reference, NOW, settings) is True
    best = payload(engine)[0]["leaderboard"]["best"][0]
    with engine.begin() as conn:  # a late, long-open report: the kelurahan's score drops
        upsert_reports(conn, [report("LATE", Status.MENUNGGU, 24 * 20, 0)], NOW)
    with engine.connect() as conn:
        shown = kelurahan_score(conn, best["code"], NOW + timedelta(minutes=3))
        assert shown["as_of"] == NOW and shown["rank"] == 1 and round(shown["score"], 1) == best["score"]
        assert set(shown["parts"]) == set(best["parts"]) and shown["counts"]["code"] == best["code"]
        fresh = kelurahan_score(conn, best["code"], NOW + timedelta(minutes=11))
        assert fresh["as_of"] == NOW + timedelta(minutes=11) and fresh["score"] < shown["score"]
