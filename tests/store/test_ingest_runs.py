"""Reads of the ingest's tables (``dashboard.store.ingest_runs``) on both backends: the last
attempted and successful runs, overall and per source, and the quarantine."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from dashboard.store import schema
from dashboard.store.ingest_runs import data_as_of, last_ingest, quarantine_get, quarantine_list
from tests.conftest import NOW

M = timedelta(minutes=1)


def read(engine, fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
    with engine.connect() as conn:
        return fn(conn, *args, **kwargs)


def _run(conn, source, minutes_ago, ok):
    t = NOW - minutes_ago * M
    conn.execute(insert(schema.ingest_run).values(source=source, started_at=t, finished_at=t + M, ok=ok,
                                                  error=None if ok else "boom"))


def test_last_ingest(engine):
    empty = read(engine, last_ingest)
    assert (empty.last_attempt, empty.last_ok, empty.sources) == (None, None, {})
    with engine.begin() as conn:
        _run(conn, "simulator", 30, True)
        _run(conn, "open311", 20, False)
        _run(conn, "simulator", 10, False)
    status = read(engine, last_ingest)
    assert (status.last_attempt["source"], status.last_attempt["ok"]) == ("simulator", False)
    assert status.last_ok["started_at"] == NOW - 30 * M
    assert status.sources["open311"]["last_ok"] is None
    assert status.sources["open311"]["last_attempt"]["error"] == "boom"
    assert status.sources["simulator"]["last_ok"]["started_at"] == NOW - 30 * M


def test_quarantine_list_and_get(engine):
    with engine.begin() as conn:
        for i, reason in enumerate(["bad_time", "outside_jakarta", "bad_time"]):
            conn.execute(insert(schema.quarantine).values(
                source="test", external_id=f"q{i}", reason=reason, detail="x" * 500,
                raw=f'{{"id": "q{i}"}}', received_at=NOW + i * M))
    rows = read(engine, quarantine_list, 2)
    assert [r["external_id"] for r in rows] == ["q2", "q1"] and "raw" not in rows[0]
    assert len(rows[0]["detail"]) == 200
    assert [r["external_id"] for r in read(engine, quarantine_list, 10, reason="bad_time")] == ["q2", "q0"]
    item = read(engine, quarantine_get, rows[1]["id"])
    assert item["raw"] == '{"id": "q1"}' and len(item["detail"]) == 500
    assert read(engine, quarantine_get, 10_000) is None
    with engine.begin() as conn:
        _run(conn, "simulator", 5, True)
    assert read(engine, data_as_of) == NOW - 4 * M
