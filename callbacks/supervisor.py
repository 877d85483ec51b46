"""Callbacks of the supervisor view. ``register(app, deps)`` also sets up logins and the
guard (``callbacks.auth``) and the view's HTTP routes (``callbacks.supervisor_routes``).

Every callback starts with :func:`callbacks.supervisor_view.current_view`: a signed-in
supervisor's validated, scoped view.

Texts are in the page language, ``?lang=`` in the URL query (``ids.lang_of``); the
filter sync keeps it in the URL when it rewrites the query.
"""

from __future__ import annotations

from dash import Input, Output, State, ctx, no_update
from flask import abort

from callbacks import supervisor_routes
from callbacks.auth import init_auth, protect, require_supervisor
from callbacks.supervisor_view import allowed_of, current_view
from dashboard.supervisor.filters import CONTROL_KEYS, Event, FilterError, next_filters, to_query
from dashboard.supervisor.grid import parse_rows_request
from dashboard.i18n import gettext
from dashboard.models import STATUS_ORDER
from dashboard.store import supervisor_cube as cube
from dashboard.store import supervisor_insights as insights
from dashboard.store import supervisor_queries as sq
from layouts import supervisor as ids
from layouts import supervisor_figures as figs
from layouts import supervisor_parts as parts
from layouts.numbers import number

CONTROLS = (ids.F_AGENCY, ids.F_KOTA, ids.F_KECAMATAN, ids.F_KELURAHAN, ids.F_CATEGORY, ids.F_STATUS)
CLICKS = {ids.STATUS_FIG: "status", ids.AGENCY_FIG: "agency", ids.CATEGORY_FIG: "category",
          ids.KELURAHAN_FIG: "kelurahan", ids.AREAS: "kelurahan"}
PLACES = {ids.F_KOTA: "kota", ids.F_KECAMATAN: "kecamatan", ids.F_KELURAHAN: "kelurahan"}


def register(app, deps) -> None:  # noqa: ANN001
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
def _sync(app, deps) -> None:  # noqa: ANN001
    outputs = [Output(ids.URL, "search"), *(Output(c, "value") for c in CONTROLS),
               Output(ids.F_DATES, "start_date"), Output(ids.F_DATES, "end_date"), Output(ids.F_OVERDUE, "value"),
               Output(ids.F_KECAMATAN, "options"), Output(ids.F_KELURAHAN, "options")]
    inputs = [Input(ids.URL, "search"), *(Input(c, "value") for c in CONTROLS),
              Input(ids.F_DATES, "start_date"), Input(ids.F_DATES, "end_date"), Input(ids.F_OVERDUE, "value"),
              Input(ids.F_RESET, "n_clicks"), *(Input(c, "clickData") for c in CLICKS)]

    @app.callback(*outputs, *inputs)
    def sync(search, *values):
        allowed = allowed_of(deps, require_supervisor())
        trigger = ctx.triggered_id
        try:
            filters = next_filters(search, _event(trigger, values[:len(CONTROL_KEYS)], ctx.triggered), allowed, deps.ref)
        except (FilterError, KeyError, TypeError, IndexError, AttributeError):
            abort(400)
        new_search = no_update if trigger in (None, ids.URL) else ids.with_lang(to_query(filters), ids.lang_of(search))
        return (new_search, *parts.control_outputs(filters), ids.kecamatan_options(deps.ref, allowed, filters.kota),
                ids.kelurahan_options(deps.ref, allowed, filters.kota, filters.kecamatan))


def _event(trigger: object, values: tuple, triggered: list[dict]) -> Event:
    """The filter event a trigger stands for (``values``: the controls' values by ``CONTROL_KEYS``)."""
    if trigger in (None, ids.URL):
        return Event("url")
    if trigger == ids.F_RESET:
        return Event("reset")
    if trigger in CLICKS:
        click = triggered[0]["value"]
        code = click["properties"]["code"] if trigger == ids.AREAS else click["points"][0]["customdata"]
        return Event("click", CLICKS[trigger], code)
    controls = dict(zip(CONTROL_KEYS, values))
    return Event("control", PLACES.get(trigger), values=controls | {"overdue": "1" if controls["overdue"] else None})


# --- panels -------------------------------------------------------------------------------
def _overview(app, deps) -> None:  # noqa: ANN001
    # The map's points come from their own route, asked for in the browser as the filters
    # change, beside the callbacks rather than after the overview's answer.
    app.clientside_callback("function(search) { return '/supervisor/points.json' + (search || ''); }",
                            Output(ids.POINTS, "url"), Input(ids.URL, "search"))

    @app.callback(
        Output(ids.KPIS, "children"), Output(ids.STATUS_FIG, "figure"), Output(ids.TREND_FIG, "figure"),
        Output(ids.AGENCY_FIG, "figure"), Output(ids.KELURAHAN_FIG, "figure"), Output(ids.CATEGORY_FIG, "figure"),
        Output(ids.AREAS, "hideout"), Output(ids.EXPORT, "href"),
        Output(ids.KELURAHAN_PANEL, "children"), Output(ids.ERROR, "children"),
        Input(ids.URL, "search"))
    def overview(search):
        _user, view = current_view(deps, search or "")
        lang = ids.lang_of(search)
        _ = gettext(lang)
        ref = deps.ref
        with deps.engine.connect() as conn:
            cells = cube.cells(conn, view)
            kpis, statuses = cube.summary(conn, view, cells)
            days = sq.trend(conn, view)
            by_kel = cube.counts_by(cells, "kelurahan", 1000, by_open=True)
            groups = {d: cube.counts_by(cells, d, 12, by_open=True) for d in ("agency", "category")}
            groups["kelurahan"] = by_kel[:15]
            panel = _kelurahan_page(conn, view, ref, _) if view.filters.kelurahan else []
        query, thousands = to_query(view.filters), _("format:thousands-separator")
        unfinished = _("today so far") if days and days[-1][0] == view.now.astimezone(view.zone).date() else None
        return (parts.kpi_tiles(kpis, _),
                figs.status_bars(_("Status"), statuses, {s.value: _(s.label) for s in STATUS_ORDER}, thousands),
                figs.trend(_("Reports per day") + ("" if view.filters.since else f" · {_('last 14 days')}"),
                           days, _("New"), _("Done"), _("format:axis-date"), thousands, unfinished),
                _bars(_("Open by agency"), groups["agency"], "agency", ref, _, lang),
                _bars(_("Open by kelurahan"), groups["kelurahan"], "kelurahan", ref, _, lang),
                _bars(_("Open by category"), groups["category"], "category", ref, _, lang),
                {"backlog": {k: o for k, _n, o in by_kel}, "max": max([o for _k, _n, o in by_kel] + [1])},
                "/supervisor/export.csv" + ("?" + query if query else ""), panel, "")


