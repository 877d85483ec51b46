"""Run the Alembic migrations programmatically (``pantau db upgrade``).

Regenerating the initial revision after a schema.py change (see migrations/README):
``.venv/bin/alembic -x url=sqlite:////tmp/empty.db revision --autogenerate -m "..."``
against an empty store, then review the file by hand.
"""

from __future__ import annotations

import logging

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Engine
from sqlalchemy.types import TypeEngine

from dashboard.config import ROOT
from dashboard.store.schema import UTCDateTime, metadata

ALEMBIC_INI = ROOT / "alembic.ini"


def render_item(type_: str, obj: object, autogen_context: AutogenContext) -> str | bool:
    """Autogenerate hook: the store's UTCDateTime is written as ``sa.DateTime()``."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def compare_type(context: MigrationContext, inspected_column: Column, metadata_column: Column,
                 inspected_type: TypeEngine, metadata_type: TypeEngine) -> bool | None:
    """Compare UTCDateTime columns by what is on disk (a plain DateTime)."""
    if isinstance(metadata_type, UTCDateTime):
        return not isinstance(inspected_type, type(metadata_type.impl))
    return None  # Alembic's default comparison


def schema_diff(engine: Engine) -> list:
    """Differences between the store at ``engine`` and ``schema.metadata`` (empty = in sync),
    as ``alembic check`` sees them."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": compare_type, "target_metadata": metadata})
        return compare_metadata(ctx, metadata)


def alembic_config(url: str) -> Config:
    """The project's Alembic config pointed at ``url`` (the ini's logging is not applied)."""
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Create or migrate the store at ``url`` to ``revision``; a no-op when already there."""
    quiet = logging.getLogger("alembic.runtime.plugins")  # a line per plugin at INFO
    if quiet.level == logging.NOTSET:
        quiet.setLevel(logging.WARNING)
    command.upgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the store is at, ``None`` for a store Alembic never touched."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """The latest revision this checkout's migrations know (what ``pantau db upgrade``
    migrates to)."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
