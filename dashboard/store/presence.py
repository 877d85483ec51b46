"""Is there a Pantau store at a URL, and is it migrated? Asked by every command before it
touches the store (``dashboard.cli``), and by ``pantau status`` and ``pantau doctor``.

:func:`check_store` never creates anything: opening a SQLite URL creates the file, so a
SQLite store whose file is absent is :data:`MISSING` without a connection being made; a
PostgreSQL store is probed with the health probe's connect and statement timeouts
(:func:`dashboard.store.health.probe_engine`). A store counts as migrated when every table
of ``schema.metadata`` exists and, if Alembic recorded a revision, it is the latest one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from dashboard.store.engine import make_engine
from dashboard.store.health import probe_engine
from dashboard.store.migrate import head_revision
from dashboard.store.schema import metadata

OK, MISSING, UNMIGRATED, BEHIND, UNREACHABLE = "ok", "missing", "unmigrated", "behind", "unreachable"
ERROR_CHARS = 200


@dataclass(frozen=True)
class StoreCheck:
    """What :func:`check_store` found. ``url`` has its password hidden; ``revision`` is
    Alembic's record (None: none, e.g. a store made by ``schema.create_all``); ``error``
    the first line of the driver's error of an unreachable store."""

    url: str
    state: str
    revision: str | None = None
    head: str | None = None
    missing_tables: tuple[str, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.state == OK


def safe_url(url: str) -> str:
    """``url`` with its password masked."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for another backend or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def error_line(exc: BaseException) -> str:
    """The first line of a store error, the driver's own when there is one."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return f"{type(orig).__name__}: {text[0] if text else ''}"[:ERROR_CHARS]


def _revision(conn: Connection) -> str | None:
    """Alembic's recorded revision, read directly (Alembic's own reader logs a line per call)."""
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def check_store(url: str) -> StoreCheck:
    """Look at the store at ``url`` without creating it (see the module docstring)."""
    shown, path = safe_url(url), sqlite_file(url)
    if path is not None and not path.is_file():
        return StoreCheck(shown, MISSING)
    engine = probe_engine(make_engine(url))
    try:
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            revision = _revision(conn) if "alembic_version" in names else None
    except SQLAlchemyError as exc:
        return StoreCheck(shown, UNREACHABLE, error=error_line(exc))
    finally:
        engine.dispose()
    head = head_revision()
    missing = tuple(sorted(name for name in metadata.tables if name not in names))
    if missing:
        return StoreCheck(shown, MISSING if not names else UNMIGRATED, revision, head, missing)
    if revision is not None and revision != head:
        return StoreCheck(shown, BEHIND, revision, head)
    return StoreCheck(shown, OK, revision, head)
