"""Table-driven bad input: one row per case, through ``ingest_once`` into the real store,
on SQLite and PostgreSQL. Each case asserts where every record went (stored or
quarantined with which reason) and that the good record next to it was stored anyway."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dashboard.ingest.run import ingest_once
from dashboard.models import MAX_DESCRIPTION, Flag
from dashboard.store.schema import quarantine, report
from tests.factories import NOW, ListSource, iso, make_raw

T0 = NOW - timedelta(hours=1)  # after make_raw()'s requested time (NOW - 2 h)
GOOD = make_raw(service_request_id="GOOD")


def case(id_, records, reason=None, stored=0, preload=(), feed_tz=None, unchanged=0):
    return pytest.param(records, reason, stored, list(preload), feed_tz, unchanged, id=id_)


CASES = [
    case("missing_coordinates", [make_raw(lat=None)], "missing_coordinates"),
    case("empty_coordinates", [make_raw(lat="", long="")], "missing_coordinates"),
    case("non_numeric_coordinates", [make_raw(lat="minus six")], "invalid_coordinates"),
    case("nan_coordinates", [make_raw(lat="NaN")], "invalid_coordinates"),
    case("infinite_coordinates", [make_raw(long="Infinity")], "invalid_coordinates"),
    case("swapped_coordinates", [make_raw(lat="106.8175", long="-6.1766")], "swapped_coordinates"),
    case("zero_zero", [make_raw(lat="0", long="0")], "outside_jakarta"),
    case("bandung", [make_raw(lat="-6.9147", long="107.6098")], "outside_jakarta"),
    case("in_box_at_sea", [make_raw(lat="-5.95", long="106.85")], "outside_jakarta"),
    case("missing_id", [make_raw(service_request_id=None)], "missing_id"),
    case("blank_id", [make_raw(service_request_id="   ")], "missing_id"),
    case("missing_requested_datetime", [make_raw(requested_datetime=None)], "missing_field"),
    case("missing_status", [make_raw(status=None, jakarta_status=None)], "missing_field"),
    case("invalid_status", [make_raw(status="pending", jakarta_status="lost")], "invalid_status"),
    case("invalid_timestamp", [make_raw(requested_datetime="27/11/2026 10:00")], "invalid_timestamp"),
    case("naive_timestamp", [make_raw(requested_datetime="2026-11-27T08:00:00",
                                      updated_datetime="2026-11-27T08:00:00")], "naive_timestamp"),
    case("future_timestamp", [make_raw(updated_datetime=iso(NOW + timedelta(hours=1)))], "future_timestamp"),
    case("update_before_request", [make_raw(requested_datetime=iso(T0),
                                            updated_datetime=iso(T0 - timedelta(minutes=1)))],
         "update_before_request"),
    case("nul_byte", [make_raw(description="bad\x00text")], "invalid_text"),
    case("invalid_utf8", [make_raw(address=b"Jl. \xff".decode("utf-8", "surrogateescape"))], "invalid_text"),
    case("not_a_record", [["a", "list"]], "unparseable"),
    case("duplicate_in_batch", [make_raw(service_request_id="D", updated_datetime=iso(T0)),
                                make_raw(service_request_id="D", jakarta_status="proses",
                                         updated_datetime=iso(T0 + timedelta(minutes=30)))],
         "duplicate_in_batch", stored=1),
    case("stale_update", [make_raw(service_request_id="S", jakarta_status="proses",
                                   updated_datetime=iso(T0 - timedelta(minutes=30)))],
         "stale_update", preload=[make_raw(service_request_id="S", updated_datetime=iso(T0))]),
    case("same_time_different_content", [make_raw(service_request_id="S", jakarta_status="proses",
                                                  updated_datetime=iso(T0))],
         "stale_update", preload=[make_raw(service_request_id="S", updated_datetime=iso(T0))]),
    case("exact_redelivery", [make_raw(service_request_id="S", updated_datetime=iso(T0))], None,
         preload=[make_raw(service_request_id="S", updated_datetime=iso(T0))], unchanged=1),
    case("naive_with_feed_tz", [make_raw(requested_datetime="2026-11-27T08:00:00",
                                         updated_datetime="2026-11-27T08:00:00")], None, stored=1,
         feed_tz="Asia/Jakarta"),
]


@pytest.mark.parametrize("records, reason, stored, preload, feed_tz, unchanged", CASES)
def test_bad_input_disposition(engine, reference, records, reason, stored, preload, feed_tz, unchanged):
    if preload:
        assert ingest_once(ListSource(preload), engine, reference, NOW).n_new == len(preload)
    result = ingest_once(ListSource(records + [GOOD]), engine, reference, NOW, feed_tz=feed_tz)
    assert result.ok, result.error
    assert (result.n_new, result.n_unchanged) == (stored + 1, unchanged)
    with engine.connect() as conn:
        reasons = conn.execute(select(quarantine.c.reason, quarantine.c.raw, quarantine.c.detail)).all()
        ids = set(conn.execute(select(report.c.external_id)).scalars())
    assert "GOOD" in ids, "a bad record must not block the rest of its batch"
    expected_quarantined = len(records) - stored - unchanged
    assert [r.reason for r in reasons] == [reason] * expected_quarantined
    assert result.n_quarantined == expected_quarantined
    for row in reasons:
        assert row.detail and json.loads(row.raw) is not None


def test_duplicate_keeps_latest(engine, reference):
    later = iso(T0 + timedelta(minutes=30))
    batch = [make_raw(service_request_id="D", jakarta_status="proses", updated_datetime=later),
             make_raw(service_request_id="D", updated_datetime=iso(T0))]
    ingest_once(ListSource(batch), engine, reference, NOW)
    with engine.connect() as conn:
        assert conn.execute(select(report.c.status)).scalar_one() == "proses"
        raw = json.loads(conn.execute(select(quarantine.c.raw)).scalar_one())
    assert raw["updated_datetime"] == iso(T0)


def test_naive_time_with_feed_tz_is_converted(engine, reference):
    raw = make_raw(requested_datetime="2026-11-27T08:00:00", updated_datetime="2026-11-27T08:00:00")
    ingest_once(ListSource([raw]), engine, reference, NOW, feed_tz="Asia/Jakarta")
    with engine.connect() as conn:
        requested = conn.execute(select(report.c.requested_at)).scalar_one()
    assert requested == NOW - timedelta(hours=2)  # 08:00 WIB = 01:00 UTC


@pytest.mark.parametrize("overrides, flag, check", [
    ({"description": "x" * (MAX_DESCRIPTION + 500)}, Flag.TRUNCATED,
     lambda row: len(row.description) == MAX_DESCRIPTION),
    ({"service_code": "ufo", "service_name": "UFO sighting"}, Flag.UNKNOWN_CATEGORY,
     lambda row: row.category_code == "lainnya"),
    ({"lat": "-6.11", "long": "106.81"}, Flag.OUTSIDE_POLYGONS,
     lambda row: row.kelurahan_code == "31.72.01.1001"),
    ({"description": "<script>alert(1)</script><b>banjir</b>"}, None,
     lambda row: row.description == "<script>alert(1)</script><b>banjir</b>"),
], ids=["huge_description", "unknown_category", "outside_polygons", "html_verbatim"])
def test_soft_cases_are_kept_with_a_flag(engine, reference, overrides, flag, check):
    result = ingest_once(ListSource([make_raw(**overrides)]), engine, reference, NOW)
    assert (result.n_new, result.n_quarantined) == (1, 0)
    with engine.connect() as conn:
        row = conn.execute(select(report)).one()
        assert conn.execute(select(func.count()).select_from(quarantine)).scalar() == 0
    assert check(row)
    assert row.flags.split(",") == ([flag.value] if flag else [""])
