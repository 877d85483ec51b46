"""Failed sign-ins counted in the store, on SQLite and PostgreSQL: the same sliding window
as the in-process ``FailureWindow`` (checked side by side), shared by two limiters on two
engines (two web processes), and the table swept as failures age out."""

from sqlalchemy import func, select

from dashboard.login_guard import FailureWindow, make_failure_limiter
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


def test_recording_sweeps_rows_that_left_the_window_a_bounded_number_at_a_time(engine):
    limiter = StoreFailures(engine, limit=10, window=WINDOW)
    for i in range(SWEEP_ROWS):  # 2 rows per failure, distinct keys never seen again
        limiter.record([f"ip:10.1.{i // 250}.{i % 250}", f"user:u{i}"], now=T0 + i)
    assert rows(engine) == 2 * SWEEP_ROWS
    limiter.record(["ip:z", "user:z"], now=T0 + WINDOW + SWEEP_ROWS)  # all earlier rows are old
    assert rows(engine) == SWEEP_ROWS + 2  # the oldest SWEEP_ROWS went
    limiter.record(["ip:z", "user:z"], now=T0 + WINDOW + SWEEP_ROWS + 1)
    assert rows(engine) == 4  # the rest went; the new ones stay


def test_the_store_is_the_limiter_without_redis(engine):
    assert isinstance(make_failure_limiter(5, 15, engine=engine), StoreFailures)
    assert not isinstance(make_failure_limiter(5, 15, redis=object(), engine=engine), StoreFailures)
