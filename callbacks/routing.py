"""The router: one callback maps the URL path to a view's ``layout`` builder; a path no
view answers gets :func:`layouts.index.not_found`, and the server answers its page load
with HTTP 404 (Dash's catch-all route would say 200 for any path)."""

from __future__ import annotations

from typing import Callable
from urllib.parse import parse_qsl

from dash import Dash, Input, Output
from dash.development.base_component import Component
from flask import Response, request

from callbacks.deps import Deps
from layouts import ids, index, login, supervisor, visitor, wall

ROUTES = {"/wall": wall.layout, "/": index.layout, "/supervisor": supervisor.layout, "/login": login.layout,
          "/visitor": visitor.layout}
CATCH_ALL = "/<path:path>"  # the rule Dash serves its page on for every path not otherwise routed


def view_of(pathname: str | None) -> Callable[..., Component] | None:
    """The layout builder of a page path (a trailing slash ignored); None if no view has it."""
    return ROUTES.get((pathname or "/").rstrip("/") or "/")


def register(app: Dash, deps: Deps) -> None:
    @app.callback(Output(ids.PAGE, "children"), Input(ids.URL, "pathname"), Input(ids.URL, "search"))
    def route(pathname: str | None, search: str | None) -> Component:
        query = dict(parse_qsl((search or "").lstrip("?")))
        view = view_of(pathname)
        if view is None:
            return index.not_found(pathname or "", query.get("lang"))
        return view(deps.settings, **query)

    @app.server.after_request
    def unknown_page_is_404(response: Response) -> Response:
        if response.status_code == 200 and is_unknown_page(request.url_rule and request.url_rule.rule, request.path):
            response.status_code = 404
        return response


def is_unknown_page(rule: str | None, path: str) -> bool:
    """Whether a request reached Dash's catch-all page route for a path no view answers
    (its own routes, ``/assets/``, the API and the plain routes have rules of their own)."""
    return rule == CATCH_ALL and view_of(path) is None
