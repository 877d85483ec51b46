"""Pure Plotly figures of the supervisor view (desk screens, not the wall). Every bar
carries its code in ``customdata`` so a click can become a filter. Builders take their
texts already translated (``_`` where a builder names data: buckets, hops); dates on
axes and in hovers use a numeric/catalog format, never Plotly's English month names
in Bahasa Indonesia. Numbers are grouped with the page language's ``thousands``
separator (``.`` in Bahasa Indonesia, ``,`` in English), in texts and on axes alike."""

from __future__ import annotations

import plotly.graph_objects as go

from layouts import theme
from layouts.supervisor_parts import grouped

FONT = {"color": theme.TEXT, "size": 13, "family": "Inter, Roboto, Arial, sans-serif"}


def _base(thousands: str, **layout) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        template=go.layout.Template(), autosize=True, showlegend=False, font=FONT,
        separators=_decimal(thousands) + thousands,
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        margin={"l": 8, "r": 8, "t": 28, "b": 8, "pad": 2}, bargap=0.25,
        xaxis={"gridcolor": theme.GRID, "zeroline": False, "automargin": True, "fixedrange": True},
        yaxis={"gridcolor": theme.GRID, "zeroline": False, "automargin": True, "fixedrange": True},
    )
    fig.update_layout(**layout)
    return fig


def _decimal(thousands: str) -> str:
    return "," if thousands == "." else "."


def bars(title: str, rows: list[tuple[str, str, int]], colour: str = theme.OKABE_ITO["blue"],
         thousands: str = ".") -> go.Figure:
    """Horizontal bars, largest on top: ``rows`` are (code, label, n)."""
    fig = _base(thousands, title={"text": title, "x": 0, "font": {"size": 14}})
    fig.add_bar(y=[label for _, label, _ in rows], x=[n for _, _, n in rows], orientation="h",
                customdata=[code for code, _, _ in rows], marker_color=colour,
                text=[grouped(n, thousands) for _, _, n in rows], textposition="auto",
                hovertemplate="%{y}: %{x:,}<extra></extra>")
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_xaxes(visible=False)
    return fig


def status_bars(title: str, counts: dict[str, int], labels: dict[str, str], thousands: str = ".") -> go.Figure:
    """One bar per status in its colour; customdata is the status code."""
    from dashboard.models import Status
    fig = _base(thousands, title={"text": title, "x": 0, "font": {"size": 14}})
    fig.add_bar(x=[labels[s] for s in counts], y=list(counts.values()), customdata=list(counts),
                marker_color=[theme.STATUS_COLOUR[Status(s)] for s in counts],
                text=[grouped(n, thousands) for n in counts.values()], textposition="outside", cliponaxis=False,
                hovertemplate="%{x}: %{y:,}<extra></extra>")
    fig.update_yaxes(visible=False, rangemode="tozero")
    return fig


def trend(title: str, days: list[tuple], new_label: str, done_label: str, date_format: str = "%d/%m",
          thousands: str = ".") -> go.Figure:
    """New vs done per day; ``date_format`` (d3) labels the days on the axis and in hovers."""
    fig = _base(thousands, title={"text": title, "x": 0, "font": {"size": 14}}, showlegend=True,
                legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.1, "bgcolor": "rgba(0,0,0,0)"})
    x = [d.isoformat() for d, _, _ in days]
    hover = f"%{{x|{date_format}}} · %{{fullData.name}}: %{{y:,}}<extra></extra>"
    fig.add_scatter(x=x, y=[n for _, n, _ in days], name=new_label, mode="lines+markers",
                    line={"color": theme.OKABE_ITO["orange"], "width": 2}, hovertemplate=hover)
    fig.add_scatter(x=x, y=[n for _, _, n in days], name=done_label, mode="lines+markers",
                    line={"color": theme.OKABE_ITO["sky"], "width": 2, "dash": "dash"}, hovertemplate=hover)
    fig.update_xaxes(tickformat=date_format)
    fig.update_yaxes(rangemode="tozero", nticks=5)
    return fig


def histogram(title: str, buckets: list[tuple[str, int]], target_after: str, target_label: str,
              _=lambda msgid: msgid, thousands: str = ".") -> go.Figure:  # noqa: ANN001
    """Bars per time bucket; buckets up to ``target_after`` (inclusive) are within target
    (green), later ones late (vermillion); a dotted line marks the target. Bucket names
    (``1-6j``) are msgids, shown through ``_``."""
    codes = [b for b, _n in buckets]
    cut = codes.index(target_after) if target_after in codes else len(codes) - 1
    labels = [_(b) for b in codes]
    colours = [theme.OKABE_ITO["green"] if i <= cut else theme.OKABE_ITO["vermillion"] for i in range(len(labels))]
    fig = _base(thousands, title={"text": title, "x": 0, "font": {"size": 14}})
    fig.add_bar(x=labels, y=[n for _b, n in buckets], marker_color=colours,
                text=[grouped(n, thousands) for _b, n in buckets], textposition="outside", cliponaxis=False,
                hovertemplate="%{x}: %{y:,}<extra></extra>")
    fig.add_vline(x=cut + 0.5, line_dash="dot", line_color=theme.TEXT,
                  annotation_text=target_label, annotation_font_color=theme.TEXT)
    fig.update_yaxes(visible=False, rangemode="tozero")
    return fig


def funnel(title: str, hops: list[dict], hours_label: str, _=lambda msgid: msgid,  # noqa: ANN001
           thousands: str = ".") -> go.Figure:
    """Reports reaching each hop, with the median hours spent there in the label. Hop
    names (``koordinasi``) are msgids, shown through ``_``."""
    names = [_(h["hop"]) for h in hops]
    text = [f"{grouped(h['reached'], thousands)} · {_hours(h['median_hours'], _decimal(thousands))} {hours_label}"
            for h in hops]
    fig = _base(thousands, title={"text": title, "x": 0, "font": {"size": 14}})
    fig.add_trace(go.Funnel(y=names, x=[h["reached"] for h in hops], text=text, textinfo="text",
                            customdata=[h["status"] for h in hops], hovertemplate="%{y}: %{x:,}<extra></extra>",
                            marker={"color": [theme.OKABE_ITO[c] for c in
                                              ("vermillion", "orange", "purple", "sky", "green")][:len(hops)]}))
    return fig


def _hours(value: float | None, decimal: str) -> str:
    return "–" if value is None else f"{value:g}".replace(".", decimal)
