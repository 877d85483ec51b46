"""Pure Plotly figures of the supervisor view (desk screens, not the wall). Every bar
carries its code in ``customdata`` so a click can become a filter. Builders take their
texts already translated (``_`` where a builder names data: buckets, hops); dates on
axes and in hovers use a numeric/catalog format, never Plotly's English month names
in Bahasa Indonesia. Numbers are grouped with the page language's ``thousands``
separator (``.`` in Bahasa Indonesia, ``,`` in English), in texts and on axes alike.

Like the wall's ``layouts.figures`` they return plain figure dicts, not ``go.Figure``:
Plotly's validation of the nine figures of a filter change cost more than its reads
(about 100 ms of a 240 ms overview at 1M reports). Tests validate them with ``go.Figure``."""

from __future__ import annotations

from dashboard.models import Status, bucket_msgid
from layouts import theme
from layouts.figures import axis
from layouts.numbers import grouped

FONT = {"color": theme.TEXT, "size": 13, "family": "Inter, Roboto, Arial, sans-serif"}


def _figure(title: str, thousands: str, data: list[dict], xaxis: dict | None = None, yaxis: dict | None = None,
            **layout) -> dict:
    return {"data": data, "layout": {
        "title": {"text": title, "x": 0, "font": {"size": 14}},
        "autosize": True, "showlegend": False, "font": FONT, "separators": _decimal(thousands) + thousands,
        "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
        "margin": {"l": 8, "r": 8, "t": 28, "b": 8, "pad": 2}, "bargap": 0.25,
        "xaxis": axis(**(xaxis or {})), "yaxis": axis(**(yaxis or {})), **layout}}


def _decimal(thousands: str) -> str:
    return "," if thousands == "." else "."


#: Bar slots a bar list keeps room for: one or two bars stay bars, not blocks filling the panel.
MIN_BAR_SLOTS = 8


def bars(title: str, rows: list[tuple[str, str, int]], colour: str = theme.OKABE_ITO["blue"],
         thousands: str = ".") -> dict:
    """Horizontal bars, largest on top: ``rows`` are (code, label, n). Bars keep their
    thickness whatever the filter leaves (at least :data:`MIN_BAR_SLOTS` slots)."""
    bar = {"type": "bar", "orientation": "h", "y": [label for _, label, _ in rows], "x": [n for _, _, n in rows],
           "customdata": [code for code, _, _ in rows], "marker": {"color": colour},
           "text": [grouped(n, thousands) for _, _, n in rows], "textposition": "auto", "textangle": 0,
           "hovertemplate": "%{y}: %{x:,}<extra></extra>"}
    slots = max(len(rows), MIN_BAR_SLOTS)
    return _figure(title, thousands, [bar], xaxis={"visible": False},
                   yaxis={"range": [slots - 0.5, -0.5], "showgrid": False})


def status_bars(title: str, counts: dict[str, int], labels: dict[str, str], thousands: str = ".") -> dict:
    """One bar per status in its colour; customdata is the status code."""
    bar = {"type": "bar", "x": [labels[s] for s in counts], "y": list(counts.values()), "customdata": list(counts),
           "marker": {"color": [theme.STATUS_COLOUR[Status(s)] for s in counts]},
           "text": [grouped(n, thousands) for n in counts.values()], "textposition": "outside", "cliponaxis": False,
           "hovertemplate": "%{x}: %{y:,}<extra></extra>"}
    return _figure(title, thousands, [bar], yaxis={"visible": False, "rangemode": "tozero"})


