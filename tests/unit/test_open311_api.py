"""Open311 mapping and parameter validation, without a server; and the rate limiters."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest

from dashboard.public import open311 as api
from dashboard.models import OPEN_VALUES
from dashboard.access.ratelimit import TokenBucket, make_limiter, Unlimited

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)


def parse(**args):
    return api.parse_requests_query(args, NOW, WIB)


def test_default_window_is_last_90_days_capped_at_1000():
    f = parse()
    assert (f.since, f.until, f.date_field) == (NOW - timedelta(days=90), NOW, "requested_at")
    assert (f.limit, f.offset) == (1000, 0)


def test_dates_with_offsets_z_and_bare_dates():
    f = parse(start_date="2026-11-01T00:00:00+07:00", end_date="2026-11-20T12:00:00Z")
    assert f.since == datetime(2026, 10, 31, 17, 0, tzinfo=timezone.utc)
    assert f.until == datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
    assert parse(start_date="2026-11-01").since == datetime(2026, 11, 1, tzinfo=WIB)
    # a "+" sent unencoded in a query string arrives as a space
    assert parse(start_date="2026-11-01T00:00:00 07:00").since.utcoffset() == timedelta(hours=7)


def test_one_sided_windows_span_90_days():
    f = parse(start_date="2026-06-01T00:00:00Z")
    assert f.until - f.since == timedelta(days=90)
    f = parse(end_date="2026-06-01T00:00:00Z")
    assert f.until - f.since == timedelta(days=90)


def test_updated_window_extension():
    f = parse(updated_after="2026-11-26T00:00:00Z")
    assert f.date_field == "updated_at" and f.since == datetime(2026, 11, 26, tzinfo=timezone.utc)


@pytest.mark.parametrize("args", [
    {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},  # > 90 days
    {"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"},  # reversed
    {"start_date": "yesterday"},
    {"start_date": "2026-06-01T00:00:00Z", "updated_after": "2026-06-01T00:00:00Z"},
    {"status": "pending"},
    {"status": "open,bogus"},
    {"page_size": "0"}, {"page_size": "1001"}, {"page_size": "ten"},
    {"page": "0"}, {"page": "-1"},
    {"service_request_id": "12,abc"},
    {"service_request_id": ",".join(str(i) for i in range(1, 300))},
])
def test_bad_parameters_raise(args):
    with pytest.raises(api.ParamError):
        parse(**args)


def test_status_codes_and_paging():
    f = parse(status="open", service_code="sampah,banjir", page="3", page_size="50")
    assert f.statuses == OPEN_VALUES and f.service_codes == ("sampah", "banjir")
    assert (f.limit, f.offset) == (50, 100)
    assert parse(status="closed").statuses == ("selesai",)
    assert set(parse(status="open,closed").statuses) == set(OPEN_VALUES) | {"selesai"}


def test_service_request_id_overrides_everything():
    f = parse(service_request_id="7, 9", status="bogus", start_date="nonsense")
    assert f.ids == (7, 9) and f.since is None


ROW = {"id": 42, "category_code": "sampah", "status": "proses", "description": "Sampah […]",
       "lat": -6.177, "lon": 106.818, "requested_at": NOW - timedelta(hours=3),
       "updated_at": NOW, "service_name": "Sampah", "agency_name": "Kelurahan Gambir",
       "area": "Gambir, Kota Administrasi Jakarta Pusat"}


def test_request_fields_types_and_offsets():
    item = api.to_open311(ROW, WIB)
    assert item["service_request_id"] == "42" and item["status"] == "open"
    assert item["status_notes"] == "Proses" and item["jakarta_status"] == "proses"
    assert item["requested_datetime"] == "2026-11-27T07:00:00+07:00"
    assert item["updated_datetime"] == "2026-11-27T10:00:00+07:00"
    assert isinstance(item["lat"], float) and isinstance(item["long"], float)
    spec = {"service_request_id", "status", "status_notes", "service_name", "service_code",
            "description", "agency_responsible", "service_notice", "requested_datetime",
            "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
            "long", "media_url"}
    assert spec <= set(item)
    assert api.to_open311({**ROW, "status": "selesai"}, WIB)["status"] == "closed"


def test_service_fields():
    item = api.service_to_open311({"code": "sampah", "name": "Sampah", "name_en": "Garbage", "domain": None})
    assert item == {"service_code": "sampah", "service_name": "Sampah", "description": "Garbage",
                    "metadata": False, "type": "realtime", "keywords": "", "group": "kelurahan"}


def test_xml_shape():
    body = api.to_xml([api.to_open311(ROW, WIB)], *api.XML_NAMES["requests"])
    root = ET.fromstring(body)
    assert root.tag == "service_requests" and root[0].tag == "request"
    assert root[0].find("status").text == "open" and root[0].find("media_url").text is None
    assert root[0].find("requested_datetime").text.endswith("+07:00")


def test_xml_survives_control_characters():
    body = api.to_xml([{"description": "a\x01b\x0bc <d> & e"}], "r", "i")
    assert ET.fromstring(body)[0].find("description").text == "a\ufffdb\ufffdc <d> & e"


def test_token_bucket_allows_burst_then_refills():
    bucket = TokenBucket(per_minute=3)
    assert [bucket.allow("ip", now=0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.allow("other", now=0.0)
    assert not bucket.allow("ip", now=10.0)  # 0.5 token back
    assert bucket.allow("ip", now=21.0)  # one whole token after 20 s


def test_token_bucket_forgets_idle_clients():
    bucket = TokenBucket(per_minute=60, max_keys=2)
    for i in range(3):
        bucket.allow(f"ip{i}", now=0.0)
    bucket.allow("late", now=120.0)
    assert len(bucket._buckets) <= 2


def test_zero_disables_the_limit():
    assert isinstance(make_limiter(0), Unlimited)


def test_redis_window_shared_and_limited():
    redis = pytest.importorskip("redis").Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        redis.ping()
    except Exception:  # noqa: BLE001 - whatever keeps Redis from answering means: skip
        pytest.skip("no Redis on 127.0.0.1:6379")
    limiter = make_limiter(2, redis)
    key = f"test-{datetime.now().timestamp()}"
    assert [limiter.allow(key, now=600.0) for _ in range(3)] == [True, True, False]
    assert make_limiter(2, redis).allow(key, now=600.0) is False  # another process, same count
    assert limiter.allow(key, now=660.0)  # next minute
