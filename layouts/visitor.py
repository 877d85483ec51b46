"""The visitor view (``/visitor``): a public, bilingual guided tour that rotates by itself.

Five scenes, one caption each: how a report travels, today's reports on the map, the
status breakdown, the kelurahan leaderboard, the flood gates. All scenes are in the page
at once; ``assets/32_visitor.js`` shows one at a time (rotation, pause, arrow keys, touch),
so stepping costs no server request. One Interval refreshes the numbers.

Every string goes through the Babel catalogs (``dashboard.i18n``); data come only from
:class:`dashboard.public.query.PublicStore` (coarse points, redacted text). Pure builders.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import dash_leaflet as dl
from dash import dcc, html

from dashboard.clock import parse_iso
from dashboard.config import Settings
from dashboard.i18n import LANGUAGES, gettext, language
from dashboard.models import STATUS_ORDER, Status
from dashboard.public.query import siaga_levels
from layouts import ids
from layouts.numbers import number

SCENE_SECONDS = 12
POLL_FACTOR = 4  # numbers refresh every 4 x poll_seconds: a tour needs no more
MAX_MARKERS = 400
JAKARTA_BOUNDS = [[-6.37, 106.69], [-6.09, 106.98]]
OPEN_COLOUR, DONE_COLOUR = "#D55E00", "#009E73"  # --c-menunggu, --c-selesai

#: (scene key, title msgid, caption msgid)
SCENES = (
    ("journey", "How a report travels",
     "A resident reports in the app; the kelurahan takes it on, passes it to a suku dinas "
     "if it is theirs, and closes it with a photo of the fix."),
    ("map", "Today's reports on the map",
     "Each circle is a square of about 100 m with reports today; exact places are never shown."),
    ("status", "Where today's reports stand",
     "Every report moves from waiting to done; the bars count today's reports at each step."),
    ("board", "Kelurahan leaderboard",
     "The score (0-100) rewards kelurahan that handle reports, respond within 6 hours, "
     "resolve within 7 days and leave few overdue or reopened."),
    ("gates", "Flood gates",
     "Water levels at Jakarta's flood gates; Siaga 4 is normal and Siaga 1 the most dangerous."),
)
JOURNEY = ("Citizen app", "Kelurahan", "Suku dinas", "Done")
STATUS_MEANING = {
    Status.MENUNGGU: "waiting at the kelurahan",
    Status.KOORDINASI: "being coordinated with another office",
    Status.DISPOSISI: "handed to a suku dinas",
    Status.PROSES: "being worked on",
    Status.SELESAI: "done, with a photo of the fix",
}


def layout(settings: Settings, lang: str | None = None, seconds: str | None = None, **_query) -> html.Div:
    """The tour frame; ``callbacks.visitor`` fills the numbers. ``?lang=en`` for English,
    ``?seconds=N`` (3..300) for the time each scene stays."""
    lang = language(lang)
    _ = gettext(lang)
    return html.Div([
        dcc.Interval(id=ids.VISITOR_TICK, interval=settings.poll_seconds * POLL_FACTOR * 1000),
        dcc.Store(id=ids.VISITOR_QUERY, data={"lang": lang}),
        _header(_, lang),
        html.Div([_scene(i, key, _(title), _(caption), _body(key, _, lang, settings))
                  for i, (key, title, caption) in enumerate(SCENES)],
                 className="visitor-stage", id=ids.VISITOR_STAGE),
        _controls(_),
    ], id=ids.VISITOR_ROOT, className="view-visitor", lang=lang,
        **{"data-scene": "0", "data-seconds": str(scene_seconds(seconds)), "data-paused": "false"})


def scene_seconds(raw: str | None) -> int:
    """Seconds per scene from ``?seconds=``: clamped to 3..300, default 12."""
    try:
        return min(300, max(3, int(raw))) if raw else SCENE_SECONDS
    except ValueError:
        return SCENE_SECONDS


def _header(_, lang: str) -> html.Header:
    links = [html.A(code.upper(), href=f"/visitor?lang={code}", hrefLang=code,
                    className="visitor-lang" + (" is-current" if code == lang else ""))
             for code in LANGUAGES]
    return html.Header([
        html.Span("PANTAU", className="visitor-brand"),
        html.Span(_("Jakarta citizen reports"), className="visitor-sub"),
        html.Nav(links, className="visitor-langs", **{"aria-label": _("Language")}),
    ], className="visitor-head")


def _scene(i: int, key: str, title: str, caption: str, body) -> html.Section:  # noqa: ANN001
    return html.Section([
        html.H1(title, className="visitor-title"),
        html.Div(body, className=f"visitor-body visitor-body--{key}"),
        html.P(caption, className="visitor-caption"),
    ], className=f"visitor-scene visitor-scene--{key}", id=ids.child(ids.VISITOR_SCENE_PREFIX, key),
        **{"data-index": str(i), "aria-roledescription": "slide"})


def _body(key: str, _, lang: str, settings: Settings):  # noqa: ANN001, ANN202
    if key == "journey":
        return _journey(_)
    if key == "map":
        return _map(_, settings)
    if key == "gates":
        return [html.Div(id=ids.VISITOR_GATES, className="visitor-gates"), siaga_legend(lang)]
    target = ids.VISITOR_STATUS if key == "status" else ids.VISITOR_BOARD
    return html.Div(id=target, className=f"visitor-{key}")


def _journey(_) -> html.Ol:  # noqa: ANN001
    return html.Ol([html.Li(_(step), className=f"visitor-step visitor-step--{i}")
                    for i, step in enumerate(JOURNEY)], className="visitor-journey")


def _map(_, settings: Settings) -> list:  # noqa: ANN001
    layers = [dl.TileLayer(url=settings.tile_url)] if settings.tile_url else []
    layers += [dl.GeoJSON(url="/visitor/kota.json", interactive=False,
                          style={"color": "#B8C2CF", "weight": 2, "fill": False}),
               dl.LayerGroup(id=ids.VISITOR_CELLS)]
    return [dl.Map(layers, id=ids.VISITOR_MAP, bounds=JAKARTA_BOUNDS, zoomSnap=0.25, zoomControl=False,
                   attributionControl=False, dragging=False, scrollWheelZoom=False,
                   className="visitor-map", style={"width": "100%", "height": "100%"}),
            html.Div([html.Div(id=ids.VISITOR_TOTAL),
                      html.Div([html.Span(className="visitor-key visitor-key--open"), _("still open"),
                                html.Span(className="visitor-key visitor-key--done"), _("all done")])],
                     className="visitor-total")]


def _controls(_) -> html.Nav:  # noqa: ANN001
    dots = [html.Button(str(i + 1), className="visitor-dot", title=_(title),
                        **{"data-action": "goto", "data-index": str(i)})
            for i, (_key, title, _c) in enumerate(SCENES)]
    return html.Nav([
        html.Button("◀", className="visitor-btn", title=_("Previous"), **{"data-action": "prev"}),
        html.Button(_("Pause"), className="visitor-btn visitor-btn--pause", id=ids.VISITOR_PAUSE,
                    **{"data-action": "pause", "data-label-pause": _("Pause"),
                       "data-label-play": _("Play"), "aria-pressed": "false"}),
        html.Button("▶", className="visitor-btn", title=_("Next"), **{"data-action": "next"}),
        html.Div(dots, className="visitor-dots"),
        html.Span(id=ids.VISITOR_AS_OF, className="visitor-asof"),
    ], className="visitor-controls", **{"aria-label": _("Tour controls")})


def siaga_legend(lang: str) -> html.Dl:
    """Siaga 4..1 with BPBD's meaning, in ``lang``."""
    items = []
    for level, name, meaning in siaga_levels(lang):
        items += [html.Dt(f"Siaga {level} · {name}", className=f"siaga siaga--{level}"),
                  html.Dd(meaning)]
    return html.Dl(items, className="visitor-siaga")


