"""Alembic: upgrade a fresh store twice (idempotent) on both backends, then check the
migrated schema matches ``schema.metadata`` exactly (what ``alembic check`` does).

When this fails after a schema.py change, add a revision (see dashboard/store/migrate.py).
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from dashboard.store import schema
from dashboard.store.engine import make_engine
from dashboard.store.migrate import current_revision, schema_diff, upgrade
from tests.conftest import BACKENDS, PG_ADMIN_URL


@pytest.fixture
def fresh_sqlite(tmp_path):
    return f"sqlite:///{tmp_path / 'migrated.db'}"


@pytest.fixture
def fresh_pg():
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"pantau_mig_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=[pytest.param(b, marks=pytest.mark.postgres) if b == "postgres" else b
                        for b in BACKENDS])
def fresh_url(request):
    return request.getfixturevalue("fresh_sqlite" if request.param == "sqlite" else "fresh_pg")


def test_upgrade_twice_then_schema_matches_metadata(fresh_url):
    upgrade(fresh_url)
    upgrade(fresh_url)  # idempotent: already at head
    engine = make_engine(fresh_url)
    try:
        assert current_revision(engine) is not None
        tables = set(inspect(engine).get_table_names())
        assert set(schema.metadata.tables) <= tables
        assert schema_diff(engine) == []
        if engine.dialect.name == "sqlite":  # a table option autogenerate does not compare
            with engine.connect() as conn:
                ddl = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'tally_day'")).scalar_one()
            assert ddl.rstrip().endswith("WITHOUT ROWID")
    finally:
        engine.dispose()


def test_diff_detects_a_missing_index(fresh_sqlite):
    """The comparison can fail: drop an index the metadata declares."""
    upgrade(fresh_sqlite)
    engine = make_engine(fresh_sqlite)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP INDEX ix_report_change_seq"))
        diff = schema_diff(engine)
        assert [d[0] for d in diff] == ["add_index"]
    finally:
        engine.dispose()
