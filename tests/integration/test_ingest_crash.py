"""A worker killed (SIGKILL) in the middle of a batch loses nothing and duplicates
nothing: a subprocess ingests a big dropped file and kills itself at a chosen point inside
the batch transaction; a rerun must then store every record exactly once. Both backends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dashboard.ingest.filedrop import FileDropSource
from dashboard.ingest.run import ingest_once
from dashboard.store.schema import ingest_run, quarantine, report, seen_file, status_change, tally
from tests.factories import NOW, make_raw

ROOT = Path(__file__).resolve().parents[2]
N = 1500

CHILD = """
import os, signal, sys
from sqlalchemy import event
from dashboard.ingest.filedrop import FileDropSource
from dashboard.ingest.run import ingest_once
from dashboard.reference import load_reference
from dashboard.store.engine import make_engine
from tests.factories import NOW

url, directory, point = sys.argv[1:4]
engine = make_engine(url)
commits = []

def kill(*_):
    os.kill(os.getpid(), signal.SIGKILL)

@event.listens_for(engine, "before_cursor_execute")
def before(conn, cursor, statement, *args):
    if point == "status_change" and statement.lstrip().upper().startswith("INSERT INTO STATUS_CHANGE"):
        kill()

@event.listens_for(engine, "commit")
def on_commit(conn):
    commits.append(1)
    if point == "commit" and len(commits) == 2:  # 1st: the ingest_run row; 2nd: the batch
        kill()

ingest_once(FileDropSource(directory, engine, settle_seconds=0), engine, load_reference(), NOW)
print("not killed")
"""


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                for t in (report, status_change, quarantine, seen_file)} | {
            "tally": conn.execute(select(func.coalesce(func.sum(tally.c.n), 0))).scalar()}


@pytest.mark.parametrize("point", ["status_change", "commit"])
def test_killed_mid_batch_then_rerun_stores_each_record_once(engine, db_url, reference, tmp_path, point):
    records = [make_raw(service_request_id=f"K-{i}") for i in range(N)] + [make_raw(lat=None)]
    (tmp_path / "big.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    old = time.time() - 10
    os.utime(tmp_path / "big.jsonl", (old, old))
    child = subprocess.run([sys.executable, "-c", CHILD, db_url, str(tmp_path), point],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr
    assert counts(engine) == {"report": 0, "status_change": 0, "quarantine": 0, "seen_file": 0, "tally": 0}
    with engine.connect() as conn:
        run = conn.execute(select(ingest_run)).one()
    assert (run.ok, run.finished_at) == (False, None)  # the crash is visible: a run that never finished

    source = FileDropSource(tmp_path, engine, settle_seconds=0)
    rerun = ingest_once(source, engine, reference, NOW)
    assert (rerun.ok, rerun.n_new, rerun.n_quarantined) == (True, N, 1)
    expected = {"report": N, "status_change": N, "quarantine": 1, "seen_file": 1, "tally": N}
    assert counts(engine) == expected
    assert ingest_once(source, engine, reference, NOW).n_seen == 0
    assert counts(engine) == expected
