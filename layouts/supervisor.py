"""The supervisor view ``/supervisor``: drill-down filters (state in the URL), panels for
the filtered set, the report grid (dash-ag-grid, rows paged on the server), report detail, and the
kelurahan page (shown when one kelurahan is selected). ``callbacks.supervisor`` fills
every panel; this module only builds components (pure, apart from reading who is signed
in to decide whether to build anything at all, and the session's CSRF token for the
sign-out form).

Language: ``?lang=en`` (Bahasa Indonesia otherwise) stays in the URL next to the filters
(:func:`lang_of`, :func:`with_lang`), so the callbacks and a shared link use it too. Every
visible label comes from the catalogs, including the date picker's placeholders and
format, the dropdowns' built-in texts and the grid's built-in texts.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, quote

import dash_ag_grid as dag
import dash_leaflet as dl
from dash import dcc, html
from flask import session
from flask_login import current_user

from dashboard.config import Settings
from dashboard.supervisor.filters import Allowed, allowed_for
from dashboard.supervisor.grid import SORTABLE
from dashboard.i18n import DEFAULT_LANGUAGE, Gettext, gettext, language
from dashboard.access.auth import Role, User
from dashboard.access.login_guard import csrf_token
from dashboard.models import STATUS_ORDER
from dashboard.reference import Category, Reference, load_reference
from dashboard.store.reports import VIEW_POINTS
from layouts import ids
from layouts.numbers import number

JAKARTA_BOUNDS = [[-6.38, 106.68], [-6.08, 106.98]]
GRAPH_CONFIG = {"displayModeBar": False, "responsive": True}


def layout(settings: Settings | None = None, lang: str | None = None, **_query: str) -> html.Main:
    """The view for a signed-in supervisor; a sign-in prompt (no data) for anyone else."""
    lang = language(lang)
    _ = gettext(lang)
    user = current_user
    if not getattr(user, "can_supervise", False):
        back = with_lang("", lang)
        login = "/login?" + (f"lang={lang}&" if back else "") + "next=" + quote("/supervisor" + back, safe="/")
        return html.Main([html.H1(_("Supervisor")), html.P(_("Sign in to open the supervisor view.")),
                          html.A(_("Sign in"), href=login)],
                         id=ids.SUPERVISOR_ROOT, className="view-supervisor view-supervisor--locked", lang=lang)
    return view_for(user, load_reference(), lang, csrf_token(session))


def skeleton(settings: Settings | None = None) -> html.Main:
    """Every component of the view, empty, for ``app.validation_layout`` (no request needed)."""
    return view_for(User(0, "-", Role.ADMIN), load_reference(), DEFAULT_LANGUAGE, "")


def lang_of(search: object) -> str:
    """The page language from the URL query (``?lang=en``); Bahasa Indonesia otherwise."""
    query = search.lstrip("?") if isinstance(search, str) else ""
    return language(parse_qs(query).get("lang", [None])[0])


def with_lang(query: str, lang: str) -> str:
    """``?<query>`` keeping a non-default language, so filter changes do not lose it."""
    pairs = [query] if query else []
    pairs += [f"lang={lang}"] if lang != DEFAULT_LANGUAGE else []
    return "?" + "&".join(pairs) if pairs else ""


def view_for(user: User, ref: Reference, lang: str, token: str) -> html.Main:
    _ = gettext(lang)
    scope = user.effective_scope
    allowed = allowed_for(ref, scope.kind.value if scope else None, scope.code if scope else None)
    return html.Main([
        dcc.Location(id=ids.SUPERVISOR_URL, refresh=False),
        _header(user, _, lang, token),
        filter_bar(ref, allowed, _, lang),
        html.Div(id=ids.SUPERVISOR_ERROR, className="sup__error", role="alert"),
        html.Section(id=ids.SUPERVISOR_KPIS, className="sup__kpis"),
        html.Section(id=ids.SUPERVISOR_KELURAHAN_PANEL, className="sup__kelurahan"),
        html.Section([_graph(ids.SUPERVISOR_STATUS_FIG), _graph(ids.SUPERVISOR_TREND_FIG), _map(_)],
                     className="sup__row"),
        html.Section([_graph(ids.SUPERVISOR_AGENCY_FIG), _graph(ids.SUPERVISOR_KELURAHAN_FIG),
                      _graph(ids.SUPERVISOR_CATEGORY_FIG)], className="sup__row"),
        html.Section([_graph(ids.SUPERVISOR_RESPOND_FIG), _graph(ids.SUPERVISOR_RESOLVE_FIG),
                      _graph(ids.SUPERVISOR_FUNNEL_FIG)], className="sup__row"),
        html.Section([html.H2(_("Anti-gaming flags")), html.Div(id=ids.SUPERVISOR_FLAGS)], className="sup__panel"),
        html.Section([html.H2(_("Reports")), report_grid(_)], className="sup__panel"),
        html.Section(id=ids.SUPERVISOR_DETAIL, className="sup__panel sup__detail"),
    ], id=ids.SUPERVISOR_ROOT, className="view-supervisor", lang=lang)


def _header(user: User, _: Gettext, lang: str, token: str) -> html.Header:
    scope = f" · {user.effective_scope}" if user.effective_scope else ""
    return html.Header([
        html.H1("Pantau · " + _("Supervisor")),
        html.Span(f"{user.username} ({user.role.value}{scope})", className="sup__user"),
        html.A(_("Export CSV"), id=ids.SUPERVISOR_EXPORT, href="/supervisor/export.csv", className="sup__export"),
        html.Form([dcc.Input(type="hidden", name="csrf_token", value=token, id=ids.SUPERVISOR_LOGOUT_CSRF),
                   dcc.Input(type="hidden", name="lang", value=lang),
                   html.Button(_("Sign out"), type="submit", id=ids.SUPERVISOR_LOGOUT, className="sup__logout")],
                  action="/logout", method="POST", className="sup__logout-form"),
    ], className="sup__header")


def filter_bar(ref: Reference, allowed: Allowed, _: Gettext, lang: str = DEFAULT_LANGUAGE) -> html.Div:
    categories = sorted((category_name(c, lang), c.code) for c in ref.categories.values())
    return html.Div([
        _dropdown(ids.SUPERVISOR_F_AGENCY, _("Agency"), agency_options(ref, allowed), _, multi=True),
        _dropdown(ids.SUPERVISOR_F_KOTA, _("Kota"),
                  [{"label": ref.kota[c].name, "value": c} for c in sorted(allowed.kota)], _),
        _dropdown(ids.SUPERVISOR_F_KECAMATAN, _("Kecamatan"), [], _),
        _dropdown(ids.SUPERVISOR_F_KELURAHAN, _("Kelurahan"), [], _),
        _dropdown(ids.SUPERVISOR_F_CATEGORY, _("Category"), [{"label": n, "value": c} for n, c in categories], _,
                  multi=True),
        _dropdown(ids.SUPERVISOR_F_STATUS, _("Status"),
                  [{"label": _(s.label), "value": s.value} for s in STATUS_ORDER], _, multi=True),
        html.Label([_("Dates"), date_range(_)], className="sup__filter sup__filter--dates"),
        dcc.Checklist(id=ids.SUPERVISOR_F_OVERDUE, options=[{"label": _("Overdue only"), "value": "1"}], value=[],
                      className="sup__filter sup__overdue"),
        html.Button(_("Reset"), id=ids.SUPERVISOR_F_RESET, n_clicks=0, className="sup__reset"),
    ], className="sup__filters")


def date_range(_: Gettext) -> dcc.DatePickerRange:
    """Placeholders and display format from the catalogs (id: 27/11/2026, en: 27 Nov 2026).
    The calendar's month and weekday names come from the picker's own date library
    (Dash 4: date-fns, ``window.dateFns.locale`` chosen by the browser's language) and
    stay English: Pantau ships no date-fns locale."""
    return dcc.DatePickerRange(id=ids.SUPERVISOR_F_DATES, display_format=_("format:picker-date"), clearable=True,
                               start_date_placeholder_text=_("From date"), end_date_placeholder_text=_("To date"),
                               first_day_of_week=1)


def dropdown_labels(_: Gettext) -> dict:
    """dcc.Dropdown's own texts (Dash 4 replaces the whole dict: give every key)."""
    return {"select_all": _("Select all"), "deselect_all": _("Deselect all"),
            "selected_count": _("{num_selected} selected"), "search": _("Search"),
            "clear_search": _("Clear search"), "clear_selection": _("Clear selection"),
            "no_options_found": _("No options found")}


def _dropdown(component_id: str, label: str, options: list[dict], _: Gettext, multi: bool = False) -> html.Label:
    return html.Label([label, dcc.Dropdown(id=component_id, options=options, multi=multi, clearable=True,
                                           placeholder=label, labels=dropdown_labels(_))], className="sup__filter")


def category_name(category: Category, lang: str) -> str:
    """A category in the page language (the reference has Indonesian and English names)."""
    return category.name_en if lang == "en" and category.name_en else category.name


def agency_options(ref: Reference, allowed: Allowed) -> list[dict]:
    return [{"label": ref.agencies[c].name, "value": c}
            for c in sorted(allowed.agency, key=lambda c: (ref.agencies[c].kind != "suku_dinas", ref.agencies[c].name))]


def kecamatan_options(ref: Reference, allowed: Allowed, kota: str | None) -> list[dict]:
    codes = [c for c, k in allowed.kecamatan.items() if kota is None or k == kota]
    return [{"label": ref.kecamatan[c].name, "value": c} for c in sorted(codes, key=lambda c: ref.kecamatan[c].name)]


def kelurahan_options(ref: Reference, allowed: Allowed, kota: str | None, kecamatan: str | None) -> list[dict]:
    codes = [c for c, kec in allowed.kelurahan.items()
             if (kecamatan is None or kec == kecamatan) and (kota is None or allowed.kecamatan.get(kec) == kota)]
    return [{"label": ref.kelurahan[c].name, "value": c} for c in sorted(codes, key=lambda c: ref.kelurahan[c].name)]


def _graph(component_id: str) -> dcc.Graph:
    return dcc.Graph(id=component_id, config=GRAPH_CONFIG, className="sup__graph")


def _map(_: Gettext) -> html.Div:
    return html.Div([dl.Map([
        dl.GeoJSON(id=ids.SUPERVISOR_AREAS, url="/supervisor/areas.json", style={"variable": "pantau.map.areaStyle"},
                   hideout={"backlog": {}, "max": 1}),
        dl.GeoJSON(id=ids.SUPERVISOR_POINTS, cluster=True, zoomToBoundsOnClick=True,
                   pointToLayer={"variable": "pantau.map.pointToLayer"},
                   clusterToLayer={"variable": "pantau.map.clusterToLayer"}),
    ], id=ids.SUPERVISOR_MAP, bounds=JAKARTA_BOUNDS, zoomSnap=0.25, className="sup__map-inner"),
        html.P(_("Map: the newest {n} reports of the filtered set").format(n=number(VIEW_POINTS, _)),
               className="sup__caption")], className="sup__map")


def grid_texts(_: Gettext) -> dict:
    """AG Grid's own texts that this grid can show (``localeText``)."""
    return {"loadingOoo": _("Loading…"), "noRowsToShow": _("No reports to show"),
            "filterOoo": _("Filter…"), "equals": _("Equals"), "loadingError": _("Error")}


def report_grid(_: Gettext) -> dag.AgGrid:
    """dash-ag-grid, infinite row model: the browser asks for blocks of 100 rows
    (``getRowsRequest``) and ``callbacks.supervisor`` answers from the scoped, paged query.
    Cells are plain text (no HTML renderer); sort and filter only where the server allows
    (``dashboard.supervisor.grid``)."""
    def col(field: str, header: str, **extra: Any) -> dict:
        return {"field": field, "colId": field, "headerName": header, "sortable": field in SORTABLE, **extra}
    equals = {"filterOptions": ["equals"], "maxNumConditions": 1}
    columns = [col("id", _("ID"), filter="agNumberColumnFilter", filterParams=equals, width=110),
               col("requested_at", _("Received"), width=150), col("updated_at", _("Updated"), width=150),
               col("status", _("Status"), filter="agTextColumnFilter", filterParams=equals, width=130),
               col("category", _("Category")), col("kelurahan", _("Kelurahan")), col("agency", _("Agency")),
               col("description", _("Text"), flex=2)]
    return dag.AgGrid(id=ids.SUPERVISOR_TABLE, rowModelType="infinite", columnDefs=columns,
                      defaultColDef={"resizable": True, "filter": False, "sortable": False},
                      getRowId="params.data.id", className="sup__grid", style={"height": "460px"},
                      dashGridOptions={"cacheBlockSize": 100, "maxBlocksInCache": 20, "rowBuffer": 0,
                                       "infiniteInitialRowCount": 1, "maxConcurrentDatasourceRequests": 1,
                                       "sortingOrder": ["desc", "asc", None], "localeText": grid_texts(_)})


#: All supervisor ids without a signed-in user (``app.validation_layout`` uses it).
validation_layout = skeleton
