"""Per-client rate limits for the public callbacks and the Open311 API.

Two limiters with one method, ``allow(key, now) -> bool``:

- :class:`TokenBucket` (default): in-process buckets holding up to ``per_minute``
  tokens, refilled at ``per_minute / 60`` per second. **Per process**: with gunicorn
  ``-w N`` a client gets up to N times the limit, and a restart forgets every bucket.
- :class:`RedisWindow` (when ``settings.redis_url`` is set): one counter per key and
  wall-clock minute in Redis (``INCR`` + ``EXPIRE``), shared by every worker process.
  A fixed window lets a client send up to 2x the limit across a minute boundary. If
  Redis fails the request is allowed (availability over strictness).

The key is chosen by the caller (``callbacks/open311.py``: route group + client IP).
"""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol

MAX_KEYS = 10_000  # buckets kept in memory before idle ones are dropped


class Limiter(Protocol):
    def allow(self, key: str, now: float | None = None) -> bool: ...


class TokenBucket:
    def __init__(self, per_minute: int, max_keys: int = MAX_KEYS) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        """Take one token from ``key``'s bucket; False when it is empty."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, at = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - at) * self.rate)
            allowed = tokens >= 1.0
            self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
            if len(self._buckets) > self.max_keys:
                self._forget_full(now)
            return allowed

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled completely (they hold no information)."""
        full = [k for k, (t, at) in self._buckets.items()
                if t + (now - at) * self.rate >= self.capacity]
        for key in full:
            del self._buckets[key]


class RedisWindow:
    def __init__(self, redis: Any, per_minute: int, prefix: str = "pantau:rl:") -> None:
        self.redis = redis
        self.per_minute = per_minute
        self.prefix = prefix

    def allow(self, key: str, now: float | None = None) -> bool:
        """Count this request in ``key``'s current minute; False past the limit."""
        minute = int((time.time() if now is None else now) // 60)
        name = f"{self.prefix}{key}:{minute}"
        try:
            pipe = self.redis.pipeline()
            pipe.incr(name)
            pipe.expire(name, 120)
            count = pipe.execute()[0]
        except Exception:  # noqa: BLE001 - a Redis outage must not take the site down
            return True
        return int(count) <= self.per_minute


class Unlimited:
    def allow(self, key: str, now: float | None = None) -> bool:
        return True


def make_limiter(per_minute: int, redis: Any = None) -> Limiter:
    """The limiter for a setting: none for 0, Redis when given, else in-process."""
    if per_minute <= 0:
        return Unlimited()
    return RedisWindow(redis, per_minute) if redis is not None else TokenBucket(per_minute)
