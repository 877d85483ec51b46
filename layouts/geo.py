"""Pure GeoJSON builders for the wall map (in the style of ``dash_leaflet.express``)."""

from __future__ import annotations

from datetime import datetime

from shapely.geometry import mapping, shape

from dashboard.public import coarsen
from dashboard.reference import Reference

#: Simplification tolerance in degrees (~30 m): the base layer is a backdrop, not a survey.
SIMPLIFY_DEG = 0.0003


def reports_to_geojson(rows: list[tuple]) -> dict:
    """``ReportStore.map_points`` rows (id, lat, lon, status, category, requested_at) as a
    FeatureCollection; properties are short: s=status, c=category, t=epoch seconds.
    The wall is public, so points are coarsened to the public ~100 m grid."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": rid,
         "geometry": {"type": "Point", "coordinates": list(reversed(coarsen(lat, lon)))},
         "properties": {"s": status, "c": category, "t": _epoch(requested)}}
        for rid, lat, lon, status, category, requested in rows
    ]}


def _epoch(when: datetime | None) -> int:
    return int(when.timestamp()) if when else 0


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
