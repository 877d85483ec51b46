"""What the server adds and refuses, through Flask's test client over the real store (both
backends): security headers on every page, one guard for the wall (routes and callbacks),
and malformed anonymous callbacks answered 4xx, never 500 (and no traceback logged)."""

from __future__ import annotations

import logging

import pytest

from app import create_app
from callbacks.guards import TOKEN_COOKIE, content_security_policy, tile_source
from dashboard.wall.aggregate import refresh_wall_snapshot
from dashboard.reference import load_reference
from tests.conftest import NOW
from tests.supervisor_server import callback_body

PAGES = ("/", "/wall", "/wall?lang=en", "/visitor", "/login", "/supervisor")
DISPATCH = "/_dash-update-component"


@pytest.fixture
def app(settings):
    return create_app(settings, clock=lambda: NOW)


def dependencies(client) -> dict[str, dict]:
    return {d["output"]: d for d in client.get("/_dash-dependencies").get_json()}


def test_every_page_has_the_security_headers(app):
    client = app.server.test_client()
    for path in PAGES + ("/health", "/wall/areas.json"):
        headers = client.get(path).headers
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
        assert "'unsafe-eval'" not in csp and "script-src 'self' 'sha256-" in csp
    for script_hash in app.csp_hashes():  # Dash's inline scripts are allowed by hash
        assert script_hash in client.get("/wall").headers["Content-Security-Policy"]


def test_tile_host_is_allowed_for_images_only_when_set(settings):
    assert tile_source("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"
    assert tile_source("/tiles/{z}/{x}/{y}.png") is None
    assert "img-src 'self' data: blob:;" in content_security_policy([], "")
    client = create_app(settings.with_(tile_url="https://tiles.example.id/{z}/{x}/{y}.png")).server.test_client()
    csp = client.get("/wall").headers["Content-Security-Policy"]
    assert "img-src 'self' data: blob: https://tiles.example.id;" in csp
    assert "connect-src 'self';" in csp


def wall_callbacks(client) -> list[dict]:
    return [d for d in dependencies(client).values() if "wall-" in d["output"] and d["clientside_function"] is None]


def call(client, dep: dict, **values):
    return client.post(DISPATCH, json=callback_body(dep, {"n_intervals": 1, "data": {"lang": "id"}, **values}))


def test_wall_token_guards_every_wall_callback_and_the_router(settings, engine):
    refresh_wall_snapshot(engine, load_reference(), NOW, settings)
    app = create_app(settings.with_(wall_token="s3cret"), clock=lambda: NOW)
    client = app.server.test_client()
    deps = dependencies(client)
    wall = wall_callbacks(client)
    assert {"wall-freshness.data"} <= {d["output"] for d in wall} and len(wall) == 2
    for dep in wall:
        denied = call(client, dep)
        assert denied.status_code == 403 and denied.mimetype == "text/plain", dep["output"]
    router = deps["page.children"]
    assert call(client, router, pathname="/wall").status_code == 403
    assert call(client, router, pathname="/visitor").status_code == 200  # public views unaffected
    assert call(client, deps["index-counts.children"]).status_code == 200
    client.set_cookie(TOKEN_COOKIE, "wrong")
    assert all(call(client, dep).status_code == 403 for dep in wall)
    assert client.get("/wall?token=s3cret").status_code == 200  # sets the cookie
    for dep in wall:
        assert call(client, dep, viewport=None).status_code == 200, dep["output"]
    assert call(client, router, pathname="/wall").status_code == 200


def test_without_a_token_the_wall_callbacks_are_public(app):
    client = app.server.test_client()
    assert all(call(client, dep).status_code in (200, 204) for dep in wall_callbacks(client))


def malformed_requests(client) -> list[tuple[str, dict]]:
    deps = dependencies(client)
    fresh = callback_body(deps["wall-freshness.data"], {"n_intervals": 1})
    clientside = next(d for d in deps.values() if d["clientside_function"])
    return [
        ("clientside callback on the server", callback_body(clientside, {})),
        ("unknown output", {**fresh, "output": "nope.children"}),
        ("output not a string", {**fresh, "output": ["wall-freshness.data"]}),
        ("inputs not a list", {**fresh, "inputs": {"id": "wall-tick"}}),
        ("input without property", {**fresh, "inputs": [{"id": "wall-tick", "value": 1}]}),
        ("inputs of numbers", {**fresh, "inputs": [1, 2]}),
        ("changedPropIds of numbers", {**fresh, "changedPropIds": [1]}),
        ("pathname not a string", callback_body(deps["page.children"], {"pathname": {"a": 1}, "search": [1]})),
        ("search not a string", callback_body(deps["index-counts.children"], {"search": 10 ** 12})),
    ]


def test_malformed_callbacks_are_4xx_never_500_and_log_no_traceback(app, caplog):
    client = app.server.test_client()
    caplog.set_level(logging.DEBUG)
    for name, body in malformed_requests(client):
        assert client.post(DISPATCH, json=body).status_code == 400, name
    for raw in (b"{not json", b"[1, 2]", b'"a string"', b"null"):
        assert client.post(DISPATCH, data=raw, content_type="application/json").status_code == 400, raw
    assert client.post(DISPATCH, data=b"output=x").status_code == 400
    for path in ("/_dash-component-suites/dash/..%2f..%2f..%2fetc%2fpasswd",
                 "/_dash-component-suites/dash/deps/..%2f..%2fdash.py",
                 "/_dash-component-suites/not_a_package/x.js"):
        assert client.get(path).status_code == 404, path
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.exc_info]


def test_wall_callbacks_take_null_or_garbage_state_without_a_500(settings, engine):
    refresh_wall_snapshot(engine, load_reference(), NOW, settings)
    client = create_app(settings, clock=lambda: NOW).server.test_client()
    for dep in wall_callbacks(client):
        for garbage in (None, "x", [1], {"lang": 5}, 10 ** 12):
            response = client.post(DISPATCH, json=callback_body(dep, {"n_intervals": garbage, "data": garbage}))
            assert response.status_code in (200, 204), (dep["output"], garbage)
    fresh = dependencies(client)["wall-freshness.data"]
    response = client.post(DISPATCH, json=callback_body(fresh, {"data": None}))  # wall-query=null
    assert response.get_json()["response"]["wall-freshness"]["data"]["reason"] == "worker tidak aktif"
