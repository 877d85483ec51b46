"""Callbacks of the supervisor view. ``register(app, deps)`` also sets up logins and the
guard (``callbacks.auth``) and the view's HTTP routes (``callbacks.supervisor_routes``).

Every callback starts with :func:`current_view`: it requires a signed-in supervisor
(401/403 otherwise), parses the URL filter state against the values *this account* may
use (400 for anything else) and builds the scoped :class:`View` every read goes through.

Texts are in the page language, ``?lang=`` in the URL query (``sv.lang_of``); the
filter sync keeps it in the URL when it rewrites the query.
"""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, ctx, no_update
from flask import abort
from sqlalchemy.engine import Connection

from callbacks import supervisor_routes
from callbacks.auth import init_auth, protect, require_supervisor
from callbacks.deps import Deps
from dashboard.access.auth import User
from dashboard.supervisor.filters import Allowed, FilterError, Filters, allowed_for, parse, to_query
from dashboard.supervisor.grid import parse_rows_request
from dashboard.i18n import Gettext, gettext
from dashboard.models import STATUS_ORDER
from dashboard.store import flow, reports
from dashboard.store import performance as insights
from dashboard.store import tallies as cube
from dashboard.store.view import View
from layouts import ids
from layouts import supervisor as sv
from layouts import supervisor_figures as figs
from layouts import supervisor_parts as parts
from layouts.numbers import number

CONTROLS = (ids.SUPERVISOR_F_AGENCY, ids.SUPERVISOR_F_KOTA, ids.SUPERVISOR_F_KECAMATAN, ids.SUPERVISOR_F_KELURAHAN,
            ids.SUPERVISOR_F_CATEGORY, ids.SUPERVISOR_F_STATUS)
CLICKS = {ids.SUPERVISOR_STATUS_FIG: "status", ids.SUPERVISOR_AGENCY_FIG: "agency",
          ids.SUPERVISOR_CATEGORY_FIG: "category",
          ids.SUPERVISOR_KELURAHAN_FIG: "kelurahan", ids.SUPERVISOR_AREAS: "kelurahan"}


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


def allowed_of(deps: Deps, user: User) -> Allowed:
    scope = user.effective_scope
    return allowed_for(deps.ref, scope.kind.value if scope else None, scope.code if scope else None)


def current_view(deps, query) -> tuple[User, View]:  # noqa: ANN001
    """The signed-in supervisor and their validated, scoped view (aborts 401/403/400)."""
    user = require_supervisor()
    if not isinstance(query, str):
        abort(400)
    try:
        filters = parse(query, allowed_of(deps, user))
    except FilterError:
        abort(400)
    return user, View(filters, user.effective_scope, deps.now(), deps.settings.zone)


# --- filter state: URL <-> controls, clicks ---------------------------------------------
def _sync(app, deps) -> None:  # noqa: ANN001
    outputs = [Output(ids.SUPERVISOR_URL, "search"), *(Output(c, "value") for c in CONTROLS),
               Output(ids.SUPERVISOR_F_DATES, "start_date"), Output(ids.SUPERVISOR_F_DATES, "end_date"),
               Output(ids.SUPERVISOR_F_OVERDUE, "value"),
               Output(ids.SUPERVISOR_F_KECAMATAN, "options"), Output(ids.SUPERVISOR_F_KELURAHAN, "options")]
    inputs = [Input(ids.SUPERVISOR_URL, "search"), *(Input(c, "value") for c in CONTROLS),
              Input(ids.SUPERVISOR_F_DATES, "start_date"), Input(ids.SUPERVISOR_F_DATES, "end_date"),
              Input(ids.SUPERVISOR_F_OVERDUE, "value"),
              Input(ids.SUPERVISOR_F_RESET, "n_clicks"), *(Input(c, "clickData") for c in CLICKS)]

    @app.callback(*outputs, *inputs)
    def sync(search: str | None, agency: list[str] | None, kota: str | None, kec: str | None, kel: str | None,
             category: list[str] | None, status: list[str] | None, start: str | None, end: str | None,
             overdue: list[str] | None, _reset: int | None, *_clicks: dict | None) -> tuple:
        user = require_supervisor()
        allowed = allowed_of(deps, user)
        trigger = ctx.triggered_id
        try:
            if trigger in (None, ids.SUPERVISOR_URL):
                filters = parse(search or "", allowed)
            elif trigger == ids.SUPERVISOR_F_RESET:
                filters = Filters()
            elif trigger in CLICKS:
                filters = parse(_clicked(parse(search or "", allowed), trigger, ctx.triggered[0]["value"], deps.ref),
                                allowed)
            else:
                values = {"agency": agency, "kota": kota, "kecamatan": kec, "kelurahan": kel, "category": category,
                          "status": status, "from": start, "to": end, "overdue": "1" if overdue else None}
                filters = parse(_cascade(values, trigger, deps.ref), allowed)
        except (FilterError, KeyError, TypeError, IndexError, AttributeError):
            abort(400)
        new_search = (no_update if trigger in (None, ids.SUPERVISOR_URL)
                      else sv.with_lang(to_query(filters), sv.lang_of(search)))
        return (new_search, list(filters.agency), filters.kota, filters.kecamatan, filters.kelurahan,
                list(filters.category), list(filters.status),
                filters.since.isoformat() if filters.since else None,
                filters.until.isoformat() if filters.until else None, ["1"] if filters.overdue else [],
                sv.kecamatan_options(deps.ref, allowed, filters.kota),
                sv.kelurahan_options(deps.ref, allowed, filters.kota, filters.kecamatan))


