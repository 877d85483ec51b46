"""Server-side sign-in sessions (``web_session``).

A sign-in creates a random session id (:func:`start_session`); the browser's signed cookie
carries only that id, the store only its sha256 (a copy of the table signs no one in).
Every request resolves the id with :func:`session_user`: one primary-key read joined to the
account, refused when the session has expired, was ended, or the account is disabled or
gone. :func:`end_session` ends one session (sign-out); ``dashboard.store.users`` ends all of
an account's sessions when its password changes or it is disabled or removed.
Expired rows are deleted at each sign-in (an index range on ``expires_at``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, delete, insert, select

from dashboard.access.auth import User
from dashboard.store.schema import app_user, web_session
from dashboard.store.users import user_of_row


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "replace")).hexdigest()


def start_session(engine: Engine, user_id: int, hours: float, now: datetime | None = None) -> str:
    """A new session for ``user_id`` lasting ``hours``; returns its id (for the cookie)."""
    now = now or datetime.now(timezone.utc)
    session_id = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(delete(web_session).where(web_session.c.expires_at <= now))
        conn.execute(insert(web_session).values(id_hash=_hash(session_id), user_id=user_id, created_at=now,
                                                expires_at=now + timedelta(hours=hours)))
    return session_id


def session_user(engine: Engine, session_id: object, now: datetime | None = None) -> User | None:
    """The active account signed in with ``session_id`` (carrying it), or None."""
    if not isinstance(session_id, str) or not session_id:
        return None
    query = (select(app_user)
             .join(web_session, web_session.c.user_id == app_user.c.id)
             .where(web_session.c.id_hash == _hash(session_id),
                    web_session.c.expires_at > (now or datetime.now(timezone.utc)),
                    app_user.c.disabled.is_(False)))
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return replace(user_of_row(row), session_id=session_id) if row is not None else None


def end_session(engine: Engine, session_id: object) -> None:
    """Delete one session (sign-out); nothing happens for an unknown id."""
    if isinstance(session_id, str) and session_id:
        with engine.begin() as conn:
            conn.execute(delete(web_session).where(web_session.c.id_hash == _hash(session_id)))
