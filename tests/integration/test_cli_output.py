"""What the commands print: tables and lines for people, one stable JSON document with
``--json``; ``pantau ingest --once files DIR`` names every file it left out and why, and
so does the worker's log. Real ``cli.main`` against real stores (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import logging
import os
import time

import pytest

from dashboard import cli
from dashboard.processes.worker import run_ingest
from dashboard.store.users import add_user
from tests.factories import make_raw


@pytest.fixture
def env(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PANTAU_DATABASE_URL", db_url)
    monkeypatch.setenv("PANTAU_DATA_DIR", str(tmp_path))
    return db_url


def out_of(capsys, argv: list[str], code: int = 0) -> str:
    assert cli.main(argv) == code
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return captured.out


def drop(directory, name: str, records: list[dict], age: float = 10.0) -> None:
    path = directory / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    then = time.time() - age
    os.utime(path, (then, then))


def test_user_list_is_a_table_and_json(env, engine, capsys):
    assert "no users yet" in out_of(capsys, ["user", "list"])
    assert out_of(capsys, ["user", "add", "admin", "--password", "rahasia-123", "--role", "admin"]) == \
        "added admin (admin)\n"
    add_user(engine, "ani", "rahasia-123", "supervisor", scope=("kota", "31.71"))
    out_of(capsys, ["user", "disable", "ani"])
    lines = out_of(capsys, ["user", "list"]).splitlines()
    assert lines[0].split() == ["username", "role", "scope", "disabled", "created", "(UTC)"]
    assert lines[1].split()[:4] == ["admin", "admin", "whole", "city"] and lines[1].split()[4] == "no"
    assert lines[2].split()[:4] == ["ani", "supervisor", "kota:31.71", "yes"]
    assert lines[0].index("role") == lines[1].index("admin", 5) == lines[2].index("supervisor")  # aligned
    doc = json.loads(out_of(capsys, ["user", "list", "--json"]))
    assert [(u["username"], u["role"], u["scope_kind"], u["scope_code"], u["disabled"]) for u in doc["users"]] == [
        ("admin", "admin", None, None, False), ("ani", "supervisor", "kota", "31.71", True)]
    assert all("password_hash" not in u and u["created_at"].startswith("20") for u in doc["users"])


def test_ingest_once_prints_counts_and_every_skipped_file(env, tmp_path, capsys):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    drop(inbox, "old.jsonl", [make_raw(service_request_id=f"o{i}") for i in range(3)] + [{"service_request_id": "x"}])
    drop(inbox, "orders.jsonl", [make_raw(service_request_id="n1")], age=0.5)  # just moved into place
    (inbox / "notes.txt").write_text("hello")
    (inbox / "big.csv.part").write_text("a,b\n")
    out = out_of(capsys, ["ingest", "--once", "files", str(inbox)])
    first, *skipped = out.splitlines()
    assert first.startswith("files: 4 seen · 3 new · 0 unchanged · 1 quarantined (") and first.endswith(" s)")
    settling = next(line for line in skipped if "orders.jsonl" in line)
    assert settling.startswith("skipped orders.jsonl: modified ") and settling.endswith("s ago (settling, 2 s)")
    assert "skipped notes.txt: not CSV or JSON Lines (.txt)" in out
    assert "skipped big.csv.part: a partial file (.part)" in out
    doc = json.loads(out_of(capsys, ["ingest", "--once", "files", str(inbox), "--settle-seconds", "0", "--json"]))
    assert (doc["source"], doc["ok"], doc["n_seen"], doc["n_new"], doc["error"]) == ("files", True, 1, 1, None)
    reasons = {s["name"]: s["reason"] for s in doc["skipped"]}
    assert reasons == {"old.jsonl": "seen", "notes.txt": "not_data", "big.csv.part": "partial"}
    assert set(doc) == {"source", "ok", "error", "seconds", "skipped", "n_seen", "n_new", "n_updated",
                        "n_unchanged", "n_quarantined"}


def test_ingest_of_a_missing_directory_fails_with_exit_1(env, tmp_path, capsys):
    assert cli.main(["ingest", "--once", "files", str(tmp_path / "nope")]) == 1
    captured = capsys.readouterr()
    assert "files: failed" in captured.out and "not a directory" in captured.err


def test_quarantine_list_and_show(env, tmp_path, capsys):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    drop(inbox, "a.jsonl", [make_raw(service_request_id="bad", lat="0", long="0"), {"x": 1}])
    out_of(capsys, ["ingest", "--once", "files", str(inbox)])
    lines = out_of(capsys, ["quarantine", "list"]).splitlines()
    assert lines[0].split()[:5] == ["id", "source", "reason", "external", "id"] and len(lines) == 3
    doc = json.loads(out_of(capsys, ["quarantine", "list", "--json"]))
    assert sorted(r["external_id"] or "-" for r in doc["quarantine"]) == ["-", "bad"]
    assert {"id", "source", "reason", "external_id", "received_at", "detail"} == set(doc["quarantine"][0])
    one = doc["quarantine"][0]
    assert json.loads(out_of(capsys, ["quarantine", "show", str(one["id"]), "--json"]))["raw"]
    assert f"reason: {one['reason']}" in out_of(capsys, ["quarantine", "show", str(one["id"])])
    only = json.loads(out_of(capsys, ["quarantine", "list", "--json", "--reason", one["reason"]]))["quarantine"]
    assert {r["reason"] for r in only} == {one["reason"]}
    assert cli.main(["quarantine", "show", "999999"]) == 1
    assert "no record 999999" in capsys.readouterr().err


def test_seed_prints_a_line_or_json(env, capsys):
    assert out_of(capsys, ["seed", "--reports", "40", "--days", "1", "--quiet"]).startswith("seeded 40 reports (")
    doc = json.loads(out_of(capsys, ["seed", "--reports", "40", "--days", "1", "--seed", "7", "--json"]))
    assert doc["n_reports"] == 40 and doc["seconds"] > 0


def test_worker_logs_each_skipped_file_once(settings, tmp_path, caplog):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    drop(inbox, "fresh.jsonl", [make_raw()], age=0)
    (inbox / "readme.txt").write_text("x")
    caplog.set_level(logging.INFO, logger="pantau.worker")
    assert run_ingest(settings, "files", str(inbox)).ok
    logged = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("ingest files: skipped fresh.jsonl: modified ") and "(settling, 2 s)" in m
               for m in logged), logged
    assert "ingest files: skipped readme.txt: not CSV or JSON Lines (.txt): only .csv, .jsonl and .ndjson are read" \
        in logged
    assert any(m.startswith("ingest files: 0 seen · 0 new") for m in logged)
    caplog.clear()
    assert run_ingest(settings, "files", str(inbox)).ok
    assert not [r for r in caplog.records if "skipped" in r.getMessage()]  # said once, not every run