def render(summary: dict, lang: str, zone: ZoneInfo) -> tuple:
    """(status, cells, board, gates, as-of, total) children from a public summary."""
    _ = gettext(lang)
    total = sum(r["n"] for r in summary["status_today"])
    return (status_bars(summary["status_today"], _), cell_markers(summary["cells"]),
            board_rows(summary["leaderboard"], _), gate_rows(summary["gates"], _),
            as_of_text(summary.get("as_of"), _, zone),
            number(total, _) + " " + _("reports today"))


def status_bars(rows: list[dict], _) -> list[html.Div]:  # noqa: ANN001
    top = max([r["n"] for r in rows] + [1])
    return [html.Div([
        html.Span(_(Status(r["status"]).label), className="visitor-bar__label"),
        html.Span(html.Span(className=f"visitor-bar__fill st--{r['status']}",
                            style={"width": f"{100 * r['n'] / top:.1f}%"}), className="visitor-bar__track"),
        html.Span(str(r["n"]), className="visitor-bar__n"),
        html.Span(_(STATUS_MEANING[Status(r["status"])]), className="visitor-bar__meaning"),
    ], className="visitor-bar") for r in rows]


def cell_markers(cells: list[dict]) -> list:
    """One circle per grid cell, area growing with its count; orange while any report in
    it is open, green when all are done."""
    return [dl.CircleMarker(center=[c["lat"], c["lon"]], radius=min(18.0, 3 + 2.5 * c["n"] ** 0.5),
                            color=OPEN_COLOUR if c["open"] else DONE_COLOUR, weight=1, fillOpacity=0.6)
            for c in cells[:MAX_MARKERS]]


def board_rows(board: dict, _) -> list:  # noqa: ANN001
    if not board["best"]:
        return [html.P(_("No leaderboard yet."), className="visitor-empty")]
    rows = [html.Li([html.Span(r["name"] or "", className="visitor-board__name"),
                     html.Span(r.get("kota") or "", className="visitor-board__kota"),
                     html.Span(f"{float(r['score'] or 0):.0f}", className="visitor-board__score")])
            for r in board["best"]]
    return [html.Ol(rows, className="visitor-board__list")]


def gate_rows(gates: list[dict], _) -> list:  # noqa: ANN001
    if not gates:
        return [html.P(_("No water levels yet."), className="visitor-empty")]
    worst = sorted(gates, key=lambda g: (g["siaga"], -(g["level_cm"] or 0)))[:6]
    return [html.Div([html.Span(g["name"], className="visitor-gate__name"),
                      html.Span(f"{g['level_cm']:.0f} cm", className="visitor-gate__level"),
                      html.Span(f"Siaga {g['siaga']}", className=f"siaga siaga--{g['siaga']}")],
                     className="visitor-gate") for g in worst]


def as_of_text(as_of: str | None, _, zone: ZoneInfo) -> str:  # noqa: ANN001
    if not as_of:
        return ""
    when = parse_iso(str(as_of)).astimezone(zone)
    return _("updated") + f" {when:%H:%M} {when.tzname()}"


#: Every msgid this view uses (the catalogs must hold them; tests/unit check).
MSGIDS = tuple({m for _k, t, c in SCENES for m in (t, c)} | set(JOURNEY) | set(STATUS_MEANING.values())
               | {s.label for s in STATUS_ORDER} | {
                   "Jakarta citizen reports", "Language", "Previous", "Pause", "Play", "Next",
                   "Tour controls", "reports today", "still open", "all done", "No leaderboard yet.", "No water levels yet.",
                   "updated"})
