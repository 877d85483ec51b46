"""The command line's output helpers: aligned tables, short ages, stable JSON."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path

from dashboard.ingest.run import IngestResult
from dashboard.operator.output import age, cell, table, to_json


class Colour(Enum):
    RED = "red"


def test_table_pads_columns_and_says_when_empty():
    assert table(("a", "long header"), [("xyz", 1), (None, True)]).splitlines() == [
        "a    long header", "xyz  1", "-    yes"]
    assert table(("a",), [], empty="nothing yet") == "nothing yet"


def test_cells_and_ages():
    at = datetime(2026, 12, 2, 3, 4, 5, 600, tzinfo=timezone.utc)
    assert [cell(at), cell(False), cell(Colour.RED), cell(3)] == ["2026-12-02 03:04:05Z", "no", "red", "3"]
    assert [age(None), age(4.24), age(45.4), age(299), age(600), age(5400), age(3 * 3600), age(3 * 86400)] == [
        "never", "4.2 s", "45 s", "299 s", "10 min", "90 min", "3.0 h", "3.0 d"]


def test_json_is_stable_and_plain():
    doc = {"b": [Path("/x"), Colour.RED], "a": datetime(2026, 12, 2, tzinfo=timezone.utc),
           "r": IngestResult(n_seen=1, ok=True)}
    text = to_json(doc)
    assert text == to_json(dict(reversed(list(doc.items()))))  # key order does not matter
    parsed = json.loads(text)
    assert parsed["a"] == "2026-12-02T00:00:00+00:00" and parsed["b"] == ["/x", "red"]
    assert parsed["r"]["n_seen"] == 1 and parsed["r"]["skipped"] == []


def test_ingest_summary_names_updated_only_when_any():
    assert IngestResult(8, 3, 0, 5, 0, True, seconds=0.42).summary() == \
        "8 seen · 3 new · 5 unchanged · 0 quarantined (0.4 s)"
    assert IngestResult(8, 3, 2, 3, 0, True, seconds=1.0).summary() == \
        "8 seen · 3 new · 2 updated · 3 unchanged · 0 quarantined (1.0 s)"
