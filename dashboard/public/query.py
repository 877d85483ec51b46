"""The public query layer: the only way the visitor view and the Open311 API read data.

Privacy by construction:

- **Columns**: rows come from :mod:`dashboard.store.service_requests` (and today's counts
  and points from :mod:`dashboard.store.reports`), whose statements select an allow-list
  of report columns and never touch the ``reporter`` table, ``address``, ``media_url`` or
  the feed's ids.
- **Points** are snapped to a 0.001° grid (:func:`coarsen`): about 111 m north-south and
  110 m east-west at Jakarta's latitude, so a point says which block, not which house.
  The "address" shown is the kelurahan and kota, never the reporter's street address.
- **Text** goes through :func:`dashboard.public.redact.redact` (phones, e-mails, NIKs, plates).
- **Snapshot** fields are copied by name (:func:`public_board`, :func:`public_gates`);
  the wall snapshot's ticker text never passes through here.
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Callable

from sqlalchemy import Engine

from dashboard.models import CLOSED, STATUS_ORDER
from dashboard.public.redact import redact
from dashboard.reference import REFERENCE_DIR
from dashboard.store import service_requests as sql
from dashboard.store.reports import map_points, status_counts
from dashboard.store.snapshots import read_snapshot
from dashboard.wall import WIDGET

GRID_DEG = 0.001
GRID_DECIMALS = 3
MAX_CELLS = 2000
BOARD_ROWS = 5
SUMMARY_TTL = 15.0  # seconds a visitor summary is reused
CLOSED_VALUES = frozenset(s.value for s in CLOSED)


def coarsen(lat: float, lon: float) -> tuple[float, float]:
    """The point snapped to the nearest node of the 0.001° grid (idempotent)."""
    return round(float(lat), GRID_DECIMALS), round(float(lon), GRID_DECIMALS)


def public_row(row: dict[str, Any]) -> dict[str, Any]:
    """A store row made public: coarse point, redacted text, area-level address."""
    lat, lon = coarsen(row["lat"], row["lon"])
    area = ", ".join(p for p in (row.get("kelurahan_name"), row.get("kota_name")) if p)
    return {**row, "lat": lat, "lon": lon, "description": redact(row.get("description")),
            "area": area or None}


def cells(points: list[tuple[float, float, str]], limit: int = MAX_CELLS) -> list[dict[str, Any]]:
    """Points counted per grid node: [{"lat","lon","n","open"}], busiest first."""
    total: Counter = Counter()
    still_open: Counter = Counter()
    for lat, lon, status in points:
        key = coarsen(lat, lon)
        total[key] += 1
        still_open[key] += status not in CLOSED_VALUES
    return [{"lat": k[0], "lon": k[1], "n": n, "open": still_open[k]}
            for k, n in total.most_common(limit)]


def public_board(board: dict | None, rows: int = BOARD_ROWS) -> dict[str, Any]:
    """The leaderboard's best rows (name, kota, score, parts) and its formula."""
    board = board or {}
    keep = ("code", "name", "kota", "score", "received", "parts")
    best = [{k: r.get(k) for k in keep} for r in (board.get("best") or [])[:rows]]
    return {"best": best, "formula": str(board.get("formula") or "")}


def public_gates(gates: list[dict] | None) -> list[dict[str, Any]]:
    """Flood gates with a level: name, river, level_cm, siaga, observed_at."""
    keep = ("code", "name", "river", "level_cm", "siaga", "observed_at")
    return [{k: g.get(k) for k in keep} for g in (gates or []) if g.get("level_cm") is not None]


@dataclass(frozen=True)
class PublicStore:
    """Public reads over one engine; every method returns plain, already-public data.

    :meth:`visitor_summary` is the same for every visitor, so one answer is kept for
    ``summary_ttl`` seconds (per process): many screens cost one set of reads.
    """

    engine: Engine
    redis: Any = None
    summary_ttl: float = SUMMARY_TTL
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    def requests(self, f: sql.RequestFilter) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [public_row(r) for r in sql.select_requests(conn, f)]

    def request(self, request_id: int) -> dict[str, Any] | None:
        found = self.requests(sql.RequestFilter(ids=(request_id,)))
        return found[0] if found else None

    def services(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return sql.select_services(conn)

    def visitor_summary(self, today_start: datetime, max_points: int,
                        clock: Callable[[], float] = time.monotonic) -> dict[str, Any]:
        """What the visitor tour shows: today's status counts and map cells, the
        leaderboard's best and the flood gates (from the wall snapshot, if any)."""
        key, now = (today_start, max_points), clock()
        hit = self._memo.get(key)
        if hit is not None and now - hit[0] < self.summary_ttl:
            return hit[1]
        summary = self._summary(today_start, max_points)
        self._memo.clear()
        self._memo[key] = (now, summary)
        return summary

    def _summary(self, today_start: datetime, max_points: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            counts = status_counts(conn, since=today_start)
            points = map_points(conn, None, max_points, since=today_start, shape="public")
        snap = read_snapshot(self.engine, WIDGET, self.redis)
        payload, computed_at = (snap[0], snap[2]) if snap else ({}, None)
        return {
            "status_today": [{"status": s.value, "n": counts.get(s.value, 0)} for s in STATUS_ORDER],
            "cells": cells(points),
            "leaderboard": public_board(payload.get("leaderboard")),
            "gates": public_gates(payload.get("gates")),
            "as_of": computed_at.isoformat() if isinstance(computed_at, datetime) else computed_at,
        }


@lru_cache(maxsize=4)
def siaga_levels(lang: str) -> tuple[tuple[int, str, str], ...]:
    """(level, name, meaning) for siaga 4..1: BPBD DKI's words in Bahasa Indonesia
    (``status_siaga_banjir.csv``), Pantau's English rendering otherwise
    (``status_siaga_banjir_en.csv``)."""
    if lang == "id":
        rows = _csv("status_siaga_banjir.csv")
        return tuple((int(r["level"]), r["sebutan"], r["arti_menurut_bpbd_dki"]) for r in rows)
    rows = _csv("status_siaga_banjir_en.csv")
    return tuple((int(r["level"]), r["name_en"], r["meaning_en"]) for r in rows)


def siaga_text(level: int, lang: str) -> str:
    """A siaga level as every view (and every simulated still) says it: "Siaga 2",
    "Siaga 1 (Awas)", "Siaga 2 (Standby)". The words are BPBD's (:func:`siaga_levels`, as
    the visitor view's legend shows them), shortened to their first name."""
    name = {n: word for n, word, _meaning in siaga_levels(lang)}.get(level, "")
    word = name.split(" (")[0].split("/")[0].strip()
    return f"Siaga {level}" if not word or word == "Siaga" else f"Siaga {level} ({word})"


def _csv(name: str) -> list[dict[str, str]]:
    with (REFERENCE_DIR / name).open(encoding="utf-8", newline="") as fh:
        return sorted(csv.DictReader(fh), key=lambda r: -int(r["level"]))
