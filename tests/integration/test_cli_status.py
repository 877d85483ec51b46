"""``pantau status``: one screen over a real store (SQLite and PostgreSQL), and an exit code
a cron job can act on: 0 all well, 1 worker/ingest/snapshot trouble, 2 no store."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from dashboard import cli
from dashboard.store.heartbeat import WORKER_JOB, beat_end, beat_start
from dashboard.store.snapshots import save_snapshot
from dashboard.store.users import add_user, set_disabled
from dashboard.store.writes import QuarantineItem, finish_run, quarantine, start_run
from dashboard.wall import WIDGET

COUNTS = {"n_seen": 8, "n_new": 3, "n_updated": 0, "n_unchanged": 5, "n_quarantined": 0}


@pytest.fixture
def store(db_url, engine, tmp_path, monkeypatch):
    monkeypatch.setenv("PANTAU_DATABASE_URL", db_url)
    monkeypatch.setenv("PANTAU_DATA_DIR", str(tmp_path))
    return engine


def working(engine, age: float = 30.0, worker_age: float | None = None, snapshot_age: float | None = None) -> None:
    """A store a worker keeps: its heartbeat, a successful ingest run, a wall snapshot."""
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        beat_start(conn, WORKER_JOB, "host-a:42", now - timedelta(seconds=worker_age or age))
        beat_end(conn, "ingest:simulator", "host-a:42", now - timedelta(seconds=age))
        run = start_run(conn, "simulator", now - timedelta(seconds=age + 1))
        finish_run(conn, run, now - timedelta(seconds=age), COUNTS, True)
    save_snapshot(engine, WIDGET, {"kpi": {}}, 1, now - timedelta(seconds=snapshot_age or age))


def status(capsys, *args: str) -> tuple[int, str]:
    code = cli.main(["status", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out


def test_a_working_store_exits_0(store, capsys):
    working(store)
    add_user(store, "admin", "rahasia-123", "admin")
    add_user(store, "ani", "rahasia-123", "supervisor")
    set_disabled(store, "ani")
    with store.begin() as conn:
        quarantine(conn, "files", [QuarantineItem(None, "unparseable", "a.csv line 3", {}),
                                   QuarantineItem("R-9", "outside_jakarta", "(0, 0)", {}),
                                   QuarantineItem("R-8", "unparseable", "a.csv line 4", {})])
    code, out = status(capsys)
    assert code == 0, out
    lines = dict(line.split(None, 1) for line in out.splitlines() if line[:1] != " ")
    assert lines["reports"] == "0 total · 0 open"
    assert lines["ingest"] == "simulator: last success 30 s ago (limit 90 s) · last run ok 30 s ago (3 new, 0 updated)"
    assert lines["quarantine"] == "3: unparseable 2 · outside_jakarta 1"
    assert lines["worker"] == "host-a:42 · heartbeat 30 s ago (limit 90 s)"
    assert lines["snapshot"] == "wall computed 30 s ago (limit 150 s)"
    assert lines["users"] == "2: 1 admin · 1 supervisor (1 disabled)"
    assert lines["problems"] == "none"
    assert lines["schema"].startswith("not recorded (latest ")  # a create_all store: no Alembic record
    doc = json.loads(status(capsys, "--json")[1])
    assert (doc["exit_code"], doc["problems"], doc["store"]["state"]) == (0, [], "ok")
    assert doc["users"] == {"total": 2, "by_role": {"admin": 1, "supervisor": 1}, "disabled": 1}
    assert doc["quarantine"]["by_reason"] == {"unparseable": 2, "outside_jakarta": 1}
    assert doc["worker"]["leader"] == "host-a:42" and doc["ingest"]["sources"][0]["last_run"]["counts"] == COUNTS


def test_a_stale_worker_heartbeat_exits_1(store, capsys):
    working(store, worker_age=600)
    code, out = status(capsys)
    assert code == 1
    assert "worker      FAIL host-a:42 · heartbeat 10 min ago (limit 90 s)" in out
    assert out.splitlines()[-1] == "problems    worker"
    assert json.loads(status(capsys, "--json")[1])["problems"] == ["worker"]


def test_a_failing_source_and_an_old_snapshot_exit_1(store, capsys):
    working(store, snapshot_age=3600)
    now = datetime.now(timezone.utc)
    with store.begin() as conn:
        run = start_run(conn, "files", now - timedelta(seconds=21))
        finish_run(conn, run, now - timedelta(seconds=20), {}, False, "fetch failed: /srv/drop: not a directory")
        beat_end(conn, "ingest:files", "host-a:42", now - timedelta(seconds=20), "fetch failed: /srv/drop")
    code, out = status(capsys)
    assert code == 1
    assert "FAIL files: last success never (limit 90 s) · last run FAILED 20 s ago: fetch failed: /srv/drop: " \
           "not a directory" in out
    assert "job ingest:files: 1 failed run(s) in a row, last 20 s ago: fetch failed: /srv/drop" in out
    assert "snapshot    FAIL wall computed 60 min ago (limit 150 s)" in out
    assert json.loads(status(capsys, "--json")[1])["problems"] == ["ingest", "snapshot"]


def test_a_store_nobody_runs_exits_1_and_says_what_is_missing(store, capsys):
    code, out = status(capsys)
    assert code == 1
    assert "no ingest run yet (is the worker running?)" in out and "no worker has run on this store" in out
    assert "users       0 (add one: pantau user add NAME --password … --role admin)" in out


def test_no_store_exits_2_with_json(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PANTAU_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("PANTAU_DATABASE_URL", raising=False)
    code, out = status(capsys, "--json")
    doc = json.loads(out)
    assert code == doc["exit_code"] == 2 and doc["problems"] == ["store"] and doc["store"]["state"] == "missing"
    assert doc["store"]["problem"].startswith(f"no Pantau store at sqlite:///{tmp_path}/var/pantau.db")
