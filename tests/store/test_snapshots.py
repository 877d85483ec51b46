"""Snapshots on both backends, with and without the real Redis on 127.0.0.1:6379."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import redis as redis_lib

from dashboard.store import snapshots
from dashboard.store.snapshots import read_snapshot, save_snapshot, snapshot_version
from tests.conftest import NOW

PAYLOAD = {"kpi": {"open": 12, "done": 3}, "ticker": [{"id": 1, "text": "<b>banjir</b>"}], "at": NOW}


@pytest.fixture
def redis():
    """A real Redis client with a per-test key prefix; the test's keys are deleted after."""
    client = redis_lib.Redis(host="127.0.0.1", port=6379, socket_timeout=2)
    client.ping()
    prefix = f"pantau-test:{uuid.uuid4().hex}:"
    yield client, prefix
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_missing_snapshot_is_none(engine):
    assert snapshot_version(engine, "wall") is None
    assert read_snapshot(engine, "wall") is None


def test_save_then_read_and_replace(engine):
    save_snapshot(engine, "wall", PAYLOAD, 5, NOW)
    payload, version, computed_at = read_snapshot(engine, "wall")
    assert payload["ticker"][0]["text"] == "<b>banjir</b>" and payload["at"] == "2026-11-27T03:00:00+00:00"
    assert (version, computed_at) == (5, NOW)
    save_snapshot(engine, "wall", {"kpi": None}, 6, NOW + timedelta(seconds=30))
    assert snapshot_version(engine, "wall") == 6
    assert read_snapshot(engine, "wall") == ({"kpi": None}, 6, NOW + timedelta(seconds=30))
    assert snapshot_version(engine, "other") is None


def test_redis_mirror_is_read_first(engine, redis):
    client, prefix = redis
    save_snapshot(engine, "wall", PAYLOAD, 7, NOW, redis=client, prefix=prefix)
    key = snapshots.redis_key("wall", prefix)
    assert int(client.hget(key, "version")) == 7
    client.hset(key, "version", 8)  # Redis answers first: a changed mirror shows
    assert snapshot_version(engine, "wall", redis=client, prefix=prefix) == 8
    assert snapshot_version(engine, "wall") == 7
    payload, version, computed_at = read_snapshot(engine, "wall", redis=client, prefix=prefix)
    assert (payload["kpi"], version, computed_at) == ({"open": 12, "done": 3}, 8, NOW)


def test_redis_miss_falls_back_to_store(engine, redis):
    client, prefix = redis
    save_snapshot(engine, "wall", PAYLOAD, 9, NOW)  # saved without Redis
    assert snapshot_version(engine, "wall", redis=client, prefix=prefix) == 9
    assert read_snapshot(engine, "wall", redis=client, prefix=prefix)[1] == 9


def test_unreachable_redis_degrades_to_store(engine):
    dead = snapshots.redis_client("redis://127.0.0.1:1/0")  # nothing listens on port 1
    save_snapshot(engine, "wall", PAYLOAD, 3, NOW, redis=dead)
    assert snapshot_version(engine, "wall", redis=dead) == 3
    assert read_snapshot(engine, "wall", redis=dead)[1] == 3


def test_redis_client_from_settings_url():
    assert snapshots.redis_client("") is None
    client = snapshots.redis_client("redis://127.0.0.1:6379/0")
    assert client.ping()


def test_cache_reads_each_version_once(engine):
    from sqlalchemy import delete

    from dashboard.store.schema import snapshot

    cache = snapshots.SnapshotCache()
    save_snapshot(engine, "wall", {"n": 1}, 1, NOW)
    assert cache.read(engine, "wall", 1)[0] == {"n": 1}
    with engine.begin() as conn:  # the row is gone: only the cache can answer version 1
        conn.execute(delete(snapshot))
    assert cache.read(engine, "wall", 1)[0] == {"n": 1}
    save_snapshot(engine, "wall", {"n": 2}, 2, NOW + timedelta(seconds=5))
    assert cache.read(engine, "wall", 2)[:2] == ({"n": 2}, 2)  # a new version is read
