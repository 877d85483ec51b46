"""The router: one callback maps the URL path to a view's ``layout`` builder."""

from __future__ import annotations

from urllib.parse import parse_qsl

from dash import Input, Output, html

from layouts import ids, index, login, supervisor, visitor, wall

ROUTES = {"/wall": wall.layout, "/": index.layout, "/supervisor": supervisor.layout, "/login": login.layout,
          "/visitor": visitor.layout}


def register(app, deps) -> None:  # noqa: ANN001
    @app.callback(Output(ids.PAGE, "children"), Input(ids.URL, "pathname"), Input(ids.URL, "search"))
    def route(pathname, search):
        view = ROUTES.get((pathname or "/").rstrip("/") or "/")
        if view is None:
            return html.Div("404", className="not-found")
        return view(deps.settings, **dict(parse_qsl((search or "").lstrip("?"))))
