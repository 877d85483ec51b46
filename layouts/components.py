"""Pure component builders for the wall: payload pieces in, Dash components out.

Report text is only ever passed as a plain string child (React escapes it); nothing here
uses Markdown or ``dangerouslySetInnerHTML``.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from dash import dcc, html

from dashboard.clock import parse_iso
from dashboard.models import Status
from dashboard.public.query import siaga_text
from layouts import figures, ids, theme
from layouts.numbers import number

KPI_KEYS = ("today_new", "today_done", "open", "overdue", "unresponded_6h")
FOCUS_KPI_KEYS = ("open", "overdue", "unresponded_6h")  # what fits the focus zone at wall sizes
#: What each number counts: "today_new" are reports that came in today, "today_done" the
#: moves to Selesai today (whenever the report came in).
KPI_LABELS = {"today_new": "New today", "today_done": "Closed today", "open": "Open",
              "overdue": "Overdue > 7 d", "unresponded_6h": "Waiting > 6 h"}
PART_KEYS = ("processed", "response", "resolution", "overdue", "reopen")
BOARD_ROWS = 5  # best and worst rows that fit the panel at wall type sizes (the payload has 10)
STATIC_GRAPH = {"staticPlot": True, "displayModeBar": False, "responsive": True}


def clock_text(iso: str | None, zone: ZoneInfo, fmt: str = "%H:%M:%S") -> str:
    """A payload time shown in the display zone, e.g. ``10:04:59``; ``--:--`` if unknown."""
    when = parse_iso(iso) if iso else None
    return when.astimezone(zone).strftime(fmt) if when else "--:--"


def age_text(minutes: int | float | None, _) -> str:
    """Compact age: ``12 mnt``, ``5 j``, ``3 h`` (minutes, hours, days)."""
    m = max(0, int(minutes or 0))
    if m < 60:
        return f"{m} {_('min')}"
    if m < 48 * 60:
        return f"{m // 60} {_('h')}"
    return f"{m // 1440} {_('d')}"


def kpi_strip(_, keys: tuple[str, ...], prefix: str, strip_id: str) -> html.Div:
    """KPI tiles for ``keys``, values filled by a callback (ids ``<prefix>-<key>``)."""
    return html.Div([
        html.Div([html.Div("–", id=ids.child(prefix, key), className="kpi__value"),
                  html.Div(_(KPI_LABELS[key]), className="kpi__label")],
                 className=f"kpi kpi--{key}")
        for key in keys
    ], className="kpis", id=strip_id)


def kpi_values(kpis: dict, _, keys: tuple[str, ...] = KPI_KEYS) -> list[str]:  # noqa: ANN001
    """The KPI tile texts in ``keys`` order."""
    return [number(kpis.get(key), _) for key in keys]


def flood_banner(flood: dict | None, _, lang: str, zone: ZoneInfo) -> str:
    """"MODE BANJIR · Manggarai Siaga 2 sejak 00:40" (and, once every gate is below Siaga 2
    again, since when), or "" outside flood mode."""
    if not flood:
        return ""
    text = (f"{_('FLOOD MODE')} · {gate_name(flood.get('name') or flood.get('gate', ''))} "
            f"{siaga_text(int(flood.get('siaga') or 2), lang)} {_('since')} {clock_text(flood.get('since'), zone, '%H:%M')}")
    if flood.get("calm_since"):
        text += f" · {_('all gates below Siaga 2 since')} {clock_text(flood['calm_since'], zone, '%H:%M')}"
    return text


def status_rows(rows: list[dict], _) -> list[html.Div]:
    """Reports that came in today by their current status: the status in the view's
    language (the visitor's and supervisor's words), a bar and the count. HTML rather than
    a figure, so no label is ever dropped to make room: the rows share the panel's height."""
    top = max([r["n"] for r in rows] + [1])
    return [html.Div([
        html.Span(_(Status(r["status"]).label), className="status__name"),
        html.Span(html.Span(className=f"status__fill st--{r['status']}", style={"width": f"{100 * r['n'] / top:.1f}%"}),
                  className="status__bar"),
        html.Span(number(r["n"], _), className="status__n"),
    ], className="status") for r in rows]


def ticker(items: list[dict], _) -> list[html.Li]:
    """Latest reports as plain text: category · kelurahan · age · text."""
    return [
        html.Li([
            html.Span(item.get("category") or "", className="tick__cat"),
            html.Span(item.get("kelurahan") or "–", className="tick__kel"),
            html.Span(age_text(item.get("age_minutes"), _), className="tick__age"),
            html.Span(str(item.get("text") or "")[:140], className="tick__text"),
        ], className=f"tick tick--{item.get('status', '')}")
        for item in items
    ]


def agency_rows(agencies: list[dict], _) -> list[html.Div]:
    """Open and overdue per agency, as bars; ``data-agency`` lets the focus highlight one."""
    top = max([a.get("open", 0) for a in agencies] + [1])
    return [
        html.Div([
            html.Div(agency_name(a, _), className="agency__name"),
            html.Div([html.Div(className="agency__bar-open", style={"width": f"{100 * a.get('open', 0) / top:.1f}%"}),
                      html.Div(className="agency__bar-late", style={"width": f"{100 * a.get('overdue', 0) / top:.1f}%"})],
                     className="agency__bar"),
            html.Div(number(a.get("open"), _), className="agency__open"),
            html.Div(number(a.get("overdue"), _), className="agency__late"),
        ], className="agency", **{"data-agency": a["code"]})
        for a in agencies
    ]


