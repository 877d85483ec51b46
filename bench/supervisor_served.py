"""Supervisor filter changes through the deployed server, end to end.

``bench.supervisor`` times the reads of a filter change. This module times everything
the server does for one: ``pantau serve``'s server (gunicorn over waitress processes, its default workers and threads,
started with :func:`dashboard.processes.runner.gunicorn_command`) on the seeded store, an admin account
signed in through the login form, and per filter the three data callbacks of a filter
change — overview, insights and a first grid block — POSTed to
``/_dash-update-component`` — and the map's points (``/supervisor/points.json`` with the
same filters), all at once, as the browser sends them. The clock runs from sending the
first request to receiving the last answer: session and authorization checks, input
validation, the reads, the figures and the JSON. Median of ``ctx.runs`` per filter (a
warm-up first); an answer that is not 200 with data stops the run with what it got.

Loopback only (127.0.0.1, a free port); the server is stopped in ``finally``.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import requests

from bench.common import Ctx, Row, median_ms
from bench.supervisor import filters_for
from dashboard.config import Settings
from dashboard.supervisor.filters import to_query
from dashboard.processes.runner import THREADS, WORKERS, gunicorn_command
from dashboard.store.engine import make_engine
from dashboard.store.users import add_user, remove_user
from layouts import ids
from tests.supervisor_server import callback_body, login_token

USER, PASSWORD = "bench-admin", "bench-password-1"
START_TIMEOUT_S = 60
#: An output of each callback a filter change fires.
CALLBACKS = {"overview": f"{ids.SUPERVISOR_KPIS}.children", "insights": f"{ids.SUPERVISOR_RESPOND_FIG}.figure",
             "table": f"{ids.SUPERVISOR_TABLE}.getRowsResponse"}
FIRST_BLOCK = {"startRow": 0, "endRow": 100, "sortModel": [{"colId": "requested_at", "sort": "desc"}],
               "filterModel": {}}


def run(ctx: Ctx) -> list[Row]:
    return [r for backend, url in ctx.urls.items()
            for r in measure(ctx.engines[backend], url, backend, ctx.now, ctx.runs, ctx.workdir / f"served-{backend}")]


def measure(engine, url: str, backend: str, now: datetime, runs: int, data_dir: Path) -> list[Row]:  # noqa: ANN001
    remove_user(engine, USER)
    add_user(engine, USER, PASSWORD, "admin", None)
    server, base = start(url, data_dir)
    try:
        rows = []
        with ThreadPoolExecutor(len(CALLBACKS) + 1) as pool:
            sessions = [signed_in(base) for _ in range(len(CALLBACKS) + 1)]
            deps = requests.get(f"{base}/_dash-dependencies", timeout=10).json()
            found = {name: next(d for d in deps if output in d["output"]) for name, output in CALLBACKS.items()}
            for label, filters in filters_for(now).items():
                search = "?" + to_query(filters)
                bodies = [callback_body(dep, {"search": search, "getRowsRequest": FIRST_BLOCK})
                          for dep in found.values()]

                def change(search: str = search, bodies: list = bodies) -> None:
                    sent = [pool.submit(post, base, s, b) for s, b in zip(sessions, bodies)]
                    sent.append(pool.submit(points, base, sessions[-1], search))
                    for answer in sent:
                        answer.result()

                rows.append(Row("supervisor-served", f"{label}: filter change over HTTP (3 callbacks, map points)",
                                backend, round(median_ms(change, runs), 1), "ms",
                                f"target ≤ 300 ms; gunicorn + waitress, {WORKERS} processes x {THREADS} threads"))
        return rows
    finally:
        stop(server)
        remove_user(engine, USER)


def post(base: str, session: requests.Session, body: dict) -> requests.Response:
    answer = session.post(f"{base}/_dash-update-component", json=body, timeout=60)
    answer.raise_for_status()
    if '"response"' not in answer.text[:64]:
        raise RuntimeError(f"no data in the answer: {answer.text[:200]}")
    return answer


def points(base: str, session: requests.Session, search: str) -> None:
    answer = session.get(f"{base}/supervisor/points.json{search}", timeout=60)
    answer.raise_for_status()
    if not answer.content.startswith(b'{"type":"FeatureCollection"'):
        raise RuntimeError(f"no points in the answer: {answer.text[:200]}")


def signed_in(base: str) -> requests.Session:
    s = requests.Session()
    r = s.post(f"{base}/login", data={"username": USER, "password": PASSWORD, "next": "/supervisor",
                                      "csrf_token": login_token(s, base)}, allow_redirects=False, timeout=10)
    if r.status_code != 303:
        raise RuntimeError(f"login refused: {r.status_code}")
    return s


def start(url: str, data_dir: Path) -> tuple[subprocess.Popen, str]:
    """gunicorn as ``pantau serve`` runs it, on a free loopback port (its log in
    ``data_dir``): (process, base URL) once it answers (``/build-id``: ``/health`` is 503
    without a worker, and none runs here)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data_dir.mkdir(parents=True, exist_ok=True)
    env = os.environ | {"PANTAU_DATABASE_URL": url, "PANTAU_HOST": "127.0.0.1", "PANTAU_PORT": str(port),
                        "PANTAU_DATA_DIR": str(data_dir)}
    base = f"http://127.0.0.1:{port}"
    with open(data_dir / "gunicorn.log", "ab") as log:
        server = subprocess.Popen(gunicorn_command(Settings.from_env(env)), env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if requests.get(f"{base}/build-id", timeout=2).ok:
                    return server, base
            except requests.RequestException:  # not listening yet, or busy starting its workers
                time.sleep(0.2)
        raise RuntimeError(f"the server did not start in {START_TIMEOUT_S} s (log: {data_dir / 'gunicorn.log'})")
    except BaseException:
        stop(server)
        raise


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.supervisor_served",
                                     description="time supervisor filter changes through gunicorn on a store")
    parser.add_argument("url", help="SQLAlchemy URL of a seeded store (an admin account is added, then removed)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--now", default=None, help="ISO time the date filters count from (default: now)")
    args = parser.parse_args()
    engine = make_engine(args.url)
    now = datetime.fromisoformat(args.now) if args.now else datetime.now().astimezone()
    with tempfile.TemporaryDirectory(prefix="pantau-served-") as tmp:
        for r in measure(engine, args.url, engine.dialect.name, now, args.runs, Path(tmp)):
            print(f"| {r.name} | {r.backend} | {r.value} {r.unit} | {r.note} |")


if __name__ == "__main__":
    main()
