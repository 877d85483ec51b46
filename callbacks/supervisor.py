"""Callbacks of the supervisor view. ``register(app, deps)`` also sets up logins and the
guard (``callbacks.auth``) and the view's HTTP routes (``callbacks.supervisor_routes``).

Every callback starts with :func:`callbacks.supervisor_view.current_view`: a signed-in
supervisor's validated, scoped view.

Texts are in the page language, ``?lang=`` in the URL query (``sv.lang_of``); the
filter sync keeps it in the URL when it rewrites the query.
"""

from __future__ import annotations

from typing import Any


from dash import Dash, Input, Output, State, ctx, no_update
from flask import abort
from sqlalchemy import Connection

from callbacks import supervisor_routes
from callbacks.auth import init_auth, protect, require_supervisor
from callbacks.deps import Deps
from callbacks.supervisor_view import allowed_of, current_view
from dashboard.supervisor.filters import CONTROL_KEYS, Event, FilterError, Filters, next_filters, to_query
from dashboard.supervisor.grid import RowsRequest, clicked_row, parse_rows_request
from dashboard.i18n import gettext
from dashboard.store import flow, reports
from dashboard.store import performance as insights
from dashboard.store import tallies as cube
from dashboard.store.view import View
from layouts import ids
from layouts import supervisor as sv
from layouts import supervisor_panels as panels
from layouts import supervisor_parts as parts

CONTROLS = (ids.SUPERVISOR_F_AGENCY, ids.SUPERVISOR_F_KOTA, ids.SUPERVISOR_F_KECAMATAN, ids.SUPERVISOR_F_KELURAHAN,
            ids.SUPERVISOR_F_CATEGORY, ids.SUPERVISOR_F_STATUS)
CLICKS = {ids.SUPERVISOR_STATUS_FIG: "status", ids.SUPERVISOR_AGENCY_FIG: "agency",
          ids.SUPERVISOR_CATEGORY_FIG: "category",
          ids.SUPERVISOR_KELURAHAN_FIG: "kelurahan", ids.SUPERVISOR_AREAS: "kelurahan"}
PLACES = {ids.SUPERVISOR_F_KOTA: "kota", ids.SUPERVISOR_F_KECAMATAN: "kecamatan",
          ids.SUPERVISOR_F_KELURAHAN: "kelurahan"}


def register(app: Dash, deps: Deps) -> None:
    init_auth(app, deps)
    before = set(app.callback_map)
    _sync(app, deps)
    _overview(app, deps)
    _insights(app, deps)
    _table(app, deps)
    _detail(app, deps)
    protect(app, set(app.callback_map) - before)
    supervisor_routes.register(app.server, deps)


# --- filter state: URL <-> controls, clicks (the state machine: dashboard.supervisor.filters) ---
def _sync(app: Dash, deps: Deps) -> None:
    outputs = [Output(ids.SUPERVISOR_URL, "search"), *(Output(c, "value") for c in CONTROLS),
               Output(ids.SUPERVISOR_F_DATES, "start_date"), Output(ids.SUPERVISOR_F_DATES, "end_date"),
               Output(ids.SUPERVISOR_F_OVERDUE, "value"),
               Output(ids.SUPERVISOR_F_KECAMATAN, "options"), Output(ids.SUPERVISOR_F_KELURAHAN, "options")]
    inputs = [Input(ids.SUPERVISOR_URL, "search"), *(Input(c, "value") for c in CONTROLS),
              Input(ids.SUPERVISOR_F_DATES, "start_date"), Input(ids.SUPERVISOR_F_DATES, "end_date"),
              Input(ids.SUPERVISOR_F_OVERDUE, "value"),
              Input(ids.SUPERVISOR_F_RESET, "n_clicks"), *(Input(c, "clickData") for c in CLICKS)]

    @app.callback(*outputs, *inputs)
    def sync(search: str | None, *values: Any) -> tuple:
        allowed = allowed_of(deps, require_supervisor())
        trigger = ctx.triggered_id
        try:
            event = _event(trigger, values[:len(CONTROL_KEYS)], ctx.triggered)
            filters = next_filters(search, event, allowed, deps.ref)
        except (FilterError, KeyError, TypeError, IndexError, AttributeError):
            abort(400)
        places = (sv.kecamatan_options(deps.ref, allowed, filters.kota),
                  sv.kelurahan_options(deps.ref, allowed, filters.kota, filters.kecamatan))
        return (_new_search(trigger, filters, search), *parts.control_outputs(filters), *places)


def _new_search(trigger: object, filters: Filters, search: str | None) -> object:
    """The URL query the filters stand for, in the page language (no update when the URL moved)."""
    return no_update if trigger in (None, ids.SUPERVISOR_URL) else sv.with_lang(to_query(filters), sv.lang_of(search))


def _event(trigger: object, values: tuple, triggered: list[dict]) -> Event:
    """The filter event a trigger stands for (``values``: the controls' values by ``CONTROL_KEYS``)."""
    if trigger in CLICKS:
        click = triggered[0]["value"]
        code = click["properties"]["code"] if trigger == ids.SUPERVISOR_AREAS else click["points"][0]["customdata"]
        return Event("click", CLICKS[trigger], code)
    if trigger in (None, ids.SUPERVISOR_URL, ids.SUPERVISOR_F_RESET):
        return Event("url" if trigger != ids.SUPERVISOR_F_RESET else "reset")
    controls = dict(zip(CONTROL_KEYS, values))
    return Event("control", PLACES.get(trigger), values=controls | {"overdue": "1" if controls["overdue"] else None})


