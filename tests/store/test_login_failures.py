"""Failed sign-ins counted in the store, on SQLite and PostgreSQL: the same sliding window
as the in-process ``FailureWindow`` (checked side by side), shared by two limiters on two
engines (two web processes), exact when attempts race (threads on their own engines), and
the table swept as failures age out."""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from dashboard.access.login_guard import FailureWindow, make_failure_limiter
from dashboard.store.engine import make_engine
from dashboard.store.login_failures import SWEEP_ROWS, StoreFailures
from dashboard.store.schema import login_failure

WINDOW = 900.0
T0 = 1_800_000_000.0  # seconds since the epoch


def rows(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(login_failure)).scalar_one()


def test_blocks_at_the_limit_until_the_oldest_failure_leaves_the_window(engine):
    store, memory = StoreFailures(engine, limit=3, window=WINDOW), FailureWindow(limit=3, window=WINDOW)
    keys = ("ip:10.0.0.1", "user:ani")
    for limiter in (store, memory):
        for t in (0, 100, 200):
            assert limiter.retry_after(keys, now=T0 + t) == 0.0
            limiter.record(keys, now=T0 + t)
    for t in (200, 500, 899.5, 900, 1000, 1100):
        assert store.retry_after(keys, now=T0 + t) == memory.retry_after(keys, now=T0 + t)
    assert store.retry_after(keys, now=T0 + 500) == 400.0
    assert store.retry_after(keys, now=T0 + 900) == 0.0  # the first failure left the window
    assert store.retry_after(["ip:10.0.0.2", "user:budi"], now=T0 + 500) == 0.0


def test_either_key_blocks_and_reset_clears_one_key(engine):
    limiter = StoreFailures(engine, limit=2, window=WINDOW)
    limiter.record(["ip:a", "user:ani"], now=T0)
    limiter.record(["ip:b", "user:ani"], now=T0 + 10)
    assert limiter.retry_after(["ip:c", "user:ani"], now=T0 + 20) == WINDOW - 20
    assert limiter.retry_after(["ip:a", "user:budi"], now=T0 + 20) == 0.0
    limiter.reset("user:ani")
    assert limiter.retry_after(["ip:c", "user:ani"], now=T0 + 20) == 0.0


def test_two_processes_share_the_count(db_url):
    """Two engines, as two gunicorn workers have: failures recorded by either count for both."""
    one, two = make_engine(db_url), make_engine(db_url)
    try:
        a, b = StoreFailures(one, limit=4, window=WINDOW), StoreFailures(two, limit=4, window=WINDOW)
        for i in range(4):
            (a if i % 2 else b).record(["ip:x", "user:ani"], now=T0 + i)
        assert a.retry_after(["ip:y", "user:ani"], now=T0 + 10) > 0
        assert b.retry_after(["ip:x", "user:other"], now=T0 + 10) > 0
    finally:
        one.dispose()
        two.dispose()


def test_attempt_counts_before_the_check_and_forgive_takes_it_back(engine):
    store, memory = StoreFailures(engine, limit=3, window=WINDOW), FailureWindow(limit=3, window=WINDOW)
    keys = ("ip:10.0.0.1", "user:ani")
    for limiter in (store, memory):
        assert [limiter.attempt(keys, now=T0 + t) for t in (0, 1, 2)] == [0.0] * 3
        assert limiter.attempt(keys, now=T0 + 3) == WINDOW - 3  # the 4th: refused, not counted
        limiter.forgive("ip:10.0.0.1")  # the 3rd attempt's password was right after all
        assert limiter.attempt(["ip:10.0.0.1", "user:budi"], now=T0 + 4) == 0.0
        assert limiter.attempt(["ip:10.0.0.1", "user:budi"], now=T0 + 5) == WINDOW - 5
        assert limiter.attempt(["ip:10.0.0.9", "user:ani"], now=T0 + 6) == WINDOW - 6
    assert rows(engine) == 3 + 3 + 1  # ip (3), ani (3), budi (1): refused attempts left none


def test_racing_attempts_let_exactly_the_limit_through(db_url):
    """40 attempts at once from 8 threads, each with its own engine (a process's pool):
    exactly 10 go ahead, as gunicorn's processes would see it."""
    engines = [make_engine(db_url) for _ in range(8)]
    local = threading.local()
    try:
        def attempt(i: int) -> float:
            if not hasattr(local, "limiter"):
                local.limiter = StoreFailures(engines[i % len(engines)], limit=10, window=WINDOW)
            return local.limiter.attempt(["ip:10.9.9.9", f"user:u{i}"])

        with ThreadPoolExecutor(8) as pool:
            waits = list(pool.map(attempt, range(40)))
        assert waits.count(0.0) == 10 and all(w >= 1 for w in waits if w != 0.0)
    finally:
        for e in engines:
            e.dispose()


def test_recording_sweeps_rows_that_left_the_window_a_bounded_number_at_a_time(engine):
    limiter = StoreFailures(engine, limit=10, window=WINDOW)
    for i in range(SWEEP_ROWS):  # 2 rows per failure, distinct keys never seen again
        limiter.record([f"ip:10.1.{i // 250}.{i % 250}", f"user:u{i}"], now=T0 + i)
    assert rows(engine) == 2 * SWEEP_ROWS
    limiter.record(["ip:z", "user:z"], now=T0 + WINDOW + SWEEP_ROWS)  # all earlier rows are old
    assert rows(engine) == SWEEP_ROWS + 2  # the oldest SWEEP_ROWS went
    limiter.record(["ip:z", "user:z"], now=T0 + WINDOW + SWEEP_ROWS + 1)
    assert rows(engine) == 4  # the rest went; the new ones stay
    limiter.attempt(["ip:z", "user:z"], now=T0 + 3 * WINDOW)
    assert rows(engine) == 2  # an attempt sweeps too


def test_the_store_is_the_limiter_without_redis(engine):
    assert isinstance(make_failure_limiter(5, 15, engine=engine), StoreFailures)
    assert not isinstance(make_failure_limiter(5, 15, redis=object(), engine=engine), StoreFailures)
