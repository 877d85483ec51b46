"""The worker's leader lock: exactly one worker process runs jobs against a store.

* PostgreSQL: ``pg_try_advisory_lock`` on a dedicated connection held for the worker's
  life. The server releases it when that connection ends, so a killed worker frees it at
  once. The connection's ``application_name`` names the holder (``host:pid``); it is set
  before the lock is tried, so a holder's name and its lock are seen together.
* SQLite: a lease row ``lease(name='worker')`` with ``holder = host:pid`` and an
  ``expires_at`` the holder renews every ``ttl/3``; another process takes over only when
  the lease has expired (so after a SIGKILL, within ``ttl``).

Both take ``steal_from``: a standby that saw the leader's heartbeat go stale takes the
lock from that holder only (PostgreSQL: ``pg_terminate_backend`` on the backend holding the
lock under that name; SQLite: the lease row is taken while it still names that holder), so
a leader that took over a moment ago is never the one removed.

:meth:`renew` says ``True`` (held), ``False`` (another process has it: lost) or ``None``
(the store cannot be reached: unknown; the PostgreSQL leader re-acquires on a new
connection once the store answers). :meth:`release` never raises.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import zlib
from datetime import datetime, timedelta, timezone

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from dashboard.store import leader_lock

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
    """Session advisory lock on a connection kept open (autocommit) until :meth:`release`.
    The connection is used from the scheduler's threads, so every use holds a lock."""

    def __init__(self, engine: Engine, me: str | None = None) -> None:
        self.engine, self.me = engine, me or identity()
        self.conn: Connection | None = None  # None while the lock is not (or no longer) held
        self._leading = False  # acquired and not released: a lost connection is re-established
        self._guard = threading.Lock()

    def acquire(self, steal_from: str | None = None) -> bool:
        with self._guard:
            self._leading = self._acquire(steal_from)
            return self._leading

    def _acquire(self, steal_from: str | None) -> bool:
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            leader_lock.name_session(conn, APP_NAME_PREFIX + self.me)
            if steal_from is not None:
                n = leader_lock.terminate_holders(conn, ADVISORY_KEY, APP_NAME_PREFIX + steal_from)
                log.warning("taking the worker lock from %s (stale heartbeat): %s backend(s) ended", steal_from, n)
            if leader_lock.try_advisory_lock(conn, ADVISORY_KEY):
                self.conn = conn
                return True
        except BaseException:
            conn.close()
            raise
        conn.close()
        return False

    def renew(self) -> bool | None:
        """True while the lock's connection is alive (the lock lives as long as it does).
        A dead connection is replaced: the lock is taken again on a new one (True), is now
        another's (False), or the store does not answer yet (None)."""
        with self._guard:
            if not self._leading:
                return False
            if self._ping():
                return True
            try:
                self._leading = self._acquire(None)
            except SQLAlchemyError as exc:
                log.warning("store not reachable, the worker lock is not re-established yet: %s", exc)
                return None
            log.log(logging.INFO if self._leading else logging.ERROR, "worker lock %s on a new connection",
                    "re-established" if self._leading else "is now held by another process")
            return self._leading

    def still_held(self) -> bool:
        """A cheap check before a job runs: the lock's connection answers."""
        with self._guard:
            return self._ping()

    def _ping(self) -> bool:
        if self.conn is None:
            return False
        try:
            return leader_lock.answers(self.conn)
        except SQLAlchemyError as exc:
            log.error("leader connection lost: %s", exc)
            self._drop()
            return False

    def holder(self) -> str | None:
        with self.engine.connect() as conn:
            name = leader_lock.advisory_holder(conn, ADVISORY_KEY)
        return None if name is None else name.removeprefix(APP_NAME_PREFIX)

    def release(self) -> None:
        """Unlock and close the connection; a failure (a dead connection) is only logged:
        the server drops the lock with the connection anyway."""
        with self._guard:
            self._leading = False
            if self.conn is None:
                return
            try:
                leader_lock.advisory_unlock(self.conn, ADVISORY_KEY)
            except SQLAlchemyError as exc:
                log.warning("could not unlock the worker lock (the connection is gone): %s", exc)
            self._drop()

    def _drop(self) -> None:
        try:
            self.conn.invalidate()  # never back to the pool: its session held the lock
            self.conn.close()
        except SQLAlchemyError as exc:  # pragma: no cover - closing a dead connection
            log.warning("closing the lock connection: %s", exc)
        self.conn = None


class LeaseLeader:
    """A renewable lease row; taken over only once expired (or from a named stale holder)."""

    def __init__(self, engine: Engine, ttl: float, me: str | None = None) -> None:
        self.engine, self.ttl, self.me = engine, timedelta(seconds=ttl), me or identity()

    def acquire(self, steal_from: str | None = None) -> bool:
        now = _now()
        with self.engine.begin() as conn:
            return leader_lock.take_lease(conn, LEASE_NAME, self.me, now, now + self.ttl, steal_from)

    def renew(self) -> bool | None:
        """True renewed, False the lease is another's, None the store did not answer."""
        try:
            with self.engine.begin() as conn:
                return leader_lock.renew_lease(conn, LEASE_NAME, self.me, _now() + self.ttl)
        except SQLAlchemyError as exc:
            log.warning("could not renew the worker lease: %s", exc)
            return None

    def still_held(self) -> bool:
        try:
            with self.engine.connect() as conn:
                row = leader_lock.lease_row(conn, LEASE_NAME)
                return row is not None and row.holder == self.me
        except SQLAlchemyError:
            return False

    def holder(self) -> str | None:
        with self.engine.connect() as conn:
            row = leader_lock.lease_row(conn, LEASE_NAME)
        return row.holder if row is not None and row.expires_at >= _now() else None

    def release(self) -> None:
        try:
            with self.engine.begin() as conn:
                leader_lock.drop_lease(conn, LEASE_NAME, self.me)
        except SQLAlchemyError as exc:
            log.warning("could not release the worker lease (it expires by itself): %s", exc)


def make_leader(engine: Engine, ttl: float) -> PgLeader | LeaseLeader:
    """The lock for the engine's backend (``ttl`` only matters for the SQLite lease)."""
    return PgLeader(engine) if engine.dialect.name == "postgresql" else LeaseLeader(engine, ttl)
