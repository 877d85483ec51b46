"""Test data for the supervisor view: reports inserted straight into the store (fast,
deterministic), with their status history and reporter identity.

Two kota are used so scope tests have something to hide: Gambir (Jakarta Pusat, 31.71)
and a Jakarta Selatan kelurahan (31.74). Every report of kota 31.74 has the description
``OUT-OF-SCOPE-SECRET`` so a test can grep any response for it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import count

from sqlalchemy import Engine, insert

from dashboard.models import Status
from dashboard.reference import load_reference
from dashboard.store.schema import report, reporter, status_change

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)
SECRET = "OUT-OF-SCOPE-SECRET"
_ids = count(1)


def kelurahan_in(kota_code: str) -> str:
    ref = load_reference()
    return sorted(c for c, k in ref.kelurahan.items() if k.kota_code == kota_code)[0]


def row(kelurahan_code: str, status: str = "menunggu", category: str = "sampah",
        requested: datetime | None = None, **extra) -> dict:
    """One report row for ``kelurahan_code`` routed as the reference routes it."""
    ref = load_reference()
    kel = ref.kelurahan[kelurahan_code]
    requested = requested or NOW - timedelta(hours=2)
    n = next(_ids)
    values = dict(
        source="test", external_id=f"T-{n}", category_code=category, status=status,
        description=f"laporan {n}", address=None, media_url=None, lat=kel.lat, lon=kel.lon,
        kelurahan_code=kel.code, kecamatan_code=kel.kecamatan_code, kota_code=kel.kota_code,
        agency_code=ref.route(category, kel.code), requested_at=requested,
        updated_at=requested, responded_at=None, closed_at=None, reopen_count=0, flags="",
        change_seq=1,
    )
    values.update(extra)
    return values


def insert_reports(engine: Engine, rows: list[dict], history: bool = True, identity: bool = True) -> list[int]:
    """Insert ``rows`` (and bring ``tally`` up to date); with ``history`` a first-sighting status_change per row (plus the
    respond/close moves when those times are set); with ``identity`` a reporter row."""
    with engine.begin() as conn:
        ids = [conn.execute(insert(report).values(**r)).inserted_primary_key[0] for r in rows]
        if history:
            changes = [c for i, r in zip(ids, rows) for c in _history(i, r)]
            if changes:
                conn.execute(insert(status_change), changes)
        if identity:
            conn.execute(insert(reporter), [
                {"report_id": i, "first_name": "Budi", "last_name": f"Rahasia{i}",
                 "email": f"budi{i}@example.org", "phone": "0812"} for i in ids])
    fill_tally(engine)  # as the real writes keep it
    return ids


def _history(report_id: int, r: dict) -> list[dict]:
    out = [{"report_id": report_id, "from_status": None, "to_status": Status.MENUNGGU.value,
            "changed_at": r["requested_at"]}]
    last = Status.MENUNGGU.value
    if r.get("responded_at"):
        nxt = r["status"] if r["status"] != Status.SELESAI.value else Status.PROSES.value
        out.append({"report_id": report_id, "from_status": last, "to_status": nxt,
                    "changed_at": r["responded_at"]})
        last = nxt
    if r.get("closed_at"):
        out.append({"report_id": report_id, "from_status": last, "to_status": Status.SELESAI.value,
                    "changed_at": r["closed_at"]})
    return out


def two_kota(engine: Engine) -> dict[str, list[int]]:
    """A small mixed data set: 6 reports in Jakarta Pusat (31.71), 4 in Jakarta Selatan
    (31.74, description SECRET). Returns ids per kota."""
    pusat, selatan = kelurahan_in("31.71"), kelurahan_in("31.74")
    rows_pusat = [
        row(pusat, "menunggu", requested=NOW - timedelta(hours=1)),
        row(pusat, "menunggu", requested=NOW - timedelta(hours=10)),
        row(pusat, "proses", requested=NOW - timedelta(days=2), responded_at=NOW - timedelta(days=2) + timedelta(hours=3)),
        row(pusat, "selesai", requested=NOW - timedelta(days=3), responded_at=NOW - timedelta(days=3) + timedelta(minutes=2),
            closed_at=NOW - timedelta(days=3) + timedelta(minutes=5)),
        row(pusat, "disposisi", category="jalan_rusak", requested=NOW - timedelta(days=9),
            responded_at=NOW - timedelta(days=9) + timedelta(hours=8)),
        row(pusat, "selesai", category="jalan_rusak", requested=NOW - timedelta(days=20),
            responded_at=NOW - timedelta(days=20) + timedelta(hours=2), closed_at=NOW - timedelta(days=15),
            reopen_count=1, description="=HYPERLINK(\"http://evil\")"),
    ]
    rows_selatan = [row(selatan, s, requested=NOW - timedelta(hours=h), description=SECRET)
                    for s, h in (("menunggu", 3), ("menunggu", 30), ("proses", 50), ("selesai", 80))]
    ids = insert_reports(engine, rows_pusat + rows_selatan)
    return {"31.71": ids[:6], "31.74": ids[6:]}


def many_reports(engine: Engine, kelurahan_code: str, n: int, doublings: int = 5) -> None:
    """``n`` reports fast: ``n / 2**doublings`` inserted, then the table doubled in SQL
    ``doublings`` times (new external ids). ``n`` must be divisible by ``2**doublings``."""
    from sqlalchemy import literal, select
    base = n // 2 ** doublings
    assert base * 2 ** doublings == n
    rows = [row(kelurahan_code, "proses", requested=NOW - timedelta(minutes=i), description="jalan rusak " * 10)
            for i in range(base)]
    cols = [c for c in report.c if c.name != "id"]
    with engine.begin() as conn:
        conn.execute(insert(report), rows)
        for k in range(doublings):
            copy = select(*[c.concat(literal(f"-{k}")) if c.name == "external_id" else c for c in cols])
            conn.execute(insert(report).from_select([c.name for c in cols], copy))


def fill_tally(engine: Engine) -> None:
    """Rebuild ``tally`` and ``tally_day`` from ``report`` (what the writes keep up to date
    row by row)."""
    from dashboard.store.bulk import rebuild_tally
    with engine.begin() as conn:
        rebuild_tally(conn)
