"""Browser fixtures: Debian Chromium headless with the RECIPES flags, and ONE wall app per
module served from a thread on a free port (not 8050) that tests can stop and restart.

The store is a real SQLite file seeded with :func:`dashboard.simulator.seed.seed`; the wall
snapshot comes from the real :func:`dashboard.wall.aggregate.refresh_wall_snapshot`.
"""

from __future__ import annotations

import socket
from contextlib import contextmanager
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import count
from typing import Callable

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from werkzeug.serving import make_server

from app import create_app
from dashboard.wall.aggregate import refresh_wall_snapshot
from dashboard.ingest.cameras import refresh_cameras
from dashboard.config import Settings
from dashboard.reference import load_reference
from dashboard.simulator.seed import seed
from dashboard.store import schema
from dashboard.store.engine import make_engine
from dashboard.store.heartbeat import WORKER_JOB, beat_start
from dashboard.store.refdata import store_reference
from dashboard.store.writes import finish_run, start_run, upsert_reports
from tests.factories import make_report

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--window-size=1920,1080", "--force-device-scale-factor=1",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"]


#: Keep console.error arguments readable (Chrome's log shows objects as "Object").
KEEP_ERRORS = """window.__errors = []; (function (plain) { console.error = function () {
    window.__errors.push([].map.call(arguments, function (a) {
        try { return (a && a.message) ? a.message + " " + (a.html || "") : JSON.stringify(a); }
        catch (e) { return String(a); } }).join(" ").slice(0, 500));
    plain.apply(console, arguments); }; })(console.error);"""

#: A log of what the page asks the server and what its badge says, so a test can check a
#: promise in polls ("on the first poll after the commit", "OFFLINE before a third poll")
#: rather than in seconds, which a busy machine stretches: ``window.__requests`` holds
#: ``{url, output, at, status, done, text}`` per fetch (``text`` for wall refreshes only,
#: ``status`` "failed" when the server was unreachable) and ``window.__badge`` ``[text, at]``
#: per change of the wall's badge (times: the page's ``Date.now()``).
WATCH_REQUESTS = """window.__requests = []; window.__badge = [];
(function (plain) { window.fetch = function (input, init) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    var entry = {url: url, output: "", at: Date.now(), status: null, done: null, text: ""};
    try { entry.output = JSON.parse(init.body).output || ""; } catch (e) { }
    window.__requests.push(entry);
    return plain.apply(this, arguments).then(function (r) {
        entry.status = r.status;
        if (entry.output.indexOf("wall-ticker.children") === -1) { entry.done = Date.now(); return r; }
        return r.clone().text().then(function (text) { entry.text = text; entry.done = Date.now(); return r; });
    }, function (err) { entry.status = "failed"; entry.done = Date.now(); throw err; }); }; })(window.fetch);
new MutationObserver(function () {
    var b = document.getElementById("wall-badge"), seen = window.__badge[window.__badge.length - 1];
    if (b && (!seen || seen[0] !== b.textContent)) { window.__badge.push([b.textContent, Date.now()]); }
}).observe(document, {childList: true, subtree: true, characterData: true});"""
#: Seconds a test waits for a page to show something before it fails: generous, because a
#: busy machine (a parallel build, a benchmark) slows rendering without making it wrong.
#: Promises about time are checked in polls (:data:`WATCH_REQUESTS`), never against this.
PATIENCE = 60.0


def page_now(driver: webdriver.Chrome) -> float:
    """The page's clock (``Date.now()``, ms): the time base of :data:`WATCH_REQUESTS`."""
    return driver.execute_script("return Date.now()")


def requests_since(driver: webdriver.Chrome, since_ms: float, output: str = "") -> list[dict]:
    """The page's requests started at or after ``since_ms`` whose callback output contains
    ``output`` (every request when empty), in the order sent."""
    return driver.execute_script("return window.__requests.filter(r => r.at >= arguments[0]"
                                 " && r.output.indexOf(arguments[1]) !== -1)", since_ms, output)

#: Whether every Plotly figure has been drawn at its container's current width (after a
#: viewport change, Plotly's responsive resize redraws a moment later).
PLOTS_FIT = """var plots = [...document.querySelectorAll('.js-plotly-plot')];
return plots.length > 0 && plots.every(p => { var s = p.querySelector('.main-svg');
    return s && Math.abs(parseFloat(s.getAttribute('width')) - p.clientWidth) < 2; });"""

#: The panels' and figures' sizes once every figure fits its container (falsy before).
PANEL_SIZES = ("var fit = (function () {" + PLOTS_FIT + "})(); return fit && JSON.stringify("
               "[...document.querySelectorAll('.panel, .main-svg')].map(e => { var r = e.getBoundingClientRect();"
               " return [r.width, r.height]; }))")


