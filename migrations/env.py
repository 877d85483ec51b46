"""Alembic environment: the target metadata is ``dashboard.store.schema.metadata``.

URL precedence: ``-x url=...`` > ``sqlalchemy.url`` set on the Config (programmatic use,
:func:`dashboard.store.migrate.upgrade`) > ``Settings.from_env().resolved_database_url``.
SQLite runs in batch mode so ALTERs work there too.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from dashboard.store.engine import make_engine
from dashboard.store.migrate import compare_type, render_item
from dashboard.store.schema import metadata

config = context.config
target_metadata = metadata


def database_url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from dashboard.config import Settings

    return Settings.from_env().resolved_database_url


def configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=render_item,
        compare_type=compare_type,
    )


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True,
                      render_item=render_item, render_as_batch=database_url().startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # a caller passed its own connection (tests)
        configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(database_url())
    try:
        with engine.connect() as conn:
            configure(conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
