"""The Pantau web app: ``create_app(settings) -> Dash`` is the only place Dash is built.

``server()`` is the WSGI factory for gunicorn (``gunicorn 'app:server()'``); ``main()``
runs the development server. Views (``callbacks.routing.ROUTES``): ``/`` (landing page with
live counts and a link to every view), ``/wall``, ``/visitor``, ``/supervisor``, ``/login``; any
other page path answers 404 with a page that leads home. ``/health`` says whether the store,
the worker and the ingest are well (JSON, 503 if not).
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Callable

from dash import Dash, dcc, html
from flask import Flask

import callbacks
from callbacks import Deps, guards, utc_now
from dashboard.config import ROOT, Settings
from dashboard.reference import load_reference
from dashboard.store.engine import make_engine
from dashboard.store.health import probe_engine
from dashboard.store.snapshots import redis_client
from callbacks.routing import ROUTES
from layouts import ids


def create_app(settings: Settings | None = None, clock: Callable[[], datetime] | None = None) -> Dash:
    """Build the app from explicit settings (environment when omitted). ``clock`` returns
    aware UTC "now" (tests move it to make data stale); the real clock by default."""
    settings = settings or Settings.from_env()
    engine = make_engine(settings.resolved_database_url)
    redis = redis_client(settings.redis_url) if settings.redis_url else None
    deps = Deps(settings, engine, load_reference(), redis, clock or utc_now,
                probe=probe_engine(engine))
    app = Dash(__name__, title="Pantau", serve_locally=True,
               assets_folder=str(ROOT / "assets"), update_title=None)
    app.server.secret_key = settings.secret_key
    app.layout = shell
    app.validation_layout = validation_layout(settings)
    callbacks.register_all(app, deps)
    guards.register(app, settings)  # last: it reads every callback
    return app


def shell() -> html.Div:
    """The page frame: the URL and the container the router fills."""
    return html.Div([dcc.Location(id=ids.URL), html.Div(id=ids.PAGE, className="page")])


def validation_layout(settings: Settings) -> html.Div:
    """Every view's components, so callbacks may target views not on screen. A view module
    whose ``layout`` depends on the request (e.g. a signed-in user) can offer a
    ``validation_layout(settings)`` with all of its ids."""
    frames = [shell()]
    for view in ROUTES.values():
        module = sys.modules[view.__module__]
        frames.append(getattr(module, "validation_layout", view)(settings))
    return html.Div(frames)


def server(settings: Settings | None = None) -> Flask:
    """WSGI entry point for gunicorn: ``gunicorn 'app:server()'``."""
    return create_app(settings).server


def main() -> None:
    """Development server on PANTAU_HOST:PANTAU_PORT."""
    settings = Settings.from_env()
    create_app(settings).run(host=settings.host, port=settings.port, debug=False)


if __name__ == "__main__":
    main()
