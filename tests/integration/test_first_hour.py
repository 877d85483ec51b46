"""The README's "first hour", run as written and in order against a temporary store: every
command exits 0 without a traceback, the admin it creates signs in, every page it names
answers, and the CSV it drops reaches the wall (its good row) and the quarantine (its bad one).

How the block is run — what an edit of that README section must keep:

* the script is the ```sh block between ``<!-- first-hour:start -->`` and
  ``<!-- first-hour:end -->`` in README.md (:func:`first_hour_block`);
* a line that sets ``PANTAU_DATA_DIR`` gets this test's temporary folder instead, and
  ``.venv/bin/`` means the venv running the tests (``sys.executable``'s folder);
* the one line marked ``# (runs until Ctrl-C)`` is the demo: it is started in the background
  after the lines before it, as ``pantau demo`` with a small history (:data:`DEMO_ARGS`) on a
  free port of 127.0.0.1, its worker ingesting every 2 s instead of 30; the lines after it
  then run as one bash script under ``set -euo pipefail`` (a failing command fails the test
  with its line number), and the demo is stopped with SIGTERM at the end and must exit 0;
* each ``http://127.0.0.1:8050/…`` in the block is fetched on the demo's port; the
  ``user add NAME --password '…'`` line's account signs in through ``POST /login``; the rows
  of the heredoc the block writes are the dropped file: the first must reach the wall's
  ticker, the last the quarantine.

Outputs are checked for exit codes and tracebacks only, never their wording (the commands'
tables and ``--json`` are theirs to change).
"""

from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import requests

from dashboard.config import Settings
from dashboard.store.engine import make_engine
from dashboard.store.ingest_runs import quarantine_list
from dashboard.store.snapshots import read_snapshot
from dashboard.wall import WIDGET
from tests.integration.test_serve_slow_clients import free_port
from tests.supervisor_server import login_token

ROOT = Path(__file__).resolve().parents[2]
#: The README to read; another copy only to check a section before it is merged.
README = Path(os.environ.get("PANTAU_FIRST_HOUR_README") or ROOT / "README.md")
START, END = "<!-- first-hour:start -->", "<!-- first-hour:end -->"
BACKGROUND = "# (runs until Ctrl-C)"
BIN = Path(sys.executable).parent
DEMO_ARGS = ("--seed-reports", "300", "--days", "2", "--workers", "1")
README_BASE = "http://127.0.0.1:8050"
START_TIMEOUT_S, SCRIPT_TIMEOUT_S, EFFECT_TIMEOUT_S = 240, 300, 120


def first_hour_block(readme: Path = README) -> str:
    """The shell block of the README's first-hour section (between the markers)."""
    text = readme.read_text(encoding="utf-8")
    assert START in text and END in text, f"{readme} has no first-hour block ({START} … {END})"
    found = re.fullmatch(r"\s*```sh\n(.*?)```\s*", text.split(START, 1)[1].split(END, 1)[0], re.S)
    assert found, "the first-hour markers must hold exactly one ```sh block"
    return found.group(1)


def localize(line: str, data_dir: Path) -> str:
    """One line of the block as this test runs it: its store, its venv."""
    if re.match(r"\s*(export\s+)?PANTAU_DATA_DIR=", line):
        return f"export PANTAU_DATA_DIR='{data_dir}'"
    return line.replace(".venv/bin/", f"{BIN}/")


def split_at_demo(block: str, data_dir: Path) -> tuple[str, str]:
    """(the lines before the demo, the lines after it), localized."""
    lines = block.splitlines()
    marked = [i for i, line in enumerate(lines) if BACKGROUND in line]
    assert len(marked) == 1, f"one line marked {BACKGROUND!r} expected, found {len(marked)}"
    demo = lines[marked[0]].split("#", 1)[0].strip()
    assert demo in ("make demo", ".venv/bin/pantau demo", "pantau demo"), demo
    before = "\n".join(localize(line, data_dir) for line in lines[:marked[0]])
    after = "\n".join(localize(line, data_dir) for line in lines[marked[0] + 1:])
    return before, after


def dropped_rows(block: str) -> list[dict]:
    """The rows of the CSV heredoc the block writes (``$now`` as now)."""
    found = re.search(r"<<\s*'?EOF'?\n(.*?)\nEOF\n", block, re.S)
    assert found, "the block writes no CSV heredoc (<<EOF … EOF)"
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return list(csv.DictReader(found.group(1).replace("$now", now).splitlines()))


