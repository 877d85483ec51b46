"""The landing page ``/``: live counts from the wall snapshot and a link to the wall."""

from __future__ import annotations

from dash import dcc, html

from dashboard.config import Settings
from dashboard.i18n import gettext, language
from layouts import components, ids
from layouts.numbers import number


def layout(settings: Settings, lang: str | None = None, **_query) -> html.Div:
    """Frame of the landing page; ``callbacks.index`` fills the counts from the wall
    snapshot on each tick."""
    _ = gettext(language(lang))
    return html.Main([
        html.H1("Pantau"),
        html.P(_("Live monitoring of Jakarta citizen reports.")),
        html.Div(id=ids.INDEX_COUNTS, className="index__counts"),
        dcc.Interval(id=ids.INDEX_TICK, interval=settings.poll_seconds * 1000),
        html.P(dcc.Link(_("Open the wall"), href="/wall" + (f"?lang={lang}" if lang else ""),
                        className="index__link")),
    ], id=ids.INDEX_ROOT, className="view-index")


def counts(kpis: dict, lang: str | None) -> list[html.Div]:
    """The wall's city-wide KPIs as labelled numbers."""
    _ = gettext(language(lang))
    return [html.Div([html.Div(number(kpis.get(k), _), className="index__value"),
                      html.Div(_(components.KPI_LABELS[k]), className="index__label")], className="index__count")
            for k in components.KPI_KEYS]
