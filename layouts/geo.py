"""Pure GeoJSON builders for the maps (in the style of ``dash_leaflet.express``), and the
wall map's vocabulary: status letters, age bands and the shading's scale."""

from __future__ import annotations

from datetime import datetime

import orjson
from shapely.geometry import mapping, shape

from dashboard.i18n import Gettext
from dashboard.models import OPEN, RESOLVE_TARGET, RESPOND_TARGET, STATUS_ORDER
from dashboard.public.query import GRID_DECIMALS
from dashboard.reference import Reference

#: Simplification tolerance in degrees (~30 m): the base layer is a backdrop, not a survey.
SIMPLIFY_DEG = 0.0003

#: The wall map's age ring: (band, legend msgid) against the 6 h / 7 d targets; the colours
#: are CSS custom properties ``--age-<band>`` (30_wall_map.css).
AGE_BANDS = (("fresh", "under 6 h"), ("late", "6 h to 7 d"), ("overdue", "over 7 d"))
#: Kelurahan shading: open reports from which each class starts (a fixed scale, so a
#: growing backlog darkens the map), and a colour per class, the first for none.
BACKLOG_BINS = (1, 10, 25, 50, 100)
BACKLOG_COLOURS = ("#141B28", "#1A2D48", "#1F426B", "#245A91", "#2C74B8", "#4A92D6")


def reports_geojson_bytes(rows: list[tuple]) -> bytes:
    """Map point rows (id, lat, lon, status, category, requested_at as datetime or epoch
    seconds) as a GeoJSON FeatureCollection; properties are short: s=status, c=category,
    t=epoch seconds. Points are coarsened to the public ~100 m grid
    (``dashboard.public.query.coarsen``, inlined), as the wall is public. Written directly as
    JSON text: at 100k points building dicts first cost ~4x more (the wall's and the
    supervisor's map routes serve it). Status and category codes are JSON-encoded once per
    distinct value."""
    quoted: dict = {}

    def q(value: str) -> str:
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


def map_vocabulary(_: Gettext) -> dict:
    """What 40_wall_map.js needs to draw the backlog map in the page's language: the open
    statuses in order with their letter (the translated label's initial), the targets in
    seconds, the shading's bins and colours."""
    return {"letters": {s.value: _(s.label)[0].upper() for s in STATUS_ORDER if s in OPEN},
            "targets": [int(RESPOND_TARGET.total_seconds()), int(RESOLVE_TARGET.total_seconds())],
            "bins": list(BACKLOG_BINS), "colours": list(BACKLOG_COLOURS)}


def backlog_scale(bins: tuple[int, ...] = BACKLOG_BINS, colours: tuple[str, ...] = BACKLOG_COLOURS
                  ) -> list[tuple[str, str]]:
    """(colour, label) of every shading class with reports, labelled by where it starts:
    "1", "10", …, "100+" (a kelurahan with none keeps the first colour)."""
    return [(colour, str(low)) for colour, low in zip(colours[1:], bins[:-1])] + [(colours[-1], f"{bins[-1]}+")]
