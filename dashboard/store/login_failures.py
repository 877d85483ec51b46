"""Failed sign-ins in the store (``login_failure``), shared by every web process.

:class:`StoreFailures` has the interface of ``dashboard.access.login_guard.FailureWindow``
(``retry_after``, ``record``, ``attempt``, ``forgive``, ``reset``) and the same rule: a key
is blocked while it has ``limit`` failures within ``window`` seconds, until the oldest of
its last ``limit`` failures leaves the window. ``dashboard.access.login_guard.make_failure_limiter``
uses it when there is no Redis. ``POST /login`` calls :meth:`StoreFailures.attempt`, which
counts the attempt and checks the limit in one serialized step (so parallel attempts in
several processes cannot all slip under it), and :meth:`StoreFailures.forgive` when the
password was right. Every statement is bounded: a check reads at most ``limit + 1`` index
entries of ``(key, at)`` per key; each write also deletes up to :data:`SWEEP_ROWS` of the
oldest rows that have left the window, so the table holds about one window's failures.

``now`` arguments are seconds since the epoch (``time.time()``): the processes sharing
the table share only the wall clock.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from sqlalchemy import Connection, Engine, delete, func, insert, select, text

from dashboard.store.schema import login_failure

SWEEP_ROWS = 100
MAX_KEY = 160  # login_failure.key's length


class StoreFailures:
    """At most ``limit`` failures per key within any ``window`` seconds, in the store."""

    def __init__(self, engine: Engine, limit: int, window: float) -> None:
        self.engine, self.limit, self.window = engine, limit, timedelta(seconds=window)

    def retry_after(self, keys: Iterable[str], now: float | None = None) -> float:
        """Seconds until every key may try again; 0.0 when none is blocked."""
        at = _when(now)
        with self.engine.connect() as conn:
            return max((self._wait(conn, key[:MAX_KEY], at) for key in keys), default=0.0)

    def record(self, keys: Iterable[str], now: float | None = None) -> None:
        at = _when(now)
        with self.engine.begin() as conn:
            self._add(conn, [key[:MAX_KEY] for key in keys], at)

    def attempt(self, keys: Iterable[str], now: float | None = None) -> float:
        """0.0 and the attempt counted as a failure on every key (until :meth:`forgive`),
        or the seconds to wait (then nothing is counted). One transaction that writes
        before it reads (SQLite's write lock; on PostgreSQL a table lock that reads do not
        wait for), so attempts racing in several processes are decided one at a time."""
        keys, at = [key[:MAX_KEY] for key in keys], _when(now)
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("LOCK TABLE login_failure IN SHARE ROW EXCLUSIVE MODE"))
            ids = self._add(conn, keys, at)
            if all(self._nth(conn, key, at, self.limit + 1) is None for key in keys):
                return 0.0
            conn.execute(delete(login_failure).where(login_failure.c.id.in_(ids)))  # refused: not a failure
            return max(max(self._wait(conn, key, at) for key in keys), 1.0)

    def forgive(self, key: str) -> None:
        """Take back the key's latest failure (that attempt succeeded)."""
        latest = select(func.max(login_failure.c.id)).where(login_failure.c.key == key[:MAX_KEY])
        with self.engine.begin() as conn:
            conn.execute(delete(login_failure).where(login_failure.c.id == latest.scalar_subquery()))

    def reset(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(login_failure).where(login_failure.c.key == key[:MAX_KEY]))

    def _wait(self, conn: Connection, key: str, at: datetime) -> float:
        oldest = self._nth(conn, key, at, self.limit)  # the oldest of the key's last `limit`
        return 0.0 if oldest is None else max(0.0, (oldest + self.window - at).total_seconds())

    def _nth(self, conn: Connection, key: str, at: datetime, n: int) -> datetime | None:
        """Time of the key's n-th latest failure within the window (reads n index entries)."""
        return conn.execute(
            select(login_failure.c.at)
            .where(login_failure.c.key == key, login_failure.c.at > at - self.window)
            .order_by(login_failure.c.at.desc()).limit(1).offset(n - 1)).scalar()

    def _add(self, conn: Connection, keys: list[str], at: datetime) -> list[int]:
        """Insert one failure per key, then delete those of the oldest SWEEP_ROWS rows (by
        id) that have left the window; the new rows' ids."""
        ids = [conn.execute(insert(login_failure).values(key=key, at=at)).inserted_primary_key[0] for key in keys]
        oldest = select(login_failure.c.id).order_by(login_failure.c.id).limit(SWEEP_ROWS)
        conn.execute(delete(login_failure).where(login_failure.c.id.in_(oldest.scalar_subquery()),
                                                 login_failure.c.at <= at - self.window))
        return ids


def _when(now: float | None) -> datetime:
    return datetime.fromtimestamp(time.time() if now is None else now, timezone.utc)
