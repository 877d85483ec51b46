"""The worker in a PostgreSQL outage (a cluster of the test's own, stopped and started
under it): a short outage is ridden out, a long one ends it with exit code 4 (never 1 from
a traceback), a store that is down at start is waited for, and afterwards a worker ingests
again with the failure and the recovery in its heartbeat row.

On the old code the worker exited 1 (``leader.release()`` raised PendingRollbackError)
about 20 s into the outage, and exited 2 ("no schema") for a store that was down at start."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from dashboard.reference import load_reference
from dashboard.store import schema
from dashboard.store.engine import make_engine
from dashboard.store.heartbeat import WORKER_JOB
from dashboard.store.refdata import store_reference
from dashboard.processes.worker_options import EXIT_LOST_LEADER, EXIT_NO_STORE_CONNECTION
from tests.integration import worker_procs as wp
from tests.pg_cluster import PgCluster

LEASE = "3"  # heartbeat every second


@pytest.fixture
def cluster():
    cluster = PgCluster.create()
    try:
        engine = make_engine(cluster.url)
        schema.create_all(engine)
        store_reference(engine, load_reference())
        engine.dispose()
        yield cluster
    finally:
        cluster.destroy()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def test_short_outage_is_ridden_out_and_a_long_one_exits_4(cluster, tmp_path):
    engine = make_engine(cluster.url)
    proc = wp.start(cluster.url, tmp_path, "--lease-seconds", LEASE, "--reconnect-seconds", "60")
    try:
        wp.wait_for(lambda: wp.ok_runs(engine), 60, "a first ingest", proc)
        engine.dispose()
        down = _now()  # before the stop: the worker may see the server go while pg_ctl still waits
        cluster.stop()
        time.sleep(8)
        assert proc.poll() is None, wp.stderr_of(proc)[-3000:]
        cluster.start()
        up = _now()
        wp.wait_for(lambda: wp.ok_runs(engine, after=up), 60, "an ingest after the outage", proc)
        row = wp.wait_for(lambda: (r := wp.leader_row(engine, proc.pid)) and r["last_success"] > up and r, 30,
                          "the leader's heartbeat after the outage", proc)
        assert down <= row["last_error_at"] < up and "not reachable" in row["last_error"]
        assert proc.poll() is None

        # an outage longer than --reconnect-seconds: exit 4, with the reason kept for the next start
        proc.send_signal(15)
        assert proc.wait(timeout=30) == 0
        proc = wp.start(cluster.url, tmp_path, "--lease-seconds", LEASE, "--reconnect-seconds", "4")
        wp.wait_for(lambda: wp.leader_row(engine, proc.pid), 60, "leadership", proc)
        engine.dispose()
        cluster.stop()
        try:
            code = proc.wait(timeout=60)
        finally:
            cluster.start()
        assert code == EXIT_LOST_LEADER, wp.stderr_of(proc)[-3000:]
        assert "Traceback" not in wp.stderr_of(proc).split("stopping (exit code")[-1]

        # a restarted worker ingests again
        restarted = _now()
        proc = wp.start(cluster.url, tmp_path, "--lease-seconds", LEASE)
        wp.wait_for(lambda: wp.ok_runs(engine, after=restarted), 60, "an ingest after the restart", proc)
        assert wp.beats(engine)[WORKER_JOB]["worker"].endswith(f":{proc.pid}")
    finally:
        wp.stop(proc)
        engine.dispose()


def test_store_down_at_start_is_waited_for_then_given_up(cluster, tmp_path):
    engine = make_engine(cluster.url)
    cluster.stop()
    proc = wp.start(cluster.url, tmp_path, "--lease-seconds", LEASE, "--reconnect-seconds", "2")
    try:
        assert proc.wait(timeout=60) == EXIT_NO_STORE_CONNECTION
        assert "not reachable" in wp.stderr_of(proc)
    finally:
        wp.stop(proc)
    proc = wp.start(cluster.url, tmp_path, "--lease-seconds", LEASE, "--reconnect-seconds", "60")
    try:
        time.sleep(3)
        assert proc.poll() is None, wp.stderr_of(proc)[-3000:]
        cluster.start()
        wp.wait_for(lambda: wp.ok_runs(engine), 60, "an ingest once the store is up", proc)
    finally:
        wp.stop(proc)
        engine.dispose()
