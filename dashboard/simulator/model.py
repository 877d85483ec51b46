"""The distributions behind simulated reports, shared by the live simulator
(:mod:`dashboard.simulator.source`) and the history seeder (:mod:`dashboard.simulator.seed`), so
both produce the same Jakarta: category mix, daily rhythm, where reports come from, and
how fast each agency answers.

Everything is a pure function of the reference data and a seed. Durations are in
seconds of *simulated* time.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import shape

from dashboard.models import LAINNYA, Status
from dashboard.reference import KELURAHAN_AGENCY_PREFIX, Reference

HOUR = 3600.0
DAY = 24 * HOUR
POOL_SIZE = 256  # points pre-sampled per kelurahan polygon

#: Relative report rate per WIB hour: quiet at 03:00, peaks on the morning and
#: evening commutes.
HOURLY = np.array([
    0.25, 0.15, 0.10, 0.08, 0.15, 0.45, 0.90, 1.40, 1.60, 1.40, 1.10, 1.00,
    1.00, 1.00, 1.05, 1.15, 1.30, 1.50, 1.45, 1.20, 0.95, 0.75, 0.55, 0.40,
])


@dataclass(frozen=True)
class Profile:
    """How an agency handles its reports (medians, hours of simulated time)."""

    name: str
    weight: float
    respond_h: float  # menunggu -> first response
    resolve_h: float  # proses -> selesai


#: Agency temperaments: most are fine, some ignore reports for weeks, some "close"
#: reports suspiciously fast (within minutes).
PROFILES: tuple[Profile, ...] = (
    Profile("cepat", 0.20, 1.0, 20.0),
    Profile("biasa", 0.50, 5.0, 72.0),
    Profile("lambat", 0.15, 30.0, 240.0),
    Profile("abai", 0.08, 21 * 24.0, 20 * 24.0),
    Profile("kilat", 0.07, 0.08, 0.15),
)
SIGMA = 0.6  # lognormal spread around each median
COORDINATE_H = 3.0  # koordinasi -> disposisi (kelurahan hands over to a suku dinas)
DISPATCH_H = 4.0  # disposisi -> proses (the suku dinas picks it up), times its profile
REOPEN_P = 0.04  # share of closed reports the reporter reopens
REOPEN_AFTER_H = 12.0
MIN_GAP = 60.0  # seconds between two events of one report

#: Columns of the lifecycle matrix: the status each event moves the report to.
STEPS: tuple[Status, ...] = (
    Status.KOORDINASI, Status.DISPOSISI, Status.PROSES, Status.SELESAI,
    Status.MENUNGGU, Status.PROSES, Status.SELESAI,
)

#: Moves a report may make; ``None`` is "first seen".
LEGAL: frozenset[tuple[Status | None, Status]] = frozenset({
    (None, Status.MENUNGGU),
    (Status.MENUNGGU, Status.KOORDINASI), (Status.MENUNGGU, Status.PROSES),
    (Status.KOORDINASI, Status.DISPOSISI), (Status.DISPOSISI, Status.PROSES),
    (Status.PROSES, Status.SELESAI), (Status.SELESAI, Status.MENUNGGU),
})


@dataclass(frozen=True)
class World:
    """Precomputed arrays for drawing reports quickly (index-based)."""

    categories: tuple[str, ...]
    category_p: np.ndarray
    routed: np.ndarray  # bool per category: handled by a suku dinas / Transjakarta
    kelurahan: tuple[str, ...]  # only kelurahan with a polygon
    kelurahan_p: np.ndarray
    pools: np.ndarray  # (n_kelurahan, POOL_SIZE, 2) lon, lat
    agencies: tuple[str, ...]
    agency_index: dict[str, int]
    agency_profile: np.ndarray  # profile index per agency
    route: np.ndarray  # (n_categories, n_kelurahan) agency index
    kel_agency: np.ndarray  # per kelurahan: index of its kelurahan office


_WORLDS: dict[tuple[int, int], tuple[Reference, World]] = {}


def build_world(ref: Reference, seed: int) -> World:
    """The simulated city for ``seed`` (cached per reference object and seed)."""
    key = (id(ref), seed)
    if key not in _WORLDS or _WORLDS[key][0] is not ref:
        _WORLDS[key] = (ref, _build_world(ref, seed))
    return _WORLDS[key][1]


def _build_world(ref: Reference, seed: int) -> World:
    cats = tuple(c for c in ref.categories if c != LAINNYA)
    share = np.array([ref.categories[c].share for c in cats])
    kels = tuple(code for code, k in sorted(ref.kelurahan.items()) if k.geometry)
    geoms = [shape(ref.kelurahan[c].geometry) for c in kels]
    rng = np.random.default_rng([seed, 1])
    weight = np.sqrt(shapely.area(np.array(geoms))) * rng.lognormal(0.0, 0.5, len(kels))
    agencies = tuple(sorted(ref.agencies))
    index = {a: i for i, a in enumerate(agencies)}
    route = np.array([[index[ref.route(c, k)] for k in kels] for c in cats], dtype=np.int32)
    return World(
        cats, share / share.sum(), np.array([ref.categories[c].domain is not None for c in cats]),
        kels, weight / weight.sum(), _pools(geoms, np.random.default_rng([seed, 2])),
        agencies, index, np.array([agency_profile(a, seed) for a in agencies]), route,
        np.array([index[KELURAHAN_AGENCY_PREFIX + k] for k in kels]),
    )


def _pools(geoms: list, rng: np.random.Generator) -> np.ndarray:
    """POOL_SIZE points drawn uniformly inside each polygon (rejection sampling), keeping
    only points that touch no neighbouring polygon, so ``Reference.locate`` (which takes
    the first polygon a point intersects) finds exactly this one."""
    for geom in geoms:
        shapely.prepare(geom)
    tree = shapely.STRtree(geoms)
    out = np.empty((len(geoms), POOL_SIZE, 2))
    for i, geom in enumerate(geoms):
        neighbours = [geoms[j] for j in tree.query(geom) if j != i]
        min_x, min_y, max_x, max_y = geom.bounds
        got = np.empty((0, 2))
        while len(got) < POOL_SIZE:
            xy = rng.uniform((min_x, min_y), (max_x, max_y), size=(4 * POOL_SIZE, 2)).round(6)
            keep = shapely.contains_xy(geom, xy[:, 0], xy[:, 1])
            for other in neighbours:
                keep &= ~shapely.intersects_xy(other, xy[:, 0], xy[:, 1])
            got = np.vstack([got, xy[keep]])
        out[i] = got[:POOL_SIZE]
    return out


def agency_profile(agency_code: str, seed: int) -> int:
    """Index into :data:`PROFILES` for an agency, fixed for a seed."""
    rng = np.random.default_rng([seed, zlib.crc32(agency_code.encode())])
    weights = np.array([p.weight for p in PROFILES])
    return int(rng.choice(len(PROFILES), p=weights / weights.sum()))


def hour_weight(hours: np.ndarray) -> np.ndarray:
    """Rhythm weight (mean 1) for fractional WIB hours of day."""
    h = np.asarray(hours) % 24
    lo = np.floor(h).astype(int)
    frac = h - lo
    lo %= 24  # a tiny negative hour rounds up to 24.0 under % 24
    return (HOURLY[lo] * (1 - frac) + HOURLY[(lo + 1) % 24] * frac) / HOURLY.mean()


def draw_reports(world: World, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Category, kelurahan, point and agency indexes for ``n`` new reports."""
    cat = rng.choice(len(world.categories), size=n, p=world.category_p)
    kel = rng.choice(len(world.kelurahan), size=n, p=world.kelurahan_p)
    point = rng.integers(0, POOL_SIZE, size=n)
    agency = world.route[cat, kel]
    kel_agency = world.kel_agency[kel]
    text = rng.integers(0, 2**31, size=n)
    return {"cat": cat, "kel": kel, "point": point, "agency": agency, "kel_agency": kel_agency, "text": text}


