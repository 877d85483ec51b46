"""``python -m bench.watch_wall --minutes 30`` — the wall's acceptance watch, scripted: the demo
wall watched as an operator would, on a fresh store.

It runs ``pantau demo`` (SQLite store, built-in simulator in real time, its own worker and
web server) in the current checkout with a data directory of its own, opens ``/wall`` in
headless Chromium at 1920×1080 and every 15 s records:

* whether the kelurahan leaderboard shows at least 10 rows on top (``elementFromPoint``),
  and whether flood mode is on (its banner's text);
* the badge's word, and whether the web server is being held stopped at that moment;
* the statuses of every point the map's layer was given (all must be open).

Every 5 minutes it measures the type of every visible text node at 1920×1080 and at
3840×2160 (the same walk as ``tests/browser/test_wall_type.py``) against 1.8 % of the
viewport height. Twice it stops the web server (SIGSTOP of gunicorn's master and its
workers) for 90 s: the badge must leave LIVE within two poll intervals (+5 s) and must
not read LIVE again until the server is back. Exit 0 when every check held.
Everything is on 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from selenium.webdriver.remote.webdriver import WebDriver

from bench.trial import chromium, free_port, start_demo, stop_demo, wait_for_wall
from dashboard.models import OPEN
from tests.browser.test_wall_type import VISIBLE_TEXT

POLL_SECONDS = 15  # the demo's default poll
OPEN_CODES = {s.value for s in OPEN}
BOARD_ON_TOP = """
var rows = [...document.querySelectorAll('#wall-board tbody tr')];
return rows.filter(r => { var b = r.getBoundingClientRect(); if (b.height < 1) return false;
    var e = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
    return e && r.contains(e); }).length;"""
MAP_STATUSES = """
var done = arguments[arguments.length - 1];
var e = performance.getEntriesByType('resource').filter(r => r.name.indexOf('/wall/points.json') >= 0).pop();
if (!e) { done(null); return; }
fetch(e.name).then(r => r.json()).then(g => done(g.features.map(f => f.properties.s)), err => done(String(err)));"""



def size(driver: WebDriver, width: int, height: int) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


def smallest_text(driver: WebDriver, width: int, height: int, limit: float = 90) -> tuple[float, str, float]:
    """(smallest font as a share of the height, its text, seconds it took) at that size:
    measured every 5 s after the resize until it passes or ``limit`` runs out (the wall
    reads its viewport on a poll tick and then redraws its figures; a busy machine adds
    to that)."""
    size(driver, width, height)
    start = time.monotonic()
    while True:
        time.sleep(5)
        px, text, _ = min(driver.execute_script(VISIBLE_TEXT))
        took = time.monotonic() - start
        if px / height >= 0.018 or took >= limit:
            return px / height, text, took


def web_pids(demo: subprocess.Popen) -> list[int]:
    """gunicorn's master (a child of the demo) and its workers."""
    out = subprocess.run(["pgrep", "-P", str(demo.pid), "-f", "gunicorn"], capture_output=True, text=True).stdout
    masters = [int(p) for p in out.split()]
    workers = []
    for m in masters:
        found = subprocess.run(["pgrep", "-P", str(m)], capture_output=True, text=True).stdout
        workers += [int(p) for p in found.split()]
    return masters + workers



class Watch:
    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.failures: list[str] = []
        self.samples = 0
        self.flood_samples = 0
        self.badges: dict[str, int] = {}
        self.type_checks: list[tuple[int, float, str, float]] = []
        # (left LIVE after, LIVE again after, LIVE seen while down)
        self.outages: list[tuple[float, float | None, bool]] = []

    def at(self) -> float:
        return time.monotonic() - self.t0

    def fail(self, what: str) -> None:
        self.failures.append(f"{self.at():.0f} s: {what}")
        print(f"[{self.at():7.1f} s] FAIL {what}", flush=True)


def sample(driver: WebDriver, watch: Watch) -> None:
    watch.samples += 1
    rows = driver.execute_script(BOARD_ON_TOP)
    flood = driver.execute_script("var b = document.getElementById('wall-flood');"
                                  "return b && b.offsetHeight ? b.innerText : ''")
    watch.flood_samples += bool(flood)
    if rows < 10:
        watch.fail(f"leaderboard shows {rows} rows on top (flood banner: {flood!r})")
    badge = driver.find_element("id", "wall-badge").text.strip()
    watch.badges[badge] = watch.badges.get(badge, 0) + 1
    statuses = driver.execute_async_script(MAP_STATUSES)
    if isinstance(statuses, list):
        closed = [s for s in statuses if s not in OPEN_CODES]
        if closed:
            watch.fail(f"map layer holds {len(closed)} closed reports of {len(statuses)}")


