"""The supervisor view in real Chromium against the real app (one server and browser per
module): login → filter → drill (clicks) → back/forward → detail → export; scoped view;
report text stays text."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from dashboard.store.users import list_exports
from layouts import ids
from tests.browser.conftest import chrome_options, wait_for
from tests.supervisor_data import SECRET, insert_reports, kelurahan_in, row
from tests.supervisor_server import PASSWORD, start

pytestmark = pytest.mark.browser
ROWS = f"#{ids.SUPERVISOR_TABLE} .ag-center-cols-container .ag-row"
OVERDUE = f"#{ids.SUPERVISOR_F_OVERDUE} input"
XSS = "<img src=x onerror=window.__xss=1><b>tebal</b>"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start(tmp_path_factory.mktemp("sup-browser"))
    insert_reports(srv.engine, [row(kelurahan_in("31.71"), "koordinasi", description=XSS)])
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser():
    driver = webdriver.Chrome(options=chrome_options())
    yield driver
    driver.quit()


def js(driver, script: str, *args):
    return driver.execute_script(script, *args)


def kpi(driver, key: str = "total") -> str:
    return js(driver, f"var e=document.getElementById('supervisor-kpi-{key}'); return e ? e.textContent : ''")


def query(driver) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(driver.current_url).query).items()}


def login(driver, server, username: str) -> None:
    driver.delete_all_cookies()
    driver.get(server.base + "/supervisor")
    wait_for(lambda: urlparse(driver.current_url).path == "/login")
    field = wait_for(lambda: driver.find_elements(By.NAME, "username"), timeout=10)[0]
    field.send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, ids.LOGIN_SUBMIT).click()
    wait_for(lambda: urlparse(driver.current_url).path == "/supervisor")


def click_bar(driver, figure_id: str, index: int) -> None:
    bars = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, f"#{figure_id} .bars path"), timeout=10)
    ActionChains(driver).move_to_element(bars[index]).click().perform()


def test_sup001_login_filter_drill_back_detail_export(server, browser):
    login(browser, server, "admin")
    wait_for(lambda: kpi(browser) == "11", timeout=10)
    # filter: click the Menunggu bar of the status figure
    click_bar(browser, ids.SUPERVISOR_STATUS_FIG, 0)
    wait_for(lambda: query(browser).get("status") == "menunggu")
    wait_for(lambda: kpi(browser) == "4")
    # drill: click the first kelurahan bar -> kelurahan (with its kecamatan and kota)
    click_bar(browser, ids.SUPERVISOR_KELURAHAN_FIG, 0)
    wait_for(lambda: "kelurahan" in query(browser))
    q = query(browser)
    assert q["status"] == "menunggu" and q["kota"] in ("31.71", "31.74")
    panel = wait_for(lambda: browser.find_elements(By.ID, ids.SUPERVISOR_KELURAHAN_SCORE), timeout=10)[0]
    assert "/ 100" in panel.text
    drilled = kpi(browser)
    assert drilled in ("2", "1")
    # the link reproduces the view; back and forward work
    browser.back()
    wait_for(lambda: "kelurahan" not in query(browser) and kpi(browser) == "4", timeout=10)
    browser.forward()
    wait_for(lambda: "kelurahan" in query(browser) and kpi(browser) == drilled, timeout=10)
    # export the drilled view with the browser's own session
    href = wait_for(lambda: browser.find_element(By.ID, ids.SUPERVISOR_EXPORT).get_attribute("href"))
    assert "status=menunggu" in href and "kelurahan=" in href
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    r = requests.get(href, cookies=cookies, headers={"User-Agent": js(browser, "return navigator.userAgent")},
                     timeout=30)
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert r.status_code == 200 and len(rows) == int(drilled) and {x["status"] for x in rows} == {"menunggu"}
    assert list_exports(server.engine)[0]["username"] == "admin"


def test_sup002_detail_shows_text_as_text_and_identity_to_admin(server, browser):
    browser.get(server.base + "/supervisor?status=koordinasi")
    cell = f"document.querySelector(\"#{ids.SUPERVISOR_TABLE} .ag-center-cols-container .ag-row [col-id='{{}}']\")"
    wait_for(lambda: js(browser, f"var c={cell.format('description')}; return c ? c.textContent : ''") == XSS,
             timeout=10)  # the grid shows the text as text
    assert not browser.find_elements(By.CSS_SELECTOR, f"#{ids.SUPERVISOR_TABLE} img")
    js(browser, f"{cell.format('id')}.click()")
    text = wait_for(lambda: browser.find_elements(By.ID, ids.SUPERVISOR_DETAIL_TEXT), timeout=10)[0]
    assert text.text == XSS
    assert js(browser, "return window.__xss") is None
    assert not browser.find_elements(By.CSS_SELECTOR, "#supervisor-detail b")
    assert "Rahasia" in browser.find_element(By.ID, ids.SUPERVISOR_DETAIL_REPORTER).text
    history = browser.find_element(By.CSS_SELECTOR, ".sup__history").text
    assert "Menunggu" in history  # status labels, in the page language


def test_sup003_filter_controls_write_the_url(server, browser):
    browser.get(server.base + "/supervisor")
    wait_for(lambda: kpi(browser) == "11", timeout=10)
    browser.find_element(By.CSS_SELECTOR, OVERDUE).click()
    wait_for(lambda: query(browser).get("overdue") == "1")
    wait_for(lambda: kpi(browser) == "1")
    browser.find_element(By.ID, ids.SUPERVISOR_F_RESET).click()
    wait_for(lambda: query(browser) == {} and kpi(browser) == "11")


def test_sup004_scoped_supervisor_sees_only_their_kota(server, browser):
    login(browser, server, "scoped")
    wait_for(lambda: kpi(browser) == "7", timeout=10)
    rows = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, ROWS),
                    timeout=10)
    wait_for(lambda: len(browser.find_elements(By.CSS_SELECTOR, ROWS)) == 7)
    assert rows
    assert SECRET not in browser.page_source
    assert "Rahasia" not in browser.page_source
    browser.get(server.base + "/supervisor?kota=31.74")  # a forged link: refused, nothing shown
    wait_for(lambda: browser.find_elements(By.ID, ids.SUPERVISOR_KPIS))
    assert SECRET not in browser.page_source and kpi(browser) == ""


def test_sup005_clicking_a_kelurahan_on_the_map_drills_to_it(server, browser):
    login(browser, server, "admin")
    wait_for(lambda: kpi(browser) == "11", timeout=10)
    count = "return document.querySelectorAll('#supervisor-map .leaflet-overlay-pane path').length"
    wait_for(lambda: js(browser, count) > 200, timeout=10)
    js(browser, "document.querySelectorAll('#supervisor-map .leaflet-overlay-pane path')[0]"
                ".dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: 5, clientY: 5}))")
    wait_for(lambda: "kelurahan" in query(browser), timeout=10)
    q = query(browser)
    assert q["kota"] and q["kecamatan"] and q["kelurahan"].startswith(q["kecamatan"])
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#supervisor-kelurahan-panel h2"), timeout=10)


def test_sup006_one_language_per_page_and_sign_out(server, browser):
    login(browser, server, "admin")
    wait_for(lambda: kpi(browser) == "11", timeout=10)
    placeholders = "return [...document.querySelectorAll('.sup__filter--dates input')].map(e => e.placeholder)"
    assert js(browser, placeholders) == ["Dari tanggal", "Sampai tanggal"]
    labels = "return [...document.querySelectorAll('.sup__kpi-label')].map(e => e.textContent)"
    assert "Menunggu > 6 jam" in js(browser, labels) and "Waiting > 6 h" not in browser.page_source
    browser.get(server.base + "/supervisor?lang=en")
    wait_for(lambda: "Waiting > 6 h" in js(browser, labels), timeout=10)
    assert js(browser, placeholders) == ["From date", "To date"]
    browser.find_element(By.CSS_SELECTOR, OVERDUE).click()  # a filter change keeps ?lang=en
    wait_for(lambda: query(browser) == {"overdue": "1", "lang": "en"})
    browser.find_element(By.ID, ids.SUPERVISOR_LOGOUT).click()  # a POST with the session's token
    wait_for(lambda: urlparse(browser.current_url).path == "/login" and "lang=en" in browser.current_url)
    wait_for(lambda: browser.find_elements(By.ID, ids.LOGIN_SUBMIT), timeout=10)
    assert browser.find_element(By.ID, ids.LOGIN_SUBMIT).text == "Sign in"
    browser.get(server.base + "/supervisor")
    wait_for(lambda: urlparse(browser.current_url).path == "/login")  # signed out


def test_sup007_a_desk_view_keeps_its_sizes_on_a_big_screen(server, browser):
    """The wall's sizes grow with the viewport; the supervisor's map markers and Leaflet
    controls do not (a 4K laptop screen shows more, not bigger)."""
    login(browser, server, "admin")
    wait_for(lambda: kpi(browser) == "11", timeout=10)
    size = ("var c=document.querySelector('#supervisor-map .cluster, #supervisor-map .pt');"
            "var z=document.querySelector('#supervisor-map .leaflet-control-attribution');"
            "return c && z ? [c.offsetWidth, getComputedStyle(z).fontSize] : null")
    try:
        sizes = []
        for width, height in ((1920, 1080), (3840, 2160)):
            browser.set_window_size(width, height)
            wait_for(lambda: js(browser, "return window.innerWidth") >= width * 0.9, timeout=10)
            sizes.append(wait_for(lambda: js(browser, size), timeout=10))
        assert sizes[0] == sizes[1] and sizes[0][0] > 0
    finally:
        browser.set_window_size(1920, 1080)


@pytest.fixture(scope="module")
def busy_server(tmp_path_factory):
    """The same store plus one agency's backlog spread over kelurahan: in Sudin Bina Marga
    Jakarta Pusat, 31.71.01.1001 has the most open reports (5, one of them overdue) but
    31.71.01.1002 the most overdue (3); 31.71.01.1003 has more overdue (5) for another agency."""
    from datetime import timedelta

    from tests.supervisor_data import NOW
    srv = start(tmp_path_factory.mktemp("sup-busy"))
    old, recent = NOW - timedelta(days=10), NOW - timedelta(hours=5)
    insert_reports(srv.engine, [row("31.71.01.1001", "proses", "jalan_rusak", recent) for _ in range(4)]
                   + [row("31.71.01.1002", "disposisi", "jalan_rusak", old) for _ in range(3)]
                   + [row("31.71.01.1003", "menunggu", "sampah", old) for _ in range(5)])
    yield srv
    srv.stop()


def test_sup008_the_slowest_kelurahan_of_an_agency_in_three_clicks(busy_server, browser):
    """The issue's 'done when': agency bar, 'overdue only', top kelurahan bar; then the link
    reproduces the view and the export holds exactly its rows."""
    agency, slowest = "sudin-bina_marga-31.71", "31.71.01.1002"
    codes = ("var g=document.querySelector('#' + arguments[0] + ' .js-plotly-plot');"
             "return g && g.data ? g.data[0].customdata : null")  # a figure's codes, in bar order
    login(browser, busy_server, "admin")
    wait_for(lambda: kpi(browser) == "22", timeout=10)
    agencies = wait_for(lambda: js(browser, codes, ids.SUPERVISOR_AGENCY_FIG), timeout=10)
    click_bar(browser, ids.SUPERVISOR_AGENCY_FIG, agencies.index(agency))  # 1
    wait_for(lambda: query(browser).get("agency") == agency and kpi(browser) == "9", timeout=10)
    assert js(browser, codes, ids.SUPERVISOR_KELURAHAN_FIG)[0] == "31.71.01.1001"  # most open, not the slowest
    browser.find_element(By.CSS_SELECTOR, OVERDUE).click()  # 2
    wait_for(lambda: query(browser).get("overdue") == "1" and kpi(browser) == "4", timeout=10)
    wait_for(lambda: (js(browser, codes, ids.SUPERVISOR_KELURAHAN_FIG) or [None])[0] == slowest, timeout=10)
    click_bar(browser, ids.SUPERVISOR_KELURAHAN_FIG, 0)  # 3
    wait_for(lambda: query(browser).get("kelurahan") == slowest and kpi(browser) == "3", timeout=10)
    shared = browser.current_url
    browser.get(shared)  # the shared link shows the same view
    wait_for(lambda: kpi(browser) == "3" and browser.find_elements(By.ID, ids.SUPERVISOR_KELURAHAN_SCORE), timeout=10)
    href = browser.find_element(By.ID, ids.SUPERVISOR_EXPORT).get_attribute("href")
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    rows = list(csv.DictReader(io.StringIO(requests.get(href, cookies=cookies, timeout=30).text)))
    assert len(rows) == 3 and {(r["kelurahan"], r["agency"]) for r in rows} == {(slowest, agency)}
