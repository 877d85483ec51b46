"""Pure GeoJSON builders for the maps (in the style of ``dash_leaflet.express``)."""

from __future__ import annotations

from datetime import datetime

import orjson
from shapely.geometry import mapping, shape

from dashboard.public import GRID_DECIMALS
from dashboard.reference import Reference

#: Simplification tolerance in degrees (~30 m): the base layer is a backdrop, not a survey.
SIMPLIFY_DEG = 0.0003


def reports_geojson_bytes(rows: list[tuple]) -> bytes:
    """Map point rows (id, lat, lon, status, category, requested_at as datetime or epoch
    seconds) as a GeoJSON FeatureCollection; properties are short: s=status, c=category,
    t=epoch seconds. Points are coarsened to the public ~100 m grid
    (``dashboard.public.coarsen``, inlined), as the wall is public. Written directly as
    JSON text: at 100k points building dicts first cost ~4x more (the wall's and the
    supervisor's map routes serve it). Status and category codes are JSON-encoded once per
    distinct value."""
    quoted: dict = {}

    def q(value) -> str:  # noqa: ANN001
        if value not in quoted:
            quoted[value] = orjson.dumps(value).decode()
        return quoted[value]
    d = GRID_DECIMALS
    features = ",".join(
        f'{{"type":"Feature","id":{int(rid)},"geometry":{{"type":"Point","coordinates":'
        f'[{lon:.{d}f},{lat:.{d}f}]}},"properties":{{"s":{q(status)},"c":{q(category)},"t":{_epoch(t)}}}}}'
        for rid, lat, lon, status, category, t in rows)
    return ('{"type":"FeatureCollection","features":[' + features + "]}").encode()


def _epoch(when: datetime | int | None) -> int:
    if isinstance(when, datetime):
        return int(when.timestamp())
    return int(when or 0)


def kelurahan_areas(ref: Reference, tolerance: float = SIMPLIFY_DEG) -> dict:
    """Kelurahan polygons (simplified) with their code: the offline base layer."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": k.code, "name": k.name},
         "geometry": _simplified(k.geometry, tolerance)}
        for k in ref.kelurahan.values() if k.geometry
    ]}


def kota_outlines(ref: Reference, tolerance: float = SIMPLIFY_DEG) -> dict:
    """Kota boundaries as lines (no fill), simplified."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": k.code, "name": k.name},
         "geometry": mapping(shape(k.geometry).boundary.simplify(tolerance))}
        for k in ref.kota.values() if k.geometry
    ]}


def _simplified(geometry: dict, tolerance: float) -> dict:
    return mapping(shape(geometry).simplify(tolerance, preserve_topology=True))
