"""Failed sign-in limits and CSRF tokens (dashboard.access.login_guard), without Flask."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest

from dashboard.access.login_guard import (
    FailureWindow,
    NoLimit,
    RedisFailures,
    csrf_token,
    csrf_valid,
    failure_keys,
    make_failure_limiter,
    new_csrf_token,
)

WINDOW = 15 * 60.0


def test_blocked_after_limit_failures_until_the_oldest_leaves_the_window():
    w = FailureWindow(limit=3, window=WINDOW)
    for t in (0.0, 10.0, 20.0):
        assert w.retry_after(["ip:a"], now=t) == 0.0
        w.record(["ip:a"], now=t)
    assert w.retry_after(["ip:a"], now=30.0) == pytest.approx(WINDOW - 30.0)
    assert w.retry_after(["ip:a"], now=WINDOW - 0.5) == pytest.approx(0.5)
    assert w.retry_after(["ip:a"], now=WINDOW) == 0.0  # the failure at 0 s has left the window
    w.record(["ip:a"], now=WINDOW)  # ... but three are within the window again (10, 20, 900)
    assert w.retry_after(["ip:a"], now=WINDOW + 1) == pytest.approx(10.0 + WINDOW - (WINDOW + 1))


def test_keys_are_independent_and_the_longest_wait_wins():
    w = FailureWindow(limit=2, window=WINDOW)
    w.record(["ip:a", "user:sup"], now=0.0)
    w.record(["ip:a", "user:sup"], now=100.0)
    assert w.retry_after(["ip:b", "user:admin"], now=101.0) == 0.0  # someone else, elsewhere
    assert w.retry_after(["ip:b", "user:sup"], now=101.0) > 0  # the username is blocked
    assert w.retry_after(["ip:a", "user:admin"], now=101.0) > 0  # so is the IP
    w.reset("user:sup")
    assert w.retry_after(["ip:b", "user:sup"], now=101.0) == 0.0


def test_memory_is_bounded():
    w = FailureWindow(limit=2, window=WINDOW, max_keys=100)
    for i in range(1000):
        w.record([f"user:spray{i}"], now=float(i))
    assert len(w._times) <= 100
    w.record(["user:late"], now=10_000.0)
    assert w.retry_after(["user:late"], now=10_000.0) == 0.0 and len(w._times) <= 100


def test_failure_keys_normalize_the_username():
    assert failure_keys("10.0.0.1", "  Budi ") == ("ip:10.0.0.1", "user:budi")
    assert failure_keys(None, None) == ("ip:-", "user:")
    assert len(failure_keys("1.2.3.4", "x" * 10_000)[1]) == len("user:") + 64


def test_zero_disables_and_redis_is_used_when_given():
    assert isinstance(make_failure_limiter(0, 15), NoLimit)
    assert isinstance(make_failure_limiter(5, 15), FailureWindow)
    assert isinstance(make_failure_limiter(5, 15, redis=object()), RedisFailures)


class BrokenRedis:
    def pipeline(self):
        raise ConnectionError("redis is down")

    def delete(self, *keys):
        raise ConnectionError("redis is down")


def test_redis_outage_falls_back_to_the_in_process_window():
    limiter = RedisFailures(BrokenRedis(), limit=2, window=WINDOW)
    limiter.record(["ip:a"], now=0.0)
    limiter.record(["ip:a"], now=1.0)
    assert limiter.retry_after(["ip:a"], now=2.0) > 0  # still limited, per process
    limiter.reset("ip:a")
    assert limiter.retry_after(["ip:a"], now=2.0) == 0.0


def test_redis_outage_attempts_fall_back_too():
    limiter = RedisFailures(BrokenRedis(), limit=2, window=WINDOW)
    assert limiter.attempt(["ip:a"], now=0.0) == 0.0 and limiter.attempt(["ip:a"], now=1.0) == 0.0
    assert limiter.attempt(["ip:a"], now=2.0) > 0
    limiter.forgive("ip:a")
    assert limiter.attempt(["ip:a"], now=3.0) == 0.0


@pytest.fixture
def redis():
    client = pytest.importorskip("redis").Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        client.ping()
    except Exception:  # noqa: BLE001 - whatever keeps Redis from answering means: skip
        pytest.skip("no Redis on 127.0.0.1:6379")
    return client


def test_redis_attempts_are_exact_when_they_race(redis):
    key = f"ip:race-{datetime.now().timestamp()}"
    limiters = [RedisFailures(redis, 10, WINDOW) for _ in range(4)]  # four processes
    with ThreadPoolExecutor(8) as pool:
        waits = list(pool.map(lambda i: limiters[i % 4].attempt([key]), range(40)))
    assert waits.count(0.0) == 10 and int(redis.get("pantau:login:" + key)) == 10
    limiters[0].forgive(key)
    assert int(redis.get("pantau:login:" + key)) == 9
    limiters[1].reset(key)
    limiters[2].forgive(key)  # nothing to forgive: no key is created (it would never expire)
    assert redis.get("pantau:login:" + key) is None


def test_redis_failures_are_shared_between_processes(redis):
    key = f"ip:test-{datetime.now().timestamp()}"
    one, two = RedisFailures(redis, 2, WINDOW), RedisFailures(redis, 2, WINDOW)
    one.record([key])
    assert two.retry_after([key]) == 0.0
    two.record([key])
    wait = one.retry_after([key])
    assert 0 < wait <= WINDOW  # the TTL of the key: its first failure + 15 min
    one.reset(key)
    assert two.retry_after([key]) == 0.0


def test_csrf_token_is_per_session_and_compared_exactly():
    session: dict = {}
    assert not csrf_valid(session, "anything")  # no token issued: nothing matches
    token = csrf_token(session)
    assert len(token) >= 40 and csrf_token(session) == token  # stable within the session
    assert csrf_valid(session, token)
    for wrong in (None, "", token[:-1], token + "x", token.upper() if token != token.upper() else "x", 123):
        assert not csrf_valid(session, wrong)
    assert csrf_token({}) != token  # another session, another token
    fresh = new_csrf_token(session)
    assert fresh != token and csrf_valid(session, fresh) and not csrf_valid(session, token)


@pytest.mark.parametrize("env", [{"PANTAU_LOGIN_WINDOW_MINUTES": "0"}, {"PANTAU_LOGIN_MAX_FAILURES": "-1"}])
def test_settings_are_validated(env):
    from dashboard.config import Settings
    with pytest.raises(ValueError):
        Settings.from_env(env)
    assert Settings.from_env({}).login_max_failures == 10 and Settings.from_env({}).login_window_minutes == 15
