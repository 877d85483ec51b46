"""Wall benchmark rows measured in Chromium (headless, Debian's /usr/bin/chromium).

* ``report visible on the wall`` — a report with a unique text is committed through the
  ingest write path (``writes.upsert_reports`` + an ``ingest_run``), the worker's
  ``refresh_wall_snapshot`` runs, and the clock stops when the text is in the wall's
  ticker. Median of :data:`RUNS`. Target ≤ poll interval + 1 s (the poll interval is
  :data:`POLL_SECONDS` here).
* ``map update, 100k points`` — the wall serves ``/wall/points.json`` with
  ``max_map_points=100000`` from a store with ≥ 100k open reports in the map window; a
  new version is committed and the time runs from the browser starting to fetch the new
  version's points (the version reached the page) to the last repaint of the cluster layer
  (a MutationObserver on Leaflet's marker pane, quiet for :data:`QUIET_MS`). Median of
  :data:`RUNS`. Target ≤ 1 s.
* ``JS heap`` — CDP ``Performance.getMetrics`` ``JSHeapUsedSize`` after a garbage
  collection, with the 100k points on the map. Target ≤ 100 MB.

The store is its own SQLite file in the bench directory: :data:`POINTS` reports seeded
over the last :data:`DAYS` days with :func:`dashboard.simulator.seed.seed`, then every closed one set
back to Proses so all of them are open points (the tally is not rebuilt: the wall's KPI
tiles in this store are not what is measured). Only 127.0.0.1 is used (the RECIPES
Chromium flags map every other host to an error); every wait has a timeout, and the
server and the browser are stopped in ``finally``.
"""

from __future__ import annotations

import statistics
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import text

from bench.common import Ctx, Row

POINTS = 100_000
DAYS = 25
RUNS = 5
POLL_SECONDS = 2
QUIET_MS = 600
TIMEOUT_S = 60
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--window-size=1920,1080", "--force-device-scale-factor=1",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"]

WATCH_PAINT = """
if (!window.__paint) {
  var pane = document.querySelector('.leaflet-marker-pane');
  if (!pane) { return false; }
  window.__paint = {n: 0, last: 0};
  new MutationObserver(function () { window.__paint.n++; window.__paint.last = performance.now(); })
    .observe(pane, {childList: true, subtree: true});
}
return true;"""
POINTS_ENTRY = """
var v = arguments[0];
var e = performance.getEntriesByType('resource').filter(function (r) {
  return r.name.indexOf('/wall/points.json?v=' + v) >= 0 && r.name.indexOf('agency=') < 0; })[0];
return e ? [e.startTime, e.responseEnd, e.encodedBodySize, window.__paint.last, performance.now()] : null;"""
TICKER_HAS = "var t = document.getElementById('wall-ticker'); return !!t && t.textContent.indexOf(arguments[0]) >= 0;"
MARKERS = "return document.querySelectorAll('.leaflet-marker-pane .cluster, .leaflet-marker-pane .pt').length;"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def wait_for(predicate, timeout: float = TIMEOUT_S, interval: float = 0.05):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout} s")
        time.sleep(interval)


def build_store(workdir: Path, ref):  # noqa: ANN001, ANN201
    """(settings, engine) of a SQLite store with POINTS open reports in the map window."""
    from dashboard.config import Settings
    from dashboard.simulator.seed import seed
    from dashboard.store import schema
    from dashboard.store.engine import make_engine
    from dashboard.store.refdata import store_reference

    settings = Settings.from_env({}, data_dir=workdir, database_url=f"sqlite:///{workdir / 'wall_browser.db'}",
                                 poll_seconds=POLL_SECONDS, max_map_points=POINTS,
                                 agency_rotate_seconds=3600, sources="seed")
    engine = make_engine(settings.resolved_database_url)
    schema.create_all(engine)
    store_reference(engine, ref)
    seed(engine, ref, n_reports=POINTS, days=DAYS, seed=11, now=utcnow(), progress=False)
    with engine.begin() as conn:
        conn.execute(text("UPDATE report SET status = 'proses' WHERE status = 'selesai'"))
    return settings, engine