def outage(driver: WebDriver, demo: subprocess.Popen, watch: Watch, seconds: float = 90) -> None:
    pids = web_pids(demo)
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    stopped, left, live_while_down = time.monotonic(), None, False
    print(f"[{watch.at():7.1f} s] web server stopped ({len(pids)} processes)", flush=True)
    try:
        while time.monotonic() - stopped < seconds:
            badge = driver.find_element("id", "wall-badge").text.strip().upper()
            if badge.startswith("LIVE"):
                if time.monotonic() - stopped > 2 * POLL_SECONDS + 5:
                    live_while_down = True
            elif left is None:
                left = time.monotonic() - stopped
            time.sleep(1)
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)
    back, again = time.monotonic(), None
    while time.monotonic() - back < 4 * POLL_SECONDS:
        if driver.find_element("id", "wall-badge").text.strip().upper().startswith("LIVE"):
            again = time.monotonic() - back
            break
        time.sleep(1)
    print(f"[{watch.at():7.1f} s] web server resumed; left LIVE after {left} s, LIVE again after {again} s",
          flush=True)
    watch.outages.append((left if left is not None else -1, again, live_while_down))
    if left is None or left > 2 * POLL_SECONDS + 5:
        watch.fail(f"badge left LIVE after {left} s of a stopped server")
    if live_while_down:
        watch.fail("badge read LIVE while the server was stopped")
    if again is None:
        watch.fail("badge not LIVE within four polls of the server's return")


def run(minutes: float) -> int:
    work = Path(tempfile.mkdtemp(prefix="pantau-watch-"))
    port = free_port()
    env = dict(os.environ, PANTAU_DATA_DIR=str(work), PANTAU_PORT=str(port))
    env.pop("PANTAU_DATABASE_URL", None)
    demo = start_demo(env, work)
    base, watch, driver = f"http://127.0.0.1:{port}", Watch(), None
    try:
        wait_for_wall(base, demo)
        driver = chromium()
        driver.get(base + "/wall")
        time.sleep(2 * POLL_SECONDS)
        watch.t0 = time.monotonic()
        print(f"[{watch.at():7.1f} s] watching {base}/wall (store and log in {work})", flush=True)
        span, next_type, outages = minutes * 60, 0.0, [span_frac * minutes * 60 for span_frac in (0.35, 0.7)]
        while watch.at() < span:
            if watch.at() >= next_type:
                for width, height in ((3840, 2160), (1920, 1080)):
                    share, text, took = smallest_text(driver, width, height)
                    watch.type_checks.append((height, share, text, took))
                    if share < 0.018:
                        watch.fail(f"text {text!r} is {share:.2%} of {height} px {took:.0f} s after the resize")
                next_type += 300
            if outages and watch.at() >= outages[0]:
                outages.pop(0)
                outage(driver, demo, watch)
            sample(driver, watch)
            time.sleep(POLL_SECONDS)
    finally:
        if driver is not None:
            driver.quit()
        stop_demo(demo)
    return report(watch, work)


def report(watch: Watch, work: Path) -> int:
    print(f"\nsamples: {watch.samples} (flood mode on in {watch.flood_samples}); badge words: {watch.badges}")
    print("\n| viewport height | smallest text | share of height | redrawn after resize |\n|---:|---|---:|---:|")
    for height, share, text, took in watch.type_checks:
        print(f"| {height} | {text!r} | {share:.2%} | {took:.0f} s |")
    print("\n| server outage | left LIVE after | LIVE seen while down | LIVE again after |\n|---|---:|---|---:|")
    for i, (left, again, live) in enumerate(watch.outages, 1):
        print(f"| {i} | {left:.0f} s | {'yes' if live else 'no'} | {'never' if again is None else f'{again:.0f} s'} |")
    ok = not watch.failures and watch.samples > 0 and len(watch.outages) == 2
    print(f"\n{'PASS' if ok else 'FAIL'} ({len(watch.failures)} failures); demo log in {work / 'demo.log'}")
    for failure in watch.failures[:20]:
        print("  " + failure)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.watch_wall", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30, help="how long to watch (default 30)")
    return run(parser.parse_args(argv).minutes)


if __name__ == "__main__":
    sys.exit(main())
