"""Open311Source's window and watermark arithmetic (pure: no HTTP is made)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.ingest.open311 import MAX_WINDOW, Open311Source
from tests.factories import NOW, iso

URL = "http://127.0.0.1:9/open311/v2"


def test_first_window_is_the_initial_lookback():
    assert Open311Source(URL, initial_lookback=timedelta(days=3)).window(None, NOW) == (
        NOW - timedelta(days=3), NOW)


def test_window_starts_overlap_before_the_watermark():
    source = Open311Source(URL, overlap=timedelta(minutes=10))
    assert source.window(iso(NOW - timedelta(hours=1)), NOW) == (NOW - timedelta(minutes=70), NOW)


def test_an_old_watermark_is_caught_up_90_days_at_a_time():
    start, end = Open311Source(URL, overlap=timedelta(0)).window(iso(NOW - timedelta(days=200)), NOW)
    assert (start, end - start) == (NOW - timedelta(days=200), MAX_WINDOW)


def test_revisit_reaches_back_but_not_past_90_days():
    source = Open311Source(URL, revisit=timedelta(days=2))
    assert source.window(iso(NOW - timedelta(minutes=1)), NOW)[0] == NOW - timedelta(days=2)
    with pytest.raises(ValueError):
        Open311Source(URL, revisit=MAX_WINDOW)
    with pytest.raises(ValueError):
        Open311Source(URL, window_field="created")


def test_next_cursor_ignores_future_and_unreadable_times():
    source = Open311Source(URL)
    records = [{"requested_datetime": iso(NOW - timedelta(hours=1))},
               {"requested_datetime": iso(NOW + timedelta(days=1))},  # quarantined, not a watermark
               {"requested_datetime": "2026-11-27T10:00:00"},  # no zone
               {"requested_datetime": "garbage"}, "not a dict"]
    assert source._next_cursor(None, records, NOW, NOW) == iso(NOW - timedelta(hours=1))
    assert source._next_cursor("x", [], NOW, NOW) == "x"  # nothing seen: keep the cursor


def test_after_an_empty_catch_up_window_the_cursor_moves_to_its_end():
    end = NOW - timedelta(days=100)
    assert Open311Source(URL)._next_cursor(iso(NOW - timedelta(days=190)), [], end, NOW) == iso(end)
