"""The SQL of the worker's leader lock (:mod:`dashboard.processes.leader` holds the state).

* PostgreSQL: a session advisory lock whose holder is named by the connection's
  ``application_name``.
* SQLite: one lease row per name with a holder and an expiry.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Row, delete, select, text, update

from dashboard.store import dialect
from dashboard.store.schema import lease

#: the backends holding advisory lock ``:k`` in this database, joined to their sessions
_HOLDERS = ("FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND l.classid::bigint = 0 AND l.objid::bigint = :k")


def name_session(conn: Connection, name: str) -> None:
    """Set the session's ``application_name`` (PostgreSQL truncates it to 63 bytes)."""
    conn.execute(text("SELECT set_config('application_name', :n, false)"), {"n": name[:63]})


def terminate_holders(conn: Connection, key: int, name: str) -> int:
    """End the backends holding advisory lock ``key`` under session name ``name``."""
    return conn.execute(text(f"SELECT count(pg_terminate_backend(l.pid)) {_HOLDERS} "
                             "AND a.application_name = :n"), {"k": key, "n": name[:63]}).scalar()


def try_advisory_lock(conn: Connection, key: int) -> bool:
    return bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())


def advisory_unlock(conn: Connection, key: int) -> None:
    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})


def advisory_holder(conn: Connection, key: int) -> str | None:
    """The session name of a backend holding advisory lock ``key``, or None."""
    return conn.execute(text(f"SELECT a.application_name {_HOLDERS} LIMIT 1"), {"k": key}).scalar()


def answers(conn: Connection) -> bool:
    """The connection answers ``SELECT 1`` (raises when it is dead)."""
    return conn.execute(text("SELECT 1")).scalar() == 1


def take_lease(conn: Connection, name: str, me: str, now: datetime, expires_at: datetime,
               steal_from: str | None = None) -> bool:
    """Create lease ``name`` if missing, then take it when it is ``me``'s, expired, or
    (``steal_from``) held by that holder; True when ``me`` holds it now."""
    takeable = (lease.c.holder == me) | (lease.c.expires_at < now)
    if steal_from is not None:
        takeable |= lease.c.holder == steal_from
    conn.execute(dialect.insert(conn, lease).values(name=name, holder=me, expires_at=expires_at)
                 .on_conflict_do_nothing(index_elements=["name"]))
    return conn.execute(update(lease).where(lease.c.name == name, takeable)
                        .values(holder=me, expires_at=expires_at)).rowcount == 1


def renew_lease(conn: Connection, name: str, me: str, expires_at: datetime) -> bool:
    """Push ``me``'s lease to ``expires_at``; False when the lease is not ``me``'s."""
    return conn.execute(update(lease).where(lease.c.name == name, lease.c.holder == me)
                        .values(expires_at=expires_at)).rowcount == 1


def lease_row(conn: Connection, name: str) -> Row | None:
    """The lease's ``holder`` and ``expires_at``, or None when there is no lease row."""
    return conn.execute(select(lease.c.holder, lease.c.expires_at).where(lease.c.name == name)).first()


def drop_lease(conn: Connection, name: str, me: str) -> None:
    conn.execute(delete(lease).where(lease.c.name == name, lease.c.holder == me))
