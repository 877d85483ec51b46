"""Jakarta reference data from ``data/reference/`` (see its SOURCES.md): areas with
Kemendagri codes and polygons, categories and routing, agencies, flood gates.

:func:`load_reference` parses the files once; :class:`Reference` answers the two
questions ingestion asks of every record: *which kelurahan is this point in* and
*which agency is responsible for this category there*.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from dashboard.config import ROOT

REFERENCE_DIR = ROOT / "data" / "reference"

#: Jakarta's box incl. Kepulauan Seribu (SOURCES.md: reach lon 106.45, lat -5.60).
JAKARTA_BOX = (106.40, -6.40, 107.05, -5.15)  # min lon, min lat, max lon, max lat
#: A point in no polygon but within this distance of one is given the nearest kelurahan.
NEAREST_MAX_DEG = 0.02  # ~2.2 km: coastline, reclaimed land, gaps between rings
KELURAHAN_AGENCY_PREFIX = "kel-"
TRANSJAKARTA_AGENCY = "tj"


@dataclass(frozen=True)
class Kota:
    code: str
    name: str
    geometry: dict | None


@dataclass(frozen=True)
class Kecamatan:
    code: str
    name: str
    kota_code: str
    geometry: dict | None


@dataclass(frozen=True)
class Kelurahan:
    code: str
    name: str
    kecamatan_code: str
    kota_code: str
    lon: float
    lat: float
    geometry: dict | None  # GeoJSON; None for Kepulauan Seribu


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    name_en: str
    domain: str | None
    share: float


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    kind: str  # kelurahan | suku_dinas | bumd
    domain: str | None
    kota_code: str | None
    kelurahan_code: str | None


@dataclass(frozen=True)
class FloodGate:
    code: str
    name: str
    river: str | None
    kind: str | None
    lon: float | None
    lat: float | None
    siaga3_cm: int | None
    siaga2_cm: int | None
    siaga1_cm: int | None

    def siaga(self, level_cm: float) -> int:
        """BPBD level for a water level: 4 Normal, 3 Waspada, 2 Siaga, 1 Awas."""
        for level, threshold in ((1, self.siaga1_cm), (2, self.siaga2_cm), (3, self.siaga3_cm)):
            if threshold is not None and level_cm >= threshold:
                return level
        return 4

    @property
    def monitored(self) -> bool:
        return self.siaga3_cm is not None


@dataclass
class Reference:
    kota: dict[str, Kota]
    kecamatan: dict[str, Kecamatan]
    kelurahan: dict[str, Kelurahan]
    categories: dict[str, Category]
    agencies: dict[str, Agency]
    gates: dict[str, FloodGate]
    _shapes: list[tuple[str, BaseGeometry]] = field(default_factory=list, repr=False)

    @cached_property
    def _tree(self) -> STRtree:
        return STRtree([geom for _, geom in self._shapes])

    def locate(self, lon: float, lat: float) -> tuple[str | None, bool]:
        """(kelurahan code, exact): the polygon containing the point, else the nearest
        within :data:`NEAREST_MAX_DEG` with ``exact=False``, else ``(None, False)``."""
        point = Point(lon, lat)
        for idx in self._tree.query(point, predicate="intersects"):
            return self._shapes[int(idx)][0], True
        idx = self._tree.nearest(point)
        if idx is not None and self._shapes[int(idx)][1].distance(point) <= NEAREST_MAX_DEG:
            return self._shapes[int(idx)][0], False
        return None, False

    def route(self, category_code: str, kelurahan_code: str) -> str:
        """The responsible agency when a feed does not say (category's routing domain)."""
        domain = self.categories[category_code].domain if category_code in self.categories else None
        if domain is None:
            return KELURAHAN_AGENCY_PREFIX + kelurahan_code
        if domain == "transjakarta":
            return TRANSJAKARTA_AGENCY
        return f"sudin-{domain}-{self.kelurahan[kelurahan_code].kota_code}"

    def agency_by_name(self, name: str) -> str | None:
        wanted = name.strip().casefold()
        for agency in self.agencies.values():
            if agency.code.casefold() == wanted or agency.name.casefold() == wanted:
                return agency.code
        return None


def in_jakarta_box(lon: float, lat: float) -> bool:
    min_lon, min_lat, max_lon, max_lat = JAKARTA_BOX
    return min_lon <= lon <= max_lon and min_lat <= lat <= max_lat


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _features(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def _short_kota(name: str) -> str:
    return name.replace("Kota Administrasi ", "").replace("Kabupaten Administrasi ", "")


def _int(value: str) -> int | None:
    return int(value) if value.strip() else None


@lru_cache(maxsize=4)
def load_reference(directory: Path = REFERENCE_DIR) -> Reference:
    """Parse the reference files (cached per directory; treat the result as read-only)."""
    kota_geo = {f["properties"]["kode_kota"]: f["geometry"] for f in _features(directory / "jakarta_kota.geojson")}
    kec_geo = {f["properties"]["kode_kecamatan"]: f["geometry"]
               for f in _features(directory / "jakarta_kecamatan.geojson")}
    kel_geo = {
        f["properties"]["kode_kelurahan"]: f["geometry"]
        for f in _features(directory / "jakarta_kelurahan.geojson")
        if f["properties"].get("is_kelurahan")
    }
    kota: dict[str, Kota] = {}
    kecamatan: dict[str, Kecamatan] = {}
    kelurahan: dict[str, Kelurahan] = {}
    for row in _rows(directory / "jakarta_wilayah.csv"):
        kota.setdefault(row["kode_kota"], Kota(row["kode_kota"], row["kota"], kota_geo.get(row["kode_kota"])))
        kecamatan.setdefault(
            row["kode_kecamatan"],
            Kecamatan(row["kode_kecamatan"], row["kecamatan"], row["kode_kota"], kec_geo.get(row["kode_kecamatan"])),
        )
        code = row["kode_kelurahan"]
        kelurahan[code] = Kelurahan(
            code, row["kelurahan"], row["kode_kecamatan"], row["kode_kota"],
            float(row["lon"]), float(row["lat"]), kel_geo.get(code),
        )
    categories = {
        r["code"]: Category(r["code"], r["kategori"], r["name_en"], r["domain"] or None, float(r["share"]))
        for r in _rows(directory / "kategori_pantau.csv")
    }
    agencies = _agencies(directory, kota, kelurahan)
    shapes = [(code, shape(k.geometry)) for code, k in sorted(kelurahan.items()) if k.geometry]
    return Reference(kota, kecamatan, kelurahan, categories, agencies, _gates(directory), shapes)


def _agencies(directory: Path, kota: dict[str, Kota], kelurahan: dict[str, Kelurahan]) -> dict[str, Agency]:
    out: dict[str, Agency] = {}
    for k in kelurahan.values():
        code = KELURAHAN_AGENCY_PREFIX + k.code
        out[code] = Agency(code, f"Kelurahan {k.name}", "kelurahan", None, k.kota_code, k.code)
    for row in _rows(directory / "suku_dinas.csv"):
        for kc, kt in kota.items():
            code = f"sudin-{row['domain']}-{kc}"
            out[code] = Agency(code, f"{row['nama']} {_short_kota(kt.name)}", "suku_dinas", row["domain"], kc, None)
    out[TRANSJAKARTA_AGENCY] = Agency(TRANSJAKARTA_AGENCY, "PT Transportasi Jakarta", "bumd", "transjakarta",
                                      None, None)
    return out


def _gates(directory: Path) -> dict[str, FloodGate]:
    """PetaJakarta floodgates (coordinates) joined with DSDA posts (siaga thresholds)."""
    posts = _rows(directory / "pos_pantau_tma_siaga.csv")
    by_gate = {r["nama_di_pintu_air_petajakarta"]: r for r in posts if r["nama_di_pintu_air_petajakarta"]}
    gates: dict[str, FloodGate] = {}
    for row in _rows(directory / "pintu_air_petajakarta.csv"):
        post = by_gate.get(row["nama"], {})
        code = "pa-" + row["id_sumber"]
        gates[code] = FloodGate(
            code, row["nama"], post.get("sungai") or None, post.get("jenis") or "pintu air",
            float(row["lon"]), float(row["lat"]),
            _int(post.get("siaga3_mulai_cm", "")), _int(post.get("siaga2_mulai_cm", "")),
            _int(post.get("siaga1_mulai_cm", "")),
        )
    joined = {g.name for g in gates.values()}
    unmatched = [p for p in posts if p["nama_di_pintu_air_petajakarta"] not in joined]
    for i, post in enumerate(unmatched, start=1):  # posts with no licensed coordinate
        code = f"pos-{i}"
        gates[code] = FloodGate(
            code, post["pos"], post["sungai"] or None, post["jenis"] or None, None, None,
            _int(post["siaga3_mulai_cm"]), _int(post["siaga2_mulai_cm"]), _int(post["siaga1_mulai_cm"]),
        )
    return gates