class Served:
    """The real app (``create_app``) on a free 127.0.0.1 port, from a thread."""

    def __init__(self, settings) -> None:  # noqa: ANN001
        from werkzeug.serving import make_server

        from app import create_app
        self.server = make_server("127.0.0.1", 0, create_app(settings).server, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/wall?agency=all"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def chrome():  # noqa: ANN201
    from selenium import webdriver
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in FLAGS:
        options.add_argument(flag)
    return webdriver.Chrome(options=options)


def commit(engine, ref, settings, tag: str) -> int:  # noqa: ANN001
    """One report with the text ``tag`` through the ingest write path, then the worker's
    refresh; returns the new snapshot version."""
    from dashboard.wall.aggregate import refresh_wall_snapshot
    from dashboard.models import Report, Status
    from dashboard.store import counters
    from dashboard.store.writes import finish_run, start_run, upsert_reports

    now = utcnow()
    kel = next(iter(ref.kelurahan.values()))
    report = Report(source="bench-browser", external_id=tag, category_code="sampah", status=Status.MENUNGGU,
                    requested_at=now, updated_at=now, lat=kel.lat, lon=kel.lon, description=f"Uji dinding {tag}",
                    kelurahan_code=kel.code, agency_code=ref.route("sampah", kel.code))
    with engine.begin() as conn:
        upsert_reports(conn, [report], now)
        run = start_run(conn, "bench-browser", now)
        finish_run(conn, run, now, {"n_seen": 1}, ok=True, error=None)
    refresh_wall_snapshot(engine, ref, utcnow(), settings)
    with engine.connect() as conn:
        return counters.current(conn)


def visible_after_commit(driver, engine, ref, settings) -> list[float]:  # noqa: ANN001
    """Seconds from commit to the text in the ticker, RUNS times."""
    out = []
    for i in range(RUNS):
        tag = f"vis-{time.time_ns()}-{i}"
        started = time.perf_counter()
        commit(engine, ref, settings, tag)
        wait_for(lambda: driver.execute_script(TICKER_HAS, tag))
        out.append(time.perf_counter() - started)
        time.sleep(0.5)
    return out


def map_updates(driver, engine, ref, settings) -> list[tuple[float, float]]:  # noqa: ANN001
    """(seconds from the new version's points fetch to the layer's last repaint, of which
    the fetch), RUNS times."""
    out = []
    for i in range(RUNS):
        version = commit(engine, ref, settings, f"map-{time.time_ns()}-{i}")
        entry = wait_for(lambda: _settled(driver, version))
        out.append(((entry[3] - entry[0]) / 1000, (entry[1] - entry[0]) / 1000))
    return out


def _settled(driver, version: int):  # noqa: ANN001, ANN202
    """The points entry once the layer repainted after it and then stayed quiet."""
    entry = driver.execute_script(POINTS_ENTRY, version)
    if not entry or not entry[1] or entry[3] < entry[1] or entry[4] - entry[3] < QUIET_MS:
        return None
    return entry


def heap_mb(driver) -> float:  # noqa: ANN001
    driver.execute_cdp_cmd("HeapProfiler.enable", {})
    driver.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
    driver.execute_cdp_cmd("Performance.enable", {})
    metrics = {m["name"]: m["value"] for m in driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]}
    return metrics["JSHeapUsedSize"] / 2**20


def measure(workdir: Path, ref) -> list[tuple[str, float, str, str]]:  # noqa: ANN001
    """(name, value, unit, target) rows; see the module docstring."""
    import logging

    from dashboard.wall.aggregate import refresh_wall_snapshot
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log per request

    settings, engine = build_store(workdir, ref)
    refresh_wall_snapshot(engine, ref, utcnow(), settings)
    served, driver = Served(settings), None
    try:
        driver = chrome()
        started = time.perf_counter()
        driver.get(served.url)
        wait_for(lambda: driver.execute_script(WATCH_PAINT) and driver.execute_script(MARKERS))
        first = time.perf_counter() - started
        visible = visible_after_commit(driver, engine, ref, settings)
        updates = map_updates(driver, engine, ref, settings)
        heap = heap_mb(driver)
        points = driver.execute_script(
            "var e = performance.getEntriesByType('resource').filter(function (r) {"
            " return r.name.indexOf('/wall/points.json') >= 0; }).pop(); return e ? e.encodedBodySize : 0;")
    finally:
        if driver is not None:
            driver.quit()
        served.stop()
        engine.dispose()
    target = f"<= {POLL_SECONDS + 1} s"
    return [
        (f"report visible on the wall (poll {POLL_SECONDS} s), median of {RUNS}", statistics.median(visible), "s",
         target),
        ("report visible on the wall, slowest", max(visible), "s", ""),
        (f"map update, {POINTS // 1000}k open points, median of {RUNS}", statistics.median(u for u, _ in updates),
         "s", "<= 1 s"),
        ("map update, of which the points fetch", statistics.median(f for _, f in updates), "s", ""),
        ("map update, slowest", max(u for u, _ in updates), "s", ""),
        (f"first wall paint with {POINTS // 1000}k points", first, "s", ""),
        ("JS heap with the points on the map", heap, "MB", "<= 100 MB"),
        ("points transfer per version (gzip)", points / 1024, "KiB", ""),
    ]


def run(ctx: Ctx) -> list[Row]:
    """``bench`` harness entry (backend column: its own SQLite store). Runs: ``RUNS`` for
    medians, the number of samples for "slowest", 1 for single readings."""
    rows = []
    for name, value, unit, target in measure(ctx.workdir, ctx.ref):
        runs = RUNS if "median" in name or "slowest" in name or "of which" in name else 1
        rows.append(Row("wall-browser", name, "sqlite", round(value, 3), unit,
                        f"target {target}" if target else "", runs))
    return rows


if __name__ == "__main__":
    import tempfile

    from dashboard.reference import load_reference
    with tempfile.TemporaryDirectory(prefix="pantau-bench-browser-") as tmp:
        for row in measure(Path(tmp), load_reference()):
            print(f"| {row[0]} | {row[1]:.3f} | {row[2]} | {row[3]} |")
