"""What the field trials (``bench.soak``, ``bench.watch_wall``) share: a free loopback
port, waiting for the demo's first served wall, and a headless Debian Chromium."""

from __future__ import annotations

import socket
import subprocess
import time

import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
