"""The router: one callback maps the URL path to a view's ``layout`` builder."""

from __future__ import annotations

from urllib.parse import parse_qsl

from dash import Dash, Input, Output, html
from dash.development.base_component import Component

from callbacks.deps import Deps
from layouts import ids, index, login, supervisor, visitor, wall

ROUTES = {"/wall": wall.layout, "/": index.layout, "/supervisor": supervisor.layout, "/login": login.layout,
          "/visitor": visitor.layout}


def register(app: Dash, deps: Deps) -> None:
    @app.callback(Output(ids.PAGE, "children"), Input(ids.URL, "pathname"), Input(ids.URL, "search"))
    def route(pathname: str | None, search: str | None) -> Component:
        view = ROUTES.get((pathname or "/").rstrip("/") or "/")
        if view is None:
            return html.Div("404", className="not-found")
        return view(deps.settings, **dict(parse_qsl((search or "").lstrip("?"))))
