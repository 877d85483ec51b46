"""The wall view (``/wall``): one no-scroll grid for a 4K monitoring-room screen.

:func:`layout` builds the empty frame (no I/O); :func:`render` turns a wall snapshot
payload into everything the refresh callback sends. Both are pure.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import dash_leaflet as dl
import orjson
from dash import dcc, html

from dashboard.config import Settings
from dashboard.processes.health import STORE, WORKER, Health
from dashboard.i18n import gettext, language
from dashboard.models import OPEN, STATUS_ORDER
from layouts import components, figures, geo, ids

#: Mainland Jakarta; the map starts here and is never moved by a refresh.
JAKARTA_CENTER = [-6.2075, 106.83]
JAKARTA_BOUNDS = [[-6.373, 106.685], [-6.088, 106.974]]  # the kelurahan polygons' extent
AGENCY_ROWS = 8  # what fits the panel at wall type sizes; the payload has up to 12
GATES, GATES_FLOOD = 3, 5  # gate tiles that fit at wall type sizes (flood mode: two panels wide)
FIGURE_CONFIG = {"displayModeBar": False, "responsive": True, "staticPlot": True}


def layout(settings: Settings, lang: str | None = None, agency: str | None = None, **_query) -> html.Div:
    """The wall frame; the first poll fills it. ``?lang=en`` switches language,
    ``?agency=<code>`` pins the focus zone instead of rotating.

    Two scopes, never mixed: the city frame (header, map, the city column, agencies,
    leaderboard, gates, ticker) is the whole city and never changes; the focus zone is one
    agency at a time, titled with its name, with a draining bar until the next one."""
    lang = language(lang)
    _ = gettext(lang)
    query = {"lang": lang, "agency": agency or None, "poll": settings.poll_seconds,
             "rotate": settings.agency_rotate_seconds, "all": _("All agencies")}
    return html.Div([
        dcc.Interval(id=ids.WALL_TICK, interval=settings.poll_seconds * 1000),
        dcc.Interval(id=ids.WALL_ROTATE, interval=1000),  # clientside only: the focus rotation
        dcc.Store(id=ids.WALL_VERSION), dcc.Store(id=ids.WALL_VIEWS),
        dcc.Store(id=ids.WALL_VIEWPORT), dcc.Store(id=ids.WALL_QUERY, data=query), dcc.Store(id=ids.WALL_FRESHNESS),
        _header(_, settings), _banners(_),
        html.Div(id=ids.WALL_FLOOD, className="floodbar", role="alert"),
        _map_panel(_, settings), _stats_panel(_), _focus_zone(_, agency), _agencies_panel(_),
        html.Section([html.H2(_("Kelurahan leaderboard"), className="panel__title"),
                      html.Div(id=ids.WALL_BOARD, className="board-grid")],
                     className="panel panel--board", id=ids.WALL_BOARD_PANEL),
        html.Section([html.H2(_("Flood gates"), className="panel__title"),
                      html.Div(id=ids.WALL_GATES, className="gates")],
                     className="panel panel--gates", id=ids.WALL_GATES_PANEL),
        html.Section(html.Ul(id=ids.WALL_TICKER, className="ticker__list"),
                     className="panel panel--ticker", id=ids.WALL_TICKER_PANEL),
    ], id=ids.WALL_ROOT, className="view-wall wall", lang=lang,
        **{"data-poll-ms": str(settings.poll_seconds * 1000), "data-tz": settings.tz})


def _header(_, settings: Settings) -> html.Header:
    return html.Header([
        html.Div([html.Span("PANTAU", className="brand"), html.Span(_("Jakarta citizen reports"), className="brand__sub")],
                 className="head__brand"),
        html.Div("–", id=ids.WALL_DATA_AS_OF, className="head__asof"),
        # painted by 41_wall_live.js from the polls (never LIVE before one has succeeded)
        html.Div("…", id=ids.WALL_BADGE, className="badge badge--wait", **{"data-error": _("server error")}),
        html.Div("--:--:--", id=ids.WALL_CLOCK, className="head__clock"),
    ], className="head", id=ids.WALL_HEAD)


def _banners(_) -> html.Div:
    return html.Div([
        html.Div(id=ids.WALL_STALE, className="banner banner--stale is-hidden", role="alert"),
        html.Div(id=ids.WALL_OFFLINE, className="banner banner--offline is-hidden", role="alert",
                 **{"data-text": _("connection lost since")}),
    ], className="banners")


def _map_panel(_, settings: Settings) -> html.Section:
    """The backlog map: open reports only, clustered (letter = the cluster's most common
    status, ring = its reports' ages against the 6 h / 7 d targets), kelurahan shaded by
    their open reports, and a legend beside the map (never over a marker). ``data-map``
    hands the page's vocabulary to 40_wall_map.js."""
    vocabulary = geo.map_vocabulary(_)
    layers = [dl.TileLayer(url=settings.tile_url)] if settings.tile_url else []
    layers += [
        dl.GeoJSON(id=ids.WALL_AREAS, url="/wall/areas.json", style={"variable": "pantau.map.backlogStyle"},
                   onEachFeature={"variable": "pantau.map.trackView"},
                   hideout={"backlog": {}, "max": 1}, interactive=False),
        dl.GeoJSON(id=ids.WALL_KOTA, url="/wall/kota.json", style={"variable": "pantau.map.kotaStyle"},
                   interactive=False),
        dl.GeoJSON(id=ids.WALL_POINTS, cluster=True, zoomToBoundsOnClick=True,
                   superClusterOptions={"radius": 80, "extent": 256, "maxZoom": 14},
                   pointToLayer={"variable": "pantau.map.wallPoint"},
                   clusterToLayer={"variable": "pantau.map.wallCluster"},
                   hideout={"flood": []}),
    ]
    return html.Section([
        html.H2(_("Open reports · whole city"), className="panel__title"),
        html.Div(
            # center/zoom are given too: dash-leaflet compares them on every move (undefined -> TypeError)
            dl.Map(layers, id=ids.WALL_MAP, bounds=JAKARTA_BOUNDS, center=JAKARTA_CENTER, zoom=11,
                   zoomSnap=0.1, zoomControl=False,
                   attributionControl=False, className="map", style={"width": "100%", "height": "100%"}),
            className="mapbox"),
        _legend(_, vocabulary),
    ], className="panel panel--map", id=ids.WALL_MAP_PANEL, **{"data-map": orjson.dumps(vocabulary).decode()})


def _legend(_, vocabulary: dict) -> html.Div:
    """What the map counts, in the page's language: the letters of the open statuses, the
    age ring's bands and the shading's bins with their unit."""
    def item(mark: html.Span, text: str) -> html.Span:
        return html.Span([mark, text], className="maplegend__item")
    letters = [item(html.Span(vocabulary["letters"][s.value], className=f"maplegend__chip maplegend__chip--{s.value}"),
                    _(s.label)) for s in STATUS_ORDER if s in OPEN]
    ages = [item(html.Span(className=f"maplegend__ring maplegend__ring--{band}"), _(label))
            for band, label in geo.AGE_BANDS]
    scale = html.Span([html.Span(label, className="maplegend__bin", style={"background": colour})
                       for colour, label in geo.backlog_scale()], className="maplegend__scale")
    return html.Div([
        html.Div(letters, className="maplegend__group"),
        html.Div([html.Span(_("Ring: age"), className="maplegend__head")] + ages, className="maplegend__group"),
        html.Div([html.Span(_("open reports per kelurahan"), className="maplegend__head maplegend__unit"), scale],
                 className="maplegend__group"),
    ], id=ids.WALL_MAP_LEGEND, className="maplegend")


def _stats_panel(_) -> html.Section:
    """The city column: the whole city, whatever the focus zone shows."""
    return html.Section([
        html.H2(_("All Jakarta · all agencies"), id=ids.WALL_CITY, className="panel__title scope scope--city"),
        components.kpi_strip(_, components.KPI_KEYS, ids.WALL_KPI_PREFIX, ids.WALL_KPIS),
        html.H2(_("New today by current status"), className="panel__title"),
        html.Div(id=ids.WALL_STATUS_FIG, className="statuses"),
        # the title is the legend: each word underlined like its line
        html.H2([html.Span(_("New"), className="key key--new"), " vs ", html.Span(_("Closed"), className="key key--closed"),
                 ", " + _("last 24 h")], className="panel__title"),
        dcc.Graph(id=ids.WALL_FLOW_FIG, config=FIGURE_CONFIG, className="fig fig--flow"),
    ], className="panel panel--stats", id=ids.WALL_STATS)


def _focus_zone(_, agency: str | None) -> html.Section:
    """One agency at a time: its name as the zone's title, a bar draining until the next
    agency (hidden when ``?agency=`` pins the zone), its backlog numbers and ages."""
    return html.Section([
        html.Div([html.Span(_("Agency in focus"), className="focus__key"),
                  html.H2("–", id=ids.WALL_FOCUS_LABEL, className="focus__name scope scope--focus")],
                 className="focus__head"),
        html.Div(html.Div(id=ids.WALL_FOCUS_BAR, className="focus__bar-fill"),
                 className="focus__bar" + (" is-pinned" if agency else "")),
        components.kpi_strip(_, components.FOCUS_KPI_KEYS, ids.WALL_FOCUS_KPI_PREFIX, ids.WALL_FOCUS_KPIS),
        html.H2(_("Open backlog by age"), className="panel__title"),
        dcc.Graph(id=ids.WALL_BACKLOG_FIG, config=FIGURE_CONFIG, className="fig fig--backlog"),
    ], className="panel panel--focus", id=ids.WALL_FOCUS)


def _agencies_panel(_) -> html.Section:
    head = html.Div([html.Span(_("Agency")), html.Span(""), html.Span(_("Open")), html.Span(_("Overdue"))],
                    className="agency agency--head")
    return html.Section([html.H2(_("Agencies: open and overdue"), className="panel__title"), head,
                         html.Div(id=ids.WALL_AGENCY_FIG, className="agencies")],
                        className="panel panel--agencies", id=ids.WALL_AGENCIES)


def focus_views(payload: dict, _, vh_px: float | None) -> dict:
    """Per agency in the rotation: its KPI texts, status level and backlog-by-age figure
    (the focus zone; the city column is rendered apart and never rotates)."""
    def view(part: dict) -> dict:
        kpis = part.get("kpis", {})
        return {"kpis": components.kpi_values(kpis, _, components.FOCUS_KPI_KEYS), "level": kpis.get("status", "ok"),
                "backlog": figures.backlog_bar(part.get("backlog_by_age", []), _, vh_px)}
    focus = payload.get("focus", {})
    names = {a["code"]: components.agency_name(a, _) for a in payload.get("agencies", [])}
    by = {code: view(part) for code, part in focus.items()}
    shown = [c for c in names if c in focus][:AGENCY_ROWS]  # rotate over the rows on screen
    backlog = payload.get("kelurahan_backlog", {})
    return {"order": shown, "names": names, "by": by, "version": payload.get("version"),
            "areas": {"backlog": backlog, "max": max(list(backlog.values()) + [1]), "version": payload.get("version")}}


def render(payload: dict, lang: str, zone: ZoneInfo, vh_px: float | None,
           gate_coords: dict[str, tuple[float, float]] | None = None) -> tuple:
    """Everything one refresh sends, in the refresh callback's output order.
    ``gate_coords`` (gate code -> (lat, lon)) places the flood highlight on the map."""
    _ = gettext(lang)
    version = payload.get("version", 0)
    flood_rivers = set(payload.get("flood_rivers", []))
    coords = gate_coords or {}
    flood_at = [list(coords[g["code"]]) for g in payload.get("gates", [])
                if g.get("river") in flood_rivers and g.get("code") in coords]
    flood = payload.get("flood") if payload.get("flood_mode") else None
    kpis = payload.get("kpis", {})
    return (
        version, focus_views(payload, _, vh_px) | {"flood": flood_at},
        *components.kpi_values(kpis, _), "kpis kpis--" + kpis.get("status", "ok"),
        components.status_rows(payload.get("status_today", []), _),
        figures.flow_lines(payload.get("flow_24h", {}), _, zone, vh_px),
        components.agency_rows(payload.get("agencies", [])[:AGENCY_ROWS], _),
        components.leaderboard(payload.get("leaderboard", {}), _, lang),
        components.gate_tiles(_gates_in_order(payload.get("gates", []), GATES_FLOOD if flood else GATES),
                              _, lang, zone, version, vh_px),
        components.ticker(payload.get("ticker", []), _),
        {"flood": flood_at},
        components.flood_banner(flood, _, lang, zone),
        "view-wall wall wall--flood" if flood else "view-wall wall",
    )


def _gates_in_order(gates: list[dict], limit: int) -> list[dict]:
    """The most alarming gates first: siaga 1 before 4, then the level nearest its Siaga 3
    threshold (``alert_ratio``); ``limit`` tiles fit the panel at wall type sizes."""
    return sorted(gates, key=lambda g: (int(g.get("siaga") or 4), -float(g.get("alert_ratio") or 0),
                                        g.get("name", "")))[:limit]


def freshness(health: Health, now, stale_seconds: int, lang: str, zone: ZoneInfo, tick: int | None = None) -> dict:
    """What the browser needs to paint the badge (41_wall_live.js): the data's age at
    ``now`` (seconds; None if there is no data), the age after which it is stale, the
    reason the wall is not live (database unreachable, worker inactive since HH:MM; "" if
    none), the stale banner's text and the "data as of" text (None when unknown: the page
    keeps the last one). ``tick`` makes every poll's answer differ, so the browser sees each."""
    _ = gettext(lang)
    as_of = health.data_as_of
    stamp = as_of.astimezone(zone).strftime("%H:%M:%S") if as_of else None
    why = reason_text(health.reason, _, zone)
    if why:
        banner = f"{why} · {_('data as of')} {stamp}" if stamp else why
    else:
        banner = f"{_('STALE: no new data; showing data as of')} {stamp or '--:--:--'}"
    return {"age": (now - as_of).total_seconds() if as_of else None, "stale_after": stale_seconds,
            "reason": why, "banner": banner, "as_of": f"{_('data as of')} {stamp}" if stamp else None,
            "tick": tick}


def reason_text(reason: tuple | None, _, zone: ZoneInfo) -> str:
    """"basis data tidak terjangkau", "worker tidak aktif sejak 09:58" (or without a time
    when the worker never beat), "" when there is no reason."""
    if reason is None:
        return ""
    kind, since = reason
    if kind == STORE:
        return _("database unreachable")
    if kind == WORKER and since is not None:
        return f"{_('worker inactive since')} {since.astimezone(zone).strftime('%H:%M')}"
    return _("worker inactive")
