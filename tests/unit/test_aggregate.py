"""The wall payload builder, without a database: shape, counts, statuses, flood mode."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from dashboard.wall.aggregate import (
    KELURAHAN,
    WallInputs,
    agency_rows,
    bucket_status,
    build_wall_payload,
    group_view,
    share_status,
    ticker_rows,
)
from dashboard.wall.delta import split_backlog
from dashboard.models import AGE_BUCKETS, STATUS_ORDER
from dashboard.scoring import KelurahanCounts
from dashboard.scoring import leaderboard as build_leaderboard

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)
KPI_KEYS = {"today_new", "today_done", "open", "overdue", "unresponded_6h", "status"}
TOP_KEYS = {"version", "computed_at", "data_as_of", "kpis", "status_today", "backlog_by_age", "flow_24h",
            "agencies", "focus", "leaderboard", "ticker", "gates", "flood_mode", "flood", "flood_rivers",
            "kelurahan_backlog"}


def gate(code: str, river: str) -> dict:
    return {"code": code, "name": f"PA {code}", "river": river, "snapshot_url": None}


def sample_inputs(reference, siaga: int = 4) -> WallInputs:
    sudin = next(c for c, a in reference.agencies.items() if a.kind == "suku_dinas")
    kel = next(c for c, a in reference.agencies.items() if a.kind == "kelurahan")
    hours = [NOW.replace(minute=0) - timedelta(hours=23 - i) for i in range(24)]
    return WallInputs(
        version=7, data_as_of=NOW - timedelta(minutes=1),
        today=[(sudin, "menunggu", 3), (sudin, "selesai", 2), (kel, "proses", 1)],
        done_today={sudin: 2, kel: 1},
        backlog=[(sudin, "lt6h", 3), (sudin, "gt7d", 4), (kel, "6h_24h", 2)],
        unresponded={sudin: 1, kel: 2},
        open_by_kelurahan={"31.71.01.1001": 5},
        flow=[(h, i, i // 2) for i, h in enumerate(hours)],
        ticker=[{"id": 1, "category": "Sampah", "kelurahan": "Gambir", "status": "menunggu",
                 "requested_at": NOW - timedelta(minutes=90), "description": "<b>x</b>" * 40}],
        gates=[gate("pa-1", "Ciliwung"), gate("pa-2", "Krukut"), gate("pa-3", "Pesanggrahan")],
        levels={"pa-1": {"observed_at": NOW, "level_cm": 900.0, "siaga": siaga},
                "pa-2": {"observed_at": NOW, "level_cm": 100.0, "siaga": 4}},
        trends={"pa-1": [(NOW - timedelta(minutes=10), 880.0), (NOW, 900.0)]},
        cameras={"pa-1": {"ok": False, "last_ok_at": NOW - timedelta(hours=1)}},
    )


def test_payload_has_every_contract_key_and_is_json(reference):
    payload = build_wall_payload(sample_inputs(reference), reference, NOW)
    assert set(payload) == TOP_KEYS
    assert set(payload["kpis"]) == KPI_KEYS
    assert [s["status"] for s in payload["status_today"]] == [s.value for s in STATUS_ORDER]
    assert [b["bucket"] for b in payload["backlog_by_age"]] == [label for label, _ in AGE_BUCKETS]
    assert len(payload["flow_24h"]["hours"]) == len(payload["flow_24h"]["new"]) == 24
    assert payload["computed_at"].endswith("Z") and payload["data_as_of"].endswith("Z")
    json.dumps(payload)  # plain JSON types only


def test_city_kpis_add_up_the_agencies(reference):
    p = build_wall_payload(sample_inputs(reference), reference, NOW)
    assert p["kpis"] == {"today_new": 6, "today_done": 3, "open": 9, "overdue": 4, "unresponded_6h": 3,
                         "status": "danger"}
    assert {s["status"]: s["n"] for s in p["status_today"]}["menunggu"] == 3
    assert sum(b["n"] for b in p["backlog_by_age"]) == p["kpis"]["open"]


def test_agencies_sorted_by_open_and_focus_for_each(reference):
    p = build_wall_payload(sample_inputs(reference), reference, NOW)
    assert [a["open"] for a in p["agencies"]] == [7, 2]
    assert set(p["focus"]) == {a["code"] for a in p["agencies"]}
    first = p["agencies"][0]
    focus = p["focus"][first["code"]]
    assert focus["kpis"]["open"] == first["open"] == 7
    assert focus["kpis"]["overdue"] == first["overdue"] == 4
    assert focus["kpis"]["today_new"] == 5 and focus["kpis"]["today_done"] == 2
    assert set(focus) == {"kpis", "status_today", "backlog_by_age"}


def test_agencies_are_capped_at_twelve(reference):
    codes = sorted(c for c in reference.agencies if not c.startswith("kel-"))[:20]
    inputs = WallInputs(version=1, backlog=[(c, "lt6h", i + 1) for i, c in enumerate(codes)])
    rows = agency_rows(inputs, reference)
    assert len(rows) == 12 and rows[0]["open"] == 20


def test_kelurahan_offices_are_one_agency_row_with_its_focus(reference):
    kels = [c for c, a in reference.agencies.items() if a.kind == "kelurahan"][:3]
    sudin = next(c for c, a in reference.agencies.items() if a.kind == "suku_dinas")
    inputs = WallInputs(version=1, today=[(kels[0], "menunggu", 2), (kels[1], "proses", 1)],
                        done_today={kels[2]: 4},
                        backlog=[(kels[0], "lt6h", 2), (kels[1], "gt7d", 3), (kels[2], "6h_24h", 1), (sudin, "lt6h", 5)],
                        unresponded={kels[0]: 1, kels[1]: 2})
    p = build_wall_payload(inputs, reference, NOW)
    assert [(a["code"], a["open"], a["overdue"], a["unresponded"]) for a in p["agencies"]] == [
        (KELURAHAN, 6, 3, 3), (sudin, 5, 0, 0)]
    assert p["agencies"][0]["name"] == "Kelurahan (semua)" and p["agencies"][0]["kind"] == "kelurahan"
    assert not any(a["code"].startswith("kel-") for a in p["agencies"])
    kpis = p["focus"][KELURAHAN]["kpis"]
    assert (kpis["today_new"], kpis["today_done"], kpis["open"], kpis["overdue"]) == (3, 4, 6, 3)


def test_gates_flood_mode_and_rivers(reference):
    calm = build_wall_payload(sample_inputs(reference, siaga=3), reference, NOW)
    assert calm["flood_mode"] is False and calm["flood_rivers"] == []
    assert [g["code"] for g in calm["gates"]] == ["pa-1", "pa-2"]  # pa-3 has no reading
    flood = build_wall_payload(sample_inputs(reference, siaga=2), reference, NOW)
    assert flood["flood_mode"] is True and flood["flood_rivers"] == ["Ciliwung"]
    g = flood["gates"][0]
    assert g["trend"][-1] == [g["observed_at"], 900.0]
    assert g["camera"] == {"ok": False, "last_ok_at": "2026-11-27T02:00:00Z", "simulated": False}
    assert flood["gates"][1]["camera"] == {"ok": False, "last_ok_at": None, "simulated": False}
    assert flood["flood"] == {"gate": "pa-1", "name": "PA pa-1", "siaga": 2, "since": g["observed_at"],
                              "calm_since": None}
    assert calm["flood"] is None


def test_a_stale_alarm_does_not_keep_flood_mode(reference):
    inputs = sample_inputs(reference, siaga=1)
    inputs.levels["pa-1"]["observed_at"] = NOW - timedelta(hours=4)
    p = build_wall_payload(inputs, reference, NOW)
    assert p["flood_mode"] is False and p["flood_rivers"] == [] and p["flood"] is None
    assert p["gates"][0]["siaga"] == 1  # still shown, with its time


def test_ticker_keeps_raw_text_capped_at_140(reference):
    rows = ticker_rows(sample_inputs(reference).ticker, NOW)
    assert rows[0]["age_minutes"] == 90
    assert len(rows[0]["text"]) == 140 and rows[0]["text"].startswith("<b>x</b>")
    assert set(rows[0]) == {"id", "category", "kelurahan", "status", "age_minutes", "text"}


@pytest.mark.parametrize("part,whole,expected", [(0, 0, "ok"), (0, 10, "ok"), (1, 100, "ok"),
                                                 (10, 100, "warning"), (25, 100, "danger")])
def test_share_status_thresholds(part, whole, expected):
    assert share_status(part, whole) == expected


def test_bucket_status():
    assert bucket_status("lt6h", 100, 100) == "ok"
    assert bucket_status("3d_7d", 30, 100) == "warning" and bucket_status("3d_7d", 10, 100) == "ok"
    assert bucket_status("gt7d", 0, 100) == "ok"
    assert bucket_status("gt7d", 1, 100) == "warning" and bucket_status("gt7d", 10, 100) == "danger"


def test_empty_group_is_ok_and_zero():
    view = group_view({}, 0, {}, 0)
    assert view["kpis"]["status"] == "ok" and view["kpis"]["open"] == 0
    assert all(b["n"] == 0 for b in view["backlog_by_age"])


def test_leaderboard_best_worst_do_not_overlap_and_are_capped(reference):
    codes = sorted(reference.kelurahan)[:25]
    counts = [KelurahanCounts(c, 50, acted_on=50 - i, responded_6h=50 - 2 * i, response_due=50,
                              resolved_7d=40 - i, resolution_due=50) for i, c in enumerate(codes)]
    board = build_leaderboard(counts, reference, NOW)
    assert len(board["best"]) == 10 and len(board["worst"]) == 10
    assert board["best"][0]["code"] == codes[0] and board["worst"][0]["code"] == codes[-1]
    assert not {r["code"] for r in board["best"]} & {r["code"] for r in board["worst"]}
    row = board["best"][0]
    assert set(row) == {"code", "name", "kota", "score", "received", "parts"}
    assert row["name"] == reference.kelurahan[codes[0]].name and row["kota"]
    few = build_leaderboard(counts[:4], reference, NOW)
    assert len(few["best"]) == 4 and few["worst"] == []


def test_split_backlog_derives_overdue_and_unresponded_from_tally_minus_young():
    open_by = {"A": (9, 6), "B": (2, 0)}  # agency -> (open, of which Menunggu), from tally
    young = [("A", "lt6h", 2, 2), ("A", "1d_3d", 1, 1), ("A", "3d_7d", 3, 0)]
    backlog, unresponded = split_backlog(open_by, young)
    assert sorted(backlog) == [("A", "1d_3d", 1), ("A", "3d_7d", 3), ("A", "gt7d", 3), ("A", "lt6h", 2),
                               ("B", "gt7d", 2)]
    assert unresponded == {"A": 4}  # 6 Menunggu, 2 of them younger than 6 h


def test_ticker_text_is_redacted_before_it_is_cut():
    phone = "Hubungi 0812-3456-7890 atau budi@example.com, plat B 1234 XYZ"
    rows = [{"id": 1, "status": "menunggu", "requested_at": NOW, "description": "x" * 125 + " " + phone}]  # the number starts before the cut
    text = ticker_rows(rows, NOW)[0]["text"]
    assert "0812" not in text and "3456" not in text and len(text) <= 140
    full = ticker_rows([{**rows[0], "description": phone}], NOW)[0]["text"]
    assert "budi@example.com" not in full and "1234 XYZ" not in full and "[…]" in full
