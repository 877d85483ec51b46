"""Pure Plotly figure builders for the wall: payload pieces in, ``go.Figure`` out.

Every builder takes ``vh_px`` (the viewport height the browser reported) so that type
stays readable from across the room at 1080p and at 4K alike.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import plotly.graph_objects as go

from dashboard.models import Status
from layouts import theme


def _base(vh_px: float | None, **layout) -> go.Figure:
    label = theme.font_px(vh_px, theme.LABEL_VH)
    fig = go.Figure()
    fig.update_layout({"showlegend": False, **layout})
    fig.update_layout(
        template=go.layout.Template(), autosize=True,
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        font={"color": theme.TEXT, "size": label, "family": "Inter, Roboto, Arial, sans-serif"},
        margin={"l": 4, "r": 4, "t": 4, "b": 4, "pad": 2}, bargap=0.25,
        uniformtext={"minsize": label, "mode": "show"},
        xaxis={"gridcolor": theme.GRID, "zeroline": False, "automargin": True, "fixedrange": True},
        yaxis={"gridcolor": theme.GRID, "zeroline": False, "automargin": True, "fixedrange": True},
    )
    return fig


def _number_font(vh_px: float | None) -> dict:
    return {"size": theme.font_px(vh_px, theme.NUMBER_VH), "color": theme.TEXT}


def status_bar(rows: list[dict], _, vh_px: float | None = None) -> go.Figure:
    """Reports per status today: one bar per status, its letter and count on the bar."""
    statuses = [Status(r["status"]) for r in rows]
    labels = [f"{theme.STATUS_LETTER[s]} · {_(s.label)}" for s in statuses]
    fig = _base(vh_px)
    fig.add_bar(
        y=labels, x=[r["n"] for r in rows], orientation="h",
        marker_color=[theme.STATUS_COLOUR[s] for s in statuses],
        text=[f"{r['n']:,}".replace(",", ".") for r in rows], textposition="auto",
        insidetextanchor="end", textfont=_number_font(vh_px), cliponaxis=False,
    )
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_xaxes(visible=False)
    return fig


def backlog_bar(rows: list[dict], _, vh_px: float | None = None) -> go.Figure:
    """Open backlog by age bucket, coloured by how late it is."""
    fig = _base(vh_px)
    fig.add_bar(
        x=[_(r["bucket"]) for r in rows], y=[r["n"] for r in rows],
        marker_color=[theme.LEVEL_COLOUR.get(r.get("status"), theme.OKABE_ITO["grey"]) for r in rows],
        text=[f"{r['n']:,}".replace(",", ".") for r in rows], textposition="outside",
        textfont=_number_font(vh_px), cliponaxis=False,
    )
    top = max([r["n"] for r in rows] + [1])
    fig.update_yaxes(visible=False, range=[0, top * 1.3])
    fig.update_xaxes(showgrid=False)
    return fig


def flow_lines(flow: dict, _, zone: ZoneInfo, vh_px: float | None = None) -> go.Figure:
    """New vs done per hour over the last 24 h (hours shown in local time)."""
    hours = [_hour_label(h, zone) for h in flow.get("hours", [])]
    fig = _base(vh_px, showlegend=True, legend={"orientation": "h", "x": 0, "y": 1.02,
                                                  "yanchor": "bottom", "bgcolor": "rgba(0,0,0,0)"})
    width = max(2, theme.font_px(vh_px, 0.003))
    fig.add_scatter(x=hours, y=flow.get("new", []), name=_("New"), mode="lines",
                    line={"color": theme.OKABE_ITO["orange"], "width": width})
    fig.add_scatter(x=hours, y=flow.get("done", []), name=_("Done"), mode="lines",
                    line={"color": theme.OKABE_ITO["sky"], "width": width, "dash": "dash"})
    fig.update_xaxes(nticks=6, showgrid=False)
    fig.update_yaxes(nticks=4, rangemode="tozero")
    return fig


def sparkline(trend: list, colour: str, vh_px: float | None = None) -> go.Figure:
    """A water-level trend with no axes: the shape is the message."""
    fig = _base(vh_px)
    fig.add_scatter(x=[t for t, _v in trend], y=[v for _t, v in trend], mode="lines",
                    line={"color": colour, "width": max(2, theme.font_px(vh_px, 0.0025))},
                    fill="tozeroy", fillcolor="rgba(255,255,255,0.08)", hoverinfo="skip")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(margin={"l": 0, "r": 0, "t": 0, "b": 0, "pad": 0})
    return fig


def _hour_label(iso: str, zone: ZoneInfo) -> str:
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if when.tzinfo is None:  # store hour keys are UTC hours
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(zone).strftime("%H:00")
