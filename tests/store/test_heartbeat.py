"""The worker heartbeat rows on both backends: start, success, consecutive failures."""

from __future__ import annotations

from datetime import timedelta

from dashboard.store.heartbeat import beat_end, beat_start, read_heartbeats
from tests.conftest import NOW


def test_heartbeat_counts_consecutive_failures_and_resets_on_success(engine):
    with engine.begin() as conn:
        beat_start(conn, "ingest:simulator", "h:1", NOW)
        beat_end(conn, "ingest:simulator", "h:1", NOW + timedelta(seconds=1), error="boom")
        beat_start(conn, "ingest:simulator", "h:1", NOW + timedelta(seconds=30))
        beat_end(conn, "ingest:simulator", "h:1", NOW + timedelta(seconds=31), error="x" * 900)
    with engine.connect() as conn:
        (row,) = read_heartbeats(conn)
    assert row["failures"] == 2 and len(row["last_error"]) == 500
    assert row["last_start"] == NOW + timedelta(seconds=30) and row["last_success"] is None
    with engine.begin() as conn:
        beat_end(conn, "ingest:simulator", "h:2", NOW + timedelta(seconds=62))
        beat_start(conn, "worker", "h:2", NOW + timedelta(seconds=62))
    with engine.connect() as conn:
        rows = {r["job"]: r for r in read_heartbeats(conn)}
    assert rows["ingest:simulator"]["failures"] == 0
    assert rows["ingest:simulator"]["last_success"] == NOW + timedelta(seconds=62)
    assert rows["ingest:simulator"]["worker"] == "h:2" and set(rows) == {"ingest:simulator", "worker"}
