"""Logins and the authorization guard (issue 4).

:func:`init_auth` sets up Flask-Login on the app's server (session cookie HttpOnly,
SameSite=Lax, Secure when ``settings.secure_cookies``; lifetime ``settings.session_hours``),
adds ``POST /login`` and ``/logout``, and installs :func:`guard` as a ``before_request``
hook. The guard decides before any view code runs:

* ``/supervisor`` and everything under it: anonymous → the login page (pages) or 401
  (data routes); signed in without the supervisor role → 403.
* ``POST /_dash-update-component``: the body must be a JSON object naming a registered
  callback (else 400) and at most :data:`MAX_CALLBACK_BYTES` long (else 413). A callback
  whose outputs are supervisor components (ids ``supervisor-*``, recorded by
  :func:`protect`) needs a supervisor: 401/403 otherwise, with no data in the body.

The wall, the landing page and the visitor views stay public. Supervisor callbacks also
call :func:`require_supervisor` themselves before reading anything (defence in depth).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote, urlsplit

from flask import Response, abort, redirect, request, session
from flask_login import LoginManager, current_user, login_user, logout_user

from dashboard.auth import User
from dashboard.store.users import authenticate, get_user

SUPERVISOR_PREFIX = "supervisor-"
SUPERVISOR_PATH = "/supervisor"
MAX_CALLBACK_BYTES = 1_000_000
#: server.config key holding the set of protected callback keys (callback_map outputs).
PROTECTED_KEY = "PANTAU_SUPERVISOR_CALLBACKS"


def init_auth(app, deps) -> None:  # noqa: ANN001
    """Flask-Login, cookie flags, login/logout routes and the guard; idempotent per app."""
    server = app.server
    if server.config.get(PROTECTED_KEY) is not None:
        return
    server.config[PROTECTED_KEY] = set()
    _configure(server, deps.settings)
    manager = LoginManager()
    manager.session_protection = "strong"
    manager.user_loader(lambda user_id: _active(get_user(deps.engine, user_id)))
    manager.init_app(server)
    update_path = app.config.routes_pathname_prefix + "_dash-update-component"
    server.before_request(lambda: guard(app, update_path))
    _routes(server, deps)


def _configure(server, settings) -> None:  # noqa: ANN001
    server.secret_key = settings.secret_key
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(settings.secure_cookies),
        REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=bool(settings.secure_cookies),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
    )
    server.config.setdefault("MAX_CONTENT_LENGTH", MAX_CALLBACK_BYTES)


def _active(user: User | None) -> User | None:
    return user if user is not None and user.is_active else None


def _routes(server, deps) -> None:  # noqa: ANN001
    @server.post("/login")
    def login_post():
        user = authenticate(deps.engine, request.form.get("username", ""), request.form.get("password", ""))
        target = safe_next(request.form.get("next"))
        if user is None:
            return redirect(f"/login?error=1&next={quote(target)}", code=303)
        session.clear()  # no fixation: a fresh session for the signed-in user
        session.permanent = True
        login_user(user)
        return redirect(target, code=303)

    @server.route("/logout", methods=["GET", "POST"])
    def logout():
        logout_user()
        session.clear()
        return redirect("/login", code=303)


def safe_next(target: str | None) -> str:
    """Only a local path may be a post-login target (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return SUPERVISOR_PATH
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return SUPERVISOR_PATH
    return target


def protect(app, keys) -> None:  # noqa: ANN001
    """Mark callback keys (``app.callback_map`` outputs) as supervisor-only."""
    app.server.config[PROTECTED_KEY].update(keys)


def is_supervisor() -> bool:
    return bool(getattr(current_user, "can_supervise", False))


def status_for_anonymous_or_not() -> int:
    return 401 if not getattr(current_user, "is_authenticated", False) else 403


def require_supervisor() -> User:
    """The signed-in supervisor/admin; aborts 401/403 otherwise (call at the top of
    every supervisor callback and route)."""
    if not is_supervisor():
        abort(status_for_anonymous_or_not())
    return current_user._get_current_object()  # noqa: SLF001 - the real User, not the proxy


def guard(app, update_path: str) -> Response | None:  # noqa: ANN001
    path = request.path
    if path == SUPERVISOR_PATH or path.startswith(SUPERVISOR_PATH + "/"):
        return _guard_page(path)
    if path == update_path and request.method == "POST":
        return _guard_callback(app)
    return None


def _guard_page(path: str) -> Response | None:
    if is_supervisor():
        return None
    if path == SUPERVISOR_PATH and request.method == "GET":
        if not getattr(current_user, "is_authenticated", False):
            return redirect(f"/login?next={quote(request.full_path.rstrip('?'))}", code=302)
    return _deny(status_for_anonymous_or_not())


def _guard_callback(app) -> Response | None:  # noqa: ANN001
    if (request.content_length or 0) > MAX_CALLBACK_BYTES:
        return _deny(413)
    body = request.get_json(silent=True)
    output = body.get("output") if isinstance(body, dict) else None
    if not isinstance(output, str) or output not in app.callback_map:
        return _deny(400)
    protected = app.server.config[PROTECTED_KEY]
    if (output in protected or SUPERVISOR_PREFIX in output) and not is_supervisor():
        return _deny(status_for_anonymous_or_not())
    return None


def _deny(status: int) -> Response:
    words = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 413: "Payload Too Large"}
    return Response(f"{status} {words[status]}\n", status=status, mimetype="text/plain")
