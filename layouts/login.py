"""The login page ``/login``: a plain HTML form posting to ``POST /login``
(``callbacks.auth``), so the password never passes through a Dash callback."""

from __future__ import annotations

from dash import dcc, html

from dashboard.config import Settings
from dashboard.i18n import gettext, language

LOGIN_ROOT = "login-root"
LOGIN_FORM = "login-form"
LOGIN_ERROR = "login-error"


def layout(settings: Settings | None = None, next: str | None = None, error: str | None = None,  # noqa: A002
           lang: str | None = None, **_query) -> html.Main:
    _ = gettext(language(lang))
    target = next if isinstance(next, str) and next.startswith("/") and not next.startswith("//") else "/supervisor"
    return html.Main([
        html.H1(_("Supervisor sign-in")),
        html.P(_("Wrong username or password."), id=LOGIN_ERROR, className="login__error") if error else None,
        html.Form([
            html.Label([_("Username"), html.Br(), dcc.Input(name="username", id="login-username",
                                                              type="text", autoComplete="username", required=True)]),
            html.Label([_("Password"), html.Br(), dcc.Input(name="password", id="login-password",
                                                              type="password", autoComplete="current-password",
                                                              required=True)]),
            dcc.Input(type="hidden", name="next", value=target),
            html.Button(_("Sign in"), type="submit", id="login-submit"),
        ], id=LOGIN_FORM, action="/login", method="POST", className="login__form"),
    ], id=LOGIN_ROOT, className="view-login")
