"""Real worker processes for the worker tests: start one on a store, wait for rows, stop
it. Every wait is bounded; :func:`stop` kills what is still running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from sqlalchemy import Engine, select

from dashboard.config import ROOT
from dashboard.store import schema
from dashboard.store.heartbeat import WORKER_JOB, read_heartbeats


def start(url: str, data_dir: Path, *args: str, sources: str = "simulator", ingest_seconds: int = 1,
          module: str = "dashboard.processes.worker") -> subprocess.Popen:
    """``python -m <module> [worker] <args>`` on ``url``; stdout/stderr to files in ``data_dir``."""
    env = dict(os.environ, PANTAU_DATABASE_URL=url, PANTAU_DATA_DIR=str(data_dir), PANTAU_SOURCES=sources,
               PANTAU_INGEST_SECONDS=str(ingest_seconds), PANTAU_REDIS_URL="")
    cmd = [sys.executable, "-m", module, *(["worker"] if module == "dashboard.cli" else []), *args]
    n = len(list(data_dir.glob("worker-*.err")))
    err = open(data_dir / f"worker-{n}.err", "w+")  # closed by stop()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err, text=True)
    proc.err_file = err  # type: ignore[attr-defined]
    return proc


def stderr_of(proc: subprocess.Popen) -> str:
    """What ``proc`` wrote to stderr so far (also after :func:`stop`)."""
    return Path(proc.err_file.name).read_text()  # type: ignore[attr-defined]


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
    """Stop ``proc`` (``sig``, then SIGKILL after ``timeout``); returns its exit code."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGCONT)  # a stopped process cannot take SIGTERM
        proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    proc.err_file.close()  # type: ignore[attr-defined]
    return proc.returncode


def wait_for(check: Callable[[], object], timeout: float, what: str, proc: subprocess.Popen | None = None,
             step: float = 0.2) -> object:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds (or
    when ``proc`` exits first). A store that does not answer counts as not yet."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = check()
        except Exception:  # noqa: BLE001 - the store may be down on purpose
            found = None
        if found:
            return found
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"worker exited {proc.returncode} before {what}:\n{stderr_of(proc)[-3000:]}")
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}"
                         + (f":\n{stderr_of(proc)[-3000:]}" if proc is not None else ""))


def ok_runs(engine: Engine, after=None) -> list:
    """Finished, successful ingest runs (started after ``after``)."""
    stmt = select(schema.ingest_run).where(schema.ingest_run.c.ok.is_(True),
                                           schema.ingest_run.c.finished_at.is_not(None))
    if after is not None:
        stmt = stmt.where(schema.ingest_run.c.started_at > after)
    with engine.connect() as conn:
        return conn.execute(stmt).all()


def beats(engine: Engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {row["job"]: row for row in read_heartbeats(conn)}


def leader_row(engine: Engine, pid: int) -> dict | None:
    """The leader's heartbeat row when it was written by process ``pid``."""
    row = beats(engine).get(WORKER_JOB)
    return row if row is not None and row["worker"].endswith(f":{pid}") else None
