"""History seeding on both backends: counts, tally == recount, histories, indexes."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, inspect, select, text

from dashboard.simulator import seed as seeding
from dashboard.models import RESPONDED, Status
from dashboard.simulator import model
from dashboard.store import bulk, counters
from dashboard.store.schema import report, reporter, status_change, tally, water_level
from tests.conftest import NOW

N = 2000


def _count(conn, table) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _tally_matches_recount(conn) -> None:
    recount = conn.execute(text(
        "SELECT COALESCE(kelurahan_code, ''), agency_code, category_code, status, COUNT(*) "
        "FROM report GROUP BY 1, 2, 3, 4")).all()
    stored = conn.execute(select(tally.c.kelurahan_code, tally.c.agency_code, tally.c.category_code,
                                 tally.c.status, tally.c.n)).all()
    assert sorted(map(tuple, stored)) == sorted(map(tuple, recount))


def test_seed_counts_tally_and_counter(engine, reference):
    result = seeding.seed(engine, reference, N, 10, seed=1, now=NOW, progress=False)
    assert result.n_reports == N and result.n_status_changes > N
    with engine.connect() as conn:
        assert _count(conn, report) == N == _count(conn, reporter)
        assert _count(conn, status_change) == result.n_status_changes
        assert _count(conn, water_level) == result.n_water_levels > 0
        _tally_matches_recount(conn)
        assert counters.current(conn) == result.change_seq == 1
        assert conn.execute(select(func.count()).where(report.c.change_seq != 1)).scalar() == 0
        assert conn.execute(select(func.count(func.distinct(report.c.external_id)))).scalar() == N
        assert conn.execute(select(func.max(report.c.requested_at))).scalar() <= NOW
        statuses = dict(conn.execute(select(report.c.status, func.count()).group_by(report.c.status)).all())
    assert set(statuses) == {s.value for s in Status}


def test_seed_zero_reports_still_records_water(engine, reference):
    result = seeding.seed(engine, reference, 0, 1, seed=1, now=NOW, progress=False)
    assert result.n_reports == 0 and result.n_water_levels > 0
    with engine.connect() as conn:
        assert _count(conn, report) == 0 and _count(conn, tally) == 0


def test_seeded_histories_are_legal_and_consistent(engine, reference):
    seeding.seed(engine, reference, 500, 20, seed=2, now=NOW, progress=False)
    with engine.connect() as conn:
        reports = {r.id: r for r in conn.execute(select(report))}
        chains: dict[int, list] = {}
        for row in conn.execute(select(status_change).order_by(status_change.c.report_id, status_change.c.changed_at)):
            chains.setdefault(row.report_id, []).append(row)
    assert set(chains) == set(reports)
    for rid, chain in chains.items():
        rep = reports[rid]
        assert chain[0].from_status is None and chain[0].changed_at == rep.requested_at
        for a, b in zip(chain, chain[1:]):
            assert (Status(a.to_status), Status(b.to_status)) in model.LEGAL
            assert b.from_status == a.to_status and b.changed_at > a.changed_at
        assert chain[-1].to_status == rep.status and chain[-1].changed_at == rep.updated_at
        responded = [c.changed_at for c in chain if Status(c.to_status) in RESPONDED]
        assert rep.responded_at == (responded[0] if responded else None)
        assert (rep.closed_at is not None) == (rep.status == "selesai")
        assert rep.reopen_count == sum(c.from_status == "selesai" for c in chain)


def test_big_load_rebuilds_indexes_and_keys_and_appends(engine, reference, monkeypatch):
    monkeypatch.setattr(seeding, "BIG_LOAD", 100)
    seeding.seed(engine, reference, 300, 5, seed=3, now=NOW, progress=False)
    second = seeding.seed(engine, reference, 300, 5, seed=3, now=NOW, progress=False)
    insp = inspect(engine)
    assert {ix.name for ix in report.indexes} <= {ix["name"] for ix in insp.get_indexes("report")}
    assert insp.get_foreign_keys("status_change") and insp.get_foreign_keys("reporter")
    with engine.begin() as conn:
        assert _count(conn, report) == 600
        assert second.change_seq == 2 and second.n_water_levels == 0  # hours already stored
        _tally_matches_recount(conn)
        # the id sequence continues after explicit ids (PostgreSQL setval)
        new_id = conn.execute(report.insert().values(
            source="t", external_id="x", category_code="sampah", status="menunggu", lat=-6.2, lon=106.8,
            agency_code="tj", requested_at=NOW, updated_at=NOW, change_seq=3).returning(report.c.id)).scalar()
    assert new_id == 601


def test_sql_time_matches_what_the_store_reads(engine):
    stamp = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    with engine.begin() as conn:
        bulk.load_rows(conn, water_level, ("gate_code", "observed_at", "level_cm", "siaga"),
                       [("pa-1", bulk.sql_time([int(stamp.timestamp())])[0], 100.0, 4)])
        got = conn.execute(select(water_level.c.observed_at)).scalar_one()
        hit = conn.execute(select(func.count()).where(water_level.c.observed_at == stamp)).scalar_one()
    assert got == stamp and hit == 1
    assert bulk.sql_time([-1])[0] is None


def test_invalid_generated_record_aborts_the_seed(engine, reference, monkeypatch):
    real = seeding.text.reporter
    monkeypatch.setattr(seeding.text, "reporter", lambda k: {**real(k), "first_name": "nul\x00"})
    with pytest.raises(seeding.SeedError, match="invalid_text"):
        seeding.seed(engine, reference, 50, 2, seed=4, now=NOW, progress=False)
    with engine.connect() as conn:
        assert _count(conn, report) == 0  # one transaction: nothing kept
