"""The login page ``/login``: a plain HTML form posting to ``POST /login``
(``callbacks.auth``), so the password never passes through a Dash callback.

The form carries the session's CSRF token (read from the Flask session when the router
builds the page, like the supervisor view reads the signed-in user) and the page
language. The language is ``?lang=`` or else the ``lang`` of the ``next`` target, so
``/supervisor?lang=en`` → sign-in → back stays in English.
"""

from __future__ import annotations

import math
from html import escape
from urllib.parse import parse_qs, urlsplit

from dash import dcc, html
from flask import session

from dashboard.config import Settings
from dashboard.i18n import gettext, language
from dashboard.access.login_guard import csrf_token
from layouts import ids

def layout(settings: Settings | None = None, next: str | None = None, error: str | None = None,  # noqa: A002 - the router passes ?next= as this keyword
           lang: str | None = None, **_query: str) -> html.Main:
    target = next if isinstance(next, str) and next.startswith("/") and not next.startswith("//") else "/supervisor"
    return form(csrf_token(session), page_language(lang, target), target, bool(error))


def validation_layout(settings: Settings | None = None) -> html.Main:
    """The page's ids without a request (``app.validation_layout``)."""
    return form("", language(None), "/supervisor", True)


def page_language(lang: str | None, target: str) -> str:
    """``?lang=`` when given, else the language of the page the user is headed to."""
    if lang is None:
        lang = parse_qs(urlsplit(target).query).get("lang", [None])[0]
    return language(lang)


def form(token: str, lang: str, target: str, error: bool) -> html.Main:
    _ = gettext(lang)
    return html.Main([
        html.H1(_("Supervisor sign-in")),
        html.P(_("Wrong username or password."), id=ids.LOGIN_ERROR, className="login__error") if error else None,
        html.Form([
            html.Label([_("Username"), html.Br(), dcc.Input(name="username", id=ids.LOGIN_USERNAME,
                                                              type="text", autoComplete="username", required=True)]),
            html.Label([_("Password"), html.Br(), dcc.Input(name="password", id=ids.LOGIN_PASSWORD,
                                                              type="password", autoComplete="current-password",
                                                              required=True)]),
            dcc.Input(type="hidden", name="next", value=target),
            dcc.Input(type="hidden", name="lang", value=lang),
            dcc.Input(type="hidden", name="csrf_token", value=token, id=ids.LOGIN_CSRF),
            html.Button(_("Sign in"), type="submit", id=ids.LOGIN_SUBMIT),
        ], id=ids.LOGIN_FORM, action="/login", method="POST", className="login__form"),
    ], id=ids.LOGIN_ROOT, className="view-login", lang=lang)


def refusal_page(status: int, lang: str, back: str, retry_after: float | None = None) -> tuple[str, dict[str, str]]:
    """A short page in ``lang`` and its headers: 400 (form token missing or wrong) or 429
    (too many failed sign-ins, with ``Retry-After`` in whole seconds); ``back`` links to
    the sign-in page."""
    _ = gettext(lang)
    headers = {"Cache-Control": "no-store"}
    if status == 429:
        seconds = max(1, math.ceil(retry_after or 0))
        headers["Retry-After"] = str(seconds)
        text = _("Too many failed sign-ins. Try again in {minutes} min.").format(minutes=math.ceil(seconds / 60))
    else:
        text = _("This sign-in form has expired or did not come from this site. Open the sign-in page and try again.")
    body = (f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><title>Pantau</title>'
            f'<main class="view-login"><h1>{escape(_("Supervisor sign-in"))}</h1><p role="alert">{escape(text)}</p>'
            f'<p><a href="{escape(back)}">{escape(_("Back to sign-in"))}</a></p></main></html>\n')
    return body, headers
