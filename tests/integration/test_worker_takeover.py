"""A standby worker (``--standby``) takes over from a leader that stopped answering but
still holds the lock (SIGSTOP), ingests, and closes the ``ingest_run`` rows the old
leader left unfinished; the old leader, woken, finds its lock gone and exits 4. A job that
keeps failing stops the worker with exit code 5 and says so in the heartbeat rows."""

from __future__ import annotations

import signal
from datetime import datetime, timezone

from sqlalchemy import select, text

from dashboard.processes.leader import make_leader
from dashboard.store import schema
from dashboard.store.heartbeat import WORKER_JOB
from dashboard.store.takeover import ORPHAN_ERROR
from dashboard.store.writes import start_run
from dashboard.processes.worker_options import EXIT_JOB_FAILING, EXIT_LOST_LEADER
from tests.integration import worker_procs as wp

LEASE = 3.0  # heartbeat every second; a leader silent 3 s is replaced


def _now() -> datetime:
    return datetime.now(timezone.utc)


def test_standby_takes_over_from_a_stopped_leader(db_url, engine, tmp_path):
    probe = make_leader(engine, LEASE)
    old = wp.start(db_url, tmp_path, "--lease-seconds", str(LEASE))
    standby = None
    try:
        wp.wait_for(lambda: wp.leader_row(engine, old.pid) and wp.ok_runs(engine), 60, "the first leader", old)
        standby = wp.start(db_url, tmp_path, "--lease-seconds", str(LEASE), "--standby", module="dashboard.cli")
        wp.wait_for(lambda: "standing by" in wp.stderr_of(standby), 60, "the standby waiting", standby)
        assert (probe.holder() or "").endswith(f":{old.pid}")

        old.send_signal(signal.SIGSTOP)
        with engine.begin() as conn:  # a run the stopped leader will never finish
            orphan = start_run(conn, "simulator", _now())
        stopped = _now()
        wp.wait_for(lambda: wp.leader_row(engine, standby.pid), 30, "the standby taking over", standby)
        assert (probe.holder() or "").endswith(f":{standby.pid}")
        wp.wait_for(lambda: wp.ok_runs(engine, after=stopped), 30, "an ingest by the new leader", standby)
        with engine.connect() as conn:
            row = conn.execute(select(schema.ingest_run).where(schema.ingest_run.c.id == orphan)).one()
        assert row.finished_at is not None and not row.ok and row.error == ORPHAN_ERROR

        old.send_signal(signal.SIGCONT)
        assert old.wait(timeout=30) == EXIT_LOST_LEADER, wp.stderr_of(old)[-3000:]
        assert standby.poll() is None and (probe.holder() or "").endswith(f":{standby.pid}")
        assert wp.stop(standby) == 0
        assert probe.holder() is None
    finally:
        wp.stop(old)
        if standby is not None:
            wp.stop(standby)


def test_a_job_that_keeps_failing_stops_the_worker(db_url, engine, tmp_path):
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE snapshot RENAME TO snapshot_gone"))  # the wall job fails every run
    try:
        proc = wp.start(db_url, tmp_path, "--lease-seconds", str(LEASE), "--max-failed-runs", "3",
                        "--failing-seconds", "2")
        try:
            assert proc.wait(timeout=60) == EXIT_JOB_FAILING, wp.stderr_of(proc)[-3000:]
        finally:
            wp.stop(proc)
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE snapshot_gone RENAME TO snapshot"))
    rows = wp.beats(engine)
    assert rows["wall-snapshot"]["failures"] >= 3 and "snapshot" in rows["wall-snapshot"]["last_error"]
    assert rows[WORKER_JOB]["last_error"].startswith("exit 5: job ")
    assert make_leader(engine, LEASE).holder() is None  # released on the way out
