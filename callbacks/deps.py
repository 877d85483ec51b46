"""What callbacks and routes are given (:class:`Deps`): its own module, so a callback
module can name the type without importing the ``callbacks`` package that registers it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from dashboard.config import Settings
from dashboard.reference import Reference
from dashboard.store.snapshots import SnapshotCache


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Deps:
    """What callbacks and routes may use: the engine, settings and a clock; ``probe``
    is the engine of health reads (``dashboard.store.health.probe_engine``)."""

    settings: Settings
    engine: Any  # sqlalchemy Engine (every read: dashboard.store modules take a connection)
    ref: Reference
    redis: Any = None
    now: Callable[[], datetime] = field(default=utc_now)
    snapshots: SnapshotCache = field(default_factory=SnapshotCache)  # per process, keyed by version
    probe: Any = None  # set by create_app
