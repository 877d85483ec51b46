"""Write the reference data (areas, categories, agencies, flood gates) into the store.

Idempotent: existing rows are updated in place, so ``pantau load-reference`` can run on
every deploy. Camera snapshot URLs already configured on a gate are kept.
"""

from __future__ import annotations

import json

from sqlalchemy import Engine, Table, select

from dashboard.reference import Reference
from dashboard.store import schema


def _geo(geometry: dict | None) -> str | None:
    return None if geometry is None else json.dumps(geometry, separators=(",", ":"))


def reference_rows(ref: Reference) -> list[tuple[Table, list[dict]]]:
    """Rows per table, parents first."""
    return [
        (schema.kota, [{"code": k.code, "name": k.name, "geometry": _geo(k.geometry)} for k in ref.kota.values()]),
        (schema.kecamatan, [
            {"code": k.code, "name": k.name, "kota_code": k.kota_code, "geometry": _geo(k.geometry)}
            for k in ref.kecamatan.values()
        ]),
        (schema.kelurahan, [
            {"code": k.code, "name": k.name, "kecamatan_code": k.kecamatan_code, "kota_code": k.kota_code,
             "lon": k.lon, "lat": k.lat, "geometry": _geo(k.geometry)}
            for k in ref.kelurahan.values()
        ]),
        (schema.category, [dict(vars(c)) for c in ref.categories.values()]),
        (schema.agency, [dict(vars(a)) for a in ref.agencies.values()]),
        (schema.flood_gate, [dict(vars(g)) for g in ref.gates.values()]),
    ]


def store_reference(engine: Engine, ref: Reference) -> dict[str, int]:
    """Insert or update every reference row; returns the row count per table."""
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        for table, rows in reference_rows(ref):
            key = next(iter(table.primary_key.columns))
            existing = set(conn.scalars(select(key)))
            new = [r for r in rows if r[key.name] not in existing]
            if new:
                conn.execute(table.insert(), new)
            for r in rows:
                if r[key.name] in existing:
                    values = {k: v for k, v in r.items() if k != key.name and k != "snapshot_url"}
                    conn.execute(table.update().where(key == r[key.name]).values(**values))
            counts[table.name] = len(rows)
    return counts
