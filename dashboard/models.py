"""The domain vocabulary, defined once: statuses, their groups and crosswalks, targets,
and the normalized :class:`Report` that every source produces."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta


class Status(str, enum.Enum):
    """Jakarta CRM statuses, in the order a report travels."""

    MENUNGGU = "menunggu"  # waiting at the kelurahan
    KOORDINASI = "koordinasi"  # not the lurah's remit, being coordinated with an SKPD
    DISPOSISI = "disposisi"  # handed to a suku dinas
    PROSES = "proses"  # being worked on
    SELESAI = "selesai"  # done (follow-up photo uploaded)

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def is_open(self) -> bool:
        return self in OPEN


STATUS_ORDER: tuple[Status, ...] = tuple(Status)
OPEN: frozenset[Status] = frozenset(s for s in Status if s is not Status.SELESAI)
CLOSED: frozenset[Status] = frozenset({Status.SELESAI})
OPEN_VALUES: tuple[str, ...] = tuple(s.value for s in STATUS_ORDER if s in OPEN)
# "Responded" = anything past Menunggu: the first response time is measured to it.
RESPONDED: frozenset[Status] = frozenset(Status) - {Status.MENUNGGU}


class QlueColour(str, enum.Enum):
    """Qlue's three public colours (laporan_status.csv)."""

    WAIT = "wait"  # merah
    PROCESS = "process"  # kuning
    DONE = "done"  # hijau


#: Status → Qlue colour. Koordinasi/Disposisi stay "wait" in Qlue (laporan_status.csv).
QLUE: dict[Status, QlueColour] = {
    Status.MENUNGGU: QlueColour.WAIT,
    Status.KOORDINASI: QlueColour.WAIT,
    Status.DISPOSISI: QlueColour.WAIT,
    Status.PROSES: QlueColour.PROCESS,
    Status.SELESAI: QlueColour.DONE,
}


def open311_status(status: Status) -> str:
    """Open311 GeoReport v2 knows only ``open`` and ``closed``."""
    return "closed" if status in CLOSED else "open"


def parse_status(open311: str | None, detailed: str | None) -> Status | None:
    """Read a feed's status: the detailed Jakarta status wins; Open311 alone maps
    ``open`` → Menunggu and ``closed`` → Selesai. ``None`` when unreadable."""
    if detailed:
        key = detailed.strip().lower()
        aliases = {"wait": "menunggu", "tindak lanjut": "selesai", "tl": "selesai",
                   "sedang diproses": "proses", "diproses": "proses", "done": "selesai"}
        key = aliases.get(key, key)
        try:
            return Status(key)
        except ValueError:
            return None
    if open311:
        return {"open": Status.MENUNGGU, "closed": Status.SELESAI}.get(open311.strip().lower())
    return None


#: Service targets (issue: coordinate within 6 h, resolve within 7 days).
RESPOND_TARGET = timedelta(hours=6)
RESOLVE_TARGET = timedelta(days=7)

#: Age buckets for the open backlog (upper bounds; the last is open-ended). The keys are
#: neutral (``h`` hours, ``d`` days); the labels people read (``>7 d`` / ``>7h`` for *hari*)
#: are in the catalogs under :func:`bucket_msgid`.
AGE_BUCKETS: tuple[tuple[str, timedelta | None], ...] = (
    ("lt6h", timedelta(hours=6)),
    ("6h_24h", timedelta(hours=24)),
    ("1d_3d", timedelta(days=3)),
    ("3d_7d", timedelta(days=7)),
    ("gt7d", None),
)


def bucket_msgid(key: str) -> str:
    """The catalog msgid of a time bucket's label: ``age:gt7d`` (id ``>7h``, en ``>7d``)."""
    return f"age:{key}"


LAINNYA = "lainnya"  # category code for unknown categories (flagged)

#: Longest description stored; longer text is truncated and flagged.
MAX_DESCRIPTION = 2000


class Flag(str, enum.Enum):
    """Soft problems: the report is kept, the flag says what was changed."""

    TRUNCATED = "description_truncated"
    UNKNOWN_CATEGORY = "unknown_category"
    OUTSIDE_POLYGONS = "outside_polygons"  # inside Jakarta's box, in no kelurahan polygon


@dataclass(frozen=True)
class Reporter:
    """Reporter identity: stored apart from the report; never read by public queries."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    device_id: str | None = None
    account_id: str | None = None

    def is_empty(self) -> bool:
        return not any(vars(self).values())


@dataclass(frozen=True)
class Report:
    """A validated, normalized report, ready to upsert. Times are aware UTC."""

    source: str
    external_id: str
    category_code: str
    status: Status
    requested_at: datetime
    updated_at: datetime
    lat: float
    lon: float
    description: str = ""
    address: str | None = None
    media_url: str | None = None
    kelurahan_code: str | None = None
    agency_code: str | None = None
    flags: tuple[str, ...] = ()
    reporter: Reporter = field(default_factory=Reporter)
