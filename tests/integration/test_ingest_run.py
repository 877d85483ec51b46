"""ingest_once end to end on both backends: idempotency, run rows, cursors."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from dashboard.ingest.batch import SourceError
from dashboard.ingest.run import ingest_once
from dashboard.store import counters
from dashboard.store.schema import ingest_run, report, reporter, source_cursor, status_change, tally
from tests.factories import NOW, ListSource, iso, make_raw

STATUSES = ["menunggu", "koordinasi", "disposisi", "proses", "selesai"]


def mixed_feed(n: int, seed: int = 3) -> list[dict]:
    """``n`` valid records over a spread of places, categories and statuses."""
    rng = random.Random(seed)
    records = []
    for i in range(n):
        requested = NOW - timedelta(hours=rng.uniform(2, 200))
        records.append(make_raw(
            service_request_id=f"F-{i}", jakarta_status=rng.choice(STATUSES),
            service_code=rng.choice(["sampah", "banjir", "jalan_rusak", "pkl", "zzz"]),
            lat=f"{rng.uniform(-6.30, -6.12):.5f}", long=f"{rng.uniform(106.70, 106.95):.5f}",
            requested_datetime=iso(requested), updated_datetime=iso(requested + timedelta(minutes=rng.randrange(90))),
            first_name=rng.choice([None, "Ani", "Budi"])))
    return records


def snapshot(engine):
    with engine.connect() as conn:
        reports = conn.execute(select(report).order_by(report.c.id)).all()
        changes = conn.execute(select(status_change).order_by(status_change.c.id)).all()
        tallies = conn.execute(select(tally).order_by(*tally.primary_key.columns)).all()
        reporters = conn.execute(select(func.count()).select_from(reporter)).scalar()
        return reports, changes, tallies, reporters, counters.current(conn)


def test_same_feed_twice_changes_nothing(engine, reference):
    feed = mixed_feed(120)
    first = ingest_once(ListSource(feed), engine, reference, NOW)
    before = snapshot(engine)
    second = ingest_once(ListSource(feed), engine, reference, NOW + timedelta(minutes=1))
    assert first.ok and second.ok
    assert (first.n_new, second.n_new, second.n_updated, second.n_unchanged) == (
        first.n_new, 0, 0, first.n_new)
    assert first.n_new + first.n_quarantined == 120 and first.n_new > 100
    assert snapshot(engine) == before  # same rows, transitions, tally, reporters, counter


def test_every_run_writes_an_ingest_run_row(engine, reference):
    ok = ingest_once(ListSource([make_raw(), make_raw(lat=None)]), engine, reference, NOW)
    failed = ingest_once(FailingSource(), engine, reference, NOW + timedelta(minutes=1))
    with engine.connect() as conn:
        rows = conn.execute(select(ingest_run).order_by(ingest_run.c.id)).all()
    assert [(r.source, r.ok, r.n_seen, r.n_new, r.n_quarantined) for r in rows] == [
        ("test", True, 2, 1, 1), ("test", False, 0, 0, 0)]
    assert rows[0].started_at == NOW and rows[0].finished_at >= NOW and rows[0].error is None
    assert "upstream down" in rows[1].error and rows[1].finished_at is not None
    assert ok.ok and not failed.ok and "upstream down" in failed.error


def test_cursor_is_handed_back_and_kept_on_failure(engine, reference):
    source = ListSource([make_raw()], [])
    ingest_once(source, engine, reference, NOW)
    ingest_once(source, engine, reference, NOW)
    ingest_once(FailingSource(), engine, reference, NOW)
    assert source.seen_cursors == [None, "1"]
    with engine.connect() as conn:
        assert conn.execute(select(source_cursor.c.watermark)).scalar_one() == "2"


def test_status_progression_across_runs(engine, reference):
    steps = ["menunggu", "proses", "selesai", "proses", "selesai"]
    for minutes, status in enumerate(steps):
        raw = make_raw(jakarta_status=status, updated_datetime=iso(NOW - timedelta(hours=2) + timedelta(minutes=10 * minutes)))
        assert ingest_once(ListSource([raw]), engine, reference, NOW).ok
    with engine.connect() as conn:
        row = conn.execute(select(report)).one()
        pairs = conn.execute(select(status_change.c.from_status, status_change.c.to_status)
                             .order_by(status_change.c.id)).all()
    assert [tuple(p) for p in pairs] == [(None, "menunggu")] + list(zip(steps, steps[1:]))
    assert (row.reopen_count, row.closed_at, row.change_seq) == (1, NOW - timedelta(minutes=80), 5)


class FailingSource:
    name = "test"

    def fetch(self, cursor, now):
        raise SourceError("upstream down")


def test_concurrent_ingests_of_the_same_feed_store_each_report_once(engine, reference):
    import threading

    feed = mixed_feed(300, seed=5)
    results = []
    barrier = threading.Barrier(2)

    def run():
        barrier.wait()
        results.append(ingest_once(ListSource(feed), engine, reference, NOW))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    results.append(ingest_once(ListSource(feed), engine, reference, NOW))  # retry of a loser
    assert any(r.ok for r in results[:2]) and results[-1].ok
    stored = sum(r.n_new for r in results)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(report)).scalar()
        changes = conn.execute(select(func.count()).select_from(status_change)).scalar()
        tallied = conn.execute(select(func.sum(tally.c.n))).scalar()
    assert n == changes == tallied == stored == results[-1].n_new + results[-1].n_unchanged
    if engine.dialect.name == "postgresql":
        assert all(r.ok for r in results), [r.error for r in results]  # writers take turns
