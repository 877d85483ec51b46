"""The visitor tour in real Chromium against the real app (WALL-UI's ``wall`` fixture:
seeded store, real wall snapshot): rotation by itself without server requests per scene,
pause, arrow keys and taps, both languages."""

from __future__ import annotations

import time

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from dashboard.public.query import siaga_levels
from tests.browser.conftest import WATCH_REQUESTS, chrome_options, page_now, requests_since, wait_for

pytestmark = pytest.mark.browser
SECONDS = 3
NUMBERS = "visitor-status.children"  # an output of the numbers' refresh (its own Interval)


@pytest.fixture(scope="module")
def driver(wall):
    drv = webdriver.Chrome(options=chrome_options())
    drv.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH_REQUESTS})
    yield drv
    drv.quit()


def js(drv, script: str, *args):
    return drv.execute_script(script, *args)


def open_tour(drv, wall, lang: str) -> None:
    drv.get(wall.url.replace("/wall", f"/visitor?lang={lang}&seconds={SECONDS}"))
    wait_for(lambda: js(drv, "return document.querySelectorAll('.visitor-bar').length") == 5)


def scene(drv) -> int:
    return int(js(drv, "return document.querySelector('.view-visitor').getAttribute('data-scene')"))


def visible_title(drv) -> str:
    return js(drv, "var s=document.querySelector('.view-visitor'); var i=s.getAttribute('data-scene');"
                   "return s.querySelector('.visitor-scene[data-index=\"'+i+'\"] .visitor-title').textContent")




@pytest.mark.parametrize(("lang", "title", "siaga"), [
    ("id", "Perjalanan sebuah laporan", siaga_levels("id")[3][2]),
    ("en", "How a report travels", siaga_levels("en")[3][2]),
])
def test_vis001_tour_renders_in_each_language(wall, driver, lang, title, siaga):
    open_tour(driver, wall, lang)
    assert js(driver, "return document.documentElement.querySelector('.view-visitor').lang") == lang
    assert scene(driver) == 0 and visible_title(driver) == title
    assert siaga in driver.page_source
    wait_for(lambda: js(driver, "return document.querySelectorAll('.visitor-gate, .visitor-board__list li').length") > 0)
    assert js(driver, "return document.querySelectorAll('.leaflet-interactive').length") > 0


def test_vis002_rotates_by_itself_without_a_request_per_scene(wall, driver):
    open_tour(driver, wall, "en")
    since, start = page_now(driver), scene(driver)
    wait_for(lambda: scene(driver) == (start + 2) % 5)
    sent = [r["output"] for r in requests_since(driver, since) if "_dash-update-component" in r["url"]]
    assert all(NUMBERS in output for output in sent), sent  # two scene changes, no request of their own


def test_vis003_pause_keys_and_tap(wall, driver):
    open_tour(driver, wall, "en")
    driver.find_element(By.CSS_SELECTOR, ".visitor-btn--pause").click()
    assert driver.find_element(By.CSS_SELECTOR, ".visitor-btn--pause").text == "Play"
    held = scene(driver)
    time.sleep(SECONDS + 1)
    assert scene(driver) == held
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_RIGHT)
    assert scene(driver) == (held + 1) % 5
    body.send_keys(Keys.ARROW_LEFT)
    body.send_keys(Keys.ARROW_LEFT)
    assert scene(driver) == (held - 1) % 5
    js(driver, "document.querySelector('.visitor-stage').click()")
    assert scene(driver) == held


def test_vis004_language_switch_on_screen(wall, driver):
    open_tour(driver, wall, "id")
    driver.find_element(By.CSS_SELECTOR, "a.visitor-lang[hreflang='en']").click()
    wait_for(lambda: "How a report travels" in driver.page_source, timeout=10)
    wait_for(lambda: "Waiting" in js(driver, "return document.getElementById('visitor-status').textContent"))
