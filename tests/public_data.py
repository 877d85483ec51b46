"""Test data for the public face: a handful of reports written through the production
write path (``writes.upsert_reports``), with canaries in every reporter identity field and
in report text, so a test can grep any public response for them.

Canaries in text are shaped like what redaction must remove (phone, e-mail, NIK, plate);
canaries in identity fields are plain unique words (nothing may show them at all).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine

from dashboard.models import Report, Reporter, Status
from dashboard.reference import load_reference
from dashboard.store import writes

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)  # 10:00 WIB, as conftest.NOW

IDENTITY = Reporter(first_name="Canaryfirstqz", last_name="Canarylastqz",
                    email="canary.ident@pantau-canary.example", phone="081299887766",
                    device_id="CANARYDEVICEQZ", account_id="CANARYACCOUNTQZ")
#: Text canaries: (as written in the description, what must never appear publicly).
TEXT_CANARIES = [
    ("0813-7766-5544", "7766-5544"),
    ("+62 857 1122 3344", "1122 3344"),
    ("canary.text@pantau-canary.example", "pantau-canary"),
    ("3174019988776655", "9988776655"),
    ("B 4321 QZX", "4321 QZX"),
]
#: Exact coordinates no public response may carry (only their 0.001° grid node).
EXACT_LAT, EXACT_LON = -6.1766437, 106.8175291
IDENTITY_CANARIES = ["Canaryfirstqz", "Canarylastqz", "canary.ident", "081299887766",
                     "99887766", "CANARYDEVICEQZ", "CANARYACCOUNTQZ", "Jl. Canary Rahasia"]
ALL_CANARIES = IDENTITY_CANARIES + [leak for _, leak in TEXT_CANARIES]
#: Any rendering of the point finer than the 0.001° grid (4+ decimals) shows these.
COORD_CANARIES = ["6.1766", "106.8175"]


def canary_text() -> str:
    return "Banjir RT 05/RW 03, hubungi " + ", ".join(t for t, _ in TEXT_CANARIES)


def make(n: int, *, status: Status = Status.MENUNGGU, category: str = "sampah",
         requested: datetime | None = None, updated: datetime | None = None, now: datetime = NOW,
         lat: float = EXACT_LAT, lon: float = EXACT_LON, description: str | None = None,
         kelurahan: str | None = None) -> Report:
    ref = load_reference()
    kelurahan = kelurahan or ref.locate(lon, lat)[0]
    requested = requested or now - timedelta(hours=n + 1)
    return Report(
        source="test", external_id=f"P-{n}", category_code=category, status=status,
        requested_at=requested, updated_at=updated or requested, lat=lat, lon=lon,
        description=canary_text() if description is None else description,
        address="Jl. Canary Rahasia No. 7", media_url="http://canary.example/p.jpg",
        kelurahan_code=kelurahan, agency_code=ref.route(category, kelurahan), reporter=IDENTITY,
    )


def default_reports(now: datetime = NOW) -> list[Report]:
    """Five reports in the hours before ``now`` (one per status), two categories, one
    older closed one."""
    reports = [make(i, status=s, now=now) for i, s in enumerate(Status)]
    reports.append(make(10, category="jalan_rusak", status=Status.PROSES, description="Jalan rusak", now=now))
    reports.append(make(11, status=Status.SELESAI, requested=now - timedelta(days=20),
                        updated=now - timedelta(days=19), description="Sampah lama", now=now))
    return reports


def seed(engine: Engine, reports: list[Report] | None = None, now: datetime = NOW) -> None:
    with engine.begin() as conn:
        writes.upsert_reports(conn, reports if reports is not None else default_reports(now), now)


def leaks(body: str, coords: bool = True) -> list[str]:
    """Canaries present in ``body`` (with ``coords``, also the exact point's digits;
    leave them out for reference geometry, whose vertices may share them)."""
    wanted = ALL_CANARIES + (COORD_CANARIES if coords else [])
    return [c for c in wanted if c.lower() in body.lower()]
