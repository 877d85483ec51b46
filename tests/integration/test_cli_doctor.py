"""``pantau doctor``: each finding a deployment can have, from real settings, a real store,
a fake tile server on 127.0.0.1 and closed ports; exit 1 on any error."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dashboard import cli
from dashboard.config import Settings
from dashboard.operator.doctor import ERROR, OK, WARNING, Probes, diagnose, is_loopback, tile_example
from dashboard.store.presence import check_store

SECRET = "a-long-random-secret-for-the-tests-0123456789"


class Tiles(BaseHTTPRequestHandler):
    """Tile 0/0/0 exists; everything else is 404."""

    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/tiles/0/0/0.png" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def tile_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def deploy(db_url, tmp_path, monkeypatch):
    """A clean deployment: every finding ok. Tests change one variable each."""
    for name, value in {"PANTAU_DATABASE_URL": db_url, "PANTAU_DATA_DIR": str(tmp_path), "PANTAU_SECRET_KEY": SECRET,
                        "PANTAU_SECURE_COOKIES": "true", "PANTAU_HOST": "127.0.0.1"}.items():
        monkeypatch.setenv(name, value)
    for name in ("PANTAU_TILE_URL", "PANTAU_REDIS_URL", "PANTAU_WALL_TOKEN", "PANTAU_SOURCES"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def doctor(capsys, code: int) -> dict[str, dict]:
    """Run ``pantau doctor --json``; findings by setting (the last one of a setting wins)."""
    assert cli.main(["doctor", "--json", "--timeout", "2"]) == code
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    doc = json.loads(captured.out)
    assert doc["errors"] == sum(f["level"] == ERROR for f in doc["findings"])
    return {f["setting"]: f for f in doc["findings"]}


def test_a_clean_deployment_is_all_ok(deploy, capsys):
    found = doctor(capsys, 0)
    assert {f["level"] for f in found.values()} == {OK}
    assert cli.main(["doctor"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "0 error(s), 0 warning(s)"


def test_default_secret_key(deploy, capsys):
    deploy.delenv("PANTAU_SECRET_KEY")
    found = doctor(capsys, 0)["PANTAU_SECRET_KEY"]
    assert found["level"] == WARNING and "dev-only-change-me" in found["problem"]  # loopback only: a warning
    deploy.setenv("PANTAU_HOST", "0.0.0.0")
    found = doctor(capsys, 1)["PANTAU_SECRET_KEY"]
    assert found["level"] == ERROR and "PANTAU_SECRET_KEY" in found["fix"] and "token_hex" in found["fix"]


def test_wall_token_on_a_public_bind(deploy, capsys):
    deploy.setenv("PANTAU_HOST", "0.0.0.0")
    found = doctor(capsys, 0)["PANTAU_WALL_TOKEN"]
    assert found["level"] == WARNING and "0.0.0.0" in found["problem"] and "PANTAU_WALL_TOKEN" in found["fix"]
    deploy.setenv("PANTAU_WALL_TOKEN", "wall-secret")
    assert doctor(capsys, 0)["PANTAU_WALL_TOKEN"]["level"] == OK


def test_cookies_not_secure(deploy, capsys):
    deploy.setenv("PANTAU_SECURE_COOKIES", "false")
    found = doctor(capsys, 0)["PANTAU_SECURE_COOKIES"]
    assert found["level"] == WARNING and "PANTAU_SECURE_COOKIES=true" in found["fix"] and "TLS" in found["fix"]


def test_tile_url(deploy, capsys, tile_server):
    deploy.setenv("PANTAU_TILE_URL", tile_server + "/tiles/{z}/{x}/{y}.png")
    assert doctor(capsys, 0)["PANTAU_TILE_URL"]["level"] == OK
    deploy.setenv("PANTAU_TILE_URL", tile_server + "/nothing/{z}/{x}/{y}.png")
    found = doctor(capsys, 1)["PANTAU_TILE_URL"]
    assert found["level"] == ERROR and "HTTP 404" in found["problem"]
    deploy.setenv("PANTAU_TILE_URL", "http://127.0.0.1:1/{z}/{x}/{y}.png")
    found = doctor(capsys, 1)["PANTAU_TILE_URL"]
    assert found["level"] == ERROR and "ConnectionError" in found["problem"]
    assert tile_example("https://{s}.tile.example/{z}/{x}/{y}{r}.png") == "https://a.tile.example/0/0/0.png"


def test_redis_unreachable(deploy, capsys):
    deploy.setenv("PANTAU_REDIS_URL", "redis://127.0.0.1:1/0")
    found = doctor(capsys, 1)["PANTAU_REDIS_URL"]
    assert found["level"] == ERROR and "Redis does not answer" in found["problem"]


def test_data_dir_not_writable_and_no_store(deploy, tmp_path, capsys):
    (tmp_path / "a-file").write_text("")
    deploy.setenv("PANTAU_DATA_DIR", str(tmp_path / "a-file" / "var"))  # even root cannot write under a file
    deploy.delenv("PANTAU_DATABASE_URL")
    doc = json.loads((cli.main(["doctor", "--json"]), capsys.readouterr().out)[1])
    data = [f for f in doc["findings"] if f["setting"] == "PANTAU_DATA_DIR"]
    assert [f["level"] for f in data] == [ERROR, ERROR]
    assert any("no Pantau store at" in f["problem"] for f in data)
    assert any("is not writable" in f["problem"] for f in data)
    assert not (tmp_path / "var").exists()


def test_a_files_source_without_its_directory(deploy, tmp_path, capsys):
    deploy.setenv("PANTAU_SOURCES", f"simulator,files={tmp_path}/drop")
    found = doctor(capsys, 1)["PANTAU_SOURCES"]
    assert found["level"] == ERROR and "not a directory" in found["problem"]


def test_text_output_names_the_fix(deploy, capsys):
    deploy.setenv("PANTAU_HOST", "0.0.0.0")
    deploy.delenv("PANTAU_SECRET_KEY")
    assert cli.main(["doctor"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("ERROR    PANTAU_SECRET_KEY") and out[1].strip().startswith("→ set PANTAU_SECRET_KEY")
    assert out[-1] == "1 error(s), 1 warning(s)"  # and the wall token


def test_diagnose_orders_errors_first(db_url, tmp_path):
    settings = Settings.from_env({}, data_dir=tmp_path, database_url=db_url, host="0.0.0.0")
    levels = [f.level for f in diagnose(settings, Probes(check_store(db_url), True))]
    assert levels == sorted(levels, key=[ERROR, WARNING, OK].index) and levels[0] == ERROR
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.0.0.5") and not is_loopback("pantau.example")
