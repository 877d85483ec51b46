"""Callback registration: ``register_all(app, deps)`` wires every view to one app.

Callbacks are registered with ``app.callback`` inside ``register`` functions (never the
process-global ``@dash.callback``), so tests can build many apps in one process.
"""

from __future__ import annotations

from dash import Dash

from callbacks.deps import Deps, utc_now

__all__ = ["Deps", "register_all", "utc_now"]  # app.py and tests import Deps and utc_now from here


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


def register_all(app, deps: Deps) -> None:  # noqa: ANN001
    """Register the router, each view's callbacks and the plain HTTP routes."""
    from callbacks import index, open311, routes, routing, supervisor, visitor, wall

    routing.register(app, deps)
    wall.register(app, deps)
    index.register(app, deps)
    routes.register(app.server, deps)
    supervisor.register(app, deps)
    visitor.register(app, deps)
    open311.register_api(app.server, deps)
