"""Settings: precedence, validation, and every field documented in README (Datasette
test_docs style)."""

import ast
import dataclasses
from pathlib import Path

import pytest

from dashboard.config import ROOT, Settings, documented_fields


def test_defaults_without_environment():
    s = Settings.from_env({})
    assert s.tz == "Asia/Jakarta"
    assert s.resolved_database_url == f"sqlite:///{ROOT / 'var' / 'pantau.db'}"
    assert s.stale_seconds == 3 * s.ingest_seconds


def test_environment_then_explicit_argument_wins():
    env = {"PANTAU_POLL_SECONDS": "5", "PANTAU_PORT": "9000", "PANTAU_DATA_DIR": "/tmp/p"}
    s = Settings.from_env(env, port=9100)
    assert (s.poll_seconds, s.port, s.data_dir) == (5, 9100, Path("/tmp/p"))
    assert s.resolved_database_url == "sqlite:////tmp/p/pantau.db"


@pytest.mark.parametrize("env", [
    {"PANTAU_POLL_SECONDS": "soon"},
    {"PANTAU_POLL_SECONDS": "0"},
    {"PANTAU_TZ": "Mars/Olympus"},
    {"PANTAU_PORT": "70000"},
])
def test_bad_values_fail_at_startup(env):
    with pytest.raises((ValueError, KeyError)):  # KeyError: ZoneInfoNotFoundError
        Settings.from_env(env)


def test_every_setting_is_documented_in_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name, _default, _help in documented_fields() if f"`{name}`" not in readme]
    assert missing == []


def test_every_field_has_help():
    assert all(f.metadata.get("help") for f in dataclasses.fields(Settings))


def test_only_config_reads_the_environment():
    offenders = []
    for path in ROOT.glob("**/*.py"):
        if any(part in {".venv", "tests", "bench", "migrations"} for part in path.parts) or path.name == "config.py":
            continue
        if "os.environ" in path.read_text(encoding="utf-8") and path.name not in {"runner.py"}:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_domain_never_imports_dash_or_plotly():
    bad = []
    for path in (ROOT / "dashboard").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            bad += [f"{path.name}: {n}" for n in names if n.split(".")[0] in {"dash", "plotly", "dash_leaflet"}]
    assert bad == []
