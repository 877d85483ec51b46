"""The wall read from eight metres, in real Chromium at 1920x1080 and 3840x2160:
every visible text node (HTML, Plotly's SVG, Leaflet's markers) at least 1.8 % of the
viewport height, panel titles 2.2 %, key numbers 4 %; flood mode entered because a Siaga 2
reading was ingested (store write path + snapshot refresh), its banner text, and the
leaderboard's rows still on screen; scope labels never covered by a banner; no console
errors. One app and one browser for the module (``conftest.wall``)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from selenium.webdriver.common.by import By

from dashboard.reference import load_reference
from dashboard.store.water import Reading, record_levels
from layouts import ids
from tests.browser.conftest import PANEL_SIZES, PLOTS_FIT, settled, wait_for

pytestmark = pytest.mark.browser

SIZES = [(1920, 1080), (3840, 2160)]

#: [font px, text, selector-ish path] of every text node a person can see: inside the
#: viewport, inside its Leaflet map's box, not hidden, not transparent, not clipped away.
VISIBLE_TEXT = """
var out = [], W = innerWidth, H = innerHeight;
var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
function shown(el) {
    for (var e = el; e && e.nodeType === 1; e = e.parentElement) {
        var cs = getComputedStyle(e);
        if (cs.display === "none" || cs.visibility === "hidden" || parseFloat(cs.opacity) === 0) { return false; }
    }
    return true;
}
function clip(r, el) {  /* the part of r inside every overflow-clipping ancestor */
    var box = {l: r.left, t: r.top, r: r.right, b: r.bottom};
    for (var e = el; e && e.nodeType === 1; e = e.parentElement) {
        var cs = getComputedStyle(e);
        if (cs.overflow !== "visible" || e.classList.contains("leaflet-container")) {
            var c = e.getBoundingClientRect();
            box = {l: Math.max(box.l, c.left), t: Math.max(box.t, c.top), r: Math.min(box.r, c.right), b: Math.min(box.b, c.bottom)};
        }
    }
    return box;
}
while (walker.nextNode()) {
    var node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el || ["SCRIPT", "STYLE", "TITLE", "NOSCRIPT"].indexOf(el.tagName) >= 0) { continue; }
    if (!shown(el)) { continue; }
    var range = document.createRange(); range.selectNodeContents(node);
    var r = range.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) { continue; }
    var c = clip(r, el);
    if (c.r - c.l < 2 || c.b - c.t < 2 || c.r <= 0 || c.b <= 0 || c.l >= W || c.t >= H) { continue; }
    out.push([parseFloat(getComputedStyle(el).fontSize), node.textContent.trim().slice(0, 40),
              (el.id || el.className.baseVal || el.className || el.tagName) + ""]);
}
return out;
"""


def js(driver, script: str, *args):
    return driver.execute_script(script, *args)


def show(browser, wall, width: int, height: int) -> None:
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    browser.get(wall.url)
    wait_for(lambda: js(browser, "return document.querySelectorAll('#wall-board tbody tr').length") >= 10)
    wait_for(lambda: js(browser, "return document.querySelectorAll('#wall-flow-fig .xtick text').length") > 0)
    wait_for(lambda: js(browser, "return document.querySelectorAll('#wall-backlog-fig text.bartext').length") > 0)
    wait_for(lambda: js(browser, "return document.querySelectorAll('.gate__trend .xtick text').length") > 0)
    wait_for(lambda: js(browser, "return document.querySelectorAll('.leaflet-marker-pane > *').length") > 0)
    wait_for(lambda: browser.find_element(By.ID, ids.WALL_FOCUS_LABEL).text not in ("", "–"))
    wait_for(lambda: js(browser, PLOTS_FIT))  # Plotly's responsive resize after the viewport change
    assert js(browser, "return [innerWidth, innerHeight]") == [width, height]


def check_type(browser, height: int) -> list:
    texts = js(browser, VISIBLE_TEXT)
    assert len(texts) > 100  # the wall is full of text: the walk found it
    small = [t for t in texts if t[0] < 0.018 * height - 0.01]
    assert small == [], small[:10]
    smallest = "return Math.min(...[...document.querySelectorAll(arguments[0])]" \
               ".filter(e => e.getClientRects().length).map(e => parseFloat(getComputedStyle(e).fontSize)))"
    for selector in (".panel__title", ".focus__name"):
        assert js(browser, smallest, selector) >= 0.022 * height, selector
    for selector in (".kpi__value", ".gate__level", ".head__clock"):
        assert js(browser, smallest, selector) >= 0.04 * height, selector
    return texts


def on_top(browser, element_id: str) -> bool:
    """The element is shown and is what a person sees at its centre (no banner over it)."""
    return js(browser, """var el = document.getElementById(arguments[0]); if (!el) { return false; }
        var r = el.getBoundingClientRect(); if (r.width < 1 || r.height < 1) { return false; }
        var top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return !!top && (top === el || el.contains(top));""", element_id)


def board_rows_on_screen(browser) -> int:
    return js(browser, """return [...document.querySelectorAll('#wall-board tbody tr')].filter(function (tr) {
        var r = tr.getBoundingClientRect(), top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return r.height > 0 && r.bottom <= innerHeight && tr.contains(top) &&
               /\\d/.test(tr.querySelector('td.score').textContent); }).length""")


@pytest.mark.parametrize("width,height", SIZES)
def test_type001_every_visible_text_is_readable_from_eight_metres(wall, browser, width, height):
    show(browser, wall, width, height)
    texts = check_type(browser, height)
    kinds = " ".join(t[2] for t in texts)
    assert "xtick" in kinds or "tick" in kinds  # Plotly's axis text was measured too
    assert "cluster" in kinds or "pt" in kinds  # and Leaflet's markers
    assert on_top(browser, ids.WALL_CITY) and on_top(browser, ids.WALL_FOCUS_LABEL)
    assert board_rows_on_screen(browser) >= 10


def test_type002_scope_labels_stay_visible_under_the_stale_and_offline_banners(wall, browser):
    show(browser, wall, 1920, 1080)
    stale = lambda: browser.find_element(By.ID, ids.WALL_STALE)
    wall.clock.offset = timedelta(seconds=wall.settings.stale_seconds + 60)
    try:
        wait_for(lambda: stale().is_displayed())
        for scope in ids.WALL_SCOPES:
            assert on_top(browser, scope), scope
    finally:
        wall.clock.offset = timedelta(0)
    wall.record_ingest()
    wait_for(lambda: not stale().is_displayed())
    offline = lambda: browser.find_element(By.ID, ids.WALL_OFFLINE)
    wall.stop()
    try:
        wait_for(lambda: offline().is_displayed())
        for scope in ids.WALL_SCOPES:
            assert on_top(browser, scope), scope
    finally:
        wall.start()
    wait_for(lambda: not offline().is_displayed())
    outage = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]  # read and cleared
    assert all("net::ERR_" in m or "_dash-update-component" in m for m in outage), outage  # the refused requests


def ingest_siaga2(wall) -> str:
    """A Siaga 2 reading at Manggarai written through the store's write path, then the
    wall snapshot refreshed as the worker does after recording levels."""
    gate = load_reference().gates["pa-2"]
    level = float(gate.siaga2_cm + 5)
    assert gate.siaga(level) == 2
    with wall.engine.begin() as conn:
        assert record_levels(conn, [Reading("pa-2", datetime.now(timezone.utc), level, 2)]) == 1
    wall.record_ingest()
    return gate.name.removeprefix("Pintu Air ")


@pytest.mark.parametrize("width,height", SIZES)
def test_type003_flood_mode_from_an_ingested_siaga_2_reading_keeps_the_leaderboard(wall, browser, width, height):
    show(browser, wall, width, height)
    name = ingest_siaga2(wall) if width == SIZES[0][0] else "Manggarai"  # the second size finds it ingested
    root = lambda: browser.find_element(By.ID, ids.WALL_ROOT).get_attribute("class")
    wait_for(lambda: "wall--flood" in root())
    banner = browser.find_element(By.ID, ids.WALL_FLOOD)
    wait_for(lambda: banner.is_displayed() and banner.text)
    assert banner.text.startswith(f"MODE BANJIR · {name} Siaga 2 sejak ")
    assert len(banner.text.rsplit(" ", 1)[1]) == 5  # "sejak HH:MM"
    settled(browser, PANEL_SIZES)  # the grid and Plotly settle in flood layout
    assert board_rows_on_screen(browser) >= 10  # best 5 and worst 5, with their scores
    assert js(browser, "return document.querySelectorAll('#wall-gates .gate').length") >= 5
    check_type(browser, height)
    for scope in ids.WALL_SCOPES:
        assert on_top(browser, scope), scope


def test_type004_no_console_errors(wall, browser):
    severe = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert [m for m in severe if "console-api" not in m] == []
    assert js(browser, "return window.__errors") == []
