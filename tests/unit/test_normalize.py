"""normalize() is pure: raw dict in, Report or Rejection out (no store, no clock)."""

from __future__ import annotations

from datetime import timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from dashboard.ingest.normalize import FUTURE_SLACK, UNPARSEABLE_KEY, normalize
from dashboard.ingest.reasons import Reason, Rejection
from dashboard.models import LAINNYA, Flag, Report, Reporter, Status
from tests.factories import NOW, iso, make_raw, make_report


def test_valid_record_becomes_the_expected_report(reference):
    assert normalize(make_raw(), "test", reference, NOW) == make_report()


def test_is_pure_same_input_same_output(reference):
    raw = make_raw()
    before = dict(raw)
    assert normalize(raw, "test", reference, NOW) == normalize(raw, "test", reference, NOW)
    assert raw == before


@pytest.mark.parametrize("status, jakarta, expected", [
    ("open", None, Status.MENUNGGU),
    ("closed", None, Status.SELESAI),
    ("open", "Disposisi", Status.DISPOSISI),
    ("open", "koordinasi", Status.KOORDINASI),
    (None, "proses", Status.PROSES),
])
def test_status_detailed_wins(reference, status, jakarta, expected):
    out = normalize(make_raw(status=status, jakarta_status=jakarta), "t", reference, NOW)
    assert out.status is expected


@pytest.mark.parametrize("code, name, expected", [
    ("banjir", None, "banjir"),
    ("BANJIR", None, "banjir"),
    ("", "Bencana Banjir", "banjir"),
    ("123", "jalan rusak", "jalan_rusak"),
])
def test_category_by_code_or_name(reference, code, name, expected):
    out = normalize(make_raw(service_code=code, service_name=name), "t", reference, NOW)
    assert (out.category_code, out.flags) == (expected, ())


def test_unknown_category_is_lainnya_flagged(reference):
    out = normalize(make_raw(service_code="x", service_name="y"), "t", reference, NOW)
    assert (out.category_code, out.flags) == (LAINNYA, (Flag.UNKNOWN_CATEGORY.value,))


def test_agency_named_by_feed_wins_else_routing(reference):
    named = normalize(make_raw(agency_responsible="PT Transportasi Jakarta"), "t", reference, NOW)
    by_code = normalize(make_raw(agency_responsible="tj"), "t", reference, NOW)
    unknown = normalize(make_raw(agency_responsible="Dinas Antah Berantah", service_code="banjir"),
                        "t", reference, NOW)
    assert named.agency_code == by_code.agency_code == "tj"
    assert unknown.agency_code == "sudin-sda-31.71"


def test_times_are_aware_utc(reference):
    out = normalize(make_raw(requested_datetime="2026-11-27T08:00:00+07:00",
                             updated_datetime="2026-11-27T09:30:00+07:00"), "t", reference, NOW)
    assert out.requested_at == NOW - timedelta(hours=2)
    assert out.updated_at.tzinfo is timezone.utc and out.updated_at == NOW - timedelta(minutes=30)


def test_missing_updated_datetime_means_requested(reference):
    out = normalize(make_raw(updated_datetime=None), "t", reference, NOW)
    assert out.updated_at == out.requested_at


@pytest.mark.parametrize("feed_tz", ["Asia/Jakarta", ZoneInfo("Asia/Jakarta")])
def test_feed_tz_applies_to_naive_times(reference, feed_tz):
    out = normalize(make_raw(requested_datetime="2026-11-27T08:00:00", updated_datetime=None),
                    "t", reference, NOW, feed_tz=feed_tz)
    assert out.requested_at == NOW - timedelta(hours=2)


def test_future_slack_tolerated(reference):
    inside = iso(NOW + FUTURE_SLACK - timedelta(seconds=1))
    outside = iso(NOW + FUTURE_SLACK + timedelta(seconds=1))
    assert isinstance(normalize(make_raw(updated_datetime=inside), "t", reference, NOW), Report)
    assert normalize(make_raw(updated_datetime=outside), "t", reference, NOW).reason is Reason.FUTURE_TIMESTAMP


def test_numbers_accepted_for_coordinates_and_id(reference):
    out = normalize(make_raw(lat=-6.1766, long=106.8175, service_request_id=42), "t", reference, NOW)
    assert (out.lat, out.lon, out.external_id) == (-6.1766, 106.8175, "42")


def test_island_without_polygon_is_kept_flagged(reference):
    pulau_panggang = reference.kelurahan["31.01.01.1001"]
    out = normalize(make_raw(lat=str(pulau_panggang.lat), long=str(pulau_panggang.lon)), "t", reference, NOW)
    assert out.kelurahan_code == "31.01.01.1001" and Flag.OUTSIDE_POLYGONS.value in out.flags


def test_reporter_fields(reference):
    out = normalize(make_raw(first_name=" Siti ", email="siti@example.org"), "t", reference, NOW)
    assert out.reporter == Reporter(first_name="Siti", email="siti@example.org")
    assert normalize(make_raw(), "t", reference, NOW).reporter.is_empty()


@pytest.mark.parametrize("raw, reason", [
    ({UNPARSEABLE_KEY: "x.csv line 3: bad"}, Reason.UNPARSEABLE),
    ("just a string", Reason.UNPARSEABLE),
    (make_raw(service_request_id="x" * 129), Reason.INVALID_ID),
    (make_raw(description=b"bytes"), Reason.INVALID_TEXT),
    (make_raw(lat="95", long="300"), Reason.INVALID_COORDINATES),
    (make_raw(lat="-6.2", long="100.1"), Reason.OUTSIDE_JAKARTA),  # Sumatra
])
def test_rejections(reference, raw, reason):
    out = normalize(raw, "t", reference, NOW)
    assert isinstance(out, Rejection) and out.reason is reason and out.detail


def test_text_is_checked_before_anything_else(reference):
    out = normalize(make_raw(service_request_id=None, lat=None, description="\x00"), "t", reference, NOW)
    assert out.reason is Reason.INVALID_TEXT
