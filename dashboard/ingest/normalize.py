"""Pure mapping of one raw Open311-shaped record to a :class:`~dashboard.models.Report`,
or a :class:`~dashboard.ingest.reasons.Rejection` saying why it cannot be stored.

No I/O and no clock: ``now`` and the reference data are arguments. The checks run in a
fixed order, so one record always gets the same reason: text → id → times → status →
coordinates → place. Soft problems keep the record and add a :class:`~dashboard.models.Flag`:
over-long descriptions are truncated, unknown categories become ``lainnya``, a point in
Jakarta's box but in no polygon gets the nearest kelurahan. HTML in text is kept verbatim
(views escape it).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from dashboard.ingest.reasons import Reason, Rejection
from dashboard.models import LAINNYA, MAX_DESCRIPTION, Flag, Report, Reporter, Status, parse_status
from dashboard.reference import Reference, in_jakarta_box

__all__ = ["normalize", "Reason", "Rejection", "UNPARSEABLE_KEY", "FUTURE_SLACK"]

#: A source marks a line it could not parse with this key (value: the detail).
UNPARSEABLE_KEY = "_unparseable"
#: Clock skew tolerated before a timestamp counts as "in the future".
FUTURE_SLACK = timedelta(minutes=5)
#: Kepulauan Seribu kelurahan have no polygon: a point this close to one's island is kept.
ISLAND_MAX_DEG = 0.05
MAX_ID = 128
REPORTER_FIELDS = ("first_name", "last_name", "email", "phone", "device_id", "account_id")


class _Reject(Exception):
    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.rejection = Rejection(reason, detail)


def normalize(raw: Any, source: str, ref: Reference, now: datetime,
              feed_tz: str | tzinfo | None = None) -> Report | Rejection:
    """Validate and normalize ``raw`` (Open311 GeoReport v2 field names, strings as
    received). ``feed_tz`` is applied to timestamps without a zone; without it such
    records are rejected (``naive_timestamp``)."""
    try:
        return _normalize(raw, source, ref, now, _zone(feed_tz))
    except _Reject as rejected:
        return rejected.rejection


def _normalize(raw: Any, source: str, ref: Reference, now: datetime, zone: tzinfo | None) -> Report:
    if not isinstance(raw, Mapping):
        raise _Reject(Reason.UNPARSEABLE, f"not a record: {type(raw).__name__}")
    if UNPARSEABLE_KEY in raw:
        raise _Reject(Reason.UNPARSEABLE, str(raw[UNPARSEABLE_KEY]))
    _check_text(raw)
    external_id = _external_id(raw)
    requested, updated = _times(raw, now, zone)
    status = _status(raw)
    lon, lat = _coordinates(raw, ref)
    kelurahan, exact = _place(ref, lon, lat)
    category, category_flags = _category(raw, ref)
    description, text_flags = _description(raw)
    flags = category_flags + text_flags + (() if exact else (Flag.OUTSIDE_POLYGONS.value,))
    return Report(
        source=source, external_id=external_id, category_code=category, status=status,
        requested_at=requested, updated_at=updated, lat=lat, lon=lon,
        description=description, address=_text(raw, "address"),
        media_url=_text(raw, "media_url"), kelurahan_code=kelurahan,
        agency_code=_agency(raw, ref, category, kelurahan), flags=flags,
        reporter=Reporter(**{f: _text(raw, f) for f in REPORTER_FIELDS}),
    )


def _zone(feed_tz: str | tzinfo | None) -> tzinfo | None:
    if isinstance(feed_tz, str):
        return ZoneInfo(feed_tz) if feed_tz else None
    return feed_tz


def _text(raw: Mapping, key: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _check_text(raw: Mapping) -> None:
    """NUL bytes and undecodable bytes (surrogates) are refused, the same on every backend:
    PostgreSQL cannot store NUL in text at all."""
    for key, value in raw.items():
        if isinstance(value, bytes):
            raise _Reject(Reason.INVALID_TEXT, f"{key}: bytes, not text")
        if isinstance(value, str):
            if "\x00" in value:
                raise _Reject(Reason.INVALID_TEXT, f"{key}: contains a NUL byte")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise _Reject(Reason.INVALID_TEXT, f"{key}: invalid UTF-8") from None


def _external_id(raw: Mapping) -> str:
    external_id = _text(raw, "service_request_id")
    if external_id is None:
        raise _Reject(Reason.MISSING_ID, "service_request_id is empty")
    if len(external_id) > MAX_ID:
        raise _Reject(Reason.INVALID_ID, f"service_request_id longer than {MAX_ID} characters")
    return external_id


def _times(raw: Mapping, now: datetime, zone: tzinfo | None) -> tuple[datetime, datetime]:
    requested = _time(raw, "requested_datetime", zone)
    if requested is None:
        raise _Reject(Reason.MISSING_FIELD, "requested_datetime is empty")
    updated = _time(raw, "updated_datetime", zone) or requested
    for key, value in (("requested_datetime", requested), ("updated_datetime", updated)):
        if value > now + FUTURE_SLACK:
            raise _Reject(Reason.FUTURE_TIMESTAMP, f"{key} {value.isoformat()} is after now")
    if updated < requested:
        raise _Reject(Reason.UPDATE_BEFORE_REQUEST,
                      f"updated {updated.isoformat()} < requested {requested.isoformat()}")
    return requested, updated


def _time(raw: Mapping, key: str, zone: tzinfo | None) -> datetime | None:
    text = _text(raw, key)
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise _Reject(Reason.INVALID_TIMESTAMP, f"{key}: {text[:60]!r} is not ISO 8601") from None
    if value.tzinfo is None:
        if zone is None:
            raise _Reject(Reason.NAIVE_TIMESTAMP, f"{key}: {text[:60]!r} has no zone")
        value = value.replace(tzinfo=zone)
    return value.astimezone(timezone.utc)


def _status(raw: Mapping) -> Status:
    open311, detailed = _text(raw, "status"), _text(raw, "jakarta_status")
    if open311 is None and detailed is None:
        raise _Reject(Reason.MISSING_FIELD, "status is empty")
    status = parse_status(open311, detailed)
    if status is None:
        raise _Reject(Reason.INVALID_STATUS, f"status {open311!r} / jakarta_status {detailed!r}")
    return status


def _coordinates(raw: Mapping, ref: Reference) -> tuple[float, float]:
    lat_text, lon_text = _text(raw, "lat"), _text(raw, "long")
    if lat_text is None or lon_text is None:
        raise _Reject(Reason.MISSING_COORDINATES, f"lat {lat_text!r}, long {lon_text!r}")
    try:
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        raise _Reject(Reason.INVALID_COORDINATES, f"lat {lat_text[:40]!r}, long {lon_text[:40]!r}") from None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise _Reject(Reason.INVALID_COORDINATES, f"lat {lat}, long {lon} is not finite")
    if in_jakarta_box(lon, lat):
        return lon, lat
    if in_jakarta_box(lat, lon) and _place_or_none(ref, lat, lon) is not None:
        raise _Reject(Reason.SWAPPED_COORDINATES, f"lat {lat}, long {lon}: swapped lies in Jakarta")
    if abs(lat) > 90 or abs(lon) > 180:
        raise _Reject(Reason.INVALID_COORDINATES, f"lat {lat}, long {lon} is off the globe")
    raise _Reject(Reason.OUTSIDE_JAKARTA, f"lat {lat}, long {lon}")


def _place_or_none(ref: Reference, lon: float, lat: float) -> tuple[str, bool] | None:
    code, exact = ref.locate(lon, lat)
    if code is not None:
        return code, exact
    for kel in ref.kelurahan.values():  # islands without a polygon
        if kel.geometry is None and math.hypot(kel.lon - lon, kel.lat - lat) <= ISLAND_MAX_DEG:
            return kel.code, False
    return None


def _place(ref: Reference, lon: float, lat: float) -> tuple[str, bool]:
    place = _place_or_none(ref, lon, lat)
    if place is None:
        raise _Reject(Reason.OUTSIDE_JAKARTA, f"lat {lat}, long {lon} is in no kelurahan")
    return place


def _category(raw: Mapping, ref: Reference) -> tuple[str, tuple[str, ...]]:
    """service_code names a category code, or service_name its name (case-insensitive)."""
    code = _text(raw, "service_code")
    if code is not None and code.lower() in ref.categories:
        return code.lower(), ()
    name = (_text(raw, "service_name") or "").casefold()
    for category in ref.categories.values():
        if name and name in (category.name.casefold(), category.code):
            return category.code, ()
    return LAINNYA, (Flag.UNKNOWN_CATEGORY.value,)


def _description(raw: Mapping) -> tuple[str, tuple[str, ...]]:
    text = _text(raw, "description") or ""
    if len(text) > MAX_DESCRIPTION:
        return text[:MAX_DESCRIPTION], (Flag.TRUNCATED.value,)
    return text, ()


def _agency(raw: Mapping, ref: Reference, category: str, kelurahan: str) -> str:
    named = _text(raw, "agency_responsible")
    if named is not None:
        known = named if named in ref.agencies else ref.agency_by_name(named)
        if known is not None:
            return known
    return ref.route(category, kelurahan)
