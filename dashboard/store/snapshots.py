"""Precomputed view payloads: the worker saves one per widget, every web process reads it.

The ``snapshot`` table is the source of truth; when a Redis client is given, the same
snapshot is mirrored to a Redis hash ``<prefix>snapshot:<widget_id>`` (fields payload,
version, computed_at) and reads try Redis first, falling back to the table when the key
is missing or Redis is unreachable. Payloads are JSON, encoded with orjson.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import orjson
from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry
from sqlalchemy import Engine, select

from dashboard.store import dialect
from dashboard.store.schema import snapshot

log = logging.getLogger(__name__)

KEY_PREFIX = "pantau:"
_REDIS_ERRORS = (RedisError, OSError)


def redis_key(widget_id: str, prefix: str = KEY_PREFIX) -> str:
    return f"{prefix}snapshot:{widget_id}"


def redis_client(url: str) -> Redis | None:
    """A Redis client for ``settings.redis_url``, or ``None`` when it is empty. It fails
    fast (no retries, 0.5 s timeouts) so a Redis outage costs a poll little."""
    if not url:
        return None
    return Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5,
                                retry=Retry(NoBackoff(), 0), retry_on_error=[])


def encode(payload: Any) -> bytes:
    """JSON bytes; orjson handles datetimes (ISO 8601), dataclasses and numpy scalars."""
    return orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)


def save_snapshot(engine: Engine, widget_id: str, payload: Any, version: int, computed_at: datetime,
                  redis: Redis | None = None, prefix: str = KEY_PREFIX) -> None:
    """Insert or replace the snapshot of ``widget_id``; mirror it to Redis if given."""
    body = encode(payload)
    values = dict(widget_id=widget_id, payload=body.decode(), version=int(version), computed_at=computed_at)
    stmt = dialect.insert(engine, snapshot).values(**values)
    stmt = stmt.on_conflict_do_update(index_elements=["widget_id"], set_={
        "payload": stmt.excluded.payload, "version": stmt.excluded.version,
        "computed_at": stmt.excluded.computed_at})
    with engine.begin() as conn:
        conn.execute(stmt)
    if redis is not None:
        _mirror(redis, redis_key(widget_id, prefix), body, int(version), computed_at)


def _mirror(redis: Redis, key: str, body: bytes, version: int, computed_at: datetime) -> None:
    try:
        redis.hset(key, mapping={"payload": body, "version": version, "computed_at": computed_at.isoformat()})
    except _REDIS_ERRORS as exc:
        log.warning("snapshot %s not mirrored to Redis: %s", key, exc)


def _redis_get(redis: Redis, key: str, *fields: str) -> list | None:
    try:
        values = redis.hmget(key, list(fields))
    except _REDIS_ERRORS as exc:
        log.warning("Redis read of %s failed, using the store: %s", key, exc)
        return None
    return None if any(v is None for v in values) else values


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def snapshot_version(engine: Engine, widget_id: str, redis: Redis | None = None,
                     prefix: str = KEY_PREFIX) -> int | None:
    """The version of the saved snapshot, ``None`` if there is none: one primary-key read
    (or one Redis HGET)."""
    if redis is not None:
        found = _redis_get(redis, redis_key(widget_id, prefix), "version")
        if found is not None:
            return int(found[0])
    with engine.connect() as conn:
        return conn.execute(select(snapshot.c.version).where(snapshot.c.widget_id == widget_id)).scalar()


def read_snapshot(engine: Engine, widget_id: str, redis: Redis | None = None,
                  prefix: str = KEY_PREFIX) -> tuple[Any, int, datetime] | None:
    """``(payload, version, computed_at)`` of ``widget_id``, or ``None``."""
    if redis is not None:
        found = _redis_get(redis, redis_key(widget_id, prefix), "payload", "version", "computed_at")
        if found is not None:
            payload, version, computed_at = found
            return orjson.loads(payload), int(version), datetime.fromisoformat(_text(computed_at))
    with engine.connect() as conn:
        row = conn.execute(select(snapshot.c.payload, snapshot.c.version, snapshot.c.computed_at)
                           .where(snapshot.c.widget_id == widget_id)).first()
    return None if row is None else (orjson.loads(row.payload), int(row.version), row.computed_at)


class SnapshotCache:
    """The last snapshot read per widget in this web process.

    A version's payload never changes, so a cached entry is valid exactly while the store
    says that version is current. The version check still goes to the store (or Redis)
    on every poll; the payload is read once per change per process, however many walls
    that process serves (Smashing keeps the last event per id the same way).
    """

    def __init__(self) -> None:
        self._last: dict[str, tuple[Any, int, datetime]] = {}

    def read(self, engine: Engine, widget_id: str, version: int, redis: Redis | None = None,
             prefix: str = KEY_PREFIX) -> tuple[Any, int, datetime] | None:
        """``read_snapshot`` unless ``version`` is the one already held."""
        held = self._last.get(widget_id)
        if held is not None and held[1] == version:
            return held
        found = read_snapshot(engine, widget_id, redis, prefix)
        if found is not None:
            self._last[widget_id] = found
        return found
