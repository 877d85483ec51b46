"""The kelurahan score shown on the wall's leaderboard. Pure: counts in, scores out.

For each kelurahan with at least one report received in the window (``WINDOW``, 30 days,
counted by the report's location), five rates are measured::

    processed  = acted_on / received           acted_on: left Menunggu (responded at all)
    response   = responded_6h / response_due   responded within RESPOND_TARGET (6 h);
                                               response_due excludes reports still in
                                               Menunggu that are younger than 6 h
    resolution = resolved_7d / resolution_due  Selesai within RESOLVE_TARGET (7 days);
                                               resolution_due excludes open reports younger
                                               than 7 days
    overdue    = 1 - overdue_open / load       overdue_open: still open and older than 7 days
                                               (requested at any time); load: received plus
                                               open reports requested before the window
    reopen     = 1 - reopened / ever_closed    reopened: closed then opened again

Small samples are shrunk toward the city (empirical Bayes with a prior of ``K`` = 20
pseudo-reports): every measured share x/n above (for overdue and reopen, the bad share
before ``1 -``) becomes ``(x + K*c) / (n + K)`` where ``c`` is the city-wide share (sum of
x over sum of n across all ranked kelurahan). With n = 0 the share is c. The wall shows
these shrunk parts. A kelurahan with 3 perfect reports is thus pulled most of the way to the city
average, while one with 3,000 reports keeps its own rate.

    score = 100 * (0.20*processed + 0.25*response + 0.25*resolution
                   + 0.20*overdue + 0.10*reopen)

Each part is in 0..1 (1 = best), so the score is in 0..100. Ranking: score descending,
then more reports received first, then kelurahan code ascending (deterministic ties).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from dashboard.clock import iso_z as _iso
from dashboard.reference import Reference

#: Window of reports the leaderboard looks at (by requested_at).
WINDOW = timedelta(days=30)
#: Prior weight of the city-wide rate, in pseudo-reports.
K = 20.0
LEADERS = 10
WEIGHTS: dict[str, float] = {
    "processed": 0.20, "response": 0.25, "resolution": 0.25, "overdue": 0.20, "reopen": 0.10,
}

FORMULA = (
    "Skor = 100 × (20% ditindaklanjuti + 25% respons ≤6 jam + 25% selesai ≤7 hari"
    " + 20% tanpa tunggakan >7 hari + 10% tidak dibuka ulang); laporan 30 hari terakhir,"
    " tiap rasio ditarik ke rata-rata kota dengan bobot 20 laporan."
    " | Score = 100 × (20% acted on + 25% responded ≤6 h + 25% resolved ≤7 days"
    " + 20% no backlog >7 days + 10% not reopened); last 30 days of reports,"
    " each rate shrunk toward the city average with a weight of 20 reports."
)


@dataclass(frozen=True)
class KelurahanCounts:
    """What the store counts for one kelurahan over the window (see module docstring)."""

    code: str
    received: int
    acted_on: int = 0
    responded_6h: int = 0
    response_due: int = 0
    resolved_7d: int = 0
    resolution_due: int = 0
    overdue_open: int = 0
    reopened: int = 0
    ever_closed: int = 0
    load: int = 0  # received + open reports from before the window; never below received

    @property
    def overdue_base(self) -> int:
        return max(self.load, self.received)


@dataclass(frozen=True)
class Score:
    code: str
    score: float
    received: int
    parts: dict[str, float]


#: part -> (numerator field, denominator field, higher share is good?)
_SHARES: dict[str, tuple[str, str, bool]] = {
    "processed": ("acted_on", "received", True),
    "response": ("responded_6h", "response_due", True),
    "resolution": ("resolved_7d", "resolution_due", True),
    "overdue": ("overdue_open", "overdue_base", False),
    "reopen": ("reopened", "ever_closed", False),
}


def city_rates(rows: list[KelurahanCounts]) -> dict[str, float]:
    """City-wide share per part (sum x / sum n); 0 where nothing was due anywhere."""
    out: dict[str, float] = {}
    for part, (num, den, _) in _SHARES.items():
        n = sum(getattr(r, den) for r in rows)
        out[part] = sum(getattr(r, num) for r in rows) / n if n else 0.0
    return out


def shrink(x: float, n: float, city: float, k: float = K) -> float:
    """Empirical-Bayes share: ``(x + k*city) / (n + k)``."""
    return (x + k * city) / (n + k)


def score_one(row: KelurahanCounts, city: dict[str, float], k: float = K) -> Score:
    """Score one kelurahan against the city rates."""
    parts: dict[str, float] = {}
    for part, (num, den, good) in _SHARES.items():
        share = shrink(getattr(row, num), getattr(row, den), city[part], k)
        share = min(1.0, max(0.0, share))
        parts[part] = share if good else 1.0 - share
    total = 100.0 * sum(WEIGHTS[p] * v for p, v in parts.items())
    return Score(row.code, min(100.0, max(0.0, total)), row.received, parts)


def rank(rows: list[KelurahanCounts], k: float = K) -> list[Score]:
    """Score every kelurahan with at least one report; best first, ties deterministic."""
    eligible = [r for r in rows if r.received >= 1]
    city = city_rates(eligible)
    scores = [score_one(r, city, k) for r in eligible]
    return sorted(scores, key=lambda s: (-round(s.score, 9), -s.received, s.code))


#: The snapshot the worker saves with each leaderboard: :func:`ranking`, so the supervisor's
#: kelurahan page shows the score, rank and "as of" the wall shows.
RANKING_SNAPSHOT = "kelurahan-ranking"


def ranking(counts: list[KelurahanCounts], now: datetime) -> dict[str, Any]:
    """Every scored kelurahan in rank order with its parts and raw counts (JSON-ready)."""
    raw = {c.code: c for c in counts}
    return {"computed_at": _iso(now), "ranked": [
        {"code": s.code, "score": s.score, "parts": s.parts, "counts": asdict(raw[s.code])} for s in rank(counts)]}


def leaderboard(counts: list[KelurahanCounts], ref: Reference, now: datetime | None,
                limit: int = LEADERS) -> dict[str, Any]:
    """The wall's leaderboard: best and worst ``limit`` kelurahan as payload rows (no
    overlap; worst listed worst first), the formula and when it was computed."""
    ranked = rank(counts)
    best = ranked[:limit]
    worst = list(reversed(ranked[len(best):]))[:limit]
    return {"best": [_leader(s, ref) for s in best], "worst": [_leader(s, ref) for s in worst],
            "formula": FORMULA, "computed_at": None if now is None else _iso(now)}


def _leader(s: Score, ref: Reference) -> dict[str, Any]:
    kel = ref.kelurahan.get(s.code)
    kota = ref.kota.get(kel.kota_code) if kel else None
    kota_name = kota.name.replace("Kota Administrasi ", "").replace("Kabupaten Administrasi ", "") if kota else ""
    return {"code": s.code, "name": kel.name if kel else s.code, "kota": kota_name,
            "score": round(s.score, 1), "received": s.received,
            "parts": {k: round(v, 3) for k, v in s.parts.items()}}
