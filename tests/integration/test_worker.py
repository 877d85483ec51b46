"""The worker: job configuration, one full pass, and the leader lock on both backends
(real worker processes; the second refuses, a SIGKILLed leader is replaced)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dashboard.config import ROOT, Settings
from dashboard.processes.leader import LeaseLeader, make_leader
from dashboard.store import schema
from dashboard.store.snapshots import read_snapshot
from dashboard.wall import WIDGET
from dashboard.processes.worker import (EXIT_NO_STORE, EXIT_NOT_LEADER, build_scheduler, parse_sources, refresh_wall, run_cameras,
                              run_guarded, run_ingest, run_water_levels, run_worker)

LEASE = 2.0


def test_parse_sources():
    assert parse_sources("simulator, open311=http://127.0.0.1:8/api ,files=/srv/drop,"
                         "open311-updated=http://127.0.0.1:9/open311/v2") == [
        ("simulator", ""), ("open311", "http://127.0.0.1:8/api"), ("files", "/srv/drop"),
        ("open311-updated", "http://127.0.0.1:9/open311/v2")]
    with pytest.raises(ValueError, match="unknown source 'ftp'"):
        parse_sources("ftp=x")
    with pytest.raises(ValueError, match="needs a target"):
        parse_sources("open311")


def test_build_scheduler_jobs(tmp_path):
    settings = Settings.from_env({}, data_dir=tmp_path, ingest_seconds=20,
                                 sources="simulator,open311=http://127.0.0.1:9/api,files=/tmp/drop")
    guard = object()  # only passed through to run_guarded
    scheduler = build_scheduler(settings, guard)
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert list(jobs) == ["ingest:simulator", "ingest:open311", "ingest:files", "water-levels", "cameras",
                          "wall-snapshot"]
    assert {(j.max_instances, j.coalesce) for j in jobs.values()} == {(1, True)}
    assert {j.func for j in jobs.values()} == {run_guarded}
    assert jobs["ingest:open311"].args == (guard, "ingest:open311", run_ingest,
                                           (settings, "open311", "http://127.0.0.1:9/api"))
    assert jobs["ingest:files"].trigger.interval.total_seconds() == 20
    assert [jobs[j].args[2] for j in ("water-levels", "cameras", "wall-snapshot")] == [
        run_water_levels, run_cameras, refresh_wall]
    assert not scheduler.running and str(scheduler.timezone) == "Asia/Jakarta"
    no_sim = build_scheduler(settings.with_(sources="files=/tmp/drop"), guard)
    assert [j.id for j in no_sim.get_jobs()] == ["ingest:files", "cameras", "wall-snapshot"]


def test_run_worker_once_fills_the_store(settings, engine, tmp_path):
    assert run_worker(settings.with_(sources="simulator"), once=True) == 0
    with engine.connect() as conn:
        runs = conn.execute(select(schema.ingest_run.c.source, schema.ingest_run.c.ok)).all()
        levels = conn.execute(select(func.count()).select_from(schema.water_level)).scalar()
        leases = conn.execute(select(func.count()).select_from(schema.lease)).scalar()
    assert runs == [("simulator", True)] and levels > 0 and leases == 0
    assert read_snapshot(engine, WIDGET) is not None


def test_run_worker_refuses_while_another_holds_the_lock(settings, engine, capsys):
    other = make_leader(engine, LEASE)
    other.me = "elsewhere:1"
    assert other.acquire()
    try:
        assert run_worker(settings.with_(sources="files=" + str(settings.data_dir)), once=True) == EXIT_NOT_LEADER
    finally:
        other.release()
    err = capsys.readouterr().err
    assert "already holds the worker lock" in err
    assert "elsewhere:1" in err
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.ingest_run)).scalar() == 0


def test_unmigrated_store_is_a_clear_error(tmp_path, capsys):
    settings = Settings.from_env({}, data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    assert run_worker(settings, once=True) == EXIT_NO_STORE
    assert "pantau db upgrade" in capsys.readouterr().err


def test_lease_is_taken_over_only_after_expiry(tmp_path):
    from dashboard.store.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'lease.db'}")
    schema.lease.create(engine)
    a, b = LeaseLeader(engine, 0.5, me="a:1"), LeaseLeader(engine, 0.5, me="b:2")
    assert a.acquire() and not b.acquire() and b.holder() == "a:1"
    assert a.renew()
    time.sleep(0.6)
    assert b.holder() is None and b.acquire() and not a.renew()
    b.release()
    assert a.acquire()
    engine.dispose()


# --- real worker processes ------------------------------------------------------------------
def _start(settings: Settings, drop: Path) -> subprocess.Popen:
    env = dict(os.environ, PANTAU_DATABASE_URL=settings.resolved_database_url,
               PANTAU_DATA_DIR=str(settings.data_dir), PANTAU_SOURCES=f"files={drop}", PANTAU_INGEST_SECONDS="1")
    return subprocess.Popen([sys.executable, "-m", "dashboard.processes.worker", "--lease-seconds", str(LEASE)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_holder(leader, wanted: str | None, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        holder = leader.holder()
        if (holder is None) if wanted is None else (holder or "").endswith(wanted):
            return
        time.sleep(0.1)
    raise AssertionError(f"lock holder is {leader.holder()!r}, wanted {wanted!r}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.communicate(timeout=10)


def test_second_worker_refuses_and_a_killed_leader_is_replaced(settings, engine, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    probe = make_leader(engine, LEASE)
    first = _start(settings, drop)
    try:
        _wait_holder(probe, f":{first.pid}")
        second = _start(settings, drop)
        out, err = second.communicate(timeout=30)
        assert second.returncode == EXIT_NOT_LEADER, err
        assert f":{first.pid} already holds the worker lock" in err
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        _wait_holder(probe, None)  # PostgreSQL: at once; SQLite: when the lease expires
        third = _start(settings, drop)
        try:
            _wait_holder(probe, f":{third.pid}")
            third.send_signal(signal.SIGTERM)
            try:
                third.wait(timeout=20)
            except subprocess.TimeoutExpired:
                third.kill()
                pytest.fail("worker ignored SIGTERM:\n" + third.communicate()[1][-3000:])
            assert third.returncode == 0
            assert probe.holder() is None  # released on a clean stop
        finally:
            _stop(third)
    finally:
        _stop(first)


def test_new_water_readings_re_render_the_stills_at_once(settings, engine):
    """A still never shows an older level than its tile: recording simulated readings
    renders the stills in the same run (before, only the cameras job did, up to 60 s later)."""
    assert run_water_levels(settings) > 0
    with engine.connect() as conn:
        newest = conn.execute(select(func.max(schema.water_level.c.observed_at))).scalar_one()
        stills = conn.execute(select(schema.camera_still.c.gate_code, schema.camera_still.c.last_ok_at)).all()
    assert stills, "no still rendered with the new readings"
    assert all(at is not None and at >= newest for _, at in stills)
