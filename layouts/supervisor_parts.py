"""Pure builders of the supervisor panels: store rows in, components out. Report text is
always passed as a child string (React escapes it); nothing is rendered as HTML/Markdown.

Every label goes through ``_`` (the page language's catalog); the label tables below are
msgids (``tests/unit/test_i18n.py`` checks both catalogs have them). Category names come
from the reference in the page language (``lang``)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dash_leaflet as dl
from dash import html

from dashboard.i18n import Gettext
from dashboard.models import STATUS_ORDER, Status
from dashboard.reference import Reference
from dashboard.scoring import WEIGHTS
from dashboard.supervisor.filters import CONTROL_KEYS, Filters, control_values
from layouts import ids
from layouts.numbers import number

SHORT = 120
KPI_LABELS = (("total", "Reports"), ("open", "Open"), ("done", "Done"), ("overdue", "Overdue > 7 d"),
              ("unresponded_6h", "Waiting > 6 h"))
PART_LABELS = {"processed": "Acted on", "response": "Responded ≤ 6 h", "resolution": "Resolved ≤ 7 d",
               "overdue": "No backlog > 7 d", "reopen": "Not reopened"}
IDENTITY = {"first_name": "First name", "last_name": "Last name", "email": "E-mail", "phone": "Phone",
            "device_id": "Device", "account_id": "Account"}
FLAG_HEADINGS = ("Kind", "Name", "Reports", "Closed ≤ 10 min", "Reopened", "Flags")
KIND_LABELS = {"kelurahan": "Kelurahan", "agency": "Agency"}
FLAG_LABELS = {"quick_close": "flag:quick_close", "reopen": "flag:reopen"}


def _same(msgid: str) -> str:
    return msgid


def wib(when: datetime | None, zone: ZoneInfo) -> str:
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M") if when else "–"


def status_label(status: str | None, _: Gettext) -> str:
    return _(Status(status).label) if status else "–"


def kpi_tiles(kpis: dict[str, int], _: Gettext) -> list[html.Div]:
    return [html.Div([html.Div(number(kpis.get(key, 0), _), className="sup__kpi-value",
                               id=ids.child(ids.SUPERVISOR_KPI_PREFIX, key)),
                      html.Div(_(label), className="sup__kpi-label")], className="sup__kpi")
            for key, label in KPI_LABELS]


def name_of(ref: Reference, kind: str, code: str | None, lang: str = "id") -> str:
    table = {"agency": ref.agencies, "kelurahan": ref.kelurahan, "kecamatan": ref.kecamatan,
             "kota": ref.kota, "category": ref.categories}[kind]
    item = table.get(code) if code else None
    if item is None:
        return code or "–"
    return item.name_en if lang == "en" and getattr(item, "name_en", None) else item.name


def grid_row(r: dict, ref: Reference, zone: ZoneInfo, _: Gettext = _same, lang: str = "id") -> dict:
    """One row of the report grid: plain strings (the grid renders them as text)."""
    return {"id": int(r["id"]), "requested_at": wib(r["requested_at"], zone),
            "updated_at": wib(r["updated_at"], zone), "status": status_label(r["status"], _),
            "category": name_of(ref, "category", r["category_code"], lang),
            "kelurahan": name_of(ref, "kelurahan", r["kelurahan_code"]),
            "agency": name_of(ref, "agency", r["agency_code"]), "description": _short(r.get("description") or "")}


def rows_request_in(request: dict | None, _: Gettext) -> dict | None:
    """The grid's rows request with a status typed in the page language (``Waiting``)
    read back as its code, which ``dashboard.supervisor.grid`` accepts; anything else unchanged."""
    try:
        typed = request["filterModel"]["status"]["filter"]
        codes = {_(s.label).lower(): s.value for s in STATUS_ORDER}
        code = codes[typed.strip().lower()]
    except (KeyError, TypeError, AttributeError):
        return request
    model = request["filterModel"]
    return {**request, "filterModel": {**model, "status": {**model["status"], "filter": code}}}


def _short(text: str) -> str:
    return text if len(text) <= SHORT else text[:SHORT - 1] + "…"


def detail_panel(d: dict, ref: Reference, zone: ZoneInfo, _: Gettext, lang: str = "id") -> list:
    """Category, text, place, agency, full status history, the media (proxied) and — only
    when the store returned it (admins) — the reporter."""
    facts = [
        (_("Category"), name_of(ref, "category", d["category_code"], lang)),
        (_("Kelurahan"), name_of(ref, "kelurahan", d["kelurahan_code"])),
        (_("Agency"), name_of(ref, "agency", d["agency_code"])),
        (_("Status"), status_label(d["status"], _)),
        (_("Received"), wib(d["requested_at"], zone)),
        (_("Address"), d.get("address") or "–"),
        (_("Media"), _media(d, _)),  # proxied: the outside URL never reaches the browser
    ]
    out = [html.H2(f"{_('Report')} {d['id']}"),
           html.P(d.get("description") or "", className="sup__detail-text", id=ids.SUPERVISOR_DETAIL_TEXT),
           html.Dl([x for k, v in facts for x in (html.Dt(k), html.Dd(v))]),
           _mini_map(d), html.H3(_("Status history")), _history(d["history"], zone, _)]
    if "reporter" in d:
        who = d["reporter"] or {}
        out += [html.H3(_("Reporter (admins only)")),
                html.Dl([x for k, label in IDENTITY.items() for x in (html.Dt(_(label)), html.Dd(who.get(k) or "–"))],
                        id=ids.SUPERVISOR_DETAIL_REPORTER)]
    return out


def _media(d: dict, _: Gettext) -> str | html.A:
    if not d.get("media_url"):
        return "–"
    src = f"/supervisor/media/{int(d['id'])}"
    return html.A(html.Img(src=src, alt=_("Media unavailable (dead link or not an image)"),
                           className="sup__media", id=ids.SUPERVISOR_DETAIL_MEDIA), href=src, target="_blank")


def _mini_map(d: dict) -> html.Div:
    pos = [d["lat"], d["lon"]]
    return html.Div(dl.Map([dl.CircleMarker(center=pos, radius=8)], center=pos, zoom=15,
                           className="sup__mini-map-inner"), className="sup__mini-map")


def _history(history: list[dict], zone: ZoneInfo, _: Gettext) -> html.Ol:
    return html.Ol([html.Li(f"{wib(h['changed_at'], zone)} · {status_label(h['from_status'], _)} → "
                            f"{status_label(h['to_status'], _)}") for h in history], className="sup__history")


def kelurahan_panel(code: str, score: dict | None, backlog: list[tuple[str, int]], ref: Reference, _: Gettext,
                    zone: ZoneInfo | None = None) -> list:
    """The kelurahan page: score, each weighted part of the formula, the open backlog."""
    name = name_of(ref, "kelurahan", code)
    out = [html.H2(f"{_('Kelurahan')} {name}")]
    if score is None:
        out.append(html.P(_("No reports in the last 30 days: no score.")))
    else:
        text = f"{_('Score')} {score['score']:.1f} / 100 · {_('rank')} {score['rank']} / {score['of']}"
        if zone is not None and score.get("as_of"):
            text += f" · {_('as of')} {wib(score['as_of'], zone)}"
        out.append(html.P(text, className="sup__score", id=ids.SUPERVISOR_KELURAHAN_SCORE))
        out.append(html.Table([html.Tr([html.Th(_("Part")), html.Th(_("Rate")), html.Th(_("Weight")),
                                        html.Th(_("Points"))])] + [
            html.Tr([html.Td(_(PART_LABELS[p])), html.Td(f"{v:.0%}"), html.Td(f"{WEIGHTS[p]:.0%}"),
                     html.Td(f"{100 * WEIGHTS[p] * v:.1f}")]) for p, v in score["parts"].items()],
            className="sup__table sup__parts"))
    out.append(html.P(_("Open backlog") + ": " + ", ".join(f"{status_label(s, _)} {number(n, _)}" for s, n in backlog)))
    return out


def flags_table(rows: list, ref: Reference, _: Gettext) -> html.Table | html.P:
    if not rows:
        return html.P(_("No kelurahan or agency is flagged for the current filter."))
    head = html.Tr([html.Th(_(h)) for h in FLAG_HEADINGS])
    return html.Table([head] + [html.Tr([
        html.Td(_(KIND_LABELS.get(r.kind, r.kind))), html.Td(name_of(ref, r.kind, r.code)),
        html.Td(number(r.received, _)),
        html.Td(f"{r.quick_closed} ({r.quick_share:.0%})"), html.Td(f"{r.reopened} ({r.reopen_share:.0%})"),
        html.Td(", ".join(_(FLAG_LABELS.get(f, f)) for f in r.flags)),
    ]) for r in rows], className="sup__table sup__flags")


def control_outputs(filters: Filters) -> tuple:
    """The filter controls' values for ``filters``, in the view's control order: the
    dropdowns', the date range's two ends, the overdue checklist's (``["1"]`` or ``[]``)."""
    values = control_values(filters)
    return (*(values[key] for key in CONTROL_KEYS if key != "overdue"), ["1"] if filters.overdue else [])
