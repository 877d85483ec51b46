"""Supervisor logins and the authorization guard.

:func:`init_auth` sets up Flask-Login on the app's server (session cookie HttpOnly,
SameSite=Lax, Secure when ``settings.secure_cookies``; lifetime ``settings.session_hours``),
adds ``POST /login`` and ``POST /logout``, and installs :func:`guard` as a ``before_request``
hook.

Sessions live on the server (:mod:`dashboard.store.sessions`): a sign-in starts a new
session with a random id, and the signed cookie carries only that id (Flask-Login's
``_user_id``; no "remember me" cookie is ever set). Every request resolves it through the
store (one primary-key read, no cache), so a session ended there (sign-out, the account's
password changed, the account disabled or removed) is refused at once, whoever holds a
copy of the cookie. A sign-in ends the session the browser held before (rotation).

Both form posts carry the session's CSRF token (``csrf_token``, rendered by
``layouts.login`` and the supervisor header; :mod:`dashboard.access.login_guard`): a missing or
wrong token gets 400 and changes nothing. ``POST /login`` then refuses with 429 and a
``Retry-After`` header, *before* any password check, once the client IP or the username
has ``settings.login_max_failures`` failed sign-ins within ``settings.login_window_minutes``
(counted in Redis when configured, else in the store: shared by every web process). Each
attempt counts as a failure from before its password check until it succeeds, so parallel
attempts cannot all pass the check at once.
Refusals are short pages in the form's language (its ``lang`` field). Dash's own JSON
callback POSTs need no token: the session cookie is SameSite=Lax (not sent on cross-site
POSTs) and :func:`guard` only accepts JSON bodies, which a cross-site form cannot send.

The guard decides before any view code runs:

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

from collections.abc import Iterable

from dataclasses import replace
from datetime import timedelta
from urllib.parse import quote, urlencode, urlsplit

from dash import Dash
from flask import Flask, Response, abort, redirect, request, session
from flask_login import LoginManager, current_user, login_user, logout_user
from werkzeug.wrappers import Response as BaseResponse

from callbacks.deps import Deps
from dashboard.config import Settings
from dashboard.access.auth import User
from dashboard.i18n import DEFAULT_LANGUAGE, language
from dashboard.access.login_guard import (
    FailureLimiter,
    csrf_valid,
    failure_keys,
    make_failure_limiter,
    new_csrf_token,
)
from dashboard.store.sessions import end_session, session_user, start_session
from dashboard.store.users import authenticate
from layouts import ids
from layouts.login import refusal_page

SUPERVISOR_PATH = "/supervisor"
MAX_CALLBACK_BYTES = 1_000_000
#: The Flask session key where Flask-Login keeps ``User.get_id()``: the sign-in session's id.
SESSION_KEY = "_user_id"
#: server.config key holding the set of protected callback keys (callback_map outputs).
PROTECTED_KEY = "PANTAU_SUPERVISOR_CALLBACKS"


def init_auth(app: Dash, deps: Deps) -> None:
    """Flask-Login, cookie flags, login/logout routes and the guard; idempotent per app."""
    server = app.server
    if server.config.get(PROTECTED_KEY) is not None:
        return
    server.config[PROTECTED_KEY] = set()
    _configure(server, deps.settings)
    _login_manager(deps).init_app(server)
    update_path = app.config.routes_pathname_prefix + "_dash-update-component"
    server.before_request(lambda: guard(app, update_path))
    _routes(server, deps)


def _login_manager(deps: Deps) -> LoginManager:
    """Flask-Login loading the user of a sign-in session from the store."""
    manager = LoginManager()
    manager.session_protection = "strong"
    manager.user_loader(lambda session_id: session_user(deps.engine, session_id))
    return manager


def _configure(server: Flask, settings: Settings) -> None:
    server.secret_key = settings.secret_key
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(settings.secure_cookies),
        REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=bool(settings.secure_cookies),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
    )
    server.config.setdefault("MAX_CONTENT_LENGTH", MAX_CALLBACK_BYTES)


def _routes(server: Flask, deps: Deps) -> None:
    settings = deps.settings
    limiter = make_failure_limiter(settings.login_max_failures, settings.login_window_minutes, deps.redis,
                                   deps.engine)

    @server.post("/login")
    def login_post() -> BaseResponse:
        form = request.form
        lang, target = language(form.get("lang")), safe_next(form.get("next"))
        keys = failure_keys(request.remote_addr, form.get("username"))
        if (refused := _refused(limiter, keys, lang)) is not None:
            return refused
        user = authenticate(deps.engine, form.get("username", ""), form.get("password", ""))
        if user is None:
            return redirect(login_url(lang, target, error=True), code=303)
        _sign_in(deps, limiter, keys, user)
        return redirect(target, code=303)

    @server.post("/logout")
    def logout() -> BaseResponse:
        lang = language(request.form.get("lang"))
        if not csrf_valid(session, request.form.get("csrf_token")):
            return refusal(400, lang)
        end_session(deps.engine, session.get(SESSION_KEY))
        logout_user()
        session.clear()
        return redirect(login_url(lang), code=303)

    @server.get("/logout")
    def logout_page() -> BaseResponse:
        """A link cannot sign anyone out (that would be a cross-site GET): the sign-out
        button lives in the supervisor view's header."""
        return redirect(SUPERVISOR_PATH, code=303)