def _bars(title: str, rows: list[tuple[str, int, int]], kind: str, ref, _, lang: str):  # noqa: ANN001, ANN202
    ordered = sorted(rows, key=lambda r: (-r[2], r[0]))
    return figs.bars(title, [(code, parts.name_of(ref, kind, code, lang), open_n) for code, _n, open_n in ordered],
                     thousands=_("format:thousands-separator"))


def _kelurahan_page(conn, view: sq.View, ref, _) -> list:  # noqa: ANN001
    code = view.filters.kelurahan
    score = insights.kelurahan_score(conn, code, view.now)
    return parts.kelurahan_panel(code, score, insights.open_backlog(conn, view), ref, _, view.zone)


def _insights(app, deps) -> None:  # noqa: ANN001
    @app.callback(Output(ids.RESPOND_FIG, "figure"), Output(ids.RESOLVE_FIG, "figure"),
                  Output(ids.FUNNEL_FIG, "figure"), Output(ids.FLAGS, "children"), Input(ids.URL, "search"))
    def analysis(search):
        _user, view = current_view(deps, search or "")
        _ = gettext(ids.lang_of(search))
        with deps.engine.connect() as conn:
            sample = insights.sample(conn, view)
            hops = insights.funnel(conn, sample)
        times, flagged = insights.response_times(sample), insights.gaming_flags(sample)
        newest = f" · {_('newest')} {number(insights.INSIGHT_ROWS, _)}"
        thousands = _("format:thousands-separator")
        return (figs.histogram(_("Time to coordination") + newest, times["respond"], "1-6j", _("target 6 h"), _,
                               thousands),
                figs.histogram(_("Time to done") + newest, times["resolve"], "3-7h", _("target 7 d"), _, thousands),
                figs.funnel(_("Hand-off funnel (median hours at each hop)") + newest, hops, _("h"), _, thousands),
                parts.flags_table(flagged, deps.ref, _))


def _table(app, deps) -> None:  # noqa: ANN001
    # A filter change empties the grid's block cache: it asks again for the rows it shows.
    app.clientside_callback(
        """function(search, id) {
            window.dash_ag_grid.getApiAsync(id).then(api => api.purgeInfiniteCache()).catch(() => null);
            return window.dash_clientside.no_update;
        }""",
        Output(ids.TABLE, "className"), Input(ids.URL, "search"), State(ids.TABLE, "id"), prevent_initial_call=True)

    @app.callback(Output(ids.TABLE, "getRowsResponse"), Input(ids.TABLE, "getRowsRequest"), State(ids.URL, "search"))
    def rows(request, search):
        _user, view = current_view(deps, search or "")
        lang = ids.lang_of(search)
        _ = gettext(lang)
        try:
            req = parse_rows_request(parts.rows_request_in(request, _))
        except FilterError:
            abort(400)
        if req.status and view.filters.status and req.status not in view.filters.status:
            return {"rowData": [], "rowCount": 0}
        with deps.engine.connect() as conn:
            found = sq.page(conn, view, req.start, req.end, list(req.sort), req.report_id, req.status)
        data = [parts.grid_row(r, deps.ref, deps.settings.zone, _, lang) for r in found]
        done = len(data) < req.end - req.start
        return {"rowData": data, "rowCount": req.start + len(data) if done else None}


def _detail(app, deps) -> None:  # noqa: ANN001
    @app.callback(Output(ids.DETAIL, "children"), Input(ids.TABLE, "cellClicked"), State(ids.URL, "search"),
                  prevent_initial_call=True)
    def detail(clicked, search):
        user = require_supervisor()
        if clicked is None:
            return no_update
        row_id = clicked.get("rowId") if isinstance(clicked, dict) else None
        if not isinstance(row_id, str) or not row_id.isdigit() or not 0 < int(row_id) < 2**62:
            abort(400)
        with deps.engine.connect() as conn:
            found = sq.detail(conn, user.effective_scope, int(row_id), with_identity=user.sees_identity)
        lang = ids.lang_of(search)
        _ = gettext(lang)
        if found is None:
            return [parts.html.P(_("Report not found."))]
        return parts.detail_panel(found, deps.ref, deps.settings.zone, _, lang)
