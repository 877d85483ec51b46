"""Dashboard accounts and the export audit trail in the store.

``add_user`` / ``remove_user`` / ``list_users`` / ``set_password`` / ``set_disabled`` back
``pantau user add|remove|list|password|disable|enable``. Scopes are checked against the
reference tables (a kota or agency that exists). Removing or disabling an account, or
changing its password, deletes its sign-in sessions (``web_session``) in the same
transaction, so every browser signed in as it is signed out at its next request.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.engine import Connection

from dashboard.access.auth import (
    Role,
    Scope,
    ScopeKind,
    User,
    check_password,
    hash_password,
    parse_role,
    parse_scope,
    validate_username,
)
from dashboard.store.schema import agency, app_user, export_audit, kota, web_session


class UserError(ValueError):
    """A user could not be added (bad name, role, scope, password, or duplicate)."""


def add_user(engine: Engine, username: str, password: str, role: str | Role,
             scope: str | Scope | tuple[str, str] | None = None, now: datetime | None = None) -> User:
    """Create an account; raises :class:`UserError` with a readable message. ``scope``:
    None (whole city), a :class:`Scope`, ``"kota:31.71"`` or ``("kota", "31.71")``."""
    try:
        name = validate_username(username)
        role = role if isinstance(role, Role) else parse_role(role)
        if isinstance(scope, tuple):
            scope = parse_scope(":".join(scope))
        scope = scope if isinstance(scope, Scope) or scope is None else parse_scope(scope)
        password_hash = hash_password(password)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if scope is not None and role is not Role.SUPERVISOR:
        raise UserError("only supervisors can be scoped")
    with engine.begin() as conn:
        _check_scope(conn, scope)
        if conn.execute(select(app_user.c.id).where(app_user.c.username == name)).first():
            raise UserError(f"user {name!r} already exists")
        new_id = conn.execute(insert(app_user).values(
            username=name, password_hash=password_hash, role=role.value,
            scope_kind=scope.kind.value if scope else None, scope_code=scope.code if scope else None,
            created_at=now or datetime.now(timezone.utc), disabled=False,
        )).inserted_primary_key[0]
    return User(int(new_id), name, role, scope)


def _check_scope(conn: Connection, scope: Scope | None) -> None:
    if scope is None:
        return
    table = kota if scope.kind is ScopeKind.KOTA else agency
    if conn.execute(select(table.c.code).where(table.c.code == scope.code)).first() is None:
        raise UserError(f"scope {scope}: no such {scope.kind.value}")


def remove_user(engine: Engine, username: str) -> bool:
    """Delete an account and its sign-in sessions; False when there was none."""
    with engine.begin() as conn:
        user_id = _id_of(conn, username)
        if user_id is None:
            return False
        _end_sessions(conn, user_id)
        conn.execute(delete(app_user).where(app_user.c.id == user_id))
    return True


def set_password(engine: Engine, username: str, password: str) -> bool:
    """Change an account's password and end its sign-in sessions; False when there is no
    such account. Raises :class:`UserError` for a password that is too short."""
    try:
        password_hash = hash_password(password)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    return _change(engine, username, end_sessions=True, password_hash=password_hash)


def set_disabled(engine: Engine, username: str, disabled: bool = True) -> bool:
    """Disable (and sign out everywhere) or re-enable an account; False when there is none."""
    return _change(engine, username, end_sessions=disabled, disabled=disabled)


def _change(engine: Engine, username: str, end_sessions: bool, **values: Any) -> bool:
    with engine.begin() as conn:
        user_id = _id_of(conn, username)
        if user_id is None:
            return False
        conn.execute(update(app_user).where(app_user.c.id == user_id).values(**values))
        if end_sessions:
            _end_sessions(conn, user_id)
    return True


def _id_of(conn: Connection, username: str) -> int | None:
    return conn.execute(select(app_user.c.id).where(app_user.c.username == username.strip().lower())).scalar()


def _end_sessions(conn: Connection, user_id: int) -> None:
    conn.execute(delete(web_session).where(web_session.c.user_id == user_id))


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        rows = conn.execute(select(app_user).order_by(app_user.c.username)).mappings().all()
    return [user_of_row(r) for r in rows]


def account_rows(engine: Engine) -> list[dict[str, Any]]:
    """Every account as a dict (id, username, role, scope_kind, scope_code, disabled,
    created_at; never the password hash), by username: ``pantau user list``."""
    u = app_user.c
    with engine.connect() as conn:
        rows = conn.execute(select(u.id, u.username, u.role, u.scope_kind, u.scope_code, u.disabled, u.created_at)
                            .order_by(u.username)).mappings().all()
    return [{**r, "disabled": bool(r["disabled"])} for r in rows]


def get_user(engine: Engine, user_id: int | str) -> User | None:
    """The account with this id (Flask-Login's user loader); None if unknown."""
    try:
        key = int(user_id)
    except (TypeError, ValueError):
        return None
    with engine.connect() as conn:
        row = conn.execute(select(app_user).where(app_user.c.id == key)).mappings().first()
    return user_of_row(row) if row else None


def authenticate(engine: Engine, username: str, password: str) -> User | None:
    """The active account matching the credentials, else None (same cost either way)."""
    name = (username or "").strip().lower()
    with engine.connect() as conn:
        row = conn.execute(select(app_user).where(app_user.c.username == name)).mappings().first()
    ok = check_password(row["password_hash"] if row else None, password or "")
    if not ok or row["disabled"]:
        return None
    return user_of_row(row)


def user_of_row(row: Any) -> User:
    """An ``app_user`` row (a mapping) as a :class:`User`."""
    scope = Scope(ScopeKind(row["scope_kind"]), row["scope_code"]) if row["scope_kind"] else None
    return User(int(row["id"]), row["username"], Role(row["role"]), scope, bool(row["disabled"]))


# --- export audit ---------------------------------------------------------------------
def record_export(engine: Engine, username: str, at: datetime, filters: dict, row_count: int) -> None:
    """Write one export_audit row (called when an export stream ends, even if cut short)."""
    with engine.begin() as conn:
        conn.execute(insert(export_audit).values(
            username=username, at=at, filter_json=json.dumps(filters, sort_keys=True),
            row_count=row_count,
        ))


def list_exports(engine: Engine, limit: int = 100) -> list[dict]:
    """Latest exports first."""
    query = select(export_audit).order_by(export_audit.c.at.desc(), export_audit.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [{**r, "filters": json.loads(r["filter_json"])} for r in rows]
