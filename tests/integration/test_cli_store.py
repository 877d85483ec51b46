"""Every command finds its store: a missing, unmigrated, outdated or unreachable store is one
line on stderr naming the URL and where it came from, exit code 2, no traceback, and no
file left behind. Real processes (``python -m dashboard.cli``) where a traceback or a
stray file would show; real stores on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dashboard import cli
from dashboard.store.migrate import head_revision, upgrade
from dashboard.store.presence import BEHIND, MISSING, OK, UNMIGRATED, UNREACHABLE, check_store
from tests.conftest import PG_ADMIN_URL

ROOT = Path(__file__).resolve().parents[2]
#: every command that reads or writes the store (the worker's own check is in its tests)
STORE_COMMANDS = [
    ["user", "list"], ["user", "add", "admin", "--password", "rahasia-123", "--role", "admin"],
    ["user", "disable", "ani"], ["user", "password", "ani", "--password", "rahasia-456"],
    ["quarantine", "list"], ["quarantine", "show", "1"], ["ingest", "--once", "files", "."],
    ["seed", "--reports", "10", "--quiet"], ["load-reference"], ["status"], ["status", "--json"],
]


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    full.update(env, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "dashboard.cli", *args], env=full, cwd=cwd, capture_output=True,
                          text=True, timeout=60)


def files_under(path: Path) -> list[Path]:
    return sorted(p.relative_to(path) for p in path.rglob("*"))


def test_missing_sqlite_store_is_one_line_and_no_file(tmp_path):
    """The issue's case: a command run without the demo's PANTAU_DATA_DIR."""
    data = tmp_path / "var"
    before = files_under(tmp_path)
    for args in (["user", "add", "admin", "--password", "rahasia-123", "--role", "admin"], ["user", "list"],
                 ["worker", "--once"], ["serve"], ["status"]):
        done = run(args, {"PANTAU_DATA_DIR": str(data)}, tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr and done.stderr.count("\n") <= 1 + (args == ["status"])
        expected = f"no Pantau store at sqlite:///{data}/pantau.db (from PANTAU_DATA_DIR={data})"
        assert expected in done.stderr + done.stdout, done.stderr
    assert files_under(tmp_path) == before  # not even var/


def test_default_data_dir_is_named_when_nothing_is_set(tmp_path):
    done = run(["user", "list"], {"PANTAU_DATA_DIR": str(tmp_path / "var")}, tmp_path)
    assert "PANTAU_DATA_DIR=" in done.stderr
    done = run(["user", "list"], {"PANTAU_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}, tmp_path)
    assert done.stderr.strip() == (f"pantau user list: no Pantau store at sqlite:///{tmp_path}/x.db "
                                   "(from PANTAU_DATABASE_URL); run `pantau db upgrade`")


@pytest.mark.parametrize("args", STORE_COMMANDS, ids=" ".join)
def test_every_store_command_refuses_a_missing_store(args, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PANTAU_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("PANTAU_DATABASE_URL", raising=False)
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "no Pantau store at sqlite:///" in err and "run `pantau db upgrade`" in err
    assert not (tmp_path / "var").exists()


def test_an_empty_sqlite_file_is_no_store(tmp_path, monkeypatch, capsys):
    """The stray empty var/pantau.db the old commands left behind."""
    (tmp_path / "pantau.db").touch()
    monkeypatch.setenv("PANTAU_DATABASE_URL", f"sqlite:///{tmp_path}/pantau.db")
    assert cli.main(["user", "list"]) == 2
    assert "no Pantau store at" in capsys.readouterr().err
    assert check_store(f"sqlite:///{tmp_path}/pantau.db").state == MISSING


def test_a_partly_migrated_and_an_outdated_store(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path}/pantau.db"
    upgrade(url, "0003")  # before worker_heartbeat, web_session, login_failure
    check = check_store(url)
    assert (check.state, check.revision, check.head) == (UNMIGRATED, "0003", head_revision())
    assert "worker_heartbeat" in check.missing_tables
    monkeypatch.setenv("PANTAU_DATABASE_URL", url)
    assert cli.main(["quarantine", "list"]) == 2
    assert "is not migrated (no table login_failure, web_session, worker_heartbeat); run `pantau db upgrade`" \
        in capsys.readouterr().err
    assert cli.main(["db", "upgrade"]) == 0 and check_store(url).state == OK
    engine = create_engine(url)
    with engine.begin() as conn:  # every table, but an older record: a migration that only changed indexes
        conn.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    engine.dispose()
    assert check_store(url).state == BEHIND
    assert cli.main(["user", "list"]) == 2
    assert f"has schema 0003, this Pantau needs {head_revision()}; run `pantau db upgrade`" in capsys.readouterr().err


def test_db_upgrade_creates_the_store_then_commands_work(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PANTAU_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("PANTAU_DATABASE_URL", raising=False)
    assert cli.main(["db", "upgrade"]) == 0
    assert cli.main(["user", "list"]) == 0
    assert "no users yet" in capsys.readouterr().out


def test_a_migrated_store_is_ok_on_both_backends(db_url):
    """The test stores are made by schema.create_all: no Alembic record, every table."""
    check = check_store(db_url)
    assert check.ok and check.revision is None and check.head == head_revision()


def test_unreachable_postgres_is_one_line(tmp_path):
    url = "postgresql+psycopg://pantau:geheim@127.0.0.1:1/pantau"
    for args in (["user", "list"], ["db", "upgrade"], ["quarantine", "list", "--json"]):
        done = run(args, {"PANTAU_DATABASE_URL": url}, tmp_path)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        line, = done.stderr.strip().splitlines()
        assert "postgresql+psycopg://pantau:***@127.0.0.1:1/pantau (from PANTAU_DATABASE_URL)" in line
        assert "geheim" not in line and "OperationalError" in line
    assert check_store(url).state == UNREACHABLE


@pytest.mark.postgres
def test_unmigrated_postgres_is_one_line_and_stays_empty(tmp_path):
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"pantau_empty_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        done = run(["user", "add", "admin", "--password", "rahasia-123", "--role", "admin"],
                   {"PANTAU_DATABASE_URL": url}, tmp_path)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert f"no Pantau store at {make_url(url).render_as_string(hide_password=True)}" in done.stderr
        engine = create_engine(url)
        with engine.connect() as conn:
            tables = conn.execute(text("SELECT count(*) FROM information_schema.tables "
                                       "WHERE table_schema = 'public'")).scalar()
        engine.dispose()
        assert tables == 0
        done = run(["db", "upgrade"], {"PANTAU_DATABASE_URL": url}, tmp_path)
        assert done.returncode == 0, done.stderr
        assert run(["user", "list"], {"PANTAU_DATABASE_URL": url}, tmp_path).returncode == 0
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
