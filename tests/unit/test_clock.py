"""dashboard.clock: ISO-Z text and local (WIB) days."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from dashboard.clock import day_start, iso_z, local_midnight, parse_iso
from dashboard.config import Settings

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)
WIB = ZoneInfo("Asia/Jakarta")


def test_iso_z_is_utc_with_z() -> None:
    assert iso_z(datetime(2026, 11, 27, 10, 4, 59, tzinfo=WIB)) == "2026-11-27T03:04:59Z"
    assert iso_z(NOW.replace(microsecond=120)) == "2026-11-27T03:00:00.000120Z"
    assert iso_z(NOW.replace(microsecond=120), "seconds") == "2026-11-27T03:00:00Z"
    assert iso_z(NOW, "seconds") == NOW.strftime("%Y-%m-%dT%H:%M:%SZ")  # the Open311 feed's W3C form


def test_parse_iso_reads_z_offsets_and_naive_as_utc() -> None:
    assert parse_iso("2026-11-27T03:00:00Z") == NOW
    assert parse_iso("2026-11-27T10:00:00+07:00") == NOW
    assert parse_iso("2026-11-27T03:00:00") == NOW and parse_iso("2026-11-27T03:00:00").tzinfo is timezone.utc
    assert parse_iso(iso_z(NOW + timedelta(microseconds=5))) == NOW + timedelta(microseconds=5)
    with pytest.raises(ValueError):
        parse_iso("yesterday")


def test_today_starts_at_midnight_wib() -> None:
    zone = Settings().zone
    assert local_midnight(NOW, zone) == datetime(2026, 11, 26, 17, 0, tzinfo=timezone.utc)
    late = datetime(2026, 11, 27, 18, 0, tzinfo=timezone.utc)  # 01:00 WIB on the 28th
    assert local_midnight(late, zone) == datetime(2026, 11, 27, 17, 0, tzinfo=timezone.utc)
    assert local_midnight(NOW, zone).tzinfo is timezone.utc


def test_day_start_is_local_midnight_in_utc() -> None:
    assert day_start(date(2026, 11, 27), WIB) == datetime(2026, 11, 26, 17, 0, tzinfo=timezone.utc)
    assert day_start(date(2026, 11, 27), WIB) == local_midnight(NOW, WIB)
