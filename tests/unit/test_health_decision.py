"""``dashboard.processes.health.assess``: ok or not, and why, from facts alone (no store, no server)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from dashboard.config import Settings
from dashboard.processes.health import INGEST, STORE, WORKER, Facts, assess, public_name, worker_deadline

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)
SETTINGS = Settings.from_env({}, ingest_seconds=30)  # stale after 90 s


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def facts(worker_age: float | None = 10, data_age: float | None = 20, **sources: float | None) -> Facts:
    beats = [] if worker_age is None else [{"job": "worker", "updated_at": ago(worker_age)}]
    last_ok = None if data_age is None else ago(data_age)
    return Facts(heartbeats=beats, last_ok=last_ok,
                 sources={k: None if v is None else ago(v) for k, v in sources.items()})


def test_all_fresh_is_ok():
    health = assess(facts(simulator=20), NOW, SETTINGS)
    assert health.ok and health.reason is None and health.body["problems"] == []
    assert health.data_as_of == ago(20) and health.body["ingest"]["sources"][0]["age_seconds"] == 20


def test_store_error_is_the_first_reason_and_names_only_the_class():
    health = assess(Facts(store_error="OperationalError"), NOW, SETTINGS)
    assert not health.ok and health.reason == (STORE, None)
    assert health.body["store"] == {"ok": False, "error": "OperationalError"} and health.body["problems"] == [STORE]


def test_worker_threshold_is_the_stale_age_but_at_least_three_missed_renewals():
    assert worker_deadline(SETTINGS) == 90
    assert worker_deadline(Settings.from_env({}, ingest_seconds=5)) == 60
    assert assess(facts(worker_age=90), NOW, SETTINGS).ok
    late = assess(facts(worker_age=91), NOW, SETTINGS)
    assert not late.ok and late.reason == (WORKER, ago(91)) and late.body["problems"] == [WORKER]
    never = assess(facts(worker_age=None), NOW, SETTINGS)
    assert never.reason == (WORKER, None) and never.body["worker"]["age_seconds"] is None


def test_old_or_missing_ingest_is_bad_but_not_a_wall_reason():
    """The wall judges the data's age itself (it keeps counting between polls)."""
    for health in (assess(facts(data_age=91), NOW, SETTINGS), assess(facts(data_age=None), NOW, SETTINGS),
                   assess(facts(simulator=20, files=None), NOW, SETTINGS),
                   assess(facts(simulator=20, files=200), NOW, SETTINGS)):
        assert not health.ok and health.body["problems"] == [INGEST] and health.reason is None


def test_names_lose_what_may_be_secret():
    assert public_name("open311:feed.example/v2?api_key=k") == "open311:feed.example/v2"
    assert public_name("ingest:open311=https://u:pw@feed.example/") == "ingest:open311"
    body = assess(Facts(heartbeats=[{"job": "worker", "updated_at": ago(5)},
                                    {"job": "ingest:files", "updated_at": ago(5), "last_error": "secret 0812",
                                     "last_error_at": ago(5), "failures": 3}], last_ok=ago(5)), NOW, SETTINGS).body
    assert body["worker"]["jobs"] == [{"job": "ingest:files", "last_start_age_seconds": None,
                                       "last_success_age_seconds": None, "last_error_age_seconds": 5.0,
                                       "failures": 3}]
    assert "secret" not in str(body)
