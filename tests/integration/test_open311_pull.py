"""Open311 pull against a fake GeoReport v2 server on 127.0.0.1 (real HTTP), into the
real store on SQLite and PostgreSQL: window and watermark, overlap, pagination, faults."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from dashboard.ingest.open311 import Open311Source
from dashboard.ingest.run import ingest_once
from dashboard.store.schema import ingest_run, report, source_cursor, status_change
from tests.factories import NOW, iso, make_raw
from tests.integration.fake_open311 import FakeOpen311

T0 = NOW - timedelta(hours=2)  # make_raw()'s requested time


@pytest.fixture
def fake():
    server = FakeOpen311().start()
    yield server
    server.stop()


def source(fake, **kwargs):  # noqa: ANN001, ANN201
    return Open311Source(fake.base_url, timeout=kwargs.pop("timeout", 1.0), **kwargs)


def raws(n, minutes=0, **overrides):  # noqa: ANN001, ANN201
    """``n`` requests made a minute apart from T0 + ``minutes``, not updated since."""
    out = []
    for i in range(n):
        when = iso(T0 + timedelta(minutes=minutes + i))
        out.append(make_raw(service_request_id=f"R-{i}", requested_datetime=when, updated_datetime=when,
                            **overrides))
    return out


def watermark(engine):  # noqa: ANN001, ANN201
    with engine.connect() as conn:
        return conn.execute(select(source_cursor.c.watermark)).scalar()


def n_reports(engine):  # noqa: ANN001, ANN201
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(report)).scalar()


def test_pull_speaks_the_protocol_and_keeps_a_watermark(engine, reference, fake):
    fake.put(*raws(5))
    result = ingest_once(source(fake), engine, reference, NOW)
    assert (result.ok, result.n_new) == (True, 5)
    call = fake.calls[0]
    assert set(call) == {"start_date", "end_date", "page", "page_size"}
    assert call["end_date"] == iso(NOW)
    assert datetime.fromisoformat(call["start_date"]) == NOW - timedelta(days=30)
    assert watermark(engine) == iso(T0 + timedelta(minutes=4))  # newest requested_datetime


def test_next_pull_overlaps_and_absorbs_refetched_records(engine, reference, fake):
    fake.put(*raws(3))
    pull = source(fake, overlap=timedelta(minutes=10))
    ingest_once(pull, engine, reference, NOW)
    fake.put(*raws(1, minutes=30))  # R-0 again (a newer version), requested later
    second = ingest_once(pull, engine, reference, NOW + timedelta(minutes=1))
    start = datetime.fromisoformat(fake.calls[-1]["start_date"])
    assert start == T0 + timedelta(minutes=2) - timedelta(minutes=10)
    assert (second.n_seen, second.n_new, second.n_updated, second.n_unchanged) == (3, 0, 1, 2)


def update_old_request(fake):  # noqa: ANN001, ANN201
    """A request made 20 days ago and a recent one; returns the old one closed just now."""
    old = iso(NOW - timedelta(days=20))
    fake.put(make_raw(service_request_id="OLD", requested_datetime=old, updated_datetime=old), *raws(1))
    return make_raw(service_request_id="OLD", requested_datetime=old, jakarta_status="selesai",
                    updated_datetime=iso(NOW - timedelta(minutes=1)))


@pytest.mark.parametrize("options, pulled", [
    ({"window_field": "updated"}, True),
    ({"window_field": "requested", "revisit": timedelta(days=30)}, True),
    ({"window_field": "requested"}, False),  # the spec's limit: documented in open311.py
], ids=["updated_extension", "spec_with_revisit", "spec_only"])
def test_status_change_of_an_older_request(engine, reference, fake, options, pulled):
    closed = update_old_request(fake)
    pull = source(fake, **options)
    assert ingest_once(pull, engine, reference, NOW - timedelta(minutes=5)).n_new == 2
    fake.put(closed)
    result = ingest_once(pull, engine, reference, NOW)
    assert result.ok and result.n_updated == int(pulled)
    with engine.connect() as conn:
        changes = conn.execute(select(status_change.c.from_status, status_change.c.to_status,
                                      status_change.c.changed_at).join(report)
                               .where(report.c.external_id == "OLD").order_by(status_change.c.id)).all()
    expected = [(None, "menunggu", NOW - timedelta(days=20))]
    expected += [("menunggu", "selesai", NOW - timedelta(minutes=1))] if pulled else []
    assert [tuple(c) for c in changes] == expected
    keys = {"updated_after", "updated_before"} if options["window_field"] == "updated" else {"start_date", "end_date"}
    assert all(keys < set(call) for call in fake.calls)


@pytest.mark.parametrize("n_records, pages", [(7, 3), (6, 3), (2, 1)])
def test_a_full_page_means_fetch_the_next(engine, reference, fake, n_records, pages):
    fake.put(*raws(n_records))
    result = ingest_once(source(fake, page_size=3), engine, reference, NOW)
    assert (result.ok, result.n_new) == (True, n_records)
    assert [c["page"] for c in fake.calls] == [str(p) for p in range(1, pages + 1)]
    assert {c["page_size"] for c in fake.calls} == {"3"}


@pytest.mark.parametrize("fault, message, fault_page", [
    ("timeout", "Timeout", 1), ("500", "HTTP 500", 1), ("html", "HTML", 1),
    ("truncated", "JSON", 1), ("object", "expected a list", 1), ("errors200", "Open311 errors", 1),
    ("500", "HTTP 500", 2), ("truncated", "JSON", 2),  # page 1 was fine: still nothing stored
])
def test_faults_fail_the_run_and_keep_the_watermark(engine, reference, fake, fault, message, fault_page):
    fake.put(*raws(2))
    pull = source(fake, page_size=2, timeout=0.3)
    ingest_once(pull, engine, reference, NOW)
    before, stored = watermark(engine), n_reports(engine)
    fake.put(*raws(4, minutes=20))  # four newer versions: two full pages and an empty one
    fake.fault, fake.fault_page = fault, fault_page
    result = ingest_once(pull, engine, reference, NOW + timedelta(minutes=1))
    assert not result.ok and message in result.error and result.n_new == result.n_updated == 0
    assert (watermark(engine), n_reports(engine)) == (before, stored)  # a failed page 2 stores nothing
    with engine.connect() as conn:
        last = conn.execute(select(ingest_run).order_by(ingest_run.c.id.desc())).first()
    assert (last.ok, last.finished_at is not None, message in last.error) == (False, True, True)
    fake.fault = None
    recovered = ingest_once(pull, engine, reference, NOW + timedelta(minutes=2))
    assert (recovered.ok, recovered.n_new, recovered.n_updated) == (True, 2, 2)


def test_catch_up_in_90_day_windows(engine, reference, fake):
    old = NOW - timedelta(days=200)
    fake.put(make_raw(service_request_id="OLD", requested_datetime=iso(old), updated_datetime=iso(old)))
    fake.put(*raws(1))  # windows: -250..-160 d (OLD), -160..-70 d, -70 d..now, then the overlap
    pull = source(fake, initial_lookback=timedelta(days=250))
    results = [ingest_once(pull, engine, reference, NOW) for _ in range(4)]
    assert all(r.ok for r in results), [r.error for r in results]
    assert [r.n_new for r in results] == [1, 0, 1, 0]
    for call in fake.calls:
        window = datetime.fromisoformat(call["end_date"]) - datetime.fromisoformat(call["start_date"])
        assert window <= timedelta(days=90)


def test_unreachable_server_is_a_failed_fetch(engine, reference):
    result = ingest_once(Open311Source("http://127.0.0.1:9/none", timeout=0.5), engine, reference, NOW)
    assert not result.ok and "ConnectionError" in result.error
