"""The SQLite engine's connection settings (the PostgreSQL engine has none of its own)."""

from __future__ import annotations

from dashboard.store.engine import SQLITE_BUSY_MS, SQLITE_CACHE_KIB, SQLITE_MMAP_BYTES, make_engine


def test_every_sqlite_connection_gets_wal_and_the_read_settings(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/sub/dir/p.db")  # the directory is created
    try:
        for _ in range(2):  # a second pooled connection too
            with engine.connect() as conn:
                read = {p: conn.exec_driver_sql(f"PRAGMA {p}").scalar()
                        for p in ("journal_mode", "busy_timeout", "synchronous", "foreign_keys",
                                  "mmap_size", "cache_size")}
                conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (x)")
        assert read == {"journal_mode": "wal", "busy_timeout": SQLITE_BUSY_MS, "synchronous": 1,
                        "foreign_keys": 1, "mmap_size": SQLITE_MMAP_BYTES, "cache_size": -SQLITE_CACHE_KIB}
    finally:
        engine.dispose()
