"""Open311 GeoReport v2, pure: query parameters -> :class:`RequestFilter`, public rows ->
spec dicts, dicts -> XML. The Flask routes are in ``callbacks/open311.py``.

Spec points followed (http://wiki.open311.org/GeoReport_v2/):

- ``status`` is ``open`` or ``closed`` (comma lists allowed); the Jakarta status
  (menunggu … selesai) is in ``status_notes`` and in the extension field ``jakarta_status``
  (which Pantau's own ingest reads).
- ``start_date`` / ``end_date`` filter ``requested_datetime`` and may span at most 90
  days; without them the window is the 90 days before now. Extension: ``updated_after`` /
  ``updated_before`` filter ``updated_datetime`` instead (same 90-day rule), so a client
  can see status changes of old requests.
- At most 1000 requests per response (the spec's default cap). Extension: ``page``
  (1-based) and ``page_size`` (1..1000).
- ``service_request_id`` (comma list) overrides every other parameter.
- Times are ISO 8601 with the display zone's offset (WIB: ``+07:00``).
- Bad parameters raise :class:`ParamError`; the route answers 400 with
  ``[{"code": 400, "description": ...}]``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta, tzinfo
from typing import Any, Mapping
from xml.etree import ElementTree as ET

from dashboard.models import CLOSED, OPEN_VALUES, Status, open311_status
from dashboard.store.service_requests import MAX_IDS, MAX_REQUESTS, RequestFilter

MAX_RANGE = timedelta(days=90)
MAX_PAGE = 10_000
STATUS_VALUES = {"open": OPEN_VALUES, "closed": tuple(s.value for s in CLOSED)}


class ParamError(ValueError):
    """A request parameter the spec does not allow; the message is the description."""


def parse_requests_query(args: Mapping[str, str], now: datetime, zone: tzinfo) -> RequestFilter:
    """The filter for ``GET requests.{fmt}`` query arguments."""
    if args.get("service_request_id"):
        return RequestFilter(ids=_ids(args["service_request_id"]))
    f = _window(args, now, zone)
    size = _int(args, "page_size", MAX_REQUESTS, 1, MAX_REQUESTS)
    page = _int(args, "page", 1, 1, MAX_PAGE)
    return replace(f, service_codes=_list(args.get("service_code")), statuses=_statuses(args),
                   limit=size, offset=(page - 1) * size)


def _window(args: Mapping[str, str], now: datetime, zone: tzinfo) -> RequestFilter:
    updated = any(args.get(k) for k in ("updated_after", "updated_before"))
    if updated and any(args.get(k) for k in ("start_date", "end_date")):
        raise ParamError("use start_date/end_date or updated_after/updated_before, not both")
    lo, hi = ("updated_after", "updated_before") if updated else ("start_date", "end_date")
    start, end = parse_time(args.get(lo), lo, zone), parse_time(args.get(hi), hi, zone)
    if start is None and end is None:
        end = now
    if start is None:
        start = end - MAX_RANGE
    if end is None:
        end = start + MAX_RANGE
    if end < start:
        raise ParamError(f"{hi} is before {lo}")
    if end - start > MAX_RANGE:
        raise ParamError(f"{lo} to {hi} spans more than 90 days")
    return RequestFilter(since=start, until=end, date_field="updated_at" if updated else "requested_at")


def parse_time(value: str | None, name: str, zone: tzinfo) -> datetime | None:
    """A W3C/ISO 8601 datetime (``Z`` or offset; a bare date or time without a zone is
    read in ``zone``), or ``None`` when absent."""
    if value is None or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        raise ParamError(f"{name}: not a W3C datetime: {value[:40]!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _ids(raw: str) -> tuple[int, ...]:
    parts = _list(raw)
    if len(parts) > MAX_IDS:
        raise ParamError(f"service_request_id: at most {MAX_IDS} ids")
    if not all(p.isdigit() and len(p) <= 18 for p in parts):
        raise ParamError("service_request_id: comma-separated numeric ids expected")
    return tuple(int(p) for p in parts)


def _statuses(args: Mapping[str, str]) -> tuple[str, ...]:
    wanted = _list(args.get("status"))
    unknown = [s for s in wanted if s not in STATUS_VALUES]
    if unknown:
        raise ParamError(f"status must be open or closed, not {unknown[0][:20]!r}")
    return tuple(v for s in dict.fromkeys(wanted) for v in STATUS_VALUES[s])


def _int(args: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise ParamError(f"{name} must be an integer from {lo} to {hi}")
    return int(raw)


def _list(raw: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (raw or "").split(",") if p.strip())


def w3c(when: datetime | None, zone: tzinfo) -> str | None:
    """ISO 8601 with the zone's offset, to the second: ``2026-11-27T10:00:00+07:00``."""
    return None if when is None else when.astimezone(zone).isoformat(timespec="seconds")


def to_open311(row: dict[str, Any], zone: tzinfo) -> dict[str, Any]:
    """One public row as a GeoReport v2 service request."""
    status = Status(row["status"])
    return {
        "service_request_id": str(row["id"]),
        "status": open311_status(status),
        "status_notes": status.label,
        "jakarta_status": status.value,
        "service_name": row.get("service_name"),
        "service_code": row["category_code"],
        "description": row.get("description") or "",
        "agency_responsible": row.get("agency_name"),
        "service_notice": None,
        "requested_datetime": w3c(row["requested_at"], zone),
        "updated_datetime": w3c(row["updated_at"], zone),
        "expected_datetime": None,
        "address": row.get("area"),
        "address_id": None,
        "zipcode": None,
        "lat": row["lat"],
        "long": row["lon"],
        "media_url": None,
    }


def service_to_open311(row: dict[str, Any]) -> dict[str, Any]:
    """One category as a GeoReport v2 service (English name in ``description``)."""
    return {"service_code": row["code"], "service_name": row["name"],
            "description": row.get("name_en") or "", "metadata": False, "type": "realtime",
            "keywords": "", "group": row.get("domain") or "kelurahan"}


def error(code: int, description: str) -> list[dict[str, Any]]:
    """The spec's error body."""
    return [{"code": code, "description": description}]


def to_xml(items: list[dict[str, Any]], root: str, item: str) -> bytes:
    """``<root><item><field>value</field>…</item>…</root>``; ``None`` is an empty element,
    booleans are ``true``/``false``."""
    top = ET.Element(root)
    for entry in items:
        node = ET.SubElement(top, item)
        for key, value in entry.items():
            ET.SubElement(node, key).text = _xml_text(value)
    return ET.tostring(top, encoding="utf-8", xml_declaration=True)


#: Characters XML 1.0 cannot carry at all (a feed may have sent them in text).
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return XML_INVALID.sub("\ufffd", str(value))


XML_NAMES = {"services": ("services", "service"), "requests": ("service_requests", "request"),
             "errors": ("errors", "error")}
