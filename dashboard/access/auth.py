"""Dashboard accounts: roles, scopes and password hashing. Pure (no Flask, no store).

Three roles. ``admin`` sees everything, including reporter identity. ``supervisor`` sees
the supervisor view, optionally limited by a :class:`Scope` to one kota or one agency:
a scoped supervisor only ever sees and exports reports inside that scope. ``visitor``
is a named public account and sees what anonymous visitors see.

:class:`User` implements the attributes Flask-Login asks of a user object
(``is_authenticated``, ``is_active``, ``is_anonymous``, ``get_id``) without importing it.
A user loaded from a sign-in session carries that session's id (``session_id``), and
``get_id`` returns it: Flask-Login keeps only that id in the cookie, and every request
looks it up in the store (:mod:`dashboard.store.sessions`), so ending the session there
ends it everywhere.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from werkzeug.security import check_password_hash, generate_password_hash

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 8
#: Hash used when a username is unknown, so a failed login costs the same either way.
_DUMMY_HASH = generate_password_hash("pantau-dummy-password")


class Role(str, enum.Enum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    VISITOR = "visitor"


class ScopeKind(str, enum.Enum):
    KOTA = "kota"
    AGENCY = "agency"


@dataclass(frozen=True)
class Scope:
    """Limit of a supervisor: reports whose ``kota_code`` or ``agency_code`` is ``code``."""

    kind: ScopeKind
    code: str

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.code}"


def parse_scope(text: str | None) -> Scope | None:
    """``"kota:31.71"`` / ``"agency:sudin-sda-31.71"`` → Scope; empty → None (whole city)."""
    if not text:
        return None
    kind, sep, code = text.partition(":")
    if not sep or not code.strip():
        raise ValueError(f"scope {text!r}: expected kota:<code> or agency:<code>")
    try:
        return Scope(ScopeKind(kind.strip().lower()), code.strip())
    except ValueError:
        raise ValueError(f"scope {text!r}: kind must be kota or agency") from None


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: Role
    scope: Scope | None = None
    disabled: bool = False
    #: The server-side sign-in session this user came from (None outside a request).
    session_id: str | None = field(default=None, repr=False, compare=False)

    # --- Flask-Login protocol -----------------------------------------------------
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return not self.disabled

    def get_id(self) -> str | None:
        """What Flask-Login keeps in the session cookie: the sign-in session's id."""
        return self.session_id

    # --- what the account may do --------------------------------------------------
    @property
    def can_supervise(self) -> bool:
        """May open the supervisor view, its callbacks and its export."""
        return self.is_active and self.role in (Role.ADMIN, Role.SUPERVISOR)

    @property
    def sees_identity(self) -> bool:
        """Reporter names and contacts are shown to admins only."""
        return self.is_active and self.role is Role.ADMIN

    @property
    def effective_scope(self) -> Scope | None:
        """Admins are never scoped; supervisors keep theirs."""
        return None if self.role is Role.ADMIN else self.scope


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"password must have at least {MIN_PASSWORD} characters")
    return generate_password_hash(password)


def check_password(stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists (``stored_hash=None``)."""
    ok = check_password_hash(stored_hash or _DUMMY_HASH, password)
    return ok and stored_hash is not None


def validate_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME_RE.match(name):
        raise ValueError(f"username {username!r}: use 2-64 of a-z 0-9 . _ - (start with a letter or digit)")
    return name


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise ValueError(f"role {text!r}: expected admin, supervisor or visitor") from None