def agency_name(row: dict, _) -> str:
    """The name the wall shows: the one row of all kelurahan offices in the view's
    language, other agencies by their short board name."""
    if row.get("kind") == "kelurahan" and row.get("code") == "kelurahan":
        return _("All kelurahan")
    return short_name(row.get("name") or row["code"])


#: Abbreviations Jakarta uses on its own boards; the kota part is what tells two suku
#: dinas apart, so it must survive a narrow column ("Sudin Perhubungan Jaksel").
SHORT = (("Suku Dinas ", "Sudin "), ("Satuan Polisi Pamong Praja", "Satpol PP"), ("Sumber Daya Air", "SDA"),
         ("Jakarta Selatan", "Jaksel"), ("Jakarta Timur", "Jaktim"), ("Jakarta Barat", "Jakbar"),
         ("Jakarta Utara", "Jakut"), ("Jakarta Pusat", "Jakpus"))


def short_name(name: str) -> str:
    """Agency names as Jakarta writes them on boards: "Sudin SDA Jaksel" for "Suku
    Dinas Sumber Daya Air Jakarta Selatan"."""
    for long, short in SHORT:
        name = name.replace(long, short)
    return name


def leaderboard(board: dict, _, lang: str = "id", rows: int = BOARD_ROWS) -> list:
    """Best and worst ``rows`` kelurahan: score and its five parts (as %), plus the formula
    line (the payload's formula is "Bahasa Indonesia | English"; we show one)."""
    head = html.Tr([html.Th("#"), html.Th(_("Kelurahan")), html.Th(_("Score"))]
                   + [html.Th(_(f"part:{k}"), className="part") for k in PART_KEYS])
    return [
        _board_table(_("Best {n}").format(n=rows), board.get("best", [])[:rows], head, "board--best"),
        _board_table(_("Worst {n}").format(n=rows), board.get("worst", [])[:rows], head, "board--worst"),
        html.Div(formula_text(board.get("formula", ""), lang), className="board__formula"),
    ]


def formula_text(formula: str, lang: str) -> str:
    """The formula in one language: the part after " | " is English."""
    parts = [p.strip() for p in formula.split(" | ")]
    return parts[1] if lang == "en" and len(parts) > 1 else parts[0]


def _board_table(title: str, rows: list[dict], head: html.Tr, cls: str) -> html.Div:
    body = [html.Tr([
        html.Td(str(i), className="rank"),
        html.Td(r.get("name", ""), className="board__name", title=r.get("kota", "")),
        html.Td(f"{r.get('score', 0):.0f}", className="score"),
    ] + [html.Td(f"{100 * r.get('parts', {}).get(k, 0):.0f}", className="part") for k in PART_KEYS])
        for i, r in enumerate(rows, start=1)]
    return html.Div([html.Div(title, className="board__title"),
                     html.Table([html.Thead(head), html.Tbody(body)], className="board__table")],
                    className=f"board {cls}")


def gate_tiles(gates: list[dict], _, lang: str, zone: ZoneInfo, version: int, vh_px: float | None) -> list[html.Div]:
    """One tile per flood gate, read like an instrument: name, the still as delivered,
    the level, the siaga word and colour and the reading's time (drawn by the app, never
    only in the image), and the last 6 h against the gate's siaga thresholds."""
    return [_gate_tile(g, _, lang, zone, version, vh_px) for g in gates]


def _gate_tile(gate: dict, _, lang: str, zone: ZoneInfo, version: int, vh_px: float | None) -> html.Div:
    siaga = int(gate.get("siaga") or 4)
    colour = theme.SIAGA_COLOUR.get(siaga, theme.OKABE_ITO["grey"])
    level = gate.get("level_cm")
    return html.Div([
        html.Div(gate_name(gate.get("name") or gate["code"]), className="gate__name"),
        camera_view(gate, _, zone, version),
        html.Div([html.Span(f"{number(level, _)} cm" if level is not None else "–", className="gate__level"),
                  html.Span(clock_text(gate.get("observed_at"), zone, "%H:%M"), className="gate__asof")],
                 className="gate__reading"),
        html.Div(siaga_text(siaga, lang), className="gate__siaga"),
        dcc.Graph(figure=figures.gate_trend(gate.get("trend") or [], gate.get("thresholds") or {}, colour, zone,
                                            vh_px),
                  config=STATIC_GRAPH, className="gate__trend"),
    ], className=f"gate gate--siaga{siaga}", **{"data-gate": gate["code"]})


def gate_name(name: str) -> str:
    """The panel is titled "flood gates": drop the repeated "Pintu Air" prefix."""
    return name.removeprefix("Pintu Air ").removeprefix("PA ") or name


def camera_view(gate: dict, _, zone: ZoneInfo, version: int):
    """The served still as delivered (never an outside URL; a simulated one tagged
    "SIMULASI"), or a 'no signal since HH:MM' panel."""
    camera = gate.get("camera") or {}
    if camera.get("ok"):
        img = html.Img(src=f"/camera/{gate['code']}.png?v={version}", className="gate__img", alt=gate.get("name", ""))
        if not camera.get("simulated"):
            return img
        return html.Div([img, html.Span(_("SIMULATION"), className="gate__sim")], className="gate__cam")
    since = clock_text(camera.get("last_ok_at"), zone, "%H:%M") if camera.get("last_ok_at") else None
    text = f"{_('no signal since')} {since}" if since else _("no signal")
    return html.Div(text, className="gate__img gate__img--dead")
