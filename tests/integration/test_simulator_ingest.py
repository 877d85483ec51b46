"""The simulator's batches go through the real ingest path cleanly (both backends)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, text

from dashboard.ingest.run import ingest_once
from dashboard.models import Status
from dashboard.simulator import model
from dashboard.simulator.source import SimulatorSource
from dashboard.store.schema import quarantine, report, status_change, tally
from tests.conftest import NOW


def _source(reference, tmp_path) -> SimulatorSource:
    return SimulatorSource(seed=7, speed=600, state_path=tmp_path / "sim.json", ref=reference,
                           daily_reports=1500)


def test_simulator_batches_ingest_with_nothing_quarantined(engine, reference, tmp_path):
    source = _source(reference, tmp_path)
    totals = {"new": 0, "updated": 0}
    for i in range(12):
        result = ingest_once(source, engine, reference, NOW + timedelta(seconds=15 * i))
        assert result.ok and result.n_quarantined == 0, result
        totals["new"] += result.n_new
        totals["updated"] += result.n_updated
    assert totals["new"] > 50 and totals["updated"] > 20
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(quarantine)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(report)).scalar() == totals["new"]
        moves = conn.execute(select(status_change.c.from_status, status_change.c.to_status)).all()
        recount = conn.execute(text("SELECT COALESCE(kelurahan_code, ''), agency_code, category_code, "
                                    "status, COUNT(*) FROM report GROUP BY 1, 2, 3, 4")).all()
        stored = conn.execute(select(tally)).all()
    for old, new in moves:
        assert (Status(old) if old else None, Status(new)) in model.LEGAL
    assert sorted(map(tuple, stored)) == sorted(map(tuple, recount))


def test_crash_between_fetch_and_commit_is_absorbed(engine, reference, tmp_path):
    source = _source(reference, tmp_path)
    for i in range(3):
        ingest_once(source, engine, reference, NOW + timedelta(seconds=20 * i))
    # a fetch whose batch never committed (the worker died): the state file moved on
    lost = source.fetch(_cursor(engine), NOW + timedelta(seconds=60))
    assert lost.records
    restarted = _source(reference, tmp_path)  # a new process reads the state file
    result = ingest_once(restarted, engine, reference, NOW + timedelta(seconds=60))
    assert result.ok and result.n_quarantined == 0
    assert result.n_seen == len(lost.records) and result.n_new + result.n_updated == len(lost.records)
    again = ingest_once(restarted, engine, reference, NOW + timedelta(seconds=80))
    assert again.ok and again.n_quarantined == 0 and again.n_seen > 0


def _cursor(engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(text("SELECT watermark FROM source_cursor WHERE source = 'simulator'")).scalar()