# --- panels (built by layouts.supervisor_panels from what the callbacks read) ---------------
def _overview(app: Dash, deps: Deps) -> None:
    # The map's points come from their own route, asked for in the browser as the filters
    # change, beside the callbacks rather than after the overview's answer.
    app.clientside_callback("function(search) { return '/supervisor/points.json' + (search || ''); }",
                            Output(ids.SUPERVISOR_POINTS, "url"), Input(ids.SUPERVISOR_URL, "search"))

    @app.callback(
        Output(ids.SUPERVISOR_KPIS, "children"), Output(ids.SUPERVISOR_STATUS_FIG, "figure"),
        Output(ids.SUPERVISOR_TREND_FIG, "figure"), Output(ids.SUPERVISOR_AGENCY_FIG, "figure"),
        Output(ids.SUPERVISOR_KELURAHAN_FIG, "figure"), Output(ids.SUPERVISOR_CATEGORY_FIG, "figure"),
        Output(ids.SUPERVISOR_AREAS, "hideout"), Output(ids.SUPERVISOR_EXPORT, "href"),
        Output(ids.SUPERVISOR_KELURAHAN_PANEL, "children"), Output(ids.SUPERVISOR_ERROR, "children"),
        Input(ids.SUPERVISOR_URL, "search"))
    def overview(search: str | None) -> tuple:
        _user, view = current_view(deps, search or "")
        with deps.engine.connect() as conn:
            cells = cube.cells(conn, view)
            summary, days = cube.summary(conn, view, cells), flow.trend(conn, view)
            kelurahan = _kelurahan_reads(conn, view)
        groups = {d: cube.counts_by(cells, d, n, by_open=True) for d, n in
                  (("agency", panels.BARS["agency"]), ("category", panels.BARS["category"]),
                   ("kelurahan", panels.AREA_ROWS))}
        return panels.overview(view, summary, days, groups, kelurahan, deps.ref, sv.lang_of(search))


def _kelurahan_reads(conn: Connection, view: View) -> tuple | None:
    """The filtered kelurahan's score and open backlog (None when no kelurahan is filtered)."""
    code = view.filters.kelurahan
    return (insights.kelurahan_score(conn, code, view.now), reports.open_backlog(conn, view)) if code else None


def _insights(app: Dash, deps: Deps) -> None:
    @app.callback(Output(ids.SUPERVISOR_RESPOND_FIG, "figure"), Output(ids.SUPERVISOR_RESOLVE_FIG, "figure"),
                  Output(ids.SUPERVISOR_FUNNEL_FIG, "figure"), Output(ids.SUPERVISOR_FLAGS, "children"),
                  Input(ids.SUPERVISOR_URL, "search"))
    def analysis(search: str | None) -> tuple:
        _user, view = current_view(deps, search or "")
        with deps.engine.connect() as conn:
            sample = insights.sample(conn, view)
            hops = insights.funnel(conn, sample)
        return panels.insights(insights.response_times(sample), hops, insights.gaming_flags(sample),
                               insights.INSIGHT_ROWS, deps.ref, sv.lang_of(search))


def _table(app: Dash, deps: Deps) -> None:
    # A filter change empties the grid's block cache: it asks again for the rows it shows.
    app.clientside_callback(
        """function(search, id) {
            window.dash_ag_grid.getApiAsync(id).then(api => api.purgeInfiniteCache()).catch(() => null);
            return window.dash_clientside.no_update;
        }""",
        Output(ids.SUPERVISOR_TABLE, "className"), Input(ids.SUPERVISOR_URL, "search"),
        State(ids.SUPERVISOR_TABLE, "id"), prevent_initial_call=True)

    @app.callback(Output(ids.SUPERVISOR_TABLE, "getRowsResponse"), Input(ids.SUPERVISOR_TABLE, "getRowsRequest"),
                  State(ids.SUPERVISOR_URL, "search"))
    def rows(request: dict | None, search: str | None) -> dict:
        _user, view = current_view(deps, search or "")
        req = _rows_request(request, sv.lang_of(search))
        if req.status and view.filters.status and req.status not in view.filters.status:
            return {"rowData": [], "rowCount": 0}
        with deps.engine.connect() as conn:
            found = reports.page(conn, view, req.start, req.end, list(req.sort), req.report_id, req.status)
        return panels.grid_page(found, req, deps.ref, deps.settings.zone, sv.lang_of(search))


def _rows_request(request: object, lang: str) -> RowsRequest:
    """The grid's validated request (aborts 400 for anything the grid would not send)."""
    try:
        return parse_rows_request(parts.rows_request_in(request, gettext(lang)))
    except FilterError:
        abort(400)


def _detail(app: Dash, deps: Deps) -> None:
    @app.callback(Output(ids.SUPERVISOR_DETAIL, "children"), Input(ids.SUPERVISOR_TABLE, "cellClicked"),
                  State(ids.SUPERVISOR_URL, "search"), prevent_initial_call=True)
    def detail(clicked: dict | None, search: str | None) -> Any:
        user = require_supervisor()
        if clicked is None:
            return no_update
        row_id = clicked_row(clicked)
        if row_id is None:
            abort(400)
        with deps.engine.connect() as conn:
            found = reports.detail(conn, user.effective_scope, row_id, with_identity=user.sees_identity)
        return panels.detail(found, deps.ref, deps.settings.zone, sv.lang_of(search))
