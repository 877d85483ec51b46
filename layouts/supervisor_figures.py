"""Pure Plotly figures of the supervisor view (desk screens, not the wall). Every bar
carries its code in ``customdata`` so a click can become a filter."""

from __future__ import annotations

import plotly.graph_objects as go

from layouts import theme

FONT = {"color": theme.TEXT, "size": 13, "family": "Inter, Roboto, Arial, sans-serif"}


def _base(**layout) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        template=go.layout.Template(), autosize=True, showlegend=False, font=FONT,
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        margin={"l": 8, "r": 8, "t": 28, "b": 8, "pad": 2}, bargap=0.25,
        xaxis={"gridcolor": theme.GRID, "zeroline": False, "automargin": True, "fixedrange": True},
        yaxis={"gridcolor": theme.GRID, "zeroline": False, "automargin": True, "fixedrange": True},
    )
    fig.update_layout(**layout)
    return fig


def bars(title: str, rows: list[tuple[str, str, int]], colour: str = theme.OKABE_ITO["blue"]) -> go.Figure:
    """Horizontal bars, largest on top: ``rows`` are (code, label, n)."""
    fig = _base(title={"text": title, "x": 0, "font": {"size": 14}})
    fig.add_bar(y=[label for _, label, _ in rows], x=[n for _, _, n in rows], orientation="h",
                customdata=[code for code, _, _ in rows], marker_color=colour,
                text=[f"{n:,}".replace(",", ".") for _, _, n in rows], textposition="auto",
                hovertemplate="%{y}: %{x}<extra></extra>")
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_xaxes(visible=False)
    return fig


def status_bars(title: str, counts: dict[str, int], labels: dict[str, str]) -> go.Figure:
    """One bar per status in its colour; customdata is the status code."""
    from dashboard.models import Status
    fig = _base(title={"text": title, "x": 0, "font": {"size": 14}})
    fig.add_bar(x=[labels[s] for s in counts], y=list(counts.values()), customdata=list(counts),
                marker_color=[theme.STATUS_COLOUR[Status(s)] for s in counts],
                text=list(counts.values()), textposition="outside", cliponaxis=False)
    fig.update_yaxes(visible=False, rangemode="tozero")
    return fig


def trend(title: str, days: list[tuple], new_label: str, done_label: str) -> go.Figure:
    """New vs done per day."""
    fig = _base(title={"text": title, "x": 0, "font": {"size": 14}}, showlegend=True,
                legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.1, "bgcolor": "rgba(0,0,0,0)"})
    x = [d.isoformat() for d, _, _ in days]
    fig.add_scatter(x=x, y=[n for _, n, _ in days], name=new_label, mode="lines+markers",
                    line={"color": theme.OKABE_ITO["orange"], "width": 2})
    fig.add_scatter(x=x, y=[n for _, _, n in days], name=done_label, mode="lines+markers",
                    line={"color": theme.OKABE_ITO["sky"], "width": 2, "dash": "dash"})
    fig.update_yaxes(rangemode="tozero", nticks=5)
    return fig


def histogram(title: str, buckets: list[tuple[str, int]], target_after: str, target_label: str) -> go.Figure:
    """Bars per time bucket; buckets up to ``target_after`` (inclusive) are within target
    (green), later ones late (vermillion); a dotted line marks the target."""
    labels = [b for b, _ in buckets]
    cut = labels.index(target_after) if target_after in labels else len(labels) - 1
    colours = [theme.OKABE_ITO["green"] if i <= cut else theme.OKABE_ITO["vermillion"] for i in range(len(labels))]
    fig = _base(title={"text": title, "x": 0, "font": {"size": 14}})
    fig.add_bar(x=labels, y=[n for _, n in buckets], marker_color=colours,
                text=[n for _, n in buckets], textposition="outside", cliponaxis=False)
    fig.add_vline(x=cut + 0.5, line_dash="dot", line_color=theme.TEXT,
                  annotation_text=target_label, annotation_font_color=theme.TEXT)
    fig.update_yaxes(visible=False, rangemode="tozero")
    return fig


def funnel(title: str, hops: list[dict], hours_label: str) -> go.Figure:
    """Reports reaching each hop, with the median hours spent there in the label."""
    names = [h["hop"] for h in hops]
    text = [f"{h['reached']} · {_hours(h['median_hours'])} {hours_label}" for h in hops]
    fig = _base(title={"text": title, "x": 0, "font": {"size": 14}})
    fig.add_trace(go.Funnel(y=names, x=[h["reached"] for h in hops], text=text, textinfo="text",
                            customdata=[h["status"] for h in hops],
                            marker={"color": [theme.OKABE_ITO[c] for c in
                                              ("vermillion", "orange", "purple", "sky", "green")][:len(hops)]}))
    return fig


def _hours(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"
