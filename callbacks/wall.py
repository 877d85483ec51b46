"""Wall callbacks: one Interval tick drives a cheap version check (full refresh only when
the snapshot changed), a freshness check, and clientside focus rotation."""

from __future__ import annotations

from dash import ClientsideFunction, Input, Output, State, ctx
from dash.exceptions import PreventUpdate

from dashboard.store.snapshots import snapshot_version
from layouts import components, ids, wall

WIDGET = "wall"
KPI_OUTPUTS = [Output(f"wall-kpi-{k}", "children") for k in components.KPI_KEYS]
REFRESH_OUTPUTS = [
    Output(ids.WALL_VERSION, "data"), Output(ids.WALL_VIEWS, "data"), Output(ids.WALL_FLOW_FIG, "figure"),
    Output(ids.WALL_AGENCY_FIG, "children"), Output(ids.WALL_BOARD, "children"),
    Output(ids.WALL_GATES, "children"), Output(ids.WALL_TICKER, "children"),
    Output(ids.WALL_POINTS, "hideout"), Output(ids.WALL_ROOT, "className"),
]
FRESHNESS_OUTPUTS = [
    Output(ids.WALL_BADGE, "children"), Output(ids.WALL_BADGE, "className"),
    Output(ids.WALL_STALE, "children"), Output(ids.WALL_STALE, "className"), Output(ids.WALL_DATA_AS_OF, "children"),
]


def register(app, deps) -> None:  # noqa: ANN001
    gate_coords = {g.code: (g.lat, g.lon) for g in deps.ref.gates.values() if g.lat is not None}

    @app.callback(*REFRESH_OUTPUTS, Input(ids.WALL_TICK, "n_intervals"), Input(ids.WALL_VIEWPORT, "data"),
                  State(ids.WALL_VERSION, "data"), State(ids.WALL_QUERY, "data"))
    def refresh_wall(_n, vh_px, have, query):
        version = snapshot_version(deps.engine, WIDGET, deps.redis)
        if version is None or (version == have and ctx.triggered_id == ids.WALL_TICK):
            raise PreventUpdate
        payload, version, _at = deps.snapshots.read(deps.engine, WIDGET, version, deps.redis)
        return wall.render(payload | {"version": version}, query["lang"], deps.settings.zone, vh_px, gate_coords)

    @app.callback(*FRESHNESS_OUTPUTS, Input(ids.WALL_TICK, "n_intervals"), State(ids.WALL_QUERY, "data"))
    def check_freshness(_n, query):
        as_of = deps.store.data_as_of()
        return wall.freshness(as_of, deps.now(), deps.settings.stale_seconds, query["lang"], deps.settings.zone)

    app.clientside_callback(ClientsideFunction("pantau", "viewport"), Output(ids.WALL_VIEWPORT, "data"),
                            Input(ids.WALL_TICK, "n_intervals"), State(ids.WALL_VIEWPORT, "data"))
    app.clientside_callback(ClientsideFunction("pantau", "fit"), Output(ids.WALL_MAP, "viewport"),
                            Output(ids.WALL_POINTS, "superClusterOptions"),
                            Input(ids.WALL_VIEWPORT, "data"), State(ids.WALL_MAP, "bounds"))
    app.clientside_callback(
        ClientsideFunction("pantau", "focus"),
        Output(ids.WALL_STATUS_FIG, "figure"), Output(ids.WALL_BACKLOG_FIG, "figure"), *KPI_OUTPUTS,
        Output(ids.WALL_KPIS, "className"), Output(ids.WALL_FOCUS_LABEL, "children"), Output(ids.WALL_POINTS, "url"),
        Output(ids.WALL_AREAS, "hideout"),
        Input(ids.WALL_TICK, "n_intervals"), Input(ids.WALL_VIEWS, "data"), State(ids.WALL_QUERY, "data"))
