"""Message catalogs: Bahasa Indonesia by default, English on request, nothing missing."""

from __future__ import annotations

import re
from pathlib import Path

from dashboard import i18n
from dashboard.models import AGE_BUCKETS, Status, bucket_msgid
from layouts import index

ROOT = Path(__file__).resolve().parents[2]
#: ``_("literal")`` calls; a ``{placeholder}`` literal counts too (it is ``.format``ted after
#: translation), an f-string does not (it is not a msgid).
MSGID = re.compile(r"""\b_\(\s*["']([^"']+)["']\s*\)""")


def used_msgids() -> set[str]:
    found = set()
    for folder in ("layouts", "callbacks"):
        for path in (ROOT / folder).glob("*.py"):
            found |= set(MSGID.findall(path.read_text()))
    from layouts import components
    found |= set(components.KPI_LABELS.values())
    found |= {msgid for _path, title, what in index.VIEWS for msgid in (title, what)}
    found |= {f"part:{k}" for k in components.PART_KEYS} | {s.label for s in Status}
    return found | {bucket_msgid(key) for key, _ in AGE_BUCKETS} | supervisor_msgids()


def supervisor_msgids() -> set[str]:
    """Labels the supervisor view looks up from tables and data (not ``_("literal")``)."""
    from dashboard.store import performance as insights
    from layouts import supervisor_parts as parts
    found = {label for _key, label in parts.KPI_LABELS} | set(parts.PART_LABELS.values())
    found |= set(parts.IDENTITY.values()) | set(parts.FLAG_HEADINGS) | set(parts.KIND_LABELS.values())
    found |= set(parts.FLAG_LABELS.values()) | {hop for _status, hop in insights.HOPS}
    return found | {bucket_msgid(b) for b, _high in insights.RESPOND_BUCKETS + insights.RESOLVE_BUCKETS}


def test_language_defaults_to_indonesian():
    assert i18n.language(None) == "id"
    assert i18n.language("en") == "en" and i18n.language("EN-us") == "en"
    assert i18n.language("fr") == "id"


def test_every_used_message_is_in_both_catalogs():
    missing = {lang: used_msgids() - set(i18n.catalog(lang)) for lang in i18n.LANGUAGES}
    assert missing == {"id": set(), "en": set()}


def test_translations_differ_where_they_should():
    id_, en = i18n.gettext("id"), i18n.gettext("en")
    assert id_("connection lost since") == "koneksi terputus sejak"
    assert en("connection lost since") == "connection lost since"
    assert id_("no signal since") == "tidak ada sinyal sejak"
    assert en("Menunggu") == "Waiting" and id_("Menunggu") == "Menunggu"
    assert id_("unknown id") == "unknown id"


def test_dashboard_i18n_does_not_import_dash():
    source = (ROOT / "dashboard" / "i18n.py").read_text()
    assert "import dash" not in source and "plotly" not in source


def test_no_message_is_translated_twice():
    """A msgid entered twice leaves one of its translations unused (babel keeps one), so
    two views could each believe they say different words for the same thing."""
    for lang in i18n.LANGUAGES:
        text = (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
        msgids = re.findall(r'^msgid "(.+)"$', text, re.M)
        assert sorted({m for m in msgids if msgids.count(m) > 1}) == [], lang
