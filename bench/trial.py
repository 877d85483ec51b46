"""What the field trials (``bench.soak``, ``bench.watch_wall``) share: ``pantau demo`` as a
child process group of its own (started, waited for, stopped), a free loopback port and a
headless Debian Chromium."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from dashboard.config import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_demo(env: dict[str, str], work: Path, *args: str) -> subprocess.Popen:
    """``pantau demo ARGS`` in its own process group, its output in ``work/demo.log``."""
    with open(work / "demo.log", "w") as log:
        return subprocess.Popen([sys.executable, "-m", "dashboard.cli", "demo", *args], env=env, cwd=ROOT,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop_demo(demo: subprocess.Popen) -> None:
    """SIGTERM to the demo's group (it stops its children), SIGKILL after 30 s."""
    os.killpg(demo.pid, signal.SIGTERM)
    try:
        demo.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(demo.pid, signal.SIGKILL)


def wait_for_wall(base: str, demo: subprocess.Popen, limit: float = 900) -> None:
    """Until /wall answers (migrating and seeding come first; slow on a busy machine)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and demo.poll() is None:
        try:
            if requests.get(base + "/wall", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(2)
    raise RuntimeError(f"the demo did not serve /wall within {limit:.0f} s")


def chromium(width: int = 1920, height: int = 1080) -> webdriver.Chrome:
    """Headless Debian Chromium (never a downloaded browser), no background networking."""
    options = webdriver.ChromeOptions()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", f"--window-size={width},{height}"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    driver.set_script_timeout(30)
    return driver
