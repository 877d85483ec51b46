"""The live simulator: reproducible, Jakarta-shaped, legal, never in the future, and
acceptable to the ingest's own validation."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from dashboard.ingest.normalize import normalize
from dashboard.models import LAINNYA, Report, Status
from dashboard.simulator import model
from dashboard.simulator.source import MAX_TRACKED, SimulatorSource

START = datetime(2026, 11, 27, 0, 0, tzinfo=timezone.utc)  # 07:00 WIB


def run(source: SimulatorSource, fetches: int, step_s: int = 30, start: datetime = START):
    """Fetch ``fetches`` times, ``step_s`` real seconds apart, keeping the cursor."""
    cursor, batches = None, []
    for i in range(fetches + 1):
        now = start + timedelta(seconds=step_s * i)
        batch = source.fetch(cursor, now)
        batches.append((now, batch.records))
        cursor = batch.cursor
    return batches


@pytest.fixture
def sim(reference, tmp_path):
    return SimulatorSource(seed=7, speed=60, state_path=tmp_path / "sim.json", ref=reference)


def test_same_seed_same_records(reference, tmp_path):
    a = run(SimulatorSource(7, 60, tmp_path / "a.json", reference), 10)
    b = run(SimulatorSource(7, 60, tmp_path / "b.json", reference), 10)
    c = run(SimulatorSource(8, 60, tmp_path / "c.json", reference), 10)
    assert a == b
    assert sum(len(r) for _, r in a) > 50
    assert [r for _, r in a] != [r for _, r in c]


def test_crash_before_commit_regenerates_the_same_records(sim):
    first = sim.fetch(None, START)
    batch = sim.fetch(first.cursor, START + timedelta(seconds=60))
    # the caller crashed before saving batch.cursor: it asks again from the old cursor
    again = sim.fetch(first.cursor, START + timedelta(seconds=60))
    assert again.records == batch.records and again.cursor == batch.cursor
    later = sim.fetch(first.cursor, START + timedelta(seconds=90))
    assert later.records[:len(batch.records)] != [] and {
        r["service_request_id"] for r in batch.records if r["jakarta_status"] == "menunggu"
    } <= {r["service_request_id"] for r in later.records}


def test_commit_state_for_callers_without_cursor(sim):
    sim.fetch(None, START)
    sim.commit_state()
    batch = sim.fetch(None, START + timedelta(seconds=60))
    assert batch.records and batch.cursor.endswith(":60")


def test_category_shares_follow_reference(reference, tmp_path):
    source = SimulatorSource(7, 3600, tmp_path / "s.json", reference)
    seen = Counter(r["service_code"] for _, recs in run(source, 1, step_s=60)
                   for r in recs if r["jakarta_status"] == "menunggu")
    total = sum(seen.values())
    assert total > 4000
    shares = {c: reference.categories[c].share for c in reference.categories if c != LAINNYA}
    norm = sum(shares.values())
    for code in ("sampah", "pelanggaran_aturan", "fasilitas_umum", "parkir_liar"):
        assert seen[code] / total == pytest.approx(shares[code] / norm, abs=0.025)
    assert LAINNYA not in seen


def test_daily_rhythm_is_quiet_at_three_and_busy_at_eight():
    assert model.hour_weight(3.0) < 0.2 * model.hour_weight(8.0)
    assert model.hour_weight(18.0) > model.hour_weight(13.0)


def test_points_lie_inside_their_kelurahan(sim, reference):
    records = [r for _, recs in run(sim, 6) for r in recs]
    assert records
    for r in records[:400]:
        code, exact = reference.locate(float(r["long"]), float(r["lat"]))
        assert exact and code is not None
        assert reference.kelurahan[code].name in r["address"]


def test_statuses_follow_legal_transitions_one_record_per_id_per_batch(reference, tmp_path):
    source = SimulatorSource(7, 600, tmp_path / "s.json", reference, daily_reports=1500)
    last: dict[str, Status | None] = defaultdict(lambda: None)
    moves = Counter()
    for _, records in run(source, 30, step_s=20):
        ids = [r["service_request_id"] for r in records]
        assert len(ids) == len(set(ids))
        for r in records:
            new = Status(r["jakarta_status"])
            old = last[r["service_request_id"]]
            assert (old, new) in model.LEGAL, (r["service_request_id"], old, new)
            moves[(old, new)] += 1
            last[r["service_request_id"]] = new
    assert moves[(Status.KOORDINASI, Status.DISPOSISI)] > 0
    assert moves[(Status.PROSES, Status.SELESAI)] > 0
    assert moves[(Status.SELESAI, Status.MENUNGGU)] > 0  # reopened


def test_no_timestamp_after_now_and_updates_move_forward(reference, tmp_path):
    source = SimulatorSource(7, 600, tmp_path / "s.json", reference)
    stamps: dict[str, datetime] = {}
    for now, records in run(source, 20, step_s=7):
        for r in records:
            requested = datetime.fromisoformat(r["requested_datetime"])
            updated = datetime.fromisoformat(r["updated_datetime"])
            assert requested <= updated <= now
            assert r["updated_datetime"].endswith("+07:00")
            rid = r["service_request_id"]
            assert rid not in stamps or updated > stamps[rid]
            stamps[rid] = updated


def test_every_record_passes_normalize(sim, reference):
    for now, records in run(sim, 8):
        for r in records:
            got = normalize(r, "simulator", reference, now)
            assert isinstance(got, Report), got
            assert got.flags == () and got.kelurahan_code is not None
            assert got.agency_code == reference.route(got.category_code, got.kelurahan_code)
            assert got.reporter.phone.startswith("0812-0000-")
            assert got.reporter.email.endswith("@contoh.id")


def test_tracked_set_is_bounded(reference, tmp_path):
    source = SimulatorSource(7, 600, tmp_path / "s.json", reference, max_tracked=300)
    run(source, 3, step_s=30)
    state = json.loads((tmp_path / "s.json").read_text())
    assert all(len(s["tracked"]) <= 300 for s in state["snapshots"])
    assert len(state["snapshots"][-1]["tracked"]) == 300
    assert SimulatorSource(7, 60, tmp_path / "t.json", reference).max_tracked == MAX_TRACKED


def test_long_outage_jumps_ahead_without_future_stamps(sim):
    first = sim.fetch(None, START)
    now = START + timedelta(days=2)
    batch = sim.fetch(first.cursor, now)
    assert batch.records
    assert all(datetime.fromisoformat(r["updated_datetime"]) <= now for r in batch.records)


def test_sim_clock_replays_the_past_then_keeps_real_time(sim):
    sim.fetch(None, START)  # speed 60: starts 59 x 10 min behind, meets the present at +10 min
    assert sim.sim_time(START) == START - timedelta(minutes=590)
    assert sim.sim_time(START + timedelta(minutes=1)) == START - timedelta(minutes=530)
    assert sim.sim_time(START + timedelta(minutes=10)) == START + timedelta(minutes=10)
    assert sim.sim_time(START + timedelta(hours=5)) == START + timedelta(hours=5)


def test_arrivals_follow_the_wib_day(reference, tmp_path):
    source = SimulatorSource(7, 3600, tmp_path / "s.json", reference, daily_reports=20_000)
    first = source.fetch(None, START)  # each tick is a simulated hour of the replay
    batch = source.fetch(first.cursor, START + timedelta(seconds=48))
    per_hour = Counter(datetime.fromisoformat(r["requested_datetime"]).hour for r in batch.records
                       if r["jakarta_status"] == "menunggu")
    assert per_hour[8] > 4 * max(per_hour[3], 1)  # WIB hours of the requests themselves


def test_agencies_differ_fast_closers_and_ignorers(reference):
    from dashboard.simulator import history

    world = model.build_world(reference, 7)
    hist = history.generate(world, 20_000, 60, 7, int(START.timestamp()))
    names = [p.name for p in model.PROFILES]
    office = world.agency_profile[hist.drawn["kel_agency"]]
    local = ~world.routed[hist.drawn["cat"]]  # handled by the kelurahan office itself

    def median_hours(profile: str, until) -> float:
        mask = local & (office == names.index(profile)) & (until >= 0)
        return float(np.median(until[mask] - hist.requested[mask])) / 3600

    assert median_hours("kilat", hist.closed) < 1.0  # "done" within minutes
    assert median_hours("cepat", hist.responded) < 3.0
    assert median_hours("abai", hist.responded) > 7 * 24  # ignored for weeks
    assert (hist.status[local & (office == names.index("abai"))] == history.CODES[Status.MENUNGGU]).mean() > 0.3
