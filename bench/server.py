"""``pantau serve``'s server for the served-path benchmarks, and the requests a browser sends it.

:func:`start` runs gunicorn exactly as ``pantau serve`` does
(:func:`dashboard.processes.runner.gunicorn_command`: its default web processes and
threads) on a seeded store, on a free loopback port; :func:`stop` ends it. The per-address
rate limit of public callbacks and the Open311 API is off (``PANTAU_PUBLIC_RATE_PER_MINUTE=0``):
a benchmark sends more than 300 requests a minute from one address. Everything else is the
deployed configuration.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import requests

from dashboard.config import Settings
from dashboard.processes.runner import THREADS, WORKERS, gunicorn_command
from tests.supervisor_server import callback_body, login_token

START_TIMEOUT_S = 60
#: How the served rows describe the server (the counts come from dashboard.processes.runner).
SHAPE = f"gunicorn + waitress, {WORKERS} processes x {THREADS} threads"


@dataclass
class Served:
    """A running server: its process, base URL and the Dash callbacks it registered."""

    process: subprocess.Popen
    base: str
    log: Path
    deps: list[dict[str, Any]] = field(default_factory=list)

    def callback(self, output: str) -> dict[str, Any]:
        """The ``/_dash-dependencies`` entry whose output includes ``output`` (``id.prop``)."""
        if not self.deps:
            self.deps = requests.get(f"{self.base}/_dash-dependencies", timeout=10).json()
        return next(d for d in self.deps if output in d["output"])

    def body(self, output: str, values: Mapping[str, Any],
             overrides: Mapping[tuple[str, str], Any] | None = None) -> dict[str, Any]:
        """The JSON a browser POSTs for the callback with ``output``."""
        return callback_body(self.callback(output), values, overrides)


def start(url: str, data_dir: Path, extra_env: Mapping[str, str] | None = None) -> Served:
    """gunicorn as ``pantau serve`` runs it (its log in ``data_dir``), once it answers
    (``/build-id``: ``/health`` is 503 without a worker, and none runs here)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data_dir.mkdir(parents=True, exist_ok=True)
    env = os.environ | {"PANTAU_DATABASE_URL": url, "PANTAU_HOST": "127.0.0.1", "PANTAU_PORT": str(port),
                        "PANTAU_DATA_DIR": str(data_dir), "PANTAU_PUBLIC_RATE_PER_MINUTE": "0",
                        **(extra_env or {})}
    base, log_path = f"http://127.0.0.1:{port}", data_dir / "gunicorn.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(gunicorn_command(Settings.from_env(env)), env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    served = Served(process, base, log_path)
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if requests.get(f"{base}/build-id", timeout=2).ok:
                    return served
            except requests.RequestException:  # not listening yet, or busy starting its workers
                time.sleep(0.2)
        raise RuntimeError(f"the server did not start in {START_TIMEOUT_S} s (log: {log_path})")
    except BaseException:
        stop(served)
        raise


def stop(served: Served) -> None:
    served.process.terminate()
    try:
        served.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        served.process.kill()
        served.process.wait()


def post(base: str, session: requests.Session, body: dict[str, Any], empty_ok: bool = False) -> requests.Response:
    """A callback POST; 200 with data, or 204 (no update) when ``empty_ok``."""
    answer = session.post(f"{base}/_dash-update-component", json=body, timeout=60)
    if empty_ok and answer.status_code == 204:
        return answer
    answer.raise_for_status()
    if '"response"' not in answer.text[:64]:
        raise RuntimeError(f"no data in the answer: {answer.text[:200]}")
    return answer


def get(session: requests.Session, url: str, starts: bytes = b"") -> requests.Response:
    """A GET that must answer 200 with a body starting with ``starts``."""
    answer = session.get(url, timeout=60)
    answer.raise_for_status()
    if not answer.content.startswith(starts):
        raise RuntimeError(f"unexpected answer from {url}: {answer.text[:200]}")
    return answer


def signed_in(base: str, user: str, password: str) -> requests.Session:
    """A session signed in through the login form, as a browser does."""
    s = requests.Session()
    r = s.post(f"{base}/login", data={"username": user, "password": password, "next": "/supervisor",
                                      "csrf_token": login_token(s, base)}, allow_redirects=False, timeout=10)
    if r.status_code != 303:
        raise RuntimeError(f"login refused: {r.status_code}")
    return s
