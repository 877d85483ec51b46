"""Failed sign-ins in the store (``login_failure``), shared by every web process.

:class:`StoreFailures` has the interface of ``dashboard.login_guard.FailureWindow``
(``retry_after``, ``record``, ``reset``) and the same rule: a key is blocked while it has
``limit`` failures within ``window`` seconds, until the oldest of its last ``limit``
failures leaves the window. ``dashboard.login_guard.make_failure_limiter`` uses it when
there is no Redis. Every statement is bounded: the check reads at most ``limit`` index
entries of ``(key, at)`` per key; each failure recorded also deletes up to
:data:`SWEEP_ROWS` of the oldest rows that have left the window, so the table holds about
one window's failures.

``now`` arguments are seconds since the epoch (``time.time()``): the processes sharing
the table share only the wall clock.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, delete, insert, select

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
        waits = [0.0]
        with self.engine.connect() as conn:
            for key in keys:
                oldest = conn.execute(
                    select(login_failure.c.at)
                    .where(login_failure.c.key == key[:MAX_KEY], login_failure.c.at > at - self.window)
                    .order_by(login_failure.c.at.desc()).limit(1).offset(self.limit - 1)).scalar()
                if oldest is not None:  # the key has `limit` failures in the window
                    waits.append((oldest + self.window - at).total_seconds())
        return max(waits)

    def record(self, keys: Iterable[str], now: float | None = None) -> None:
        at = _when(now)
        rows = [{"key": key[:MAX_KEY], "at": at} for key in keys]
        oldest = select(login_failure.c.id).order_by(login_failure.c.id).limit(SWEEP_ROWS)
        with self.engine.begin() as conn:
            if rows:
                conn.execute(insert(login_failure), rows)
            conn.execute(delete(login_failure).where(login_failure.c.id.in_(oldest.scalar_subquery()),
                                                     login_failure.c.at <= at - self.window))

    def reset(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(login_failure).where(login_failure.c.key == key[:MAX_KEY]))


def _when(now: float | None) -> datetime:
    return datetime.fromtimestamp(time.time() if now is None else now, timezone.utc)
