"""Message catalogs for the views: Bahasa Indonesia by default, English on request.

Catalogs live in ``locales/<lang>/LC_MESSAGES/messages.po`` (Babel/gettext format). The
``.po`` files are read directly with :mod:`babel.messages.pofile` (no compile step, no
``.mo`` files in git). Pure: no Dash imports.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

from babel.messages.pofile import read_po

from dashboard.config import ROOT

LOCALES_DIR = ROOT / "locales"
LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
Gettext = Callable[[str], str]  # the ``_`` a page's builders take: msgid -> text in the page's language


def language(requested: str | None) -> str:
    """The supported language for a ``?lang=`` value; Bahasa Indonesia otherwise."""
    lang = (requested or "").strip().lower()[:2]
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


@lru_cache(maxsize=len(LANGUAGES))
def catalog(lang: str) -> dict[str, str]:
    """msgid -> msgstr of one language's catalog (empty translations fall back to msgid)."""
    path = LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        messages = read_po(fh, locale=lang)
    return {m.id: m.string for m in messages if m.id and m.string}


def gettext(lang: str | None) -> Callable[[str], str]:
    """A ``_(msgid)`` function for ``lang``; unknown ids come back unchanged."""
    table = catalog(language(lang))
    return lambda msgid: table.get(msgid, msgid)
