"""Sign-in hardening (no Flask): failed sign-in limits and the login form's CSRF token.

**Failed sign-ins.** :class:`FailureWindow` counts failures per key (``callbacks.auth``
uses one key per client IP and one per username) and says how long a key stays blocked:
at most ``limit`` failures within ``window`` seconds, a sliding window over the last
``limit`` failure times. It is per process, for tests and tools; the web server shares
its counts between processes (:func:`make_failure_limiter`): :class:`RedisFailures` (when
``settings.redis_url`` is set) keeps one counter per key that lives ``window`` seconds from
its first failure, and falls back to the in-process window if Redis fails; without Redis,
``dashboard.store.login_failures.StoreFailures`` keeps the same sliding window in the
store. ``dashboard.access.ratelimit`` does not fit here: its buckets spend a token on every
request and cannot say "blocked for N more seconds" without one.

**CSRF.** :func:`csrf_token` keeps one random token per session (any mutable mapping:
Flask's ``session``); :func:`csrf_valid` compares a submitted token in constant time.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable, MutableMapping
from typing import Any, Protocol

from sqlalchemy import Engine

from dashboard.store.login_failures import StoreFailures

MAX_KEYS = 10_000  # keys kept in memory before expired (then oldest) ones are dropped
CSRF_KEY = "_csrf"


class FailureLimiter(Protocol):
    """``attempt`` is what ``POST /login`` calls: it counts the attempt as a failure
    *before* the (slow) password check, in one step with the check of the limit, so
    parallel attempts cannot all slip under it; ``forgive`` takes it back when the password
    was right. ``retry_after`` and ``record`` are the two halves, for tests and tools."""

    def retry_after(self, keys: Iterable[str], now: float | None = None) -> float: ...
    def record(self, keys: Iterable[str], now: float | None = None) -> None: ...
    def attempt(self, keys: Iterable[str], now: float | None = None) -> float: ...
    def forgive(self, key: str) -> None: ...
    def reset(self, key: str) -> None: ...


class FailureWindow:
    """At most ``limit`` failures per key within any ``window`` seconds (in-process)."""

    def __init__(self, limit: int, window: float, max_keys: int = MAX_KEYS) -> None:
        self.limit, self.window, self.max_keys = limit, float(window), max_keys
        self._times: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, keys: Iterable[str], now: float | None = None) -> float:
        """Seconds until every key may try again; 0.0 when none is blocked."""
        now = time.monotonic() if now is None else now
        with self._lock:
            waits = [self._wait(self._times.get(k), now) for k in keys]
        return max(waits, default=0.0)

    def _wait(self, times: deque[float] | None, now: float) -> float:
        if not times or len(times) < self.limit:
            return 0.0
        return max(0.0, times[0] + self.window - now)  # the oldest of the last `limit` failures

    def record(self, keys: Iterable[str], now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._add(keys, now)

    def attempt(self, keys: Iterable[str], now: float | None = None) -> float:
        """0.0 and the attempt counted on every key as a failure (until :meth:`forgive`),
        or the seconds to wait when a key is blocked (then nothing is counted)."""
        now = time.monotonic() if now is None else now
        keys = list(keys)
        with self._lock:
            wait = max((self._wait(self._times.get(k), now) for k in keys), default=0.0)
            if wait == 0.0:
                self._add(keys, now)
        return wait

    def _add(self, keys: Iterable[str], now: float) -> None:
        for key in keys:
            self._times.setdefault(key, deque(maxlen=self.limit)).append(now)
        if len(self._times) > self.max_keys:
            self._forget(now)

    def forgive(self, key: str) -> None:
        """Take back the key's latest counted failure (that attempt succeeded)."""
        with self._lock:
            times = self._times.get(key)
            if times:
                times.pop()

    def reset(self, key: str) -> None:
        with self._lock:
            self._times.pop(key, None)

    def _forget(self, now: float) -> None:
        """Drop keys whose last failure left the window; then the longest idle ones."""
        for key in [k for k, t in self._times.items() if t[-1] + self.window <= now]:
            del self._times[key]
        excess = len(self._times) - self.max_keys
        if excess > 0:
            for key in sorted(self._times, key=lambda k: self._times[k][-1])[:excess]:
                del self._times[key]


#: Decrement a counter that exists and is positive (never create one without a TTL).
_FORGIVE = "local n = tonumber(redis.call('GET', KEYS[1]) or '0') if n > 0 then redis.call('DECR', KEYS[1]) end"


