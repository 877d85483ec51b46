"""Shared fixtures. Store tests run on both backends: ``engine`` is parametrized over a
fresh SQLite file and a throwaway PostgreSQL database created for the session.

``PANTAU_TEST_PG_URL`` points at a PostgreSQL server (default: this machine's,
127.0.0.1:5432, trust auth); a test database ``pantau_test_<pid>`` is created there and
dropped at the end. Set ``PANTAU_TEST_BACKENDS=sqlite`` to run SQLite only.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dashboard.config import Settings
from dashboard.reference import load_reference
from dashboard.store import schema
from dashboard.store.engine import make_engine
from dashboard.store.refdata import store_reference

PG_ADMIN_URL = os.environ.get("PANTAU_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = os.environ.get("PANTAU_TEST_BACKENDS", "sqlite,postgres").split(",")
NOW = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)  # 10:00 WIB


@pytest.fixture(scope="session")
def reference():
    return load_reference()


@pytest.fixture(scope="session")
def pg_url():
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"pantau_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    schema.create_all(engine)
    store_reference(engine, load_reference())
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


_DATA_TABLES = [t for t in reversed(schema.metadata.sorted_tables)
                if t.name not in {"kota", "kecamatan", "kelurahan", "category", "agency", "flood_gate"}]


@pytest.fixture(params=[pytest.param(b, marks=pytest.mark.postgres) if b == "postgres" else b
                        for b in BACKENDS])
def db_url(request, tmp_path):
    """URL of an empty store with reference data loaded, on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'pantau.db'}"
        engine = make_engine(url)
        schema.create_all(engine)
        store_reference(engine, request.getfixturevalue("reference"))
        engine.dispose()
        return url
    url = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    with engine.begin() as conn:
        names = ", ".join(t.name for t in _DATA_TABLES)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(tmp_path, db_url):
    return Settings.from_env({}, data_dir=tmp_path, database_url=db_url)
