"""Plain HTTP routes beside the Dash views: map points keyed by snapshot version, the
offline base layers, camera stills served from the store, and the build id."""

from __future__ import annotations

import gzip
import hashlib
from datetime import timedelta
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import orjson
from flask import Response, abort, request
from sqlalchemy import select

from dashboard.store.schema import camera_still
from dashboard.store.snapshots import snapshot_version
from layouts import geo

POINTS_WINDOW = timedelta(days=30)
LONG_CACHE = "public, max-age=86400, immutable"
ASSETS = Path(__file__).resolve().parent.parent / "assets"


def register(server, deps) -> None:  # noqa: ANN001
    areas = lru_cache(maxsize=1)(lambda: orjson.dumps(geo.kelurahan_areas(deps.ref)))
    kota = lru_cache(maxsize=1)(lambda: orjson.dumps(geo.kota_outlines(deps.ref)))

    @server.get("/wall/points.json")
    def wall_points():
        agency = request.args.get("agency") or None
        rows = deps.store.map_points(deps.now() - POINTS_WINDOW, agency=agency, limit=deps.settings.max_map_points)
        current = str(snapshot_version(deps.engine, "wall", deps.redis))
        cache = LONG_CACHE if request.args.get("v") == current else "no-store"
        return _json(orjson.dumps(geo.reports_to_geojson(rows)), cache)

    server.add_url_rule("/wall/areas.json", "wall_areas", lambda: _json(areas(), "public, max-age=3600"))
    server.add_url_rule("/wall/kota.json", "wall_kota", lambda: _json(kota(), "public, max-age=3600"))

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


def _json(body: bytes, cache: str) -> Response:
    """GeoJSON, gzipped when the client accepts it (20k points: ~3 MB raw)."""
    headers = {"Cache-Control": cache, "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("Accept-Encoding", "") and len(body) > 1024:
        body, headers["Content-Encoding"] = gzip.compress(body, compresslevel=5), "gzip"
    return Response(body, mimetype="application/geo+json", headers=headers)


def camera_image(engine, gate_code: str) -> tuple[bytes, str] | None:  # noqa: ANN001
    """The last good camera frame of a gate from ``camera_still`` (None if there is none).
    TODO(lead): belongs beside ``aggregate_reads.camera_states`` in the store layer."""
    c = camera_still.c
    with engine.connect() as conn:
        row = conn.execute(select(c.image, c.content_type).where(c.gate_code == gate_code)).first()
    return None if row is None or row.image is None else (bytes(row.image), row.content_type)


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
