"""The supervisor view's filter state. Pure: parse and validate, never trust.

The state lives in the URL query (``?agency=a,b&kota=31.71&status=menunggu&from=2026-11-01
&to=2026-11-27&overdue=1``) so a link reproduces a view. :func:`parse` accepts a query
string or a mapping (URL or callback values) and checks every value against
:class:`Allowed`, the server's own list of codes (narrowed to a supervisor's scope by
:func:`allowed_for`). Anything else raises :class:`FilterError`: a forged value is
refused here and never reaches SQL. :func:`to_query` is the inverse of :func:`parse`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Mapping
from urllib.parse import parse_qs, urlencode
from zoneinfo import ZoneInfo

from dashboard.clock import day_start
from dashboard.models import STATUS_ORDER
from dashboard.reference import Reference

MAX_QUERY = 4096  # characters of query string accepted at all
MAX_VALUES = 50  # values per multi-value key
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 1, 1)
MULTI = ("agency", "category", "status")
SINGLE = ("kota", "kecamatan", "kelurahan")


class FilterError(ValueError):
    """A filter value the server does not offer (forged, out of scope or malformed)."""


@dataclass(frozen=True)
class Filters:
    agency: tuple[str, ...] = ()
    kota: str | None = None
    kecamatan: str | None = None
    kelurahan: str | None = None
    category: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    since: date | None = None  # first WIB day included
    until: date | None = None  # last WIB day included
    overdue: bool = False  # open and older than RESOLVE_TARGET

    def as_dict(self) -> dict:
        """JSON-ready form (export audit)."""
        out = asdict(self)
        out["since"] = self.since.isoformat() if self.since else None
        out["until"] = self.until.isoformat() if self.until else None
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}


@dataclass(frozen=True)
class Allowed:
    """The codes a filter may name. ``kecamatan`` maps code → kota, ``kelurahan`` code → kecamatan."""

    agency: frozenset[str]
    kota: frozenset[str]
    kecamatan: Mapping[str, str]
    kelurahan: Mapping[str, str]
    category: frozenset[str]
    status: frozenset[str]


def allowed_for(ref: Reference, scope_kind: str | None = None, scope_code: str | None = None) -> Allowed:
    """Everything in the reference, narrowed to a kota or an agency scope."""
    kota = set(ref.kota)
    kecamatan = {c: k.kota_code for c, k in ref.kecamatan.items()}
    kelurahan = {c: k.kecamatan_code for c, k in ref.kelurahan.items()}
    agency = set(ref.agencies)
    if scope_kind == "kota":
        kota = {scope_code} & kota
        kecamatan = {c: k for c, k in kecamatan.items() if k in kota}
        kelurahan = {c: k for c, k in kelurahan.items() if k in kecamatan}
        agency = {c for c, a in ref.agencies.items() if a.kota_code in kota or a.kota_code is None}
    elif scope_kind == "agency":
        agency = {scope_code} & agency
    return Allowed(frozenset(agency), frozenset(kota), kecamatan, kelurahan,
                   frozenset(ref.categories), frozenset(s.value for s in STATUS_ORDER))


def parse(query: str | Mapping[str, object] | None, allowed: Allowed) -> Filters:
    """Validated :class:`Filters` from a query string or a mapping; unknown keys are ignored."""
    values = _mapping(query)
    multi = {key: _many(values.get(key), getattr(allowed, key), key) for key in MULTI}
    single = {key: _one(values.get(key), key) for key in SINGLE}
    _check_places(single, allowed)
    since, until = _day(values.get("from"), "from"), _day(values.get("to"), "to")
    if since and until and since > until:
        raise FilterError(f"from {since} is after to {until}")
    return Filters(**multi, **single, since=since, until=until, overdue=_flag(values.get("overdue")))


def to_query(filters: Filters) -> str:
    """Query string (no leading ``?``) that :func:`parse` reads back to the same filters."""
    pairs: list[tuple[str, str]] = []
    for key in ("agency", "kota", "kecamatan", "kelurahan", "category", "status"):
        value = getattr(filters, key)
        if value:
            pairs.append((key, ",".join(value) if isinstance(value, tuple) else value))
    if filters.since:
        pairs.append(("from", filters.since.isoformat()))
    if filters.until:
        pairs.append(("to", filters.until.isoformat()))
    if filters.overdue:
        pairs.append(("overdue", "1"))
    return urlencode(pairs, safe=",")


def window(filters: Filters, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """The date range as UTC instants ``[since, until)``: whole WIB days."""
    since = day_start(filters.since, zone) if filters.since else None
    until = day_start(filters.until + timedelta(days=1), zone) if filters.until else None
    return since, until


def _mapping(query: str | Mapping[str, object] | None) -> dict[str, object]:
    if query is None:
        return {}
    if isinstance(query, str):
        if len(query) > MAX_QUERY:
            raise FilterError("query string too long")
        parsed = parse_qs(query.lstrip("?"), keep_blank_values=True)
        return {k: ",".join(v) for k, v in parsed.items()}
    return dict(query)


def _many(raw: object, allowed: frozenset[str], key: str) -> tuple[str, ...]:
    if raw is None or raw == "":
        return ()
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, (list, tuple)) or len(items) > MAX_VALUES:
        raise FilterError(f"{key}: expected up to {MAX_VALUES} values")
    out: list[str] = []
    for item in items:
        if not isinstance(item, str) or item not in allowed:
            raise FilterError(f"{key}: {str(item)[:40]!r} is not an allowed value")
        if item not in out:
            out.append(item)
    return tuple(sorted(out))


def _one(raw: object, key: str) -> str | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or len(raw) > 64:
        raise FilterError(f"{key}: expected one code")
    return raw


def _check_places(single: dict[str, str | None], allowed: Allowed) -> None:
    kota, kec, kel = single["kota"], single["kecamatan"], single["kelurahan"]
    if kota is not None and kota not in allowed.kota:
        raise FilterError(f"kota: {kota[:40]!r} is not an allowed value")
    if kec is not None and (kec not in allowed.kecamatan or kota and allowed.kecamatan[kec] != kota):
        raise FilterError(f"kecamatan: {kec[:40]!r} is not allowed here")
    if kel is not None and (kel not in allowed.kelurahan or kec and allowed.kelurahan[kel] != kec):
        raise FilterError(f"kelurahan: {kel[:40]!r} is not allowed here")
    if kel is not None and kota and allowed.kecamatan.get(allowed.kelurahan[kel]) != kota:
        raise FilterError(f"kelurahan: {kel[:40]!r} is not in kota {kota}")


def _day(raw: object, key: str) -> date | None:
    if raw is None or raw == "":
        return None
    try:
        day = date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        raise FilterError(f"{key}: expected a date YYYY-MM-DD between {FIRST_DAY} and {LAST_DAY}")
    return day


def _flag(raw: object) -> bool:
    if raw in (None, "", "0", False, 0):
        return False
    if raw in ("1", True, 1):
        return True
    raise FilterError("overdue: expected 1 or 0")


# --- the filter state machine: what the view filters by after one event ------------------
#: the controls' keys, in the order the view's controls are laid out
CONTROL_KEYS = ("agency", "kota", "kecamatan", "kelurahan", "category", "status", "from", "to", "overdue")


@dataclass(frozen=True)
class Event:
    """One change to the supervisor's filters.

    ``kind`` is ``"url"`` (the URL changed: it is the state), ``"reset"`` (no filters),
    ``"click"`` (a chart bar or map area: filter ``key`` set to ``code``) or ``"control"``
    (a filter control changed: ``values`` holds every control's value by
    :data:`CONTROL_KEYS`, ``key`` is the control that changed).
    """

    kind: str
    key: str | None = None
    code: object = None
    values: Mapping[str, object] | None = None


def next_filters(search: str | None, event: Event, allowed: Allowed, ref: Reference) -> Filters:
    """The validated filters after ``event``, given the URL query ``search`` it happened
    on; raises :class:`FilterError` for anything this account may not filter by."""
    if event.kind == "reset":
        return Filters()
    if event.kind == "click":
        return parse(clicked(parse(search or "", allowed), event.key, event.code, ref), allowed)
    if event.kind == "control":
        return parse(cascade(dict(event.values or {}), event.key, ref), allowed)
    return parse(search or "", allowed)


def cascade(values: dict[str, object], changed: str | None, ref: Reference) -> dict[str, object]:
    """Keep kota → kecamatan → kelurahan consistent with the place control just changed:
    a new kota clears the kecamatan and kelurahan, a new kecamatan clears the kelurahan
    and sets its kota, a new kelurahan sets its kota and kecamatan."""
    if changed == "kota":
        values.update(kecamatan=None, kelurahan=None)
    elif changed == "kecamatan":
        values["kelurahan"] = None
        if values["kecamatan"] in ref.kecamatan:
            values["kota"] = ref.kecamatan[values["kecamatan"]].kota_code
    elif changed == "kelurahan" and values["kelurahan"] in ref.kelurahan:
        kel = ref.kelurahan[values["kelurahan"]]
        values.update(kota=kel.kota_code, kecamatan=kel.kecamatan_code)
    return values


def clicked(current: Filters, key: str, code: object, ref: Reference) -> dict[str, object]:
    """The current filters with a click on ``code`` of dimension ``key`` applied (not yet
    validated): it replaces a multi-value filter, and a kelurahan brings its places."""
    values = control_values(current)
    values[key] = [code] if key in MULTI else code
    return cascade(values, "kelurahan", ref) if key == "kelurahan" else values


def control_values(filters: Filters) -> dict[str, object]:
    """The filters as the controls' values by :data:`CONTROL_KEYS` (:func:`parse` reads them back)."""
    return {"agency": list(filters.agency), "kota": filters.kota, "kecamatan": filters.kecamatan,
            "kelurahan": filters.kelurahan, "category": list(filters.category), "status": list(filters.status),
            "from": filters.since.isoformat() if filters.since else None,
            "to": filters.until.isoformat() if filters.until else None, "overdue": "1" if filters.overdue else None}
