"""The store's two backends in one place: ``insert(bind, table)`` is the dialect's own
INSERT (PostgreSQL or SQLite), the one that has ``on_conflict_do_update`` /
``on_conflict_do_nothing`` for upserts."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert(bind: Connection | Engine, table: Table) -> postgresql.Insert | sqlite.Insert:
    return (postgresql if bind.dialect.name == "postgresql" else sqlite).insert(table)
