"""``/health`` and the wall's freshness poll over the real store: JSON that says what is
wrong, 503 when the store, the worker or the ingest is not well. Both backends through
Flask's test client; the outage on a PostgreSQL cluster of the test's own, stopped and
started under a served app (werkzeug on 127.0.0.1)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
import requests
from werkzeug.serving import make_server

from app import create_app
from dashboard.config import Settings
from dashboard.reference import load_reference
from dashboard.store import schema
from dashboard.store.engine import make_engine
from dashboard.store.heartbeat import WORKER_JOB, beat_end, beat_start
from dashboard.store.refdata import store_reference
from dashboard.store.writes import finish_run, start_run
from tests.conftest import NOW
from tests.pg_cluster import PgCluster
from tests.supervisor_server import callback_body

SECRET_ERROR = "connect to http://user:hunter2@feed.example/ failed: laporan rahasia 0812"


def ingest(engine, source: str, at: datetime, ok: bool = True) -> None:
    with engine.begin() as conn:
        run = start_run(conn, source, at - timedelta(seconds=2))
        finish_run(conn, run, at, {"n_seen": 1}, ok=ok, error=None if ok else SECRET_ERROR)


def beat(engine, at: datetime, job: str = WORKER_JOB, error: str | None = None) -> None:
    with engine.begin() as conn:
        beat_start(conn, job, "host:1", at)
        beat_end(conn, job, "host:1", at, error)


def health(settings, now=NOW):
    response = create_app(settings, clock=lambda: now).server.test_client().get("/health")
    assert response.mimetype == "application/json" and response.headers["Cache-Control"] == "no-store"
    return response.status_code, response.get_json()


def test_healthy_store_worker_and_ingest_answer_200(settings, engine):
    beat(engine, NOW - timedelta(seconds=10))
    beat(engine, NOW - timedelta(seconds=12), job="ingest:open311=https://u:pw@feed.example/?key=k1")
    ingest(engine, "simulator", NOW - timedelta(seconds=20))
    ingest(engine, "open311:feed.example/v2?api_key=k2", NOW - timedelta(seconds=25))
    status, body = health(settings)
    assert status == 200 and body["status"] == "ok" and body["problems"] == []
    assert body["store"] == {"ok": True}
    assert body["worker"]["ok"] and body["worker"]["age_seconds"] == 10
    assert {s["source"]: s["age_seconds"] for s in body["ingest"]["sources"]} == {
        "simulator": 20, "open311:feed.example/v2": 25}
    assert [j["job"] for j in body["worker"]["jobs"]] == ["ingest:open311"]
    assert "k1" not in str(body) and "k2" not in str(body) and "pw" not in str(body)


def test_stale_heartbeat_is_503_and_says_worker(settings, engine):
    beat(engine, NOW - timedelta(minutes=10), error=SECRET_ERROR)
    ingest(engine, "simulator", NOW - timedelta(seconds=20))
    status, body = health(settings)
    assert status == 503 and body["problems"] == ["worker"]
    assert body["worker"]["age_seconds"] == 600 and body["worker"]["max_age_seconds"] == settings.stale_seconds
    assert "hunter2" not in str(body) and "rahasia" not in str(body)


def test_no_worker_ever_is_503(settings, engine):
    ingest(engine, "simulator", NOW - timedelta(seconds=20))
    status, body = health(settings)
    assert status == 503 and body["problems"] == ["worker"] and body["worker"]["age_seconds"] is None


def test_old_ingest_of_one_source_is_503(settings, engine):
    beat(engine, NOW - timedelta(seconds=5))
    ingest(engine, "simulator", NOW - timedelta(seconds=20))
    ingest(engine, "files", NOW - timedelta(seconds=settings.stale_seconds + 30))
    ingest(engine, "files", NOW - timedelta(seconds=10), ok=False)  # failing since
    status, body = health(settings)
    assert status == 503 and body["problems"] == ["ingest"]
    assert [s["ok"] for s in body["ingest"]["sources"]] == [False, True]
    assert "hunter2" not in str(body)


def freshness(base: str, session: requests.Session | None = None, lang: str = "id") -> requests.Response:
    """The wall's freshness callback, as the browser asks it."""
    s = session or requests.Session()
    deps = s.get(f"{base}/_dash-dependencies", timeout=10).json()
    dep = next(d for d in deps if d["output"] == "wall-freshness.data")
    body = callback_body(dep, {"n_intervals": 7, "data": {"lang": lang}})
    return s.post(f"{base}/_dash-update-component", json=body, timeout=10)


@pytest.fixture
def cluster():
    c = PgCluster.create()
    yield c
    c.destroy()


@pytest.mark.postgres
def test_database_outage_503_and_the_wall_says_why_then_recovers(cluster, tmp_path):
    engine = make_engine(cluster.url)
    schema.create_all(engine)
    store_reference(engine, load_reference())
    now = datetime.now(timezone.utc)
    beat(engine, now)
    ingest(engine, "simulator", now)
    settings = Settings.from_env({}, data_dir=tmp_path, database_url=cluster.url)
    server = make_server("127.0.0.1", 0, create_app(settings).server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        assert requests.get(f"{base}/health", timeout=10).status_code == 200
        assert freshness(base).json()["response"]["wall-freshness"]["data"]["reason"] == ""
        cluster.stop()
        down = requests.get(f"{base}/health", timeout=10)
        assert down.status_code == 503 and down.json()["store"]["ok"] is False
        assert down.json()["problems"] == ["store"] and "127.0.0.1" not in down.text
        fresh = freshness(base)
        assert fresh.status_code == 200
        data = fresh.json()["response"]["wall-freshness"]["data"]
        assert data["reason"] == "basis data tidak terjangkau" and data["banner"].startswith("basis data")
        assert freshness(base, lang="en").json()["response"]["wall-freshness"]["data"]["reason"] == \
            "database unreachable"
        cluster.start()
        beat(engine, datetime.now(timezone.utc))
        assert requests.get(f"{base}/health", timeout=10).status_code == 200
        assert freshness(base).json()["response"]["wall-freshness"]["data"]["reason"] == ""
    finally:
        server.shutdown()
        server.server_close()
        engine.dispose()