def settled(driver: webdriver.Chrome, script: str, *args: object) -> object:
    """The value of ``script`` once two reads half a second apart agree (and it is truthy)."""
    last: list = [None]

    def same() -> object:
        value = driver.execute_script(script, *args)
        found, last[0] = value if value and value == last[0] else None, value
        return found
    return wait_for(same, interval=0.5)


def polls_until_badge(driver: webdriver.Chrome, since_ms: float, word: str) -> int:
    """How many freshness polls the page sent from ``since_ms`` until its badge first said
    ``word`` after it (the badge must have changed to ``word`` since then)."""
    went = next((at for said, at in driver.execute_script("return window.__badge") if said == word and at >= since_ms),
                None)
    assert went is not None, f"the badge did not turn {word} after {since_ms}"
    return len([r for r in requests_since(driver, since_ms, "wall-freshness") if r["at"] < went])


def polls_pass(driver: webdriver.Chrome, n: int, check: Callable[[], bool]) -> None:
    """Assert ``check()`` holds, looking every 0.25 s, until ``n`` more freshness polls have
    been answered (or have failed): "it stays so" measured in polls, not seconds."""
    since = page_now(driver)
    deadline = time.monotonic() + PATIENCE
    while len([r for r in requests_since(driver, since, "wall-freshness") if r["done"]]) < n:
        assert check() and time.monotonic() < deadline
        time.sleep(0.25)
    assert check()


def chrome_options() -> webdriver.ChromeOptions:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return options


def pytest_setup_options():
    """dash_duo's hook (dash.testing): the same Chromium and flags."""
    return chrome_options()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Clock:
    """The app's clock: real time plus an offset a test may move (ingest 'stops')."""

    offset: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset


@dataclass
class Wall:
    settings: Settings
    engine: object
    clock: Clock
    port: int
    _server: object = None
    _ids: count = field(default_factory=lambda: count(1))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/wall"

    def start(self) -> None:
        app = create_app(self.settings, clock=self.clock)
        self._server = make_server("127.0.0.1", self.port, app.server, threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add_report(self, **overrides) -> str:
        """Commit one report through the real upsert, then refresh the wall snapshot."""
        now = datetime.now(timezone.utc)
        ext = f"B-{next(self._ids)}"
        values = dict(source="browser", external_id=ext, requested_at=now - timedelta(minutes=1),
                      updated_at=now - timedelta(minutes=1)) | overrides
        with self.engine.begin() as conn:
            upsert_reports(conn, [make_report(**values)], now)
        self.record_ingest()
        return ext

    def record_ingest(self) -> None:
        """A successful ingest run, the worker's heartbeat (the wall says LIVE only with
        both fresh) and the wall snapshot refreshed."""
        now = datetime.now(timezone.utc)
        with self.engine.begin() as conn:
            beat_start(conn, WORKER_JOB, "browser", now)
            run = start_run(conn, "browser", now)
            finish_run(conn, run, now, {"n_seen": 1}, ok=True, error=None)
        refresh_wall_snapshot(self.engine, load_reference(), now + timedelta(seconds=1), self.settings)


@contextmanager
def served_wall(settings: Settings, n_reports: int, days: int, seed_no: int):
    """A wall app on a free port over a fresh store at ``settings``' URL: reference data, a
    seeded history, camera stills, one recorded ingest (with the worker's heartbeat)."""
    engine = make_engine(settings.resolved_database_url)
    ref, now = load_reference(), datetime.now(timezone.utc)
    schema.create_all(engine)
    store_reference(engine, ref)
    seed(engine, ref, n_reports=n_reports, days=days, seed=seed_no, now=now, progress=False)
    refresh_cameras(engine, ref, now, settings)
    w = Wall(settings, engine, Clock(), free_port())
    w.record_ingest()
    w.start()
    try:
        yield w
    finally:
        w.stop()
        engine.dispose()


@pytest.fixture(scope="module")
def wall(tmp_path_factory):
    settings = Settings.from_env({}, data_dir=tmp_path_factory.mktemp("wall"), database_url="", poll_seconds=1,
                                 agency_rotate_seconds=3, stale_after_seconds=120, sources="simulator")
    with served_wall(settings, n_reports=3000, days=10, seed_no=3) as w:
        yield w


@pytest.fixture(scope="module")
def browser(wall):
    driver = webdriver.Chrome(options=chrome_options())
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": KEEP_ERRORS + WATCH_REQUESTS})
    driver.get(wall.url)
    wait_for(lambda: driver.execute_script(
        "var t = document.getElementById('wall-ticker'); return t && t.textContent"))
    yield driver
    driver.quit()


def wait_for(predicate, timeout: float = PATIENCE, interval: float = 0.1):
    """Poll ``predicate`` until it returns a truthy value; fail after ``timeout`` s (a
    bound on waiting, not a check: see :data:`PATIENCE`)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except WebDriverException:  # e.g. the page is reloading
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)
