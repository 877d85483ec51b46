"""What the supervisor callbacks return, built from rows already read (pure): the
overview's tiles, figures and map shading, the insights' figures, a page of grid rows and
the report detail. Each takes the page language (``lang``) and the reference."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from dash import html

from dashboard.i18n import gettext
from dashboard.models import STATUS_ORDER
from dashboard.reference import Reference
from dashboard.store.view import View
from dashboard.supervisor.filters import to_query
from dashboard.supervisor.grid import RowsRequest
from layouts import supervisor_figures as figs
from layouts import supervisor_parts as parts
from layouts.numbers import number

#: rows shown per dimension in the overview's bar charts (the kelurahan are all counted, for
#: the area map's shading, and the bars show the first of them)
BARS = {"agency": 12, "category": 12, "kelurahan": 15}
AREA_ROWS = 1000

Counts = list[tuple[str, int, int]]  # (code, reports, open)


def overview(view: View, summary: tuple[dict, dict], days: list[tuple], groups: dict[str, Counts],
             kelurahan: tuple[Any, list] | None, ref: Reference, lang: str) -> tuple:
    """The overview callback's outputs: KPI tiles, the status, trend and three bar
    figures, the area map's shading, the export link, the kelurahan panel (``kelurahan``:
    its score and open backlog when one is filtered) and an empty error line."""
    _ = gettext(lang)
    kpis, statuses = summary
    by_kel = groups["kelurahan"]
    query, thousands = to_query(view.filters), _("format:thousands-separator")
    unfinished = _("today so far") if days and days[-1][0] == view.now.astimezone(view.zone).date() else None
    panel = parts.kelurahan_panel(view.filters.kelurahan, *kelurahan, ref, _, view.zone) if kelurahan else []
    return (parts.kpi_tiles(kpis, _),
            figs.status_bars(_("Status"), statuses, {s.value: _(s.label) for s in STATUS_ORDER}, thousands),
            figs.trend(_("Reports per day") + ("" if view.filters.since else f" · {_('last 14 days')}"),
                       days, _("New"), _("Done"), _("format:axis-date"), thousands, unfinished),
            _bars(_("Open by agency"), groups["agency"], "agency", ref, _, lang),
            _bars(_("Open by kelurahan"), by_kel[:BARS["kelurahan"]], "kelurahan", ref, _, lang),
            _bars(_("Open by category"), groups["category"], "category", ref, _, lang),
            {"backlog": {k: o for k, _n, o in by_kel}, "max": max([o for _k, _n, o in by_kel] + [1])},
            "/supervisor/export.csv" + ("?" + query if query else ""), panel, "")


def _bars(title: str, rows: Counts, kind: str, ref: Reference, _: Any, lang: str) -> dict:
    ordered = sorted(rows, key=lambda r: (-r[2], r[0]))
    return figs.bars(title, [(code, parts.name_of(ref, kind, code, lang), open_n) for code, _n, open_n in ordered],
                     thousands=_("format:thousands-separator"))


def insights(times: dict[str, list], hops: list[dict], flagged: list, sample_rows: int, ref: Reference,
             lang: str) -> tuple:
    """The insights callback's outputs: response and resolution histograms over the newest
    ``sample_rows`` reports, the hand-off funnel and the flagged reports."""
    _ = gettext(lang)
    newest = f" · {_('newest')} {number(sample_rows, _)}"
    thousands = _("format:thousands-separator")
    return (figs.histogram(_("Time to coordination") + newest, times["respond"], "1h_6h", _("target 6 h"), _,
                           thousands),
            figs.histogram(_("Time to done") + newest, times["resolve"], "3d_7d", _("target 7 d"), _, thousands),
            figs.funnel(_("Hand-off funnel (median hours at each hop)") + newest, hops, _("h"), _, thousands),
            parts.flags_table(flagged, ref, _))


def grid_page(found: list[dict], req: RowsRequest, ref: Reference, zone: ZoneInfo, lang: str) -> dict:
    """A block of grid rows for ag-grid's infinite model; ``rowCount`` is known once a
    block comes back short."""
    data = [parts.grid_row(r, ref, zone, gettext(lang), lang) for r in found]
    done = len(data) < req.end - req.start
    return {"rowData": data, "rowCount": req.start + len(data) if done else None}


def detail(found: dict | None, ref: Reference, zone: ZoneInfo, lang: str) -> list:
    """The detail panel of a report, or a line saying it was not found (or is out of scope)."""
    _ = gettext(lang)
    if found is None:
        return [html.P(_("Report not found."))]
    return parts.detail_panel(found, ref, zone, _, lang)
