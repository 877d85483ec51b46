"""The wall's badge in real Chromium tells the truth through outages: OFFLINE when the server
is gone, STALE with the reason when the database is, LIVE again after each comes back.
The wall is served over a PostgreSQL cluster of the module's own (stopped and started),
polling every 3 s. Also: no page breaks its Content-Security-Policy.
"""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from dashboard.config import Settings
from layouts import ids
from tests.browser.conftest import (KEEP_ERRORS, WATCH_REQUESTS, chrome_options, page_now, polls_pass, polls_until_badge,
                                    served_wall, wait_for)
from tests.pg_cluster import PgCluster
from tests.supervisor_server import PASSWORD, start as start_supervisor

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

POLL = 3  # seconds; the promises ("within two polls") are counted in the page's polls
#: Every CSP violation the page meets (the console shows them too, but only as text).
WATCH_CSP = """window.__csp = []; document.addEventListener("securitypolicyviolation",
    function (e) { window.__csp.push(e.violatedDirective + " " + e.blockedURI); });"""


@pytest.fixture(scope="module")
def cluster():
    c = PgCluster.create()
    yield c
    c.destroy()


@pytest.fixture(scope="module")
def wall(cluster, tmp_path_factory):
    settings = Settings.from_env({}, data_dir=tmp_path_factory.mktemp("wall-pg"), database_url=cluster.url,
                                 poll_seconds=POLL, stale_after_seconds=120)
    with served_wall(settings, n_reports=300, days=3, seed_no=5) as w:
        yield w


@pytest.fixture(scope="module")
def browser(wall):
    driver = webdriver.Chrome(options=chrome_options())
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": KEEP_ERRORS + WATCH_CSP + WATCH_REQUESTS})
    driver.get(wall.url)
    yield driver
    driver.quit()


def badge(driver) -> tuple[str, str]:
    el = driver.find_element(By.ID, ids.WALL_BADGE)
    return el.text, el.get_attribute("class")


def shown(driver, element_id: str) -> str:
    el = driver.find_element(By.ID, element_id)
    return el.text if el.is_displayed() else ""


def live(driver) -> bool:
    return badge(driver)[0] == "LIVE"


def focus_label_uncovered(driver) -> bool:
    """No banner box overlaps a scope label (the city frame's, the focus zone's)."""
    return driver.execute_script("""
        return arguments[0].every(id => { var f = document.getElementById(id).getBoundingClientRect();
        return [...document.querySelectorAll('.banner')].filter(b => b.offsetParent !== null).every(b => {
            var r = b.getBoundingClientRect();
            return r.right <= f.left || f.right <= r.left || r.bottom <= f.top || f.bottom <= r.top; }); });""",
        list(ids.WALL_SCOPES))


def test_offline001_badge_offline_within_two_polls_of_the_server_stopping_then_live(wall, browser):
    wait_for(lambda: live(browser))
    assert badge(browser)[1] == "badge badge--live"
    stopped = page_now(browser)
    wall.stop()
    try:
        wait_for(lambda: badge(browser)[0] == "OFFLINE")
        assert polls_until_badge(browser, stopped, "OFFLINE") <= 2
        assert "badge--offline" in badge(browser)[1]
        assert "koneksi terputus sejak" in shown(browser, ids.WALL_OFFLINE)
        assert shown(browser, ids.WALL_STALE) == "" and focus_label_uncovered(browser)
        polls_pass(browser, 2, lambda: badge(browser)[0] == "OFFLINE")  # it stays OFFLINE while the server is gone
    finally:
        back = page_now(browser)
        wall.start()
    wait_for(lambda: live(browser))
    assert polls_until_badge(browser, back, "LIVE") <= 2
    assert shown(browser, ids.WALL_OFFLINE) == ""


def test_offline002_database_outage_is_stale_with_the_reason_then_live(wall, cluster, browser):
    wait_for(lambda: live(browser))
    stopped = page_now(browser)
    cluster.stop()
    try:
        wait_for(lambda: badge(browser)[0] == "STALE")
        assert polls_until_badge(browser, stopped, "STALE") <= 2
        wait_for(lambda: "basis data tidak terjangkau" in shown(browser, ids.WALL_STALE))
        assert focus_label_uncovered(browser) and browser.find_element(By.ID, ids.WALL_FOCUS_LABEL).is_displayed()
        assert browser.find_element(By.ID, "wall-kpi-open").text not in ("", "–")  # last figures stay
        polls_pass(browser, 2, lambda: badge(browser)[0] == "STALE")  # never LIVE while the database is down
    finally:
        cluster.start()
    back = page_now(browser)
    wall.record_ingest()
    wait_for(lambda: live(browser))
    assert polls_until_badge(browser, back, "LIVE") <= 3  # the pool reconnects, then the next poll is LIVE
    assert shown(browser, ids.WALL_STALE) == ""


def test_offline003_stale_heartbeat_names_the_worker(wall, browser):
    wait_for(lambda: live(browser))
    browser.get(wall.url + "?lang=en")
    wait_for(lambda: live(browser))
    aged = page_now(browser)
    wall.clock.offset = timedelta(seconds=wall.settings.stale_seconds + 60)  # time passes, no beat
    try:
        wait_for(lambda: "worker inactive since" in shown(browser, ids.WALL_STALE))
        assert badge(browser)[0] == "STALE" and polls_until_badge(browser, aged, "STALE") <= 2
    finally:
        wall.clock.offset = timedelta(0)
    back = page_now(browser)
    wall.record_ingest()
    wait_for(lambda: live(browser))
    assert polls_until_badge(browser, back, "LIVE") <= 2


def csp_clean(driver) -> None:
    assert driver.execute_script("return window.__csp") == []
    severe = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert [m for m in severe if "Content Security Policy" in m or "Content-Security-Policy" in m] == []
    assert driver.execute_script("return window.__errors") == []


@pytest.fixture(scope="module")
def supervisor(tmp_path_factory):
    srv = start_supervisor(tmp_path_factory.mktemp("csp-sup"))
    yield srv
    srv.stop()


def test_offline004_no_page_breaks_the_content_security_policy(wall, browser, supervisor):
    browser.get(wall.url)
    wait_for(lambda: browser.execute_script("return document.querySelectorAll('.gate').length"), timeout=20)
    csp_clean(browser)
    base = supervisor.base
    for path, ready in (("/", ".index__value"), ("/visitor", "#visitor-root"), ("/login", "#login-submit")):
        browser.get(base + path)
        wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, ready), timeout=15)
        time.sleep(1)
        csp_clean(browser)
    browser.find_element(By.NAME, "username").send_keys("admin")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    wait_for(lambda: urlparse(browser.current_url).path == "/supervisor", timeout=15)
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#supervisor-kpi-total"), timeout=15)
    time.sleep(2)
    csp_clean(browser)
