"""Accounts (and ``pantau user``) and the export audit trail, on SQLite and PostgreSQL."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from dashboard import cli
from dashboard.access.auth import Role, Scope, ScopeKind
from dashboard.store.schema import app_user
from dashboard.store.sessions import session_user, start_session
from dashboard.store.users import (
    UserError, add_user, authenticate, get_user, list_exports, list_users, record_export, remove_user,
    set_disabled, set_password,
)

AT = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)


def test_add_list_remove(engine):
    admin = add_user(engine, "Ani", "rahasia-123", "admin")
    sup = add_user(engine, "budi", "rahasia-456", "supervisor", scope="kota:31.71")
    assert admin.username == "ani" and admin.role is Role.ADMIN
    assert sup.scope == Scope(ScopeKind.KOTA, "31.71")
    assert [u.username for u in list_users(engine)] == ["ani", "budi"]
    assert get_user(engine, sup.id) == sup
    assert remove_user(engine, "budi") is True
    assert remove_user(engine, "budi") is False
    assert get_user(engine, sup.id) is None


def test_password_is_hashed_and_checked(engine):
    add_user(engine, "ani", "rahasia-123", "supervisor")
    with engine.connect() as conn:
        stored = conn.execute(select(app_user.c.password_hash)).scalar_one()
    assert "rahasia-123" not in stored
    assert authenticate(engine, "ani", "rahasia-123").username == "ani"
    assert authenticate(engine, "ANI ", "rahasia-123") is not None
    assert authenticate(engine, "ani", "salah-sekali") is None
    assert authenticate(engine, "nobody", "rahasia-123") is None


@pytest.mark.parametrize("args, message", [
    (("x", "rahasia-123", "admin"), "username"),
    (("ani", "short", "admin"), "password"),
    (("ani", "rahasia-123", "root"), "role"),
    (("ani", "rahasia-123", "supervisor", "kota:99.99"), "no such kota"),
    (("ani", "rahasia-123", "supervisor", "agency:nope"), "no such agency"),
    (("ani", "rahasia-123", "supervisor", "planet:mars"), "kind"),
    (("ani", "rahasia-123", "admin", "kota:31.71"), "only supervisors"),
])
def test_bad_accounts_are_refused(engine, args, message):
    with pytest.raises(UserError, match=message):
        add_user(engine, *args)
    assert list_users(engine) == []


def test_duplicate_username_is_refused(engine):
    add_user(engine, "ani", "rahasia-123", "admin")
    with pytest.raises(UserError, match="exists"):
        add_user(engine, "ANI", "rahasia-456", "visitor")


def test_agency_scope_and_disabled_accounts(engine):
    user = add_user(engine, "tj-sup", "rahasia-123", "supervisor", scope="agency:tj")
    assert user.scope == Scope(ScopeKind.AGENCY, "tj") and user.can_supervise
    with engine.begin() as conn:
        conn.execute(app_user.update().values(disabled=True))
    assert authenticate(engine, "tj-sup", "rahasia-123") is None
    assert get_user(engine, user.id).can_supervise is False


def test_roles_decide_what_an_account_may_do(engine):
    admin = add_user(engine, "ani", "rahasia-123", "admin")
    sup = add_user(engine, "budi", "rahasia-123", "supervisor", scope="kota:31.71")
    visitor = add_user(engine, "cici", "rahasia-123", "visitor")
    assert admin.can_supervise and admin.sees_identity and admin.effective_scope is None
    assert sup.can_supervise and not sup.sees_identity and sup.effective_scope.code == "31.71"
    assert not visitor.can_supervise and not visitor.sees_identity


def test_get_user_with_garbage_id(engine):
    assert get_user(engine, "1; DROP TABLE app_user") is None
    assert get_user(engine, None) is None


def test_export_audit(engine):
    record_export(engine, "ani", AT, {"status": ["menunggu"]}, 12)
    record_export(engine, "budi", AT.replace(hour=4), {}, 0)
    rows = list_exports(engine)
    assert [(r["username"], r["row_count"]) for r in rows] == [("budi", 0), ("ani", 12)]
    assert rows[1]["filters"] == {"status": ["menunggu"]}
    assert rows[1]["at"] == AT


def test_cli_entry_points_take_a_tuple_scope(engine):
    """``pantau user`` calls dashboard.store.users.add_user/remove_user/list_users with a tuple scope."""
    user = add_user(engine, "dina", "rahasia-123", "supervisor", scope=("agency", "tj"))
    assert user.scope == Scope(ScopeKind.AGENCY, "tj")
    assert [u.username for u in list_users(engine)] == ["dina"]
    assert remove_user(engine, "dina") is True and list_users(engine) == []


def test_password_change_and_disabling(engine):
    add_user(engine, "ani", "rahasia-123", "supervisor")
    with pytest.raises(UserError, match="password"):
        set_password(engine, "ani", "short")
    assert set_password(engine, "Ani", "baru-rahasia-9") is True
    assert authenticate(engine, "ani", "rahasia-123") is None
    assert authenticate(engine, "ani", "baru-rahasia-9").username == "ani"
    assert set_disabled(engine, "ani") is True and authenticate(engine, "ani", "baru-rahasia-9") is None
    assert set_disabled(engine, "ani", disabled=False) is True
    assert authenticate(engine, "ani", "baru-rahasia-9") is not None
    assert set_password(engine, "nobody", "baru-rahasia-9") is False and set_disabled(engine, "nobody") is False


@pytest.mark.parametrize("argv, out", [
    (["password", "ani", "--password", "baru-rahasia-9"], "new password for ani"),
    (["disable", "ani"], "disabled ani"),
    (["remove", "ani"], "removed ani"),
])
def test_pantau_user_changes_end_sessions(engine, db_url, tmp_path, monkeypatch, capsys, argv, out):
    """``pantau user password|disable|remove NAME`` through the real command line."""
    ani = add_user(engine, "ani", "rahasia-123", "supervisor")
    sid = start_session(engine, ani.id, 8)
    monkeypatch.setenv("PANTAU_DATABASE_URL", db_url)
    monkeypatch.setenv("PANTAU_DATA_DIR", str(tmp_path))
    assert cli.main(["user", *argv]) == 0
    assert out in capsys.readouterr().out
    assert session_user(engine, sid) is None
    assert cli.main(["user", argv[0], "nobody", *argv[2:]]) == 1
    assert "no user 'nobody'" in capsys.readouterr().err


def test_pantau_user_password_asks_twice_when_not_given(engine, db_url, tmp_path, monkeypatch, capsys):
    add_user(engine, "ani", "rahasia-123", "supervisor")
    monkeypatch.setenv("PANTAU_DATABASE_URL", db_url)
    monkeypatch.setenv("PANTAU_DATA_DIR", str(tmp_path))
    answers = iter(["baru-rahasia-9", "lain-rahasia-9"])
    monkeypatch.setattr(cli, "getpass", lambda prompt: next(answers))
    assert cli.main(["user", "password", "ani"]) == 1 and "differ" in capsys.readouterr().err
    answers = iter(["baru-rahasia-9", "baru-rahasia-9"])
    assert cli.main(["user", "password", "ani"]) == 0
    assert authenticate(engine, "ani", "baru-rahasia-9") is not None
