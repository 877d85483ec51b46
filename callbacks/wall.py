"""Wall callbacks: one Interval tick drives a cheap version check (full refresh only when
the snapshot changed) and a freshness check; a second, clientside-only Interval rotates
the focus zone (no server request)."""

from __future__ import annotations

import logging

from dash import ClientsideFunction, Input, Output, State, ctx
from dash.exceptions import PreventUpdate
from sqlalchemy.exc import SQLAlchemyError

from dashboard.processes.health import assess
from dashboard.i18n import language
from dashboard.store.health import read_facts
from dashboard.store.snapshots import snapshot_version
from dashboard.wall import WIDGET
from layouts import components, ids, wall

log = logging.getLogger(__name__)

KPI_OUTPUTS = [Output(ids.child(ids.WALL_KPI_PREFIX, k), "children") for k in components.KPI_KEYS]
FOCUS_KPI_OUTPUTS = [Output(ids.child(ids.WALL_FOCUS_KPI_PREFIX, k), "children")
                     for k in components.FOCUS_KPI_KEYS]
REFRESH_OUTPUTS = [
    Output(ids.WALL_VERSION, "data"), Output(ids.WALL_VIEWS, "data"), *KPI_OUTPUTS,
    Output(ids.WALL_KPIS, "className"), Output(ids.WALL_STATUS_FIG, "children"), Output(ids.WALL_FLOW_FIG, "figure"),
    Output(ids.WALL_AGENCY_FIG, "children"), Output(ids.WALL_BOARD, "children"),
    Output(ids.WALL_GATES, "children"), Output(ids.WALL_TICKER, "children"),
    Output(ids.WALL_POINTS, "hideout"), Output(ids.WALL_FLOOD, "children"), Output(ids.WALL_ROOT, "className"),
]


def register(app, deps) -> None:  # noqa: ANN001
    gate_coords = {g.code: (g.lat, g.lon) for g in deps.ref.gates.values() if g.lat is not None}

    @app.callback(*REFRESH_OUTPUTS, Input(ids.WALL_TICK, "n_intervals"), Input(ids.WALL_VIEWPORT, "data"),
                  State(ids.WALL_VERSION, "data"), State(ids.WALL_QUERY, "data"))
    def refresh_wall(_n, vh_px, have, query):
        try:  # a store outage keeps the last frame; the freshness poll tells why
            version = snapshot_version(deps.engine, WIDGET, deps.redis)
            if version is None or (version == have and ctx.triggered_id == ids.WALL_TICK):
                raise PreventUpdate
            payload, version, _at = deps.snapshots.read(deps.engine, WIDGET, version, deps.redis)
        except SQLAlchemyError as exc:
            log.warning("wall refresh skipped: store unreachable (%s)", type(exc).__name__)
            raise PreventUpdate from None
        return wall.render(payload | {"version": version}, query_lang(query), deps.settings.zone,
                           pixels(vh_px), gate_coords)

    @app.callback(Output(ids.WALL_FRESHNESS, "data"), Input(ids.WALL_TICK, "n_intervals"),
                  State(ids.WALL_QUERY, "data"))
    def check_freshness(n, query):
        now = deps.now()
        health = assess(read_facts(deps.probe), now, deps.settings)
        return wall.freshness(health, now, deps.settings.stale_seconds, query_lang(query), deps.settings.zone,
                              n if isinstance(n, int) else None)

    app.clientside_callback(ClientsideFunction("pantau", "fresh"), Output(ids.WALL_DATA_AS_OF, "children"),
                            Input(ids.WALL_FRESHNESS, "data"))

    app.clientside_callback(ClientsideFunction("pantau", "viewport"), Output(ids.WALL_VIEWPORT, "data"),
                            Input(ids.WALL_TICK, "n_intervals"), State(ids.WALL_VIEWPORT, "data"))
    app.clientside_callback(ClientsideFunction("pantau", "fit"), Output(ids.WALL_MAP, "viewport"),
                            Output(ids.WALL_POINTS, "superClusterOptions"),
                            Input(ids.WALL_VIEWPORT, "data"), State(ids.WALL_MAP, "bounds"))
    app.clientside_callback(
        ClientsideFunction("pantau", "focus"),
        Output(ids.WALL_BACKLOG_FIG, "figure"), *FOCUS_KPI_OUTPUTS,
        Output(ids.WALL_FOCUS_KPIS, "className"), Output(ids.WALL_FOCUS_LABEL, "children"), Output(ids.WALL_POINTS, "url"),
        Output(ids.WALL_AREAS, "hideout"),
        Input(ids.WALL_ROTATE, "n_intervals"), Input(ids.WALL_VIEWS, "data"), State(ids.WALL_QUERY, "data"))


def query_lang(query) -> str:  # noqa: ANN001 - whatever a client sent as the wall-query state
    """The wall's language from its query store; a missing or malformed store means the default."""
    lang = query.get("lang") if isinstance(query, dict) else None
    return language(lang if isinstance(lang, str) else None)


def pixels(value) -> float | None:  # noqa: ANN001
    """A viewport height in px from the client, or None when it is not a positive number."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 100_000
    return value if ok else None
