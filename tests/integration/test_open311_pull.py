"""Open311 pull against a fake GeoReport v2 server on 127.0.0.1 (real HTTP), into the
real store on SQLite and PostgreSQL: window and watermark, overlap, pagination, faults."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from dashboard.ingest.open311 import Open311Source
from dashboard.ingest.run import ingest_once
from dashboard.ingest.sources import build_source
from dashboard.store.schema import ingest_run, report, source_cursor, status_change
from tests.factories import NOW, iso, make_raw
from tests.integration.fake_open311 import FakeOpen311

T0 = NOW - timedelta(hours=2)  # make_raw()'s requested time


@pytest.fixture
def fake():
    server = FakeOpen311().start()
    yield server
    server.stop()


def source(fake, **kwargs):
    return Open311Source(fake.base_url, timeout=kwargs.pop("timeout", 1.0), **kwargs)


def raws(n, minutes=0, **overrides):
    """``n`` requests made a minute apart from T0 + ``minutes``, not updated since."""
    out = []
    for i in range(n):
        when = iso(T0 + timedelta(minutes=minutes + i))
        out.append(make_raw(service_request_id=f"R-{i}", requested_datetime=when, updated_datetime=when,
                            **overrides))
    return out


def watermark(engine):
    with engine.connect() as conn:
        return conn.execute(select(source_cursor.c.watermark)).scalar()


def n_reports(engine):
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


def update_old_request(fake):
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


# --- one source per endpoint: own cursor, own (source, external_id) keys ----------------------
@pytest.fixture
def two_fakes():
    servers = [FakeOpen311().start(), FakeOpen311().start()]
    yield servers
    for server in servers:
        server.stop()


def cursors(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(source_cursor.c.source, source_cursor.c.watermark)).all())


def reports_by_source(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(report.c.source, func.count()).group_by(report.c.source)).all())


def test_two_endpoints_keep_their_own_cursors_and_records(engine, reference, settings, two_fakes):
    a, b = two_fakes
    a.put(*raws(3))  # R-0..R-2
    b.put(*raws(5, minutes=30))  # R-0..R-4 too: the same ids on another endpoint
    both = settings.with_(sources=f"open311={a.base_url},open311={b.base_url}")
    pulls = [build_source("open311", f.base_url, both) for f in (a, b)]
    names = [p.name for p in pulls]
    assert names[0] != names[1] and all(n.startswith("open311:127.0.0.1:") for n in names)
    assert [p.legacy_name for p in pulls] == [None, None]  # two endpoints: nothing to take over
    assert [ingest_once(p, engine, reference, NOW).n_new for p in pulls] == [3, 5]
    assert cursors(engine) == {names[0]: iso(T0 + timedelta(minutes=2)), names[1]: iso(T0 + timedelta(minutes=34))}
    assert reports_by_source(engine) == {names[0]: 3, names[1]: 5}
    a.put(*raws(1, minutes=60, description="lagi"))  # R-0 of a changes; b's R-0 stays as it was
    later = NOW + timedelta(minutes=1)
    assert [ingest_once(p, engine, reference, later).n_updated for p in pulls] == [1, 0]
    assert datetime.fromisoformat(a.calls[-1]["start_date"]) == T0 + timedelta(minutes=2 - 10)
    assert datetime.fromisoformat(b.calls[-1]["start_date"]) == T0 + timedelta(minutes=34 - 10)
    assert cursors(engine)[names[0]] == iso(T0 + timedelta(minutes=60))
    assert reports_by_source(engine) == {names[0]: 3, names[1]: 5}


def legacy_store(engine, reference, fake) -> None:
    """A store as earlier versions left it: the one Open311 source called "open311"."""
    fake.put(*raws(3))
    assert ingest_once(source(fake, name="open311"), engine, reference, NOW).n_new == 3
    assert cursors(engine) == {"open311": iso(T0 + timedelta(minutes=2))}


def test_the_only_endpoint_takes_over_a_legacy_open311_store(engine, reference, settings, fake):
    legacy_store(engine, reference, fake)
    pull = build_source("open311", fake.base_url, settings.with_(sources=f"simulator,open311={fake.base_url}/"))
    assert pull.legacy_name == "open311"
    fake.put(*raws(1, minutes=5))  # R-0 requested later
    result = ingest_once(pull, engine, reference, NOW + timedelta(minutes=1))
    assert (result.ok, result.n_new, result.n_updated, result.n_unchanged) == (True, 0, 1, 2)  # no duplicates
    assert datetime.fromisoformat(fake.calls[-1]["start_date"]) == T0 + timedelta(minutes=2 - 10)  # legacy watermark
    assert cursors(engine) == {pull.name: iso(T0 + timedelta(minutes=5))}
    assert reports_by_source(engine) == {pull.name: 3}
    again = ingest_once(pull, engine, reference, NOW + timedelta(minutes=2))
    assert (again.ok, again.n_new) == (True, 0)


def test_a_legacy_store_is_left_alone_with_two_endpoints(engine, reference, settings, fake):
    legacy_store(engine, reference, fake)
    both = settings.with_(sources=f"open311={fake.base_url},open311=http://127.0.0.1:9/x")
    pull = build_source("open311", fake.base_url, both)
    assert pull.legacy_name is None
    result = ingest_once(pull, engine, reference, NOW + timedelta(minutes=1))
    assert datetime.fromisoformat(fake.calls[-1]["start_date"]) == NOW + timedelta(minutes=1) - timedelta(days=30)
    assert (result.ok, result.n_new) == (True, 3)
    assert reports_by_source(engine) == {"open311": 3, pull.name: 3}

