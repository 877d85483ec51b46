"""``pantau doctor``: a deployment's settings checked, each finding with what to change.

:func:`diagnose` is pure: it takes :class:`Settings` and :class:`Probes` (what
:func:`probe` found on the network and the disk: the store, the tile server, Redis, the
data directory) and returns :class:`Finding` s, most serious first. ``pantau doctor`` exits
1 when any finding is an error.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

import requests
from redis.exceptions import RedisError

from dashboard.config import Settings
from dashboard.ingest.sources import parse_sources
from dashboard.operator.where import describe
from dashboard.store.presence import UNREACHABLE, StoreCheck, check_store
from dashboard.store.snapshots import redis_client

ERROR, WARNING, OK = "error", "warning", "ok"
LEVELS = (ERROR, WARNING, OK)
DEFAULT_SECRET = Settings().secret_key
PROBE_SECONDS = 3.0  # a tile server or Redis that does not answer within this is unreachable
SECRET_HINT = "e.g. the output of python -c 'import secrets; print(secrets.token_hex(32))'"


@dataclass(frozen=True)
class Finding:
    level: str  # ERROR | WARNING | OK
    setting: str  # the environment variable to change (or "store")
    problem: str  # what was found
    fix: str = ""  # what to change; empty for OK


@dataclass(frozen=True)
class Probes:
    """What the network and the disk said; ``None`` where nothing was asked (an empty URL)."""

    store: StoreCheck
    data_dir_writable: bool
    tile: str | None = None  # None: reachable or not set; else why not
    redis: str | None = None


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def diagnose(settings: Settings, probes: Probes) -> list[Finding]:
    """Every finding, errors first."""
    found = [_secret(settings), _wall_token(settings), _cookies(settings), _store(settings, probes),
             _data_dir(settings, probes), _tiles(settings, probes), _redis(settings, probes), *_sources(settings)]
    return sorted(found, key=lambda f: LEVELS.index(f.level))


def _secret(settings: Settings) -> Finding:
    if settings.secret_key != DEFAULT_SECRET:
        return Finding(OK, "PANTAU_SECRET_KEY", "set")
    public = not is_loopback(settings.host)
    return Finding(ERROR if public else WARNING, "PANTAU_SECRET_KEY",
                   f"left at the default ({DEFAULT_SECRET}): anyone can forge a supervisor's sign-in cookie"
                   + ("" if public else " (harmless while the server binds only 127.0.0.1)"),
                   f"set PANTAU_SECRET_KEY to a long random value, {SECRET_HINT}")


def _wall_token(settings: Settings) -> Finding:
    if settings.wall_token:
        return Finding(OK, "PANTAU_WALL_TOKEN", "set: /wall needs ?token=…")
    if is_loopback(settings.host):
        return Finding(OK, "PANTAU_WALL_TOKEN", f"empty, and the server binds {settings.host} only")
    return Finding(WARNING, "PANTAU_WALL_TOKEN",
                   f"empty while the server binds {settings.host}: anyone who reaches it sees the wall",
                   "set PANTAU_WALL_TOKEN and open the wall as /wall?token=… (or leave it empty on purpose)")


def _cookies(settings: Settings) -> Finding:
    if settings.secure_cookies:
        return Finding(OK, "PANTAU_SECURE_COOKIES", "on: the session cookie is sent over HTTPS only")
    return Finding(WARNING, "PANTAU_SECURE_COOKIES", "off: the session cookie is also sent over plain HTTP",
                   "behind TLS (an HTTPS proxy), set PANTAU_SECURE_COOKIES=true")


def _store(settings: Settings, probes: Probes) -> Finding:
    setting = "PANTAU_DATABASE_URL" if settings.database_url else "PANTAU_DATA_DIR"
    if probes.store.ok:
        return Finding(OK, setting, f"store at {probes.store.url} is at the latest schema")
    fix = ("start the database server, or fix PANTAU_DATABASE_URL" if probes.store.state == UNREACHABLE else
           "run `pantau db upgrade`, or point PANTAU_DATA_DIR / PANTAU_DATABASE_URL at the demo's store")
    return Finding(ERROR, setting, describe(probes.store, settings), fix)


def _data_dir(settings: Settings, probes: Probes) -> Finding:
    if probes.data_dir_writable:
        return Finding(OK, "PANTAU_DATA_DIR", f"{settings.data_dir} is writable")
    return Finding(ERROR, "PANTAU_DATA_DIR", f"{settings.data_dir} is not writable by this user (camera stills, "
                   "the simulator's state and the default SQLite store live there)",
                   "point PANTAU_DATA_DIR at a directory this user may write, or fix its owner")


def _tiles(settings: Settings, probes: Probes) -> Finding:
    if not settings.tile_url:
        return Finding(OK, "PANTAU_TILE_URL", "empty: maps show kelurahan outlines without tiles (works offline)")
    if probes.tile is None:
        return Finding(OK, "PANTAU_TILE_URL", "the tile server answers")
    return Finding(ERROR, "PANTAU_TILE_URL", f"the tile server does not answer: {probes.tile}",
                   "fix PANTAU_TILE_URL (a template such as https://tile.example.org/{z}/{x}/{y}.png) or empty it")


def _redis(settings: Settings, probes: Probes) -> Finding:
    if not settings.redis_url:
        return Finding(OK, "PANTAU_REDIS_URL", "empty: snapshots and rate limits use the store")
    if probes.redis is None:
        return Finding(OK, "PANTAU_REDIS_URL", "Redis answers")
    return Finding(ERROR, "PANTAU_REDIS_URL", f"Redis does not answer: {probes.redis}",
                   "start Redis, fix PANTAU_REDIS_URL, or empty it")


def _sources(settings: Settings) -> list[Finding]:
    try:
        sources = parse_sources(settings.sources)
    except ValueError as exc:
        return [Finding(ERROR, "PANTAU_SOURCES", str(exc), "use simulator, open311=URL, files=DIR, comma-separated")]
    missing = [target for kind, target in sources if kind == "files" and not Path(target).is_dir()]
    if missing:
        return [Finding(ERROR, "PANTAU_SOURCES", f"files={missing[0]}: not a directory",
                        "create the drop directory or fix the path")]
    return [Finding(OK, "PANTAU_SOURCES", settings.sources)]


# --- the probes (I/O) ---------------------------------------------------------------------
def probe(settings: Settings, timeout: float = PROBE_SECONDS) -> Probes:
    """Look at the store, the data directory, the tile server and Redis (nothing is created)."""
    return Probes(check_store(settings.resolved_database_url), writable(settings.data_dir),
                  probe_tile(settings.tile_url, timeout) if settings.tile_url else None,
                  probe_redis(settings.redis_url) if settings.redis_url else None)


def writable(directory: Path) -> bool:
    """Whether this user may write in ``directory`` (or create it: its nearest existing
    parent is writable)."""
    path = directory.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path.is_dir() and os.access(path, os.W_OK | os.X_OK)


def tile_example(template: str) -> str:
    """The URL of tile 0/0/0 of a Leaflet template (``{s}`` the first subdomain)."""
    return (template.replace("{s}", "a").replace("{z}", "0").replace("{x}", "0").replace("{y}", "0")
            .replace("{r}", ""))


def probe_tile(template: str, timeout: float) -> str | None:
    """None when tile 0/0/0 answers 2xx/3xx within ``timeout``; else why not."""
    url = tile_example(template)
    try:
        response = requests.get(url, timeout=timeout, stream=True)
        response.close()
    except requests.RequestException as exc:
        return f"GET {url}: {type(exc).__name__}"
    return None if response.status_code < 400 else f"GET {url}: HTTP {response.status_code}"


def probe_redis(url: str) -> str | None:
    """None when Redis answers PING; else why not."""
    try:
        client = redis_client(url)
        if client is not None:
            client.ping()
    except (RedisError, OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def render(findings: list[Finding]) -> str:
    """One line per finding (``ERROR   PANTAU_X  problem — fix``) and a count."""
    width = max(len(f.setting) for f in findings)
    lines = [f"{f.level.upper() if f.level != OK else 'ok':<7}  {f.setting:<{width}}  {f.problem}"
             + (f"\n{'':<7}  {'':<{width}}  → {f.fix}" if f.fix else "") for f in findings]
    errors, warnings = (sum(f.level == level for f in findings) for level in (ERROR, WARNING))
    lines.append(f"{errors} error(s), {warnings} warning(s)")
    return "\n".join(lines)
