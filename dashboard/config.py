"""One Settings object for the whole of Pantau.

Every tunable is a field here, read once from ``PANTAU_*`` environment variables by
:meth:`Settings.from_env` and passed down. Nothing else in the code base reads
``os.environ``. Precedence: explicit argument > environment > default.

Each field's ``metadata["help"]`` is its documentation, the one text for it: README.md's
settings table is rendered from it by :func:`settings_table` (``make readme`` writes it,
``tests/unit/test_readme_tables.py`` fails when the README differs).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent


def _setting(default: Any, help: str) -> Any:  # noqa: A002 - mirrors Datasette's Setting.help
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _setting(ROOT / "var", "Directory for the default SQLite file, camera stills and caches.")
    database_url: str = _setting(
        "", "SQLAlchemy URL of the report store; empty means `sqlite:///<data_dir>/pantau.db`. PostgreSQL: "
        "`postgresql://user@host/db`."
    )
    redis_url: str = _setting("", "Optional Redis URL; when set, wall snapshots are also published there.")
    host: str = _setting("127.0.0.1", "Address the web server binds to.")
    port: int = _setting(8050, "Port the web server listens on.")
    tz: str = _setting("Asia/Jakarta", "Time zone used for display (times are stored in UTC).")
    poll_seconds: int = _setting(15, "How often each view polls the store for changes.")
    ingest_seconds: int = _setting(30, "Interval between ingest runs in the worker.")
    stale_after_seconds: int = _setting(
        0, "Age of the last successful ingest after which views say STALE; 0 = 3 × ingest interval."
    )
    max_map_points: int = _setting(
        20000, "Upper bound on report points sent to a map (the wall: the newest open reports; the supervisor: the "
        "newest of the filtered set)."
    )
    agency_rotate_seconds: int = _setting(20, "How long the wall keeps each agency in focus.")
    wall_token: str = _setting("", "Read-only token for `/wall?token=…`; empty means the wall is public.")
    tile_url: str = _setting(
        "", "Optional map tile URL template; empty means no tiles (kelurahan polygons only; works offline)."
    )
    sources: str = _setting(
        "simulator", "Comma-separated ingest sources for the worker: `simulator`, `open311=URL`, `files=DIR`."
    )
    feed_tz: str = _setting(
        "", "Zone applied to feed timestamps that carry none; empty means such records are quarantined."
    )
    sim_seed: int = _setting(42, "Random seed of the built-in simulator.")
    sim_speed: float = _setting(
        1.0, "Simulator speed: simulated seconds per real second. 1 = real time (the demo's wall shows a normal "
        "day at that hour); above 1 the simulator replays the recent past that much faster and keeps real "
        "time once it reaches the present (10 real minutes at any speed)."
    )
    secret_key: str = _setting("dev-only-change-me", "Flask secret key for sessions. Set it in any deployment.")
    public_rate_per_minute: int = _setting(
        300, "Requests per minute per client IP to public callbacks and the Open311 API; 0 = no limit. Per "
        "process, or shared through Redis when `PANTAU_REDIS_URL` is set."
    )
    max_request_bytes: int = _setting(
        1_048_576, "Largest request body accepted (bytes); bigger requests get 413 (before the body is read when its "
        "length is announced)."
    )
    max_requests_per_client: int = _setting(
        6, "Requests one client address may have in flight at once, counted over all web processes; further "
        "requests get 429 with `Retry-After` at once; 0 = no limit. Keep it below the 8 threads of a web "
        "process, so a greedy address leaves threads for the others."
    )
    request_read_seconds: int = _setting(
        30, "A request's headers and body must arrive within this many seconds of its first byte; the web server "
        "closes slower connections (slowloris)."
    )
    session_hours: int = _setting(
        8, "Supervisor login session lifetime in hours, from sign-in (the server-side session and the cookie)."
    )
    secure_cookies: bool = _setting(False, "Mark the session cookie Secure (HTTPS only); turn on behind TLS.")
    login_max_failures: int = _setting(
        10, "Failed sign-ins allowed per client IP and per username within `PANTAU_LOGIN_WINDOW_MINUTES`; the "
        "next attempt gets 429 with `Retry-After` and no password check; 0 = no limit. Counted for every web "
        "process together: in Redis when `PANTAU_REDIS_URL` is set, else in the store."
    )
    login_window_minutes: int = _setting(15, "Window over which failed sign-ins are counted.")
    media_hosts: str = _setting(
        "", "Comma-separated hosts the supervisor's report media proxy may fetch `media_url` from "
        "(`*.example.org` matches subdomains); empty means any host whose addresses are all public. Every "
        "hop is checked; at most 3 redirects."
    )
    media_allow_private: bool = _setting(
        False, "Let the media proxy fetch from loopback and private (LAN) addresses, for a media server on the LAN. "
        "Link-local (cloud metadata), multicast, unspecified and reserved addresses are always refused."
    )

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'pantau.db'}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def stale_seconds(self) -> int:
        return self.stale_after_seconds or 3 * self.ingest_seconds

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """Build settings from ``PANTAU_<FIELD>`` variables; keyword overrides win."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(f"PANTAU_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _coerce(f, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        ZoneInfo(self.tz)  # raises for an unknown zone
        for name in ("poll_seconds", "ingest_seconds", "max_map_points", "agency_rotate_seconds",
                     "session_hours", "request_read_seconds"):
            if getattr(self, name) <= 0:
                raise ValueError(f"PANTAU_{name.upper()} must be positive")
        if not 0 < self.port < 65536:
            raise ValueError("PANTAU_PORT must be a TCP port")
        if self.login_window_minutes <= 0 or self.login_max_failures < 0:
            raise ValueError("PANTAU_LOGIN_WINDOW_MINUTES must be positive, PANTAU_LOGIN_MAX_FAILURES >= 0")
        if self.max_requests_per_client < 0:
            raise ValueError("PANTAU_MAX_REQUESTS_PER_CLIENT must be >= 0")

    def with_(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)


_BOOLS = {"1": True, "true": True, "yes": True, "on": True,
          "0": False, "false": False, "no": False, "off": False}


def _coerce(f: dataclasses.Field, raw: str) -> Any:
    kind = type(f.default)
    if kind is bool:
        if raw.strip().lower() not in _BOOLS:
            raise ValueError(f"PANTAU_{f.name.upper()}={raw!r}: expected true or false")
        return _BOOLS[raw.strip().lower()]
    try:
        if kind is Path or isinstance(f.default, Path):
            return Path(raw)
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
    except ValueError as exc:
        raise ValueError(f"PANTAU_{f.name.upper()}={raw!r}: {exc}") from None
    return raw


def documented_fields() -> list[tuple[str, Any, str]]:
    """(env var, default, help) for every setting: the README table is built from this."""
    return [
        (f"PANTAU_{f.name.upper()}", f.default, f.metadata["help"])
        for f in dataclasses.fields(Settings)
    ]


def default_text(default: Any) -> str:
    """A default as the README shows it: ``./var`` for a path in the checkout, "empty" for "",
    ``true``/``false`` as the environment spells them."""
    if default == "":
        return "empty"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if isinstance(default, Path) and default.is_relative_to(ROOT):
        return f"`./{default.relative_to(ROOT).as_posix()}`"
    return f"`{default}`"


def settings_table() -> str:
    """The README's settings table (Markdown), one row per field in declaration order."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [f"| `{name}` | {default_text(default)} | {help_} |" for name, default, help_ in documented_fields()]
    return "\n".join(rows) + "\n"
