"""Visitor view callbacks: one refresh of the tour's numbers per tick, read through the
public query layer only. Scene rotation is clientside (``assets/32_visitor.js``).

Also serves ``/visitor/kota.json`` (kota outlines for the tour map, public and cached),
so the visitor map works when the wall is behind a token.
"""

from __future__ import annotations

from functools import lru_cache

import orjson
from dash import Input, Output, State
from flask import Response

from dashboard.i18n import language
from dashboard.clock import local_midnight
from dashboard.public.query import PublicStore
from layouts import geo, ids
from layouts import visitor as view


def register(app, deps) -> None:  # noqa: ANN001
    public = PublicStore(deps.engine, deps.redis)
    zone = deps.settings.zone

    @app.callback(
        Output(ids.VISITOR_STATUS, "children"), Output(ids.VISITOR_CELLS, "children"),
        Output(ids.VISITOR_BOARD, "children"), Output(ids.VISITOR_GATES, "children"),
        Output(ids.VISITOR_AS_OF, "children"), Output(ids.VISITOR_TOTAL, "children"),
        Input(ids.VISITOR_TICK, "n_intervals"), State(ids.VISITOR_QUERY, "data"),
    )
    def refresh_visitor(_n, query):
        lang = language((query or {}).get("lang") if isinstance(query, dict) else None)
        summary = public.visitor_summary(local_midnight(deps.now(), zone), deps.settings.max_map_points)
        return view.render(summary, lang, zone)

    outlines = lru_cache(maxsize=1)(lambda: orjson.dumps(geo.kota_outlines(deps.ref)))
    app.server.add_url_rule(
        "/visitor/kota.json", "visitor_kota",
        lambda: Response(outlines(), mimetype="application/json",
                         headers={"Cache-Control": "public, max-age=3600"}))
