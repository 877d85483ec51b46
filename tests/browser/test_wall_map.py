"""The wall's backlog map in real Chromium against the real app and store:
only open reports on it, every marker inside the map and none over another at both wall
sizes, a legend with the shading's unit in both languages, map text readable from 8 m."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from dashboard.models import OPEN_VALUES, Status
from dashboard.store.schema import report
from tests.browser.conftest import wait_for

pytestmark = pytest.mark.browser

SIZES = [(1920, 1080), (3840, 2160)]
MARKERS = "#wall-map .leaflet-marker-pane .cluster"
#: Every marker as [text, left, top, right, bottom] and the map's box.
MARKER_BOXES = f"""
var m = document.getElementById('wall-map').getBoundingClientRect();
return {{map: [m.left, m.top, m.right, m.bottom], markers: [...document.querySelectorAll('{MARKERS}')].map(e => {{
    var r = e.getBoundingClientRect(); return [e.textContent, r.left, r.top, r.right, r.bottom]; }})}};"""
FETCH_POINTS = """
var done = arguments[arguments.length - 1];
var e = performance.getEntriesByType('resource').filter(r => r.name.indexOf('/wall/points.json') >= 0).pop();
fetch(e.name).then(r => r.json()).then(g => done(g.features.map(f => f.properties.s)), err => done(String(err)));"""
SMALLEST = ("return Math.min(...[...document.querySelectorAll(arguments[0])].filter(e => e.textContent.trim())"
            ".map(e => parseFloat(getComputedStyle(e).fontSize)))")


def js(driver, script: str, *args):
    return driver.execute_script(script, *args)


def open_wall(browser, url: str, width: int, height: int) -> dict:
    """Load the wall at a size and return the markers once they have stopped changing."""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    browser.get(url)
    wait_for(lambda: js(browser, f"return document.querySelectorAll('{MARKERS} .cluster__count').length"), timeout=20)
    last = None
    for _ in range(40):  # fit, recluster and declutter land within a few frames of each other
        time.sleep(0.5)
        boxes = js(browser, MARKER_BOXES)
        if boxes == last:
            return boxes
        last = boxes
    raise AssertionError("the map's markers never settled")


def open_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(report).where(report.c.status.in_(OPEN_VALUES))).scalar()


def count(text: str) -> int:
    """A marker's count: its text less the status letter ("P123" -> 123; a single report: 1)."""
    digits = text[1:]
    return int(digits) if digits else 1


def test_map001_default_layer_holds_only_the_open_backlog(wall, browser):
    wall.add_report(description="Sudah selesai, tidak di peta", status=Status.SELESAI)
    wall.add_report(description="Masih menunggu, di peta", status=Status.MENUNGGU)
    boxes = open_wall(browser, wall.url, 1920, 1080)
    statuses = browser.execute_async_script(FETCH_POINTS)
    assert statuses and set(statuses) <= set(OPEN_VALUES)  # no selesai among the layer's features
    assert len(statuses) == open_count(wall.engine)  # and every open report is there
    shown = [text for text, *_box in boxes["markers"]]
    assert all(text[0] in "MKDP" for text in shown)  # lettered by an open status, never S
    if not any("k" in text for text in shown):  # counts under 1,000 are exact
        assert sum(count(text) for text in shown) == len(statuses)


@pytest.mark.parametrize("width,height", SIZES)
def test_map002_no_marker_outside_the_map_or_over_another(wall, browser, width, height):
    boxes = open_wall(browser, wall.url, width, height)
    left, top, right, bottom = boxes["map"]
    markers = boxes["markers"]
    assert len(markers) >= 3
    for text, *box in markers:
        assert box[0] >= left and box[1] >= top and box[2] <= right and box[3] <= bottom, (text, box, boxes["map"])
    for i, (_a, *a) in enumerate(markers):  # markers are discs: centres at least the two radii apart
        for _b, *b in markers[i + 1:]:
            gap = ((a[0] + a[2] - b[0] - b[2]) ** 2 + (a[1] + a[3] - b[1] - b[3]) ** 2) ** 0.5 / 2
            assert gap >= (a[2] - a[0] + b[2] - b[0]) / 2 - 0.5, (a, b)
    for selector in (f"{MARKERS} .cluster__letter", f"{MARKERS} .cluster__count", "#wall-map-legend span"):
        assert js(browser, SMALLEST, selector) >= 0.018 * height, selector  # read from 8 m


@pytest.mark.parametrize("lang,unit,letters", [("", "laporan terbuka per kelurahan", "MKDP"),
                                               ("?lang=en", "open reports per kelurahan", "WCRI")])
def test_map003_legend_names_the_shading_unit_and_scale(wall, browser, lang, unit, letters):
    boxes = open_wall(browser, wall.url + lang, 1920, 1080)
    legend = js(browser, "return document.getElementById('wall-map-legend').innerText")
    assert unit in legend
    assert [b for b in js(browser, "return [...document.querySelectorAll('.maplegend__bin')].map(e => e.textContent)")] \
        == ["1", "10", "25", "50", "100+"]
    chips = js(browser, "return [...document.querySelectorAll('.maplegend__chip')].map(e => e.textContent).join('')")
    assert chips == letters
    assert all(text[0] in letters for text, *_box in boxes["markers"])  # the markers speak the page's language
    shaded = js(browser, "return new Set([...document.querySelectorAll('#wall-map .leaflet-overlay-pane path')]"
                         ".map(p => p.getAttribute('fill'))).size")
    assert shaded >= 3  # kelurahan fall in several of the legend's classes


def test_map004_no_console_errors(wall, browser):
    open_wall(browser, wall.url, 1920, 1080)
    severe = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert [m for m in severe if "console-api" not in m] == []
    assert js(browser, "return window.__errors") == []
