"""Pure Plotly figure builders for the wall: payload pieces in, figure dicts out.

They return plain figure dicts (what ``dcc.Graph(figure=...)`` takes) rather than
``go.Figure`` objects: one refresh builds ~35 figures and ``go.Figure`` validation cost
~1 s of it on a loaded 2-core machine. Every builder takes ``vh_px`` (the viewport height
the browser reported) so type stays readable at 1080p and at 4K alike.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from dashboard.models import Status
from layouts import theme
from layouts.numbers import number


def axis(**extra) -> dict:
    """A quiet axis: grid lines, no zero line, no zoom (``extra`` overrides)."""
    return {"gridcolor": theme.GRID, "zeroline": False, "automargin": True, "fixedrange": True, **extra}


def _base(vh_px: float | None, data: list[dict], **layout) -> dict:
    label = theme.font_px(vh_px, theme.LABEL_VH)
    base = {
        "autosize": True, "showlegend": False,
        "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"color": theme.TEXT, "size": label, "family": "Inter, Roboto, Arial, sans-serif"},
        "margin": {"l": 4, "r": 4, "t": 4, "b": 4, "pad": 2}, "bargap": 0.25,
        "uniformtext": {"minsize": label, "mode": "show"},
        "xaxis": axis(), "yaxis": axis(),
    }
    return {"data": data, "layout": base | layout}


def _number_font(vh_px: float | None) -> dict:
    return {"size": theme.font_px(vh_px, theme.NUMBER_VH), "color": theme.TEXT}


def status_bar(rows: list[dict], _, vh_px: float | None = None) -> dict:
    """Reports per status today: one bar per status, its letter and count on the bar."""
    statuses = [Status(r["status"]) for r in rows]
    counts = [r["n"] for r in rows]
    bar = {"type": "bar", "orientation": "h", "x": counts,
           "y": [f"{theme.STATUS_LETTER[s]} · {_(s.label)}" for s in statuses],
           "marker": {"color": [theme.STATUS_COLOUR[s] for s in statuses]},
           "text": [number(n, _) for n in counts], "textposition": "outside", "textangle": 0,
           "textfont": _number_font(vh_px), "cliponaxis": False, "hoverinfo": "skip"}
    return _base(vh_px, [bar], yaxis=axis(autorange="reversed", showgrid=False),
                 xaxis=axis(visible=False, range=[0, max(counts + [1]) * 1.25]))


def backlog_bar(rows: list[dict], _, vh_px: float | None = None) -> dict:
    """Open backlog by age bucket, coloured by how late it is."""
    counts = [r["n"] for r in rows]
    bar = {"type": "bar", "x": [_(r["bucket"]) for r in rows], "y": counts,
           "marker": {"color": [theme.LEVEL_COLOUR.get(r.get("status"), theme.OKABE_ITO["grey"]) for r in rows]},
           "text": [number(n, _) for n in counts], "textposition": "outside", "textfont": _number_font(vh_px),
           "cliponaxis": False, "hoverinfo": "skip"}
    return _base(vh_px, [bar], yaxis=axis(visible=False, range=[0, max(counts + [1]) * 1.3]),
                 xaxis=axis(showgrid=False))


def flow_lines(flow: dict, _, zone: ZoneInfo, vh_px: float | None = None) -> dict:
    """New vs done per hour over the last 24 h (hours shown in local time)."""
    hours = [_hour_label(h, zone) for h in flow.get("hours", [])]
    width = max(2, theme.font_px(vh_px, 0.003))
    lines = [
        {"type": "scatter", "mode": "lines", "x": hours, "y": flow.get("new", []), "name": _("New"),
         "line": {"color": theme.OKABE_ITO["orange"], "width": width}, "hoverinfo": "skip"},
        {"type": "scatter", "mode": "lines", "x": hours, "y": flow.get("done", []), "name": _("Done"),
         "line": {"color": theme.OKABE_ITO["sky"], "width": width, "dash": "dash"}, "hoverinfo": "skip"},
    ]
    return _base(vh_px, lines, showlegend=True,
                 legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "bgcolor": "rgba(0,0,0,0)"},
                 xaxis=axis(nticks=6, showgrid=False), yaxis=axis(nticks=4, rangemode="tozero"))


def sparkline(trend: list, colour: str, vh_px: float | None = None) -> dict:
    """A water-level trend with no axes: the shape is the message."""
    line = {"type": "scatter", "mode": "lines", "x": [t for t, _v in trend], "y": [v for _t, v in trend],
            "line": {"color": colour, "width": max(2, theme.font_px(vh_px, 0.0025))}, "hoverinfo": "skip"}
    return _base(vh_px, [line], xaxis=axis(visible=False), yaxis=axis(visible=False),
                 margin={"l": 0, "r": 0, "t": 0, "b": 0, "pad": 0})


def _hour_label(iso: str, zone: ZoneInfo) -> str:
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if when.tzinfo is None:  # store hour keys are UTC hours
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(zone).strftime("%H:00")
