"""Named monotonic counters. ``changes`` is the store's change cursor: every write batch
that changes reports bumps it once and stamps the rows it touched with the new value,
so a view can ask "anything since N?" with one indexed read."""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from dashboard.store import dialect
from dashboard.store.schema import counter

CHANGES = "changes"


def bump(conn: Connection, name: str = CHANGES) -> int:
    """Increment counter ``name`` inside the caller's transaction; return the new value.
    On PostgreSQL the row lock serializes concurrent writers until they commit."""
    conn.execute(dialect.insert(conn, counter).values(name=name, value=0)
                 .on_conflict_do_nothing(index_elements=["name"]))
    return conn.execute(
        update(counter).where(counter.c.name == name).values(value=counter.c.value + 1)
        .returning(counter.c.value)
    ).scalar_one()


def current(conn: Connection, name: str = CHANGES) -> int:
    """The counter's value, 0 if it was never bumped."""
    return conn.execute(select(counter.c.value).where(counter.c.name == name)).scalar() or 0
