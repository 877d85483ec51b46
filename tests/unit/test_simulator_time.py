"""Simulated timestamps follow simulated time: spread over the simulated hour they belong
to, never after the wall clock; speed 1 is the wall clock. Addresses stay in their
kelurahan."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from dashboard.simulator import history, model, text
from dashboard.simulator.source import SimulatorSource, replay_lead

START = datetime(2026, 11, 27, 0, 0, tzinfo=timezone.utc)  # 07:00 WIB


def _times(records: list[dict], key: str) -> list[datetime]:
    return [datetime.fromisoformat(r[key]) for r in records]


def test_speed_60_spreads_a_simulated_hour_over_that_hour(reference, tmp_path):
    source = SimulatorSource(7, 60, tmp_path / "s.json", reference, daily_reports=20_000)
    first = source.fetch(None, START)
    now = START + timedelta(minutes=1)  # one real minute: one simulated hour
    batch = source.fetch(first.cursor, now)
    arrived = _times([r for r in batch.records if r["jakarta_status"] == "menunggu"], "requested_datetime")
    hour_start, hour_end = source.sim_time(START), source.sim_time(now)
    assert hour_end - hour_start == timedelta(hours=1) and hour_end <= now
    assert len(arrived) > 300
    assert all(hour_start <= t <= hour_end for t in arrived)
    assert len({t.replace(second=0) for t in arrived}) >= 55  # nearly every minute of the hour
    assert all(t <= now for r in batch.records for t in _times([r], "updated_datetime"))


def test_speed_60_catches_up_and_never_stamps_the_future(reference, tmp_path):
    source = SimulatorSource(7, 60, tmp_path / "s.json", reference)
    cursor, latest = None, None
    for i in range(0, 16 * 60 + 1, 45):  # across the catch-up at 10 real minutes
        now = START + timedelta(seconds=i)
        batch = source.fetch(cursor, now)
        cursor = batch.cursor
        stamps = _times(batch.records, "updated_datetime") + _times(batch.records, "requested_datetime")
        assert all(t <= now for t in stamps)
        latest = max(stamps, default=latest)
    assert source.sim_time(now) == now  # real time after the replay
    assert now - latest < timedelta(minutes=10)  # the last reports are recent


def test_speed_1_is_the_wall_clock(reference, tmp_path):
    source = SimulatorSource(7, 1, tmp_path / "s.json", reference, daily_reports=20_000)
    cursor, arrived = None, []
    for i in range(13):  # an hour, a fetch every 5 minutes
        now = START + timedelta(minutes=5 * i)
        batch = source.fetch(cursor, now)
        cursor = batch.cursor
        stamps = _times([r for r in batch.records if r["jakarta_status"] == "menunggu"], "requested_datetime")
        assert all(now - timedelta(minutes=5) <= t <= now for t in stamps)
        arrived += stamps
    assert source.sim_time(now) == now and replay_lead(1) == timedelta(0)
    assert len({t.replace(second=0) for t in arrived}) > 40  # spread over the hour's minutes


def test_addresses_and_descriptions_stay_in_their_kelurahan(reference):
    world = model.build_world(reference, 7)
    hist = history.generate(world, 5000, 5, 7, int(START.timestamp()))
    streets = re.compile(r"\bJl\.|\bJalan [A-Z]")  # a named street would be somewhere else
    for kel_i, k in zip(hist.drawn["kel"].tolist(), hist.drawn["text"].tolist()):
        code = world.kelurahan[kel_i]
        kel = reference.kelurahan[code]
        address = text.address(k, code, reference)
        rt, rw = text.rt_rw(k)
        assert address == f"RT {rt}/RW {rw}, Kel. {kel.name}, Kec. {reference.kecamatan[kel.kecamatan_code].name}"
        for category in world.categories:
            said = text.description(category, k, kel.name)
            assert not streets.search(said), said
            assert kel.name in said or f"RT {rt}/RW {rw}" in said or "koridor" in said, said


def test_a_run_resumed_hours_later_continues_from_the_present(reference, tmp_path):
    source = SimulatorSource(7, 1, tmp_path / "s.json", reference, daily_reports=20_000)
    first = source.fetch(None, START)
    stopped = source.fetch(first.cursor, START + timedelta(minutes=10))
    later = START + timedelta(hours=5)  # the demo was off for almost five hours
    resumed = SimulatorSource(7, 1, tmp_path / "s.json", reference, daily_reports=20_000)
    batch = resumed.fetch(stopped.cursor, later)
    arrived = _times([r for r in batch.records if r["jakarta_status"] == "menunggu"], "requested_datetime")
    assert arrived and min(arrived) >= later - timedelta(minutes=15)  # the gap stays a gap
    assert all(t <= later for t in _times(batch.records, "updated_datetime"))
    assert resumed.sim_time(later) == later
    faster = SimulatorSource(7, 60, tmp_path / "s.json", reference)  # another speed: a new run
    assert faster.fetch(batch.cursor, later).cursor.startswith(later.strftime("%y%m%d%H%M%S"))
