"""Open311Source's window and watermark arithmetic (pure: no HTTP is made)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.ingest.open311 import MAX_WINDOW, Open311Source, source_name
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


@pytest.mark.parametrize("url, name", [
    ("http://127.0.0.1:8001/open311/v2", "open311:127.0.0.1:8001/open311/v2"),
    ("HTTPS://Data.Jakarta.go.id:443/open311/v2/", "open311:data.jakarta.go.id/open311/v2"),
    ("http://data.jakarta.go.id/open311/v2", "open311:data.jakarta.go.id/open311/v2"),  # same endpoint
    ("https://user:secret@h.id:8443/v2?jurisdiction_id=dki", "open311:h.id:8443/v2?jurisdiction_id=dki"),
    ("http://[::1]:8080/v2", "open311:[::1]:8080/v2"),
])
def test_a_source_is_named_after_its_endpoint(url, name):
    assert Open311Source(url).name == source_name(url) == name
    assert Open311Source(url, window_field="updated").name == name.replace("open311:", "open311-updated:", 1)


def test_long_names_fit_the_store_and_stay_apart():
    a, b = (f"https://{'x' * 60}.id/open311/{v}" for v in ("v2", "v3"))
    assert len(source_name(a)) == len(source_name(b)) == 64 and source_name(a) != source_name(b)
    assert source_name(a) == source_name(a + "/") and source_name(a, "updated") != source_name(a)


@pytest.mark.parametrize("sources, legacy", [
    ("simulator", "open311"),  # the CLI's one-off endpoint
    (f"simulator,open311={URL}/", "open311"),
    (f"open311={URL},open311=http://127.0.0.1:10/v2", None),
    ("open311=", None),  # does not parse: do not guess
])
def test_only_the_one_configured_endpoint_takes_over_legacy_rows(sources, legacy):
    from dashboard.config import Settings
    from dashboard.ingest.sources import build_source

    assert build_source("open311", URL, Settings.from_env({}, sources=sources)).legacy_name == legacy
