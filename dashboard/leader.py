"""The worker's leader lock: exactly one worker process runs jobs against a store.

* PostgreSQL: ``pg_try_advisory_lock`` on a dedicated connection held for the worker's
  life. The server releases it when that connection ends, so a killed worker frees it at
  once. The connection's ``application_name`` names the holder (``host:pid``).
* SQLite: a lease row ``lease(name='worker')`` with ``holder = host:pid`` and an
  ``expires_at`` the holder renews every ``ttl/3``; another process takes over only when
  the lease has expired (so after a SIGKILL, within ``ttl``).
"""

from __future__ import annotations

import logging
import os
import socket
import zlib
from datetime import datetime, timedelta, timezone

from sqlalchemy import Connection, Engine, delete, select, text, update
from sqlalchemy.dialects import sqlite

from dashboard.store.schema import lease

log = logging.getLogger(__name__)

LEASE_NAME = "worker"
#: advisory lock key: stable, derived from a name so it reads as what it is
ADVISORY_KEY = zlib.crc32(b"pantau-worker-leader")
APP_NAME_PREFIX = "pantau-worker "


def identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _now() -> datetime:
    return datetime.now(timezone.utc)


class PgLeader:
    """Session advisory lock on a connection kept open (autocommit) until :meth:`release`."""

    def __init__(self, engine: Engine, me: str | None = None) -> None:
        self.engine, self.me = engine, me or identity()
        self.conn: Connection | None = None

    def acquire(self) -> bool:
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        if conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar():
            conn.execute(text("SELECT set_config('application_name', :n, false)"),
                         {"n": (APP_NAME_PREFIX + self.me)[:63]})
            self.conn = conn
            return True
        conn.close()
        return False

    def renew(self) -> bool:
        """True while the lock's connection is alive (the lock lives as long as it does)."""
        if self.conn is None:
            return False
        try:
            return self.conn.execute(text("SELECT 1")).scalar() == 1
        except Exception as exc:  # noqa: BLE001 - any failure means the lock is gone
            log.error("leader connection lost: %s", exc)
            return False

    def holder(self) -> str | None:
        with self.engine.connect() as conn:
            name = conn.execute(text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND l.classid::bigint = 0 AND l.objid::bigint = :k LIMIT 1"), {"k": ADVISORY_KEY}).scalar()
        return None if name is None else name.removeprefix(APP_NAME_PREFIX)

    def release(self) -> None:
        if self.conn is not None:
            try:
                self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
            finally:
                self.conn.close()
                self.conn = None


class LeaseLeader:
    """A renewable lease row; taken over only once expired."""

    def __init__(self, engine: Engine, ttl: float, me: str | None = None) -> None:
        self.engine, self.ttl, self.me = engine, timedelta(seconds=ttl), me or identity()

    def acquire(self) -> bool:
        now = _now()
        with self.engine.begin() as conn:
            conn.execute(sqlite.insert(lease).values(name=LEASE_NAME, holder=self.me, expires_at=now + self.ttl)
                         .on_conflict_do_nothing(index_elements=["name"]))
            taken = conn.execute(update(lease).where(
                lease.c.name == LEASE_NAME, (lease.c.holder == self.me) | (lease.c.expires_at < now))
                .values(holder=self.me, expires_at=now + self.ttl)).rowcount
        return taken == 1

    def renew(self) -> bool:
        with self.engine.begin() as conn:
            return conn.execute(update(lease).where(lease.c.name == LEASE_NAME, lease.c.holder == self.me)
                                .values(expires_at=_now() + self.ttl)).rowcount == 1

    def holder(self) -> str | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(lease.c.holder, lease.c.expires_at).where(lease.c.name == LEASE_NAME)).first()
        return row.holder if row is not None and row.expires_at >= _now() else None

    def release(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(lease).where(lease.c.name == LEASE_NAME, lease.c.holder == self.me))


def make_leader(engine: Engine, ttl: float) -> PgLeader | LeaseLeader:
    """The lock for the engine's backend (``ttl`` only matters for the SQLite lease)."""
    return PgLeader(engine) if engine.dialect.name == "postgresql" else LeaseLeader(engine, ttl)
