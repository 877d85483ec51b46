"""CSV export: formula-injection escaping and the streaming generator."""

import csv
import io
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from dashboard.supervisor.export import COLUMNS, csv_chunks, escape_cell, format_value

WIB = ZoneInfo("Asia/Jakarta")


@pytest.mark.parametrize("text", ["=1+1", "+628123", "-2+3", "@SUM(A1)", "\tx", "\rx",
                                  '=HYPERLINK("http://evil","klik")'])
def test_dangerous_first_characters_get_a_quote(text):
    assert escape_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["jalan rusak", "", "a=b", "1+1", "'quoted"])
def test_plain_text_is_unchanged(text):
    assert escape_cell(text) == text


def test_numbers_and_times_are_not_prefixed():
    assert format_value(-6.1766, WIB) == "-6.1766"
    assert format_value(-3, WIB) == "-3"
    assert format_value(datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc), WIB) == "2026-11-27 10:00"
    assert format_value(None, WIB) == ""


def test_stream_round_trips_through_a_csv_reader():
    rows = [{"id": i, "description": f'=cmd|"/c calc"!A{i}\nbaris dua, koma', "lat": -6.2,
             "requested_at": datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)} for i in range(1, 6)]
    done = []
    text = "".join(csv_chunks(iter(rows), WIB, chunk_rows=2, on_done=done.append))
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == [h for h, _ in COLUMNS]
    assert len(parsed) == 6 and done == [5]
    col = parsed[0].index("description")
    assert all(r[col].startswith("'=cmd") and "baris dua, koma" in r[col] for r in parsed[1:])
    assert parsed[1][parsed[0].index("lat")] == "-6.2"


def test_on_done_runs_when_the_client_goes_away():
    done = []
    stream = csv_chunks(({"id": i} for i in range(10_000)), WIB, chunk_rows=10, on_done=done.append)
    next(stream), next(stream)
    stream.close()
    assert done == [10]


def test_chunks_are_bounded():
    stream = csv_chunks(({"id": i, "description": "x" * 100} for i in range(5000)), WIB, chunk_rows=100)
    assert max(len(chunk) for chunk in stream) < 100 * 400
