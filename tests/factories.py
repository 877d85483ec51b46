"""Factory helpers shared by tests (FixMyStreet ``create_*_ok`` style).

``make_raw(**overrides)`` is a valid raw Open311-shaped record inside Jakarta (Kelurahan
Gambir, Jakarta Pusat); ``make_report(**overrides)`` the normalized :class:`Report`.
Pass ``key=None`` to ``make_raw`` to drop a field.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from dashboard.models import Report, Reporter, Status

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)  # same as conftest.NOW
LON, LAT = 106.8175, -6.1766  # Gambir, inside a kelurahan polygon


def iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def make_raw(**overrides) -> dict:
    raw = {
        "service_request_id": "R-1",
        "status": "open",
        "jakarta_status": "menunggu",
        "service_code": "sampah",
        "service_name": "Sampah",
        "description": "Tumpukan sampah di trotoar",
        "agency_responsible": "",
        "requested_datetime": iso(NOW - timedelta(hours=2)),
        "updated_datetime": iso(NOW - timedelta(hours=2)),
        "lat": str(LAT),
        "long": str(LON),
        "address": "Jl. Medan Merdeka Barat",
        "media_url": "",
    }
    raw.update(overrides)
    return {k: v for k, v in raw.items() if v is not None}


def make_report(**overrides) -> Report:
    values = dict(
        source="test", external_id="R-1", category_code="sampah", status=Status.MENUNGGU,
        requested_at=NOW - timedelta(hours=2), updated_at=NOW - timedelta(hours=2),
        lat=LAT, lon=LON, description="Tumpukan sampah di trotoar",
        address="Jl. Medan Merdeka Barat", media_url=None, kelurahan_code=None,
        agency_code=None, flags=(), reporter=Reporter(),
    )
    values.update(overrides)
    if values["kelurahan_code"] is None or values["agency_code"] is None:
        from dashboard.reference import load_reference
        ref = load_reference()
        kel = values["kelurahan_code"] or ref.locate(values["lon"], values["lat"])[0]
        values["kelurahan_code"] = kel
        values["agency_code"] = values["agency_code"] or ref.route(values["category_code"], kel)
    return Report(**values)


class ListSource:
    """An in-process source handing out prepared batches (FixMyStreet ``t/Mock`` style);
    each fetch returns the next list of records, then empty batches. Records the
    cursors it was given in ``seen_cursors``."""

    def __init__(self, *batches: list[dict], name: str = "test") -> None:
        self.name = name
        self.batches = list(batches)
        self.seen_cursors: list[str | None] = []

    def fetch(self, cursor, now):
        from dashboard.ingest.sources import Batch
        self.seen_cursors.append(cursor)
        records = self.batches.pop(0) if self.batches else []
        return Batch([dict(r) if isinstance(r, dict) else r for r in records], f"{len(self.seen_cursors)}")
