"""A real Pantau app serving the supervisor view from a thread on 127.0.0.1 (werkzeug
``make_server``), with a SQLite store holding :func:`tests.supervisor_data.two_kota` and
one account per role. Clients are ``requests`` sessions that log in through ``POST /login``
with the form's CSRF token, fetched the way a browser gets it (:func:`login_token`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

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
            r = s.post(f"{self.base}/login", data={"username": username, "password": PASSWORD, "next": "/supervisor",
                                                   "csrf_token": login_token(s, self.base)},
                       allow_redirects=False, timeout=10)
            assert r.status_code == 303 and r.headers["Location"] == "/supervisor", r.text
        return s

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.engine.dispose()


def login_token(s: requests.Session, base: str, search: str = "") -> str:
    """The login form's CSRF token, as a browser gets it: the router callback builds /login
    (the hidden ``csrf_token`` field) and its response sets the session cookie."""
    body = {"output": "page.children", "outputs": {"id": "page", "property": "children"},
            "inputs": [{"id": "url", "property": "pathname", "value": "/login"},
                       {"id": "url", "property": "search", "value": search}], "changedPropIds": []}
    r = s.post(f"{base}/_dash-update-component", json=body, timeout=10)
    assert r.status_code == 200, r.text[:200]
    found = find_prop(r.json(), "login-csrf", "value")
    assert found, r.text[:500]
    return found


def callback_body(dep: dict, values: Mapping[str, Any], overrides: Mapping[tuple[str, str], Any] | None = None
                  ) -> dict:
    """The JSON a browser POSTs to /_dash-update-component for the callback ``dep`` (an
    entry of /_dash-dependencies): each input and state has ``overrides[(id, property)]``,
    else ``values[property]``, else None."""
    overrides = overrides or {}

    def item(spec: dict) -> dict | list:
        if isinstance(spec["id"], str) and spec["id"].startswith("{"):
            return []  # pattern-matching ALL: no matching components
        value = overrides.get((spec["id"], spec["property"]), values.get(spec["property"]))
        return {"id": spec["id"], "property": spec["property"], "value": value}

    outputs = [{"id": o.split(".")[0], "property": o.split(".")[1]}
               for o in dep["output"].strip(".").split("...")]
    return {"output": dep["output"], "outputs": outputs if dep["output"].startswith("..") else outputs[0],
            "inputs": [item(i) for i in dep["inputs"]], "state": [item(s) for s in dep["state"]],
            "changedPropIds": []}


def find_prop(tree, component_id: str, prop: str):
    """``prop`` of the component ``component_id`` anywhere in a Dash JSON response."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("id") == component_id and prop in node:
                return node[prop]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return None


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