def trend(title: str, days: list[tuple], new_label: str, done_label: str, date_format: str = "%d/%m",
          thousands: str = ".", unfinished: str | None = None) -> dict:
    """New vs done per day; ``date_format`` (d3) labels the days on the axis and in hovers.
    ``unfinished`` (e.g. "today so far") marks the last day as not over yet: open markers
    and that label, so its lower counts do not read as a drop."""
    x = [d.isoformat() for d, _, _ in days]
    hover = f"%{{x|{date_format}}} · %{{fullData.name}}: %{{y:,}}<extra></extra>"
    symbols = ["circle"] * (len(days) - 1) + ["circle-open" if unfinished else "circle"] if days else []
    lines = [{"type": "scatter", "x": x, "y": [n for _, n, _ in days], "name": new_label, "mode": "lines+markers",
              "line": {"color": theme.OKABE_ITO["orange"], "width": 2}, "marker": {"symbol": symbols, "size": 7},
              "hovertemplate": hover},
             {"type": "scatter", "x": x, "y": [n for _, _, n in days], "name": done_label, "mode": "lines+markers",
              "line": {"color": theme.OKABE_ITO["sky"], "width": 2, "dash": "dash"},
              "marker": {"symbol": symbols, "size": 7}, "hovertemplate": hover}]
    notes = [{"text": unfinished, "x": x[-1], "y": max(days[-1][1:]), "xref": "x", "yref": "y", "showarrow": False,
              "xanchor": "right", "yanchor": "bottom", "yshift": 6, "font": {"color": theme.TEXT, "size": 11}}
             ] if unfinished and days else []
    return _figure(title, thousands, lines, xaxis={"tickformat": date_format},
                   yaxis={"rangemode": "tozero", "nticks": 5}, showlegend=True, annotations=notes,
                   legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.1, "bgcolor": "rgba(0,0,0,0)"})


def histogram(title: str, buckets: list[tuple[str, int]], target_after: str, target_label: str,
              _=lambda msgid: msgid, thousands: str = ".") -> dict:  # noqa: ANN001
    """Bars per time bucket; buckets up to ``target_after`` (inclusive) are within target
    (green), later ones late (vermillion); a dotted line marks the target. Bucket keys
    (``1h_6h``) are shown through ``_(bucket_msgid(key))``."""
    codes = [b for b, _n in buckets]
    cut = codes.index(target_after) if target_after in codes else len(codes) - 1
    colours = [theme.OKABE_ITO["green"] if i <= cut else theme.OKABE_ITO["vermillion"] for i in range(len(codes))]
    bar = {"type": "bar", "x": [_(bucket_msgid(b)) for b in codes], "y": [n for _b, n in buckets], "marker": {"color": colours},
           "text": [grouped(n, thousands) for _b, n in buckets], "textposition": "outside", "cliponaxis": False,
           "hovertemplate": "%{x}: %{y:,}<extra></extra>"}
    line = {"type": "line", "xref": "x", "yref": "y domain", "x0": cut + 0.5, "x1": cut + 0.5, "y0": 0, "y1": 1,
            "line": {"dash": "dot", "color": theme.TEXT}}
    label = {"text": target_label, "font": {"color": theme.TEXT}, "showarrow": False, "xref": "x",
             "yref": "y domain", "x": cut + 0.5, "y": 1, "xanchor": "left", "yanchor": "top"}
    return _figure(title, thousands, [bar], yaxis={"visible": False, "rangemode": "tozero"},
                   shapes=[line], annotations=[label])


def funnel(title: str, hops: list[dict], hours_label: str, _=lambda msgid: msgid,  # noqa: ANN001
           thousands: str = ".") -> dict:
    """Reports reaching each hop, with the median hours spent there in the label. Hop
    names (``koordinasi``) are msgids, shown through ``_``."""
    text = [f"{grouped(h['reached'], thousands)} · {_hours(h['median_hours'], _decimal(thousands))} {hours_label}"
            for h in hops]
    colours = [theme.OKABE_ITO[c] for c in ("vermillion", "orange", "purple", "sky", "green")][:len(hops)]
    trace = {"type": "funnel", "y": [_(h["hop"]) for h in hops], "x": [h["reached"] for h in hops], "text": text,
             "textinfo": "text", "customdata": [h["status"] for h in hops],
             "hovertemplate": "%{y}: %{x:,}<extra></extra>", "marker": {"color": colours}}
    return _figure(title, thousands, [trace])


def _hours(value: float | None, decimal: str) -> str:
    return "–" if value is None else f"{value:g}".replace(".", decimal)