def account(block: str) -> tuple[str, str]:
    found = re.search(r"pantau user add (\S+) --password '([^']+)'", block)
    assert found, "the block creates no account with --password '…'"
    return found.group(1), found.group(2)


def run_env(tmp_path: Path, port: int) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    return env | {"HOME": str(home), "PANTAU_HOST": "127.0.0.1", "PANTAU_PORT": str(port),
                  "PANTAU_INGEST_SECONDS": "2"}


def wait_until(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {seconds} s")


def answers(base: str) -> bool:
    try:
        return requests.get(f"{base}/wall/areas.json", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def on_the_wall(engine, text: str) -> bool:
    saved = read_snapshot(engine, WIDGET)
    return bool(saved) and any(text in (item.get("text") or "") for item in saved[0].get("ticker", []))


def quarantined(engine, external_id: str) -> list[str]:
    with engine.connect() as conn:
        return [r["reason"] for r in quarantine_list(conn, 1000) if r["external_id"] == external_id]


def test_block_is_read_from_the_readme_and_localized(tmp_path):
    block = first_hour_block()
    before, after = split_at_demo(block, tmp_path)
    assert f"export PANTAU_DATA_DIR='{tmp_path}'" in before and f"{BIN}/pantau user add" in after
    assert not re.search(r"(^|[\s;&|(])\.venv/bin/", before + after, re.M)  # every relative venv path replaced
    assert len(dropped_rows(block)) >= 2 and account(block)[1]


def test_the_first_hour_runs_as_written(tmp_path):
    block = first_hour_block()
    data_dir, port = tmp_path / "store", free_port()
    before, after = split_at_demo(block, data_dir)
    env, base = run_env(tmp_path, port), f"http://127.0.0.1:{port}"
    demo_log = tmp_path / "demo.log"
    stray = ROOT / "var" / "pantau.db"  # the clone's default store: the block must not touch it
    stray_before = stray.stat().st_mtime_ns if stray.exists() else None
    with open(demo_log, "wb") as out:
        demo = subprocess.Popen(["bash", "-c", f"set -euo pipefail\n{before}\nexec '{BIN}/pantau' demo "
                                 + " ".join(DEMO_ARGS)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: answers(base) or demo.poll() is not None, START_TIMEOUT_S, "the demo answers")
        assert demo.poll() is None, demo_log.read_text()[-3000:]
        script = ("set -euo pipefail\ntrap 'echo \"first-hour: line $LINENO exited $?\" >&2' ERR\n"
                  f"{before}\n{after}\n")
        ran = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=SCRIPT_TIMEOUT_S)
        assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-3000:]
        assert "Traceback" not in ran.stdout + ran.stderr, ran.stderr[-3000:]

        for path in sorted(set(re.findall(re.escape(README_BASE) + r"(/[\w/.?=&-]*)", block))):
            assert requests.get(base + path, timeout=30).status_code == 200, path
        username, password = account(block)
        s = requests.Session()
        signed_in = s.post(f"{base}/login", data={"username": username, "password": password, "next": "/supervisor",
                                                  "csrf_token": login_token(s, base)}, allow_redirects=False, timeout=30)
        assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/supervisor", signed_in.text[:300]

        rows = dropped_rows(block)
        engine = make_engine(Settings.from_env({"PANTAU_DATA_DIR": str(data_dir)}).resolved_database_url)
        try:
            wait_until(lambda: on_the_wall(engine, rows[0]["description"]), EFFECT_TIMEOUT_S, "the report on the wall")
            assert wait_until(lambda: quarantined(engine, rows[-1]["service_request_id"]), EFFECT_TIMEOUT_S,
                              "the bad row in the quarantine") == ["outside_jakarta"]
        finally:
            engine.dispose()
        assert (stray.stat().st_mtime_ns if stray.exists() else None) == stray_before
    finally:
        if demo.poll() is None:
            demo.send_signal(signal.SIGTERM)
            try:
                demo.wait(timeout=60)
            except subprocess.TimeoutExpired:
                demo.kill()
                demo.wait()
    assert demo.returncode == 0, demo_log.read_text()[-3000:]
    assert "Traceback" not in demo_log.read_text(), demo_log.read_text()[-3000:]
