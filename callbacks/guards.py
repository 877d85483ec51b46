"""What the server checks before a request and adds to every response.

* Malformed Dash callback requests (not JSON, an unknown or clientside-only callback, inputs
  that are not ``{"id", "property"}`` items) get a plain 400 before Dash sees them, and a
  bad ``/_dash-component-suites/`` path a 404: never a 500 with a traceback in the log.
* One guard for the wall: with a wall token set, ``/wall``, its data routes, every callback
  whose outputs are wall components and the router asked for ``/wall`` need the token
  (``?token=`` once, then the cookie it sets). A wrong token gets a plain 403.
* Security headers on every response: a Content-Security-Policy allowing only this origin
  (plus the tile host when ``tile_url`` names one) and Dash's inline scripts by hash, no
  framing, no MIME sniffing, and only the origin as referrer to other sites.
"""

from __future__ import annotations

import hmac
import re
from typing import Any
from urllib.parse import urlsplit

from dash import Dash
from dash.exceptions import DependencyException
from flask import Flask, Response, request

from dashboard.config import Settings
from layouts import ids

TOKEN_COOKIE = "pantau_wall"
DISPATCH = "/_dash-update-component"
WALL_PATHS = ("/wall", "/camera/")
URL_PROPS = ("pathname", "search", "hash", "href")  # a dcc.Location's: strings (or null) from a browser


def register(app: Dash, settings: Settings) -> None:
    """Call after every callback is registered: the policy hashes the inline scripts and
    the guard reads the callback map."""
    server = app.server
    callbacks = app.callback_map

    @server.before_request
    def refuse_malformed_callback() -> Response | None:
        if request.method == "POST" and request.path.endswith(DISPATCH):
            if not well_formed(request.get_json(silent=True), callbacks):
                return plain(400, "400 Bad Request: not a callback of this app")
        return None

    server.register_error_handler(DependencyException, lambda _exc: plain(404, "404 Not Found"))
    if settings.wall_token:
        guard_wall(server, settings.wall_token, wall_callbacks(callbacks))
    headers = security_headers(content_security_policy(app.csp_hashes(), settings.tile_url))

    @server.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response


def plain(status: int, text: str) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain")


def _dependency(item: Any) -> bool:
    if not (isinstance(item, dict) and isinstance(item.get("property"), str) and "id" in item):
        return False
    location = item["id"] == ids.URL and item["property"] in URL_PROPS
    return not location or isinstance(item.get("value"), (str, type(None)))


def well_formed(body: Any, callbacks: dict) -> bool:
    """Whether ``body`` asks for a server callback of this app with well-shaped
    dependencies (a list of ``{"id", "property", ...}``, or of lists of them for patterns;
    the URL's parts, if sent, strings or null)."""
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        return False
    if "callback" not in callbacks.get(body["output"], {}):  # unknown, or clientside only
        return False
    outputs, changed = body.get("outputs", []), body.get("changedPropIds", [])
    outputs = outputs if isinstance(outputs, list) else [outputs]
    return (all(_dependencies(body.get(key, [])) for key in ("inputs", "state"))
            and all(_dependency(o) or isinstance(o, list) for o in outputs)
            and isinstance(changed, list) and all(isinstance(c, str) for c in changed))


def _dependencies(items: Any) -> bool:
    """A list of dependencies, or of lists of them (pattern-matching ids)."""
    return isinstance(items, list) and all(
        _dependency(i) or (isinstance(i, list) and all(map(_dependency, i))) for i in items)


def wall_callbacks(callbacks: dict) -> frozenset[str]:
    """Keys of the server callbacks with an output on a wall component."""
    def outputs(cb: dict) -> list:
        out = cb.get("output")
        return out if isinstance(out, (list, tuple)) else [out]
    return frozenset(key for key, cb in callbacks.items()
                     if any(str(getattr(o, "component_id", "")).startswith(ids.WALL_PREFIX) for o in outputs(cb)))


def serves_wall(path: str, body: Any, wall_keys: frozenset[str]) -> bool:
    """Whether a request reads wall data: a wall route, a wall callback, or the router
    building ``/wall``."""
    if path.startswith(WALL_PATHS):
        return True
    if not path.endswith(DISPATCH) or not isinstance(body, dict):
        return False
    if body.get("output") in wall_keys:
        return True
    return any(isinstance(i, dict) and i.get("property") == "pathname" and str(i.get("value") or "").startswith("/wall")
               for i in body.get("inputs") or [])


def guard_wall(server: Flask, token: str, wall_keys: frozenset[str]) -> None:
    @server.before_request
    def check_token() -> Response | None:
        if not serves_wall(request.path, request.get_json(silent=True) if request.is_json else None, wall_keys):
            return None
        given = request.args.get("token") or request.cookies.get(TOKEN_COOKIE) or ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            return plain(403, "403 Forbidden")
        return None

    @server.after_request
    def remember_token(response: Response) -> Response:
        if request.path == "/wall" and request.args.get("token") == token:
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Strict")
        return response


def tile_source(tile_url: str) -> str | None:
    """The CSP source of a tile URL template (``https://{s}.tile.example.org/{z}/{x}/{y}.png``
    -> ``https://*.tile.example.org``); None when the template names no host."""
    parts = urlsplit(tile_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = re.sub(r"\{[^}]*\}", "*", parts.netloc.rsplit("@", 1)[-1])
    return f"{parts.scheme}://{host}"


#: the Content-Security-Policy's directives before the script hashes and the tile host are added
CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def content_security_policy(script_hashes: list[str], tile_url: str = "") -> str:
    """Only this origin; Dash's inline scripts by hash; inline styles (React, Plotly and
    Leaflet set them); images also from ``data:`` and the tile host; never framed."""
    tiles = tile_source(tile_url) if tile_url else None
    extra = {"script-src": script_hashes, "img-src": [tiles] if tiles else []}
    return "; ".join(f"{name} {' '.join([*values, *extra.get(name, [])])}" for name, values in CSP.items())


def security_headers(policy: str) -> dict[str, str]:
    return {"Content-Security-Policy": policy, "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"}
