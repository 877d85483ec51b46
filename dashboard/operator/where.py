"""Which store a command used, and the one line it prints when that store is not usable.

An operator who started the demo with ``PANTAU_DATA_DIR=/srv/pantau`` and then runs
``pantau user add`` in another shell without it gets the default ``./var`` store: the
line names the URL *and* where it came from, so the mismatch shows.
"""

from __future__ import annotations

from dashboard.config import Settings
from dashboard.store.presence import BEHIND, UNMIGRATED, UNREACHABLE, StoreCheck, safe_url

UPGRADE = "run `pantau db upgrade`"


def store_origin(settings: Settings) -> str:
    """Where the store URL came from: ``PANTAU_DATABASE_URL``, ``PANTAU_DATA_DIR`` or the
    default data directory."""
    if settings.database_url:
        return "from PANTAU_DATABASE_URL"
    if settings.data_dir == Settings().data_dir:
        return "PANTAU_DATA_DIR and PANTAU_DATABASE_URL unset: the default data directory"
    return f"from PANTAU_DATA_DIR={settings.data_dir}"


def describe(check: StoreCheck, settings: Settings) -> str:
    """What is wrong with the store of ``check`` (not :data:`~dashboard.store.presence.OK`),
    naming its URL and where the URL came from."""
    at = f"{check.url} ({store_origin(settings)})"
    if check.state == UNREACHABLE:
        return f"the store at {at} is not reachable: {check.error}"
    if check.state == BEHIND:
        return f"the store at {at} has schema {check.revision}, this Pantau needs {check.head}"
    if check.state == UNMIGRATED:
        shown = ", ".join(check.missing_tables[:3]) + (", …" if len(check.missing_tables) > 3 else "")
        return f"the store at {at} is not migrated (no table {shown})"
    return f"no Pantau store at {at}"


def problem_line(command: str, check: StoreCheck, settings: Settings) -> str:
    """``pantau user add: no Pantau store at sqlite:///…/pantau.db (from …); run `pantau db
    upgrade```: the one line a command prints for a store it cannot use."""
    fix = "" if check.state == UNREACHABLE else f"; {UPGRADE}"
    return f"{command}: {describe(check, settings)}{fix}"


def shown_url(settings: Settings) -> str:
    return safe_url(settings.resolved_database_url)
