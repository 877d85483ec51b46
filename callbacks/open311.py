"""The public Open311 GeoReport v2 API as a Flask blueprint, plus the guards every public
request passes: a request-size cap (413) and a per-client-IP rate limit (429) on the API
and on Dash callbacks.

``register_api(server, deps)`` installs both. Data comes only from
:class:`dashboard.public.query.PublicStore`; the spec mapping is :mod:`dashboard.public.open311`.
"""

from __future__ import annotations

import orjson
from flask import Blueprint, Flask, Response, request
from redis import Redis

from callbacks.deps import Deps
from dashboard.config import Settings
from dashboard.public import open311 as api
from dashboard.public.query import PublicStore
from dashboard.access.ratelimit import make_limiter

PREFIX = "/open311/v2"
#: Path prefix -> limiter group. Page loads and assets are not limited.
LIMITED = (("/open311/", "api"), ("/_dash-update-component", "dash"))
FORMATS = {"json": "application/json", "xml": "application/xml"}


def blueprint(deps: Deps) -> Blueprint:
    """``/open311/v2/services.{fmt}``, ``requests.{fmt}``, ``requests/<id>.{fmt}``."""
    bp = Blueprint("open311", __name__, url_prefix=PREFIX)
    public = PublicStore(deps.engine, deps.redis)
    zone = deps.settings.zone

    @bp.get("/services.<fmt>")
    def services(fmt: str) -> Response:
        return _answer(fmt, "services", [api.service_to_open311(r) for r in public.services()])

    @bp.get("/requests.<fmt>")
    def requests_list(fmt: str) -> Response:
        if fmt not in FORMATS:
            return _error(404, f"unknown format {fmt[:10]!r}", "json")
        try:
            f = api.parse_requests_query(request.args, deps.now(), zone)
        except api.ParamError as exc:
            return _error(400, str(exc), fmt)
        return _answer(fmt, "requests", [api.to_open311(r, zone) for r in public.requests(f)])

    @bp.get("/requests/<rid>.<fmt>")
    def request_one(rid: str, fmt: str) -> Response:
        found = public.request(int(rid)) if rid.isdigit() and len(rid) <= 18 else None
        if found is None:
            return _error(404, f"no service request {rid[:20]!r}", fmt if fmt in FORMATS else "json")
        return _answer(fmt, "requests", [api.to_open311(found, zone)])

    return bp


def _answer(fmt: str, kind: str, items: list[dict], status: int = 200) -> Response:
    if fmt not in FORMATS:
        return _error(404, f"unknown format {fmt[:10]!r}", "json")
    if fmt == "xml":
        body = api.to_xml(items, *api.XML_NAMES[kind])
    else:
        body = orjson.dumps(items)
    return Response(body, status=status, mimetype=FORMATS[fmt],
                    headers={"Access-Control-Allow-Origin": "*"})


def _error(code: int, description: str, fmt: str) -> Response:
    return _answer(fmt, "errors", api.error(code, description), status=code)


def install_guards(server: Flask, settings: Settings, redis: Redis | None = None) -> None:
    """413 for bodies over ``settings.max_request_bytes``; 429 (with Retry-After) past
    ``settings.public_rate_per_minute`` per client IP, per group of :data:`LIMITED`.
    Runs before every other ``before_request`` hook, so refused requests cost nothing."""
    server.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    limiter = make_limiter(settings.public_rate_per_minute, redis)

    def guard_public() -> Response | None:
        if (request.content_length or 0) > settings.max_request_bytes:
            return Response(orjson.dumps(api.error(413, "request too large")), status=413,
                            mimetype="application/json")
        group = next((g for prefix, g in LIMITED if request.path.startswith(prefix)), None)
        if group and not limiter.allow(f"{group}:{request.remote_addr}"):
            return Response(orjson.dumps(api.error(429, "too many requests")), status=429,
                            mimetype="application/json", headers={"Retry-After": "60"})
        return None

    # first of all hooks: cheap refusals before any other hook parses the body
    server.before_request_funcs.setdefault(None, []).insert(0, guard_public)


def register_api(server: Flask, deps: Deps) -> None:
    """Mount the API and the public guards on the Flask server."""
    server.register_blueprint(blueprint(deps))
    install_guards(server, deps.settings, deps.redis)
