"""A real Pantau app serving the supervisor view from a thread on 127.0.0.1 (werkzeug
``make_server``), with a SQLite store holding :func:`tests.supervisor_data.two_kota` and
one account per role. Clients are ``requests`` sessions that log in through ``POST /login``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import requests
from werkzeug.serving import make_server

from app import create_app
from dashboard.config import Settings
from dashboard.reference import load_reference
from dashboard.store import schema
from dashboard.store.engine import make_engine
from dashboard.store.refdata import store_reference
from dashboard.store.users import add_user
from tests.supervisor_data import NOW, two_kota

PASSWORD = "rahasia-123"
#: username -> (role, scope)
ACCOUNTS = {"admin": ("admin", None), "sup": ("supervisor", None),
            "scoped": ("supervisor", "kota:31.71"), "visitor": ("visitor", None)}


@dataclass
class Server:
    base: str
    app: object
    engine: object
    settings: Settings
    ids: dict
    _server: object

    def session(self, username: str | None) -> requests.Session:
        """A client signed in as ``username`` (None: anonymous)."""
        s = requests.Session()
        if username is not None:
            r = s.post(f"{self.base}/login", data={"username": username, "password": PASSWORD, "next": "/supervisor"},
                       allow_redirects=False, timeout=10)
            assert r.status_code == 303 and r.headers["Location"] == "/supervisor", r.text
        return s

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.engine.dispose()


def start(data_dir: Path, **overrides) -> Server:
    settings = Settings.from_env({}, data_dir=data_dir, database_url="", **overrides)
    engine = make_engine(settings.resolved_database_url)
    schema.create_all(engine)
    store_reference(engine, load_reference())
    ids = two_kota(engine)
    for name, (role, scope) in ACCOUNTS.items():
        add_user(engine, name, PASSWORD, role, scope)
    app = create_app(settings, clock=lambda: NOW)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Server(f"http://127.0.0.1:{server.server_port}", app, engine, settings, ids, server)