def _lognormal(rng: np.random.Generator, median_h: np.ndarray) -> np.ndarray:
    return np.maximum(median_h * HOUR * rng.lognormal(0.0, SIGMA, len(median_h)), MIN_GAP)


def lifecycles(world: World, rng: np.random.Generator, drawn: dict[str, np.ndarray]) -> np.ndarray:
    """Event offsets (seconds after the request) per report, one column per
    :data:`STEPS` entry; NaN where the report skips that step. Columns increase."""
    n = len(drawn["cat"])
    respond = np.array([p.respond_h for p in PROFILES])
    resolve = np.array([p.resolve_h for p in PROFILES])
    kel_prof = world.agency_profile[drawn["kel_agency"]]
    ag_prof = world.agency_profile[drawn["agency"]]
    routed = world.routed[drawn["cat"]]
    out = np.full((n, len(STEPS)), np.nan)
    first = _lognormal(rng, respond[kel_prof])
    out[:, 0] = np.where(routed, first, np.nan)
    out[:, 1] = np.where(routed, first + _lognormal(rng, np.full(n, COORDINATE_H)), np.nan)
    pickup = _lognormal(rng, np.where(routed, DISPATCH_H * respond[ag_prof] / 5.0, 0.0) + 1e-9)
    out[:, 2] = np.where(routed, out[:, 1] + pickup, first)
    out[:, 3] = out[:, 2] + _lognormal(rng, resolve[ag_prof])
    reopened = rng.random(n) < REOPEN_P
    out[:, 4] = np.where(reopened, out[:, 3] + _lognormal(rng, np.full(n, REOPEN_AFTER_H)), np.nan)
    out[:, 5] = out[:, 4] + _lognormal(rng, respond[ag_prof])
    out[:, 6] = out[:, 5] + _lognormal(rng, resolve[ag_prof])
    return out
