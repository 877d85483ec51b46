"""The systemd units of a deployment (``deploy/systemd``): ``systemd-analyze verify`` finds
nothing to say about them (skipped where systemd-analyze is missing), and they restart
``pantau serve`` / ``pantau worker`` on failure with the settings from an environment file."""

from __future__ import annotations

import configparser
import shutil
import subprocess

import pytest

from dashboard.config import ROOT

UNITS = {"pantau-web.service": "pantau serve", "pantau-worker.service": "pantau worker"}
INSTALLED = "/opt/pantau"  # where the units expect the checkout; the test points them here


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(ROOT / "deploy" / "systemd" / name)
    return parser


@pytest.mark.parametrize("name", UNITS)
def test_unit_restarts_the_command_on_failure(name):
    service = unit(name)["Service"]
    assert service["ExecStart"] == f"{INSTALLED}/.venv/bin/{UNITS[name]}"
    assert service["Restart"] == "on-failure" and float(service["RestartSec"]) > 0
    assert service["EnvironmentFile"] == "/etc/pantau/pantau.env"
    assert unit(name)["Unit"]["StartLimitIntervalSec"] == "0"  # never gives up restarting


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verify_has_nothing_to_say(tmp_path):
    paths = []
    for name in UNITS:
        text = (ROOT / "deploy" / "systemd" / name).read_text()
        path = tmp_path / name
        path.write_text(text.replace(INSTALLED, str(ROOT)))  # so that ExecStart names a real program
        paths.append(path)
    done = subprocess.run(["systemd-analyze", "verify", *map(str, paths)], capture_output=True, text=True,
                          timeout=60)
    about_ours = [line for line in (done.stdout + done.stderr).splitlines()
                  if any(name in line for name in UNITS)]
    assert done.returncode == 0 and about_ours == [], done.stdout + done.stderr
