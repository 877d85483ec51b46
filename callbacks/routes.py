"""Plain HTTP routes beside the Dash views: map points keyed by snapshot version, the
offline base layers, camera stills served from the store, the build id, and ``/health``."""

from __future__ import annotations

import gzip
import hashlib
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import orjson
from flask import Response, abort, request
from dashboard.processes.health import assess
from dashboard.wall.agencies import KELURAHAN
from dashboard.reference import KELURAHAN_AGENCY_PREFIX
from dashboard.store.health import read_facts
from dashboard.store.gates import camera_frame
from dashboard.store.reports import map_points
from dashboard.store.snapshots import snapshot_version
from dashboard.wall import WIDGET
from layouts import geo

POINTS_CACHED = 16  # (version, focus) bodies kept per process: the focus rotates over ~12 rows
LONG_CACHE = "public, max-age=86400, immutable"
ASSETS = Path(__file__).resolve().parent.parent / "assets"


def register(server, deps) -> None:  # noqa: ANN001
    areas = lru_cache(maxsize=1)(lambda: orjson.dumps(geo.kelurahan_areas(deps.ref)))
    kota = lru_cache(maxsize=1)(lambda: orjson.dumps(geo.kota_outlines(deps.ref)))
    points_body = lru_cache(maxsize=POINTS_CACHED)(
        lambda _version, agency: geo.reports_geojson_bytes(points_rows(deps, agency)))

    @server.get("/wall/points.json")
    def wall_points():
        agency = request.args.get("agency") or None
        current = str(snapshot_version(deps.engine, WIDGET, deps.redis))
        if request.args.get("v") == current:  # every wall asks once per version: build it once
            return geojson_response(points_body(current, agency), LONG_CACHE)
        return geojson_response(geo.reports_geojson_bytes(points_rows(deps, agency)), "no-store")

    server.add_url_rule("/wall/areas.json", "wall_areas", lambda: geojson_response(areas(), "public, max-age=3600"))
    server.add_url_rule("/wall/kota.json", "wall_kota", lambda: geojson_response(kota(), "public, max-age=3600"))

    @server.get("/camera/<gate_code>.png")
    def camera(gate_code: str):
        found = camera_image(deps.engine, gate_code)
        if found is None:
            abort(404)
        image, content_type = found
        return Response(image, mimetype=content_type or "image/png", headers={"Cache-Control": "public, max-age=60"})

    @server.get("/build-id")
    def build_id():
        return Response(build_identifier(), mimetype="text/plain", headers={"Cache-Control": "no-store"})

    @server.get("/health")
    def health():
        report = assess(read_facts(deps.probe, per_source=True), deps.now(), deps.settings)
        return Response(orjson.dumps(report.body), status=200 if report.ok else 503,
                        mimetype="application/json", headers={"Cache-Control": "no-store"})


def geojson_response(body: bytes, cache: str) -> Response:
    """GeoJSON, gzipped when the client accepts it (20k points: ~3 MB raw)."""
    headers = {"Cache-Control": cache, "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("Accept-Encoding", "") and len(body) > 1024:
        body, headers["Content-Encoding"] = gzip.compress(body, compresslevel=1), "gzip"
    return Response(body, mimetype="application/geo+json", headers=headers)


def points_rows(deps, agency: str | None) -> list[tuple]:  # noqa: ANN001
    """The map's points: the open backlog (``models.OPEN``, any age, newest first, at most
    ``max_map_points``) of the focus agency (all when ``agency`` is None); the agencies
    panel's one kelurahan row means every ``kel-*`` office."""
    prefix = KELURAHAN_AGENCY_PREFIX if agency == KELURAHAN else None
    with deps.engine.connect() as conn:
        return map_points(conn, None, deps.settings.max_map_points, open_only=True,
                          agency=None if prefix else agency, agency_prefix=prefix, shape="wall")


def camera_image(engine, gate_code: str) -> tuple[bytes, str] | None:  # noqa: ANN001
    """The last good camera frame of a gate (None if there is none)."""
    with engine.connect() as conn:
        return camera_frame(conn, gate_code)


@lru_cache(maxsize=4)
def build_identifier(assets: Path = ASSETS) -> str:
    """Package version + every asset's name and mtime: changes when a new build is
    deployed (computed once per process; a redeploy starts new processes)."""
    try:
        version = metadata.version("pantau")
    except metadata.PackageNotFoundError:
        version = "dev"
    stamp = "".join(f"{p.name}:{p.stat().st_mtime_ns};" for p in sorted(assets.glob("*")))
    return hashlib.sha256((version + stamp).encode()).hexdigest()[:16]
