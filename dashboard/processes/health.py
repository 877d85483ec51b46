"""Is Pantau working? Pure decisions from facts read from the store.

:func:`assess` turns :class:`Facts` (what ``dashboard.store.health.read_facts`` found:
the store's answer, the worker's heartbeat rows, the last successful ingest overall and
per source) into a :class:`Health`: ok or not, the JSON body ``/health`` serves, and the
one reason the wall shows when it is not ok (:attr:`Health.reason`).

Nothing here reads the store or the clock: every time comes in as an argument.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dashboard.config import Settings
from dashboard.store.heartbeat import WORKER_JOB

#: The worker renews its own heartbeat row at least every ~20 s while it leads; three
#: missed renewals mean it is gone, whatever the ingest interval.
WORKER_RENEW_SECONDS = 20
MISSED_RENEWALS = 3

STORE, WORKER, INGEST = "store", "worker", "ingest"


def worker_deadline(settings: Settings) -> int:
    """Age (s) of the worker's heartbeat after which it counts as gone: the stale-data
    threshold, but never less than three missed renewals."""
    return max(settings.stale_seconds, MISSED_RENEWALS * WORKER_RENEW_SECONDS)


@dataclass(frozen=True)
class Facts:
    """What the store said. ``store_error`` is the exception's class name (never its text:
    it may hold a URL or a password); when it is set, nothing else could be read."""

    store_error: str | None = None
    heartbeats: list[dict[str, Any]] = field(default_factory=list)
    last_ok: datetime | None = None  # finished_at of the newest successful ingest, any source
    sources: dict[str, datetime | None] = field(default_factory=dict)  # source -> its last success


@dataclass(frozen=True)
class Health:
    ok: bool
    body: dict[str, Any]
    #: why the wall is not LIVE, most important first: (STORE, None), (WORKER, heartbeat time
    #: or None if the worker never beat), or None (the data's age is judged by the browser)
    reason: tuple[str, datetime | None] | None
    data_as_of: datetime | None


def _age(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else round((now - then).total_seconds(), 1)


def public_name(name: str) -> str:
    """A job or source name without what may carry a secret: an Open311 source names its
    endpoint (``open311:host/path?api_key=...``) and a job may name its target (``=URL``)."""
    return name.split("?", 1)[0].split("=", 1)[0]


def assess(facts: Facts, now: datetime, settings: Settings) -> Health:
    """ok when the store answers, the worker's heartbeat is younger than
    :func:`worker_deadline`, and the last successful ingest (overall and of every source
    seen recently) is younger than ``settings.stale_seconds``."""
    if facts.store_error is not None:
        body = {"status": "fail", "checked_at": now.isoformat(), "problems": [STORE],
                "store": {"ok": False, "error": facts.store_error}}
        return Health(False, body, (STORE, None), None)
    worker_max, stale = worker_deadline(settings), settings.stale_seconds
    beats = {b["job"]: b for b in facts.heartbeats}
    worker_at = beats.get(WORKER_JOB, {}).get("updated_at")
    worker_age = _age(now, worker_at)
    worker_ok = worker_age is not None and worker_age <= worker_max
    sources = [{"source": public_name(name), "age_seconds": _age(now, at),
                "ok": at is not None and _age(now, at) <= stale} for name, at in sorted(facts.sources.items())]
    data_age = _age(now, facts.last_ok)
    ingest_ok = data_age is not None and data_age <= stale and all(s["ok"] for s in sources)
    problems = [name for name, ok in ((WORKER, worker_ok), (INGEST, ingest_ok)) if not ok]
    body = {
        "status": "fail" if problems else "ok", "checked_at": now.isoformat(), "problems": problems,
        "store": {"ok": True},
        "worker": {"ok": worker_ok, "age_seconds": worker_age, "max_age_seconds": worker_max,
                   "jobs": [_job(b, now) for job, b in sorted(beats.items()) if job != WORKER_JOB]},
        "ingest": {"ok": ingest_ok, "age_seconds": data_age, "max_age_seconds": stale, "sources": sources},
    }
    reason = None if worker_ok else (WORKER, worker_at)
    return Health(not problems, body, reason, facts.last_ok)


def _job(beat: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A job's heartbeat without its error text (it may quote a report or a URL)."""
    return {"job": public_name(beat["job"]), "last_start_age_seconds": _age(now, beat.get("last_start")),
            "last_success_age_seconds": _age(now, beat.get("last_success")),
            "last_error_age_seconds": _age(now, beat.get("last_error_at")), "failures": beat.get("failures") or 0}
