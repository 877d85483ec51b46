"""The landing page ``/``: live counts from the wall snapshot and a link to every view
(the wall, the visitor tour, the supervisor sign-in, the public Open311 API); and the page
the router shows for an unknown path (the server answers it with HTTP 404)."""

from __future__ import annotations

from dash import dcc, html

from dashboard.config import Settings
from dashboard.i18n import DEFAULT_LANGUAGE, LANGUAGES, Gettext, gettext, language
from layouts import components, ids
from layouts.numbers import number

#: (path, title msgid, what-it-is msgid): the views ``/`` links, in the order shown
VIEWS = (
    ("/wall", "Open the wall", "The live wall for a control-room screen: counts, map, agencies, flood gates."),
    ("/visitor", "Visitor tour", "A guided tour for the public that turns its pages by itself."),
    ("/supervisor", "Supervisor view", "Reports, filters and exports for staff; sign in first."),
)
#: the public Open311 GeoReport v2 endpoints (JSON; ``.xml`` too)
OPEN_DATA = ("/open311/v2/services.json", "/open311/v2/requests.json")


def layout(settings: Settings, lang: str | None = None, **_query: str) -> html.Main:
    """Frame of the landing page; ``callbacks.index`` fills the counts from the wall
    snapshot on each tick."""
    lang = language(lang)
    _ = gettext(lang)
    return html.Main([
        html.H1("Pantau"),
        html.P(_("Live monitoring of Jakarta citizen reports.")),
        languages("/", lang, _),
        html.Div(id=ids.INDEX_COUNTS, className="index__counts"),
        dcc.Interval(id=ids.INDEX_TICK, interval=settings.poll_seconds * 1000),
        views(lang, _),
    ], id=ids.INDEX_ROOT, className="view-index", lang=lang)


def not_found(pathname: str, lang: str | None = None) -> html.Main:
    """The page for a path no view answers: what happened, and the way home."""
    lang = language(lang)
    _ = gettext(lang)
    return html.Main([
        html.H1(_("Page not found")),
        html.P([_("Nothing is at this address:") + " ", html.Code(pathname[:200])]),
        html.P(dcc.Link(_("Back to the start page"), href=with_lang("/", lang), className="index__link")),
        views(lang, _),
    ], className="view-index not-found", lang=lang)


def views(lang: str, _: Gettext) -> html.Nav:
    """One labelled link per view, then the open-data endpoints."""
    items = [html.Li([dcc.Link(_(title), href=with_lang(path, lang), className="index__link"),
                      html.Span(_(what), className="index__what")]) for path, title, what in VIEWS]
    api = [html.A(path.rsplit("/", 1)[-1], href=path, className="index__api") for path in OPEN_DATA]
    items.append(html.Li([html.Span(_("Open data (Open311 API)"), className="index__link"),
                          html.Span([_("Public reports, also as .xml:") + " ", api[0], " · ", api[1]],
                                    className="index__what")]))
    return html.Nav(html.Ul(items, className="index__views"), **{"aria-label": _("Views")})


def languages(path: str, lang: str, _: Gettext) -> html.Nav:
    """Links to the same page in each language."""
    links = [html.A(code.upper(), href=f"{path}?lang={code}", hrefLang=code,
                    className="index__lang" + (" is-current" if code == lang else "")) for code in LANGUAGES]
    return html.Nav(links, className="index__langs", **{"aria-label": _("Language")})


def with_lang(path: str, lang: str) -> str:
    """``path`` with ``?lang=`` when the language is not the default."""
    return path if lang == DEFAULT_LANGUAGE else f"{path}?lang={lang}"


def counts(kpis: dict, lang: str | None) -> list[html.Div]:
    """The wall's city-wide KPIs as labelled numbers."""
    _ = gettext(language(lang))
    return [html.Div([html.Div(number(kpis.get(k), _), className="index__value"),
                      html.Div(_(components.KPI_LABELS[k]), className="index__label")], className="index__count")
            for k in components.KPI_KEYS]