def _refused(limiter: FailureLimiter, keys: tuple[str, str], lang: str) -> Response | None:
    """A refusal when the form's token is wrong (400) or too many sign-ins failed (429)."""
    if not csrf_valid(session, request.form.get("csrf_token")):
        return refusal(400, lang)
    wait = limiter.attempt(keys)  # counted as a failure now, before the slow check
    return refusal(429, lang, wait) if wait > 0 else None  # refused before the password is even looked at


def _sign_in(deps: Deps, limiter: FailureLimiter, keys: tuple[str, str], user: User) -> None:
    """Sign ``user`` in on a fresh session (no fixation) and forgive the attempt."""
    limiter.forgive(keys[0])  # not a failure after all: the IP keeps only its real ones
    limiter.reset(keys[1])  # the account's owner got in
    end_session(deps.engine, session.get(SESSION_KEY))  # rotation: the old id ends here
    session.clear()  # no fixation: a fresh session for the signed-in user
    session.permanent = True
    login_user(replace(user, session_id=start_session(deps.engine, user.id, deps.settings.session_hours)))
    new_csrf_token(session)


def login_url(lang: str, target: str | None = None, error: bool = False) -> str:
    """``/login`` with the query the login page reads (``lang``, ``error``, ``next``)."""
    query = [("lang", lang)] if lang != DEFAULT_LANGUAGE else []
    query += [("error", "1")] if error else []
    query += [("next", target)] if target else []
    return "/login" + ("?" + urlencode(query, quote_via=quote, safe="/") if query else "")


def refusal(status: int, lang: str, retry_after: float | None = None) -> Response:
    """The sign-in refusal page (:func:`layouts.login.refusal_page`): 400 or 429."""
    body, headers = refusal_page(status, lang, login_url(lang), retry_after)
    return Response(body, status=status, mimetype="text/html", headers=headers)


def safe_next(target: str | None) -> str:
    """Only a local path may be a post-login target (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return SUPERVISOR_PATH
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return SUPERVISOR_PATH
    return target


def protect(app: Dash, keys: Iterable[str]) -> None:
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
    return current_user._get_current_object()  # the real User, not the proxy


def guard(app: Dash, update_path: str) -> Response | None:
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


def _guard_callback(app: Dash) -> Response | None:
    if (request.content_length or 0) > MAX_CALLBACK_BYTES:
        return _deny(413)
    body = request.get_json(silent=True)
    output = body.get("output") if isinstance(body, dict) else None
    if not isinstance(output, str) or output not in app.callback_map:
        return _deny(400)
    protected = app.server.config[PROTECTED_KEY]
    if (output in protected or ids.SUPERVISOR_PREFIX in output) and not is_supervisor():
        return _deny(status_for_anonymous_or_not())
    return None


def _deny(status: int) -> Response:
    words = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 413: "Payload Too Large"}
    return Response(f"{status} {words[status]}\n", status=status, mimetype="text/plain")
