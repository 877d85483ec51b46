"""The real app factory over the real store (both backends), through Flask's test client."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import create_app
from dashboard.store.writes import upsert_reports
from tests.conftest import NOW
from tests.factories import make_report


@pytest.fixture
def client(settings):
    return create_app(settings, clock=lambda: NOW).server.test_client()


def test_pages_and_health(client):
    health = client.get("/health")  # an empty store: no worker has beaten, nothing ingested
    assert health.status_code == 503 and health.get_json()["problems"] == ["worker", "ingest"]
    for path in ("/", "/wall", "/wall?lang=en"):
        response = client.get(path)
        assert response.status_code == 200 and b'id="_dash-config"' in response.data


def test_points_are_geojson_bounded_and_cached_by_version(settings, engine):
    with engine.begin() as conn:
        upsert_reports(conn, [make_report(external_id=f"P-{i}", requested_at=NOW - timedelta(hours=i),
                                          updated_at=NOW - timedelta(hours=i)) for i in range(5)], NOW)
    client = create_app(settings.with_(max_map_points=3), clock=lambda: NOW).server.test_client()
    response = client.get("/wall/points.json?v=1")
    body = response.get_json(force=True)
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 3
    assert body["features"][0]["properties"]["s"] == "menunggu"
    assert response.headers["Cache-Control"] == "no-store"  # no snapshot at version 1 yet
    other = client.get("/wall/points.json?v=1&agency=tj").get_json(force=True)
    assert other["features"] == []


def test_geojson_is_gzipped_when_accepted(client):
    import gzip
    import json
    plain = client.get("/wall/areas.json")
    zipped = client.get("/wall/areas.json", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert json.loads(gzip.decompress(zipped.data)) == plain.get_json(force=True)
    assert len(zipped.data) < len(plain.data) / 3


def test_base_layers_and_build_id(client):
    areas = client.get("/wall/areas.json").get_json(force=True)
    assert len(areas["features"]) > 250 and "code" in areas["features"][0]["properties"]
    assert client.get("/wall/kota.json").get_json(force=True)["features"]
    first, second = client.get("/build-id"), client.get("/build-id")
    assert first.status_code == 200 and first.data == second.data and len(first.data) == 16


def test_camera_route_serves_the_store_or_404(client, engine):
    from dashboard.store.schema import camera_still
    assert client.get("/camera/pa-2.png").status_code == 404
    with engine.begin() as conn:
        conn.execute(camera_still.insert().values(gate_code="pa-2", image=b"\x89PNG fake", content_type="image/png",
                                                  last_ok_at=NOW, last_try_at=NOW))
    response = client.get("/camera/pa-2.png?v=3")
    assert response.status_code == 200 and response.data == b"\x89PNG fake" and response.mimetype == "image/png"


def test_wall_token_gives_plain_403_never_a_login_prompt(settings):
    client = create_app(settings.with_(wall_token="s3cret")).server.test_client()
    denied = client.get("/wall?token=wrong")
    assert denied.status_code == 403 and denied.mimetype == "text/plain"
    assert "WWW-Authenticate" not in denied.headers
    assert client.get("/wall").status_code == 403
    assert client.get("/wall/points.json").status_code == 403
    assert client.get("/wall?token=s3cret").status_code == 200
    assert client.get("/wall/points.json?v=0").status_code == 200  # the cookie set above
    assert client.get("/health").get_json()["store"] == {"ok": True}  # not guarded


def test_build_id_changes_with_the_assets(tmp_path):
    import os

    from callbacks.routes import build_identifier
    (tmp_path / "a.css").write_text("x")
    first = build_identifier(tmp_path)
    os.utime(tmp_path / "a.css", ns=(1, 1))
    build_identifier.cache_clear()
    assert build_identifier(tmp_path) != first
