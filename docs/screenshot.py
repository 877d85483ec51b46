"""Screenshots of the demo wall: ``python docs/screenshot.py [--reports 50000]``.

Seeds a store (SQLite under ``var/screenshot``; reused when present, ``make screenshots``
starts afresh), renders camera stills with the simulator, refreshes the wall snapshot,
serves the app on a free port and saves ``docs/wall-1920x1080.png`` and
``docs/wall-3840x2160.png`` from headless Chromium.
``--view supervisor`` signs in as a screenshot-only admin first and saves
``docs/supervisor-*.png``. ``--serve`` keeps the server running instead (for looking at
the wall by hand).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy import Engine
from werkzeug.serving import make_server

from app import create_app
from dashboard.wall.aggregate import refresh_wall_snapshot
from dashboard.ingest.cameras import refresh_cameras
from dashboard.ingest.run import ingest_once
from dashboard.models import Report, Status
from dashboard.store.users import add_user, remove_user
from dashboard.store.water import Reading, record_levels
from dashboard.store.writes import upsert_reports
from dashboard.simulator.source import SimulatorSource
from dashboard.config import Settings
from dashboard.reference import FloodGate, Reference, load_reference
from dashboard.simulator.seed import seed
from dashboard.store import schema
from dashboard.store.engine import make_engine
from dashboard.store.heartbeat import WORKER_JOB, beat_start
from dashboard.store.refdata import store_reference

SIZES = ((1920, 1080), (3840, 2160))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--force-device-scale-factor=1", "--hide-scrollbars",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"]


def flood(engine: Engine, ref: Reference, now: datetime) -> None:
    """Manggarai (Ciliwung) at Siaga 1, with flood reports near it: the wall's flood mode."""
    gate = ref.gates["pa-2"]
    with engine.begin() as conn:
        record_levels(conn, [Reading("pa-2", now - timedelta(minutes=2 * (3 - m)), gate.siaga1_cm + 10 + 5 * m, 1)
                             for m in range(1, 4)])
        upsert_reports(conn, [make_flood_report(i, gate, now) for i in range(12)], now)


def make_flood_report(i: int, gate: FloodGate, now: datetime) -> Report:
    lat, lon = gate.lat + 0.002 * (i % 4 - 2), gate.lon + 0.002 * (i // 4 - 1)
    kel = load_reference().locate(lon, lat)[0]
    return Report(source="screenshot", external_id=f"flood-{now:%H%M}-{i}", category_code="banjir",
                  status=Status.MENUNGGU, requested_at=now - timedelta(minutes=5 * i),
                  updated_at=now - timedelta(minutes=5 * i), lat=lat, lon=lon,
                  description="Air meluap dari Kali Ciliwung, setinggi lutut.", kelurahan_code=kel,
                  agency_code=load_reference().route("banjir", kel))


def prepare(settings: Settings, n_reports: int, now: datetime, with_flood: bool = False) -> None:
    engine = make_engine(settings.resolved_database_url)
    ref = load_reference()
    if not (settings.data_dir / "pantau.db").exists() or n_reports < 0:
        schema.create_all(engine)
        store_reference(engine, ref)
        seed(engine, ref, abs(n_reports), days=30, seed=7, now=now, progress=False)
    source = SimulatorSource(seed=7, speed=1, state_path=settings.data_dir / "sim.json", ref=ref)
    for tick in range(3):  # a few live ticks: ingest runs, fresh reports in the ticker
        ingest_once(source, engine, ref, now + timedelta(seconds=tick))
    if with_flood:
        flood(engine, ref, now)
    refresh_cameras(engine, ref, now, settings)
    with engine.begin() as conn:  # the wall is LIVE only with a worker heartbeat, as in the demo
        beat_start(conn, WORKER_JOB, "screenshot", now)
    refresh_wall_snapshot(engine, ref, now + timedelta(minutes=5), settings)
    engine.dispose()


SHOT_USER, SHOT_PASSWORD = "screenshot", "screenshot-only-password"


def sign_in(driver: WebDriver, base: str) -> None:
    driver.get(base + "/login")
    for _ in range(100):  # the form is rendered by the page's script
        if driver.find_elements(By.NAME, "username"):
            break
        time.sleep(0.1)
    driver.find_element(By.NAME, "username").send_keys(SHOT_USER)
    driver.find_element(By.NAME, "password").send_keys(SHOT_PASSWORD)
    driver.find_element(By.ID, "login-submit").click()
    time.sleep(1)


def shoot(base: str, path: str, width: int, height: int, out: Path, login: bool = False) -> None:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in FLAGS + [f"--window-size={width},{height}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options)
    try:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        if login:
            sign_in(driver, base)
        driver.get(base + path)
        time.sleep(8 if login else 6)
        driver.save_screenshot(str(out))
    finally:
        driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=50_000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--query", default="")
    parser.add_argument("--serve", action="store_true")
    parser.add_argument("--flood", action="store_true", help="put a gate at Siaga 1 (flood mode)")
    parser.add_argument("--view", default="wall", choices=("wall", "supervisor", "visitor"))
    parser.add_argument("--out", default="", help="file name prefix under docs/ (default: the view)")
    args = parser.parse_args()
    settings = Settings.from_env({}, data_dir=ROOT / "var" / "screenshot", database_url="", sources="simulator")
    now = datetime.now(timezone.utc).replace(microsecond=0)
    prepare(settings, args.reports, now, args.flood)
    login = args.view == "supervisor"
    engine = make_engine(settings.resolved_database_url)
    if login:
        remove_user(engine, SHOT_USER)
        add_user(engine, SHOT_USER, SHOT_PASSWORD, "admin")
    server = make_server("127.0.0.1", args.port, create_app(settings).server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    if args.serve:
        thread.join()
    try:
        for width, height in SIZES:
            shoot(f"http://127.0.0.1:{args.port}", f"/{args.view}{args.query}", width, height,
                  ROOT / "docs" / f"{args.out or args.view}-{width}x{height}.png", login)
    finally:
        server.shutdown()
        if login:
            remove_user(engine, SHOT_USER)


if __name__ == "__main__":
    main()
