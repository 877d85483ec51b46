"""Visitor layout builders without a browser: ids, translations, rendering of a summary."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from dashboard.config import Settings
from dashboard.i18n import LANGUAGES, catalog
from dashboard.public.query import siaga_levels
from layouts import visitor as view

WIB = ZoneInfo("Asia/Jakarta")
SUMMARY = {
    "status_today": [{"status": s, "n": n} for s, n in
                     (("menunggu", 4), ("koordinasi", 1), ("disposisi", 0), ("proses", 2), ("selesai", 3))],
    "cells": [{"lat": -6.177, "lon": 106.818, "n": 3, "open": 2}, {"lat": -6.2, "lon": 106.8, "n": 1, "open": 0}],
    "leaderboard": {"best": [{"code": "k", "name": "Gambir", "kota": "Jakarta Pusat", "score": 91.4,
                              "received": 9, "parts": {}}], "formula": ""},
    "gates": [{"code": "g", "name": "Manggarai", "river": "Ciliwung", "level_cm": 851.0, "siaga": 2,
               "observed_at": "2026-11-27T02:50:00Z"}],
    "as_of": "2026-11-27T02:55:00+00:00",
}


def ids_in(component) -> set[str]:
    found = set()
    stack = [component]
    while stack:
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(node)
            continue
        if getattr(node, "id", None):
            found.add(node.id)
        children = getattr(node, "children", None)
        if children is not None and not isinstance(children, str):
            stack.append(children)
    return found


def test_layout_has_every_id_and_all_scenes():
    page = view.layout(Settings.from_env({}))
    wanted = {getattr(view, n) for n in dir(view) if n.startswith("VISITOR_")}
    assert wanted <= ids_in(page)
    assert {f"visitor-scene-{key}" for key, _t, _c in view.SCENES} <= ids_in(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_msgid_is_in_the_catalogs(lang):
    table = catalog(lang)
    assert [m for m in view.MSGIDS if m not in table] == []


def test_english_and_indonesian_differ():
    id_page = str(view.layout(Settings.from_env({}), lang="id"))
    en_page = str(view.layout(Settings.from_env({}), lang="en"))
    assert "How a report travels" in en_page and "How a report travels" not in id_page
    assert siaga_levels("en")[3][1] in en_page and siaga_levels("id")[3][2] in id_page


@pytest.mark.parametrize(("raw", "seconds"), [(None, 12), ("5", 5), ("1", 3), ("9999", 300), ("x", 12)])
def test_scene_seconds(raw, seconds):
    assert view.scene_seconds(raw) == seconds


def test_render_fills_every_output():
    status, cells, board, gates, as_of, total = view.render(SUMMARY, "en", WIB)
    assert len(status) == 5 and len(cells) == 2
    assert "Gambir" in str(board) and "91" in str(board)
    assert "Siaga 2" in str(gates) and "851 cm" in str(gates)
    assert as_of == "updated 09:55 WIB" and total == "10 reports today"


def test_the_day_total_is_grouped_the_page_language_way():
    busy = SUMMARY | {"status_today": [{"status": "menunggu", "n": 12000}, {"status": "selesai", "n": 345}]}
    assert view.render(busy, "en", WIB)[-1] == "12,345 reports today"
    assert view.render(busy, "id", WIB)[-1] == "12.345 laporan hari ini"


def test_render_empty_summary():
    empty = {"status_today": [{"status": "menunggu", "n": 0}], "cells": [], "gates": [],
             "leaderboard": {"best": [], "formula": ""}, "as_of": None}
    status, cells, board, gates, as_of, total = view.render(empty, "id", WIB)
    assert cells == [] and as_of == "" and "Belum" in str(board) and "Belum" in str(gates)
