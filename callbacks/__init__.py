"""Callback registration: ``register_all(app, deps)`` wires every view to one app.

Callbacks are registered with ``app.callback`` inside ``register`` functions (never the
process-global ``@dash.callback``), so tests can build many apps in one process.
"""

from __future__ import annotations

from dash import Dash

from callbacks import index, open311, routes, routing, supervisor, visitor, wall
from callbacks.deps import Deps, utc_now

__all__ = ["Deps", "register_all", "utc_now"]


def register_all(app: Dash, deps: Deps) -> None:
    """Register the router, each view's callbacks and the plain HTTP routes."""
    routing.register(app, deps)
    wall.register(app, deps)
    index.register(app, deps)
    routes.register(app.server, deps)
    supervisor.register(app, deps)
    visitor.register(app, deps)
    open311.register_api(app.server, deps)
