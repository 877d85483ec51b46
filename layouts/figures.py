"""Pure Plotly figure builders for the wall: payload pieces in, figure dicts out.

They return plain figure dicts (what ``dcc.Graph(figure=...)`` takes) rather than
``go.Figure`` objects: one refresh builds ~35 figures and ``go.Figure`` validation cost
~1 s of it on a loaded 2-core machine. Every builder takes ``vh_px`` (the viewport height
the browser reported) so type stays readable at 1080p and at 4K alike.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from dashboard.clock import parse_iso
from dashboard.models import bucket_msgid
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


def backlog_bar(rows: list[dict], _, vh_px: float | None = None) -> dict:
    """Open backlog by age bucket, coloured by how late it is."""
    counts = [r["n"] for r in rows]
    bar = {"type": "bar", "x": [_(bucket_msgid(r["bucket"])) for r in rows], "y": counts,
           "marker": {"color": [theme.LEVEL_COLOUR.get(r.get("status"), theme.OKABE_ITO["grey"]) for r in rows]},
           "text": [number(n, _) for n in counts], "textposition": "outside", "textfont": _number_font(vh_px),
           "cliponaxis": False, "hoverinfo": "skip"}
    return _base(vh_px, [bar], yaxis=axis(visible=False, range=[0, max(counts + [1]) * 1.3]),
                 xaxis=axis(showgrid=False))


def flow_lines(flow: dict, _, zone: ZoneInfo, vh_px: float | None = None) -> dict:
    """Reports that came in vs reports closed, per hour over the last 24 h (local hours).
    No legend: the panel title names the lines (the wall's layout)."""
    hours = [_hour_label(h, zone) for h in flow.get("hours", [])]
    width = max(2, theme.font_px(vh_px, 0.003))
    lines = [
        {"type": "scatter", "mode": "lines", "x": hours, "y": flow.get("new", []), "name": _("New"),
         "line": {"color": theme.OKABE_ITO["orange"], "width": width}, "hoverinfo": "skip"},
        {"type": "scatter", "mode": "lines", "x": hours, "y": flow.get("done", []), "name": _("Closed"),
         "line": {"color": theme.OKABE_ITO["sky"], "width": width, "dash": "dash"}, "hoverinfo": "skip"},
    ]
    return _base(vh_px, lines, xaxis=axis(nticks=6, showgrid=False), yaxis=axis(nticks=3, rangemode="tozero"))


def gate_trend(trend: list, thresholds: dict, colour: str, zone: ZoneInfo, vh_px: float | None = None) -> dict:
    """A gate's last 6 h: the level line on a local time axis, and its siaga thresholds
    as dotted lines in their siaga colours (those within reach of the drawn levels: Siaga 3
    always, 2 and 1 once the level nears them)."""
    times = [_local(t, zone) for t, _v in trend]
    values = [float(v) for _t, v in trend]
    limits = {int(k): float(v) for k, v in thresholds.items() if v}
    top = max(values + [limits.get(3, 0.0)]) or 1.0
    low = min(values) if values else 0.0
    drawn = {n: v for n, v in limits.items() if v <= top * 1.15}
    top = max([top] + list(drawn.values()))
    pad = max(1.0, (top - low) * 0.08)
    width = max(2, theme.font_px(vh_px, 0.0025))
    span = [min(times), max(times)] if times else []
    lines = [{"type": "scatter", "mode": "lines", "x": span, "y": [v, v], "hoverinfo": "skip",
              "line": {"color": theme.SIAGA_COLOUR[n], "width": max(1, width // 2), "dash": "dot"}}
             for n, v in sorted(drawn.items())] if span else []
    line = {"type": "scatter", "mode": "lines", "x": times, "y": values,
            "line": {"color": colour, "width": width}, "hoverinfo": "skip"}
    return _base(vh_px, lines + [line], margin={"l": 0, "r": 0, "t": 0, "b": 0, "pad": 0},
                 xaxis=axis(type="date", nticks=3, tickformat="%H:%M", showgrid=False, ticks="outside",
                            ticklen=4, tickcolor=theme.MUTED),
                 yaxis=axis(visible=False, range=[low - pad, top + pad]))


def _local(iso: str, zone: ZoneInfo) -> str:
    """A payload time as a local wall-clock time Plotly draws as is."""
    return parse_iso(iso).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def _hour_label(iso: str, zone: ZoneInfo) -> str:
    try:
        when = parse_iso(iso)  # naive: store hour keys are UTC hours
    except ValueError:
        return iso
    return when.astimezone(zone).strftime("%H:00")