class RedisFailures:
    """Failure counts shared by every web process: ``INCR`` on a key that expires
    ``window`` seconds after its first failure (a fixed window per key). ``INCR`` returns
    the new count atomically, so :meth:`attempt` is exact under any concurrency."""

    def __init__(self, redis: Any, limit: int, window: float, prefix: str = "pantau:login:") -> None:
        self.redis, self.limit, self.window, self.prefix = redis, limit, int(window), prefix
        self.fallback = FailureWindow(limit, window)

    def retry_after(self, keys: Iterable[str], now: float | None = None) -> float:
        keys = list(keys)
        try:
            pipe = self.redis.pipeline()
            for key in keys:
                pipe.get(self.prefix + key)
                pipe.ttl(self.prefix + key)
            found = pipe.execute()
        except Exception:  # noqa: BLE001 - Redis down: still limited, per process
            return self.fallback.retry_after(keys, now)
        waits = [float(max(ttl, 1)) for count, ttl in zip(found[::2], found[1::2])
                 if count is not None and int(count) >= self.limit]
        return max(waits + [self.fallback.retry_after(keys, now)])

    def record(self, keys: Iterable[str], now: float | None = None) -> None:
        keys = list(keys)
        try:
            pipe = self.redis.pipeline()
            for key in keys:
                pipe.set(self.prefix + key, 0, ex=self.window, nx=True)
                pipe.incr(self.prefix + key)
            pipe.execute()
        except Exception:  # noqa: BLE001 - Redis down: the attempt is counted per process
            self.fallback.record(keys, now)

    def attempt(self, keys: Iterable[str], now: float | None = None) -> float:
        keys = list(keys)
        held = self.fallback.retry_after(keys, now)  # failures counted while Redis was down
        if held > 0:
            return held
        try:
            pipe = self.redis.pipeline()
            for key in keys:
                pipe.set(self.prefix + key, 0, ex=self.window, nx=True)
                pipe.incr(self.prefix + key)
                pipe.ttl(self.prefix + key)
            found = pipe.execute()
        except Exception:  # noqa: BLE001 - Redis down: still limited, per process
            return self.fallback.attempt(keys, now)
        waits = [float(max(ttl, 1)) for count, ttl in zip(found[1::3], found[2::3]) if int(count) > self.limit]
        if not waits:
            return 0.0
        with contextlib.suppress(Exception):  # a refused attempt is not a failure
            pipe = self.redis.pipeline()
            for key in keys:
                pipe.decr(self.prefix + key)
            pipe.execute()
        return max(waits)

    def forgive(self, key: str) -> None:
        try:
            self.redis.eval(_FORGIVE, 1, self.prefix + key)
        except Exception:  # noqa: BLE001 - Redis down: the attempt was counted here
            self.fallback.forgive(key)

    def reset(self, key: str) -> None:
        self.fallback.reset(key)
        with contextlib.suppress(Exception):  # the key expires by itself anyway
            self.redis.delete(self.prefix + key)


class NoLimit:
    def retry_after(self, keys: Iterable[str], now: float | None = None) -> float:
        return 0.0

    def record(self, keys: Iterable[str], now: float | None = None) -> None:
        return None

    def attempt(self, keys: Iterable[str], now: float | None = None) -> float:
        return 0.0

    def forgive(self, key: str) -> None:
        return None

    def reset(self, key: str) -> None:
        return None


def make_failure_limiter(limit: int, window_minutes: int, redis: Any = None, engine: Engine | None = None
                         ) -> FailureLimiter:
    """The limiter for the settings: none for ``limit`` 0, else Redis when given, else the
    store when given (both shared by every web process), else in-process."""
    if limit <= 0:
        return NoLimit()
    window = window_minutes * 60.0
    if redis is not None:
        return RedisFailures(redis, limit, window)
    return StoreFailures(engine, limit, window) if engine is not None else FailureWindow(limit, window)


def failure_keys(client_ip: str | None, username: str | None) -> tuple[str, str]:
    """The two counters a sign-in attempt touches: its client IP and its username."""
    name = (username or "").strip().lower()[:64]
    return f"ip:{client_ip or '-'}", f"user:{name}"


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The session's CSRF token, created on first use."""
    token = session.get(CSRF_KEY)
    if not isinstance(token, str) or not token:
        token = session[CSRF_KEY] = secrets.token_urlsafe(32)
    return token


def new_csrf_token(session: MutableMapping[str, Any]) -> str:
    """A fresh token (after sign-in, which starts a new session)."""
    session.pop(CSRF_KEY, None)
    return csrf_token(session)


def csrf_valid(session: MutableMapping[str, Any], submitted: object) -> bool:
    """True when ``submitted`` equals the session's token (constant-time compare)."""
    expected = session.get(CSRF_KEY)
    if not isinstance(expected, str) or not expected or not isinstance(submitted, str):
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())