def _cascade(values: dict, trigger: str, ref: Reference) -> dict:
    """Keep kota → kecamatan → kelurahan consistent with the control just changed."""
    if trigger == ids.SUPERVISOR_F_KOTA:
        values.update(kecamatan=None, kelurahan=None)
    elif trigger == ids.SUPERVISOR_F_KECAMATAN:
        values["kelurahan"] = None
        if values["kecamatan"] in ref.kecamatan:
            values["kota"] = ref.kecamatan[values["kecamatan"]].kota_code
    elif trigger == ids.SUPERVISOR_F_KELURAHAN and values["kelurahan"] in ref.kelurahan:
        kel = ref.kelurahan[values["kelurahan"]]
        values.update(kota=kel.kota_code, kecamatan=kel.kecamatan_code)
    return values


def _clicked(current: Filters, trigger: str, click: dict, ref: Reference) -> dict:
    """The current filters with the clicked bar / area applied (not yet validated)."""
    if trigger == ids.SUPERVISOR_AREAS:
        code = click["properties"]["code"]
    else:
        code = click["points"][0]["customdata"]
    values = {"agency": list(current.agency), "kota": current.kota, "kecamatan": current.kecamatan,
              "kelurahan": current.kelurahan, "category": list(current.category), "status": list(current.status),
              "from": current.since.isoformat() if current.since else None,
              "to": current.until.isoformat() if current.until else None, "overdue": "1" if current.overdue else None}
    key = CLICKS[trigger]
    values[key] = [code] if key in ("agency", "category", "status") else code
    return _cascade(values, ids.SUPERVISOR_F_KELURAHAN, ref) if key == "kelurahan" else values


# --- panels -------------------------------------------------------------------------------
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
    def overview(search):
        _user, view = current_view(deps, search or "")
        lang = sv.lang_of(search)
        _ = gettext(lang)
        ref = deps.ref
        with deps.engine.connect() as conn:
            cells = cube.cells(conn, view)
            kpis, statuses = cube.summary(conn, view, cells)
            days = flow.trend(conn, view)
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


def _bars(title: str, rows: list[tuple[str, int, int]], kind: str, ref: Reference, _: Gettext, lang: str) -> dict:
    ordered = sorted(rows, key=lambda r: (-r[2], r[0]))
    return figs.bars(title, [(code, parts.name_of(ref, kind, code, lang), open_n) for code, _n, open_n in ordered],
                     thousands=_("format:thousands-separator"))


def _kelurahan_page(conn, view: View, ref, _) -> list:  # noqa: ANN001
    code = view.filters.kelurahan
    score = insights.kelurahan_score(conn, code, view.now)
    return parts.kelurahan_panel(code, score, reports.open_backlog(conn, view), ref, _, view.zone)


def _insights(app, deps) -> None:  # noqa: ANN001
    @app.callback(Output(ids.SUPERVISOR_RESPOND_FIG, "figure"), Output(ids.SUPERVISOR_RESOLVE_FIG, "figure"),
                  Output(ids.SUPERVISOR_FUNNEL_FIG, "figure"), Output(ids.SUPERVISOR_FLAGS, "children"),
                  Input(ids.SUPERVISOR_URL, "search"))
    def analysis(search):
        _user, view = current_view(deps, search or "")
        _ = gettext(sv.lang_of(search))
        with deps.engine.connect() as conn:
            sample = insights.sample(conn, view)
            hops = insights.funnel(conn, sample)
        times, flagged = insights.response_times(sample), insights.gaming_flags(sample)
        newest = f" · {_('newest')} {number(insights.INSIGHT_ROWS, _)}"
        thousands = _("format:thousands-separator")
        return (figs.histogram(_("Time to coordination") + newest, times["respond"], "1h_6h", _("target 6 h"), _,
                               thousands),
                figs.histogram(_("Time to done") + newest, times["resolve"], "3d_7d", _("target 7 d"), _, thousands),
                figs.funnel(_("Hand-off funnel (median hours at each hop)") + newest, hops, _("h"), _, thousands),
                parts.flags_table(flagged, deps.ref, _))


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
    def rows(request, search):
        _user, view = current_view(deps, search or "")
        lang = sv.lang_of(search)
        _ = gettext(lang)
        try:
            req = parse_rows_request(parts.rows_request_in(request, _))
        except FilterError:
            abort(400)
        if req.status and view.filters.status and req.status not in view.filters.status:
            return {"rowData": [], "rowCount": 0}
        with deps.engine.connect() as conn:
            found = reports.page(conn, view, req.start, req.end, list(req.sort), req.report_id, req.status)
        data = [parts.grid_row(r, deps.ref, deps.settings.zone, _, lang) for r in found]
        done = len(data) < req.end - req.start
        return {"rowData": data, "rowCount": req.start + len(data) if done else None}


def _detail(app, deps) -> None:  # noqa: ANN001
    @app.callback(Output(ids.SUPERVISOR_DETAIL, "children"), Input(ids.SUPERVISOR_TABLE, "cellClicked"),
                  State(ids.SUPERVISOR_URL, "search"), prevent_initial_call=True)
    def detail(clicked, search):
        user = require_supervisor()
        if clicked is None:
            return no_update
        row_id = clicked.get("rowId") if isinstance(clicked, dict) else None
        if not isinstance(row_id, str) or not row_id.isdigit() or not 0 < int(row_id) < 2**62:
            abort(400)
        with deps.engine.connect() as conn:
            found = reports.detail(conn, user.effective_scope, int(row_id), with_identity=user.sees_identity)
        lang = sv.lang_of(search)
        _ = gettext(lang)
        if found is None:
            return [parts.html.P(_("Report not found."))]
        return parts.detail_panel(found, deps.ref, deps.settings.zone, _, lang)
