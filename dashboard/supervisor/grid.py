"""The report grid's server side: validate an ag-grid infinite-row-model request
(``getRowsRequest``: startRow, endRow, sortModel, filterModel). Pure; never trusts the
client: sort columns come from :data:`SORTABLE`, filters from :data:`FILTERS` (exact
report id, exact status), block size is bounded. Anything else raises
:class:`~dashboard.supervisor.filters.FilterError` (the callback answers 400, no data).
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.supervisor.filters import FilterError
from dashboard.models import STATUS_ORDER

MAX_BLOCK = 500  # rows per request (the grid asks for cacheBlockSize = 100)
MAX_ROW = 10_000_000  # deepest row index accepted
SORTABLE = ("id", "requested_at", "updated_at", "status", "category", "agency", "kelurahan", "kota")
FILTERS = ("id", "status")
STATUS_BY_TEXT = {**{s.value: s.value for s in STATUS_ORDER}, **{s.label.lower(): s.value for s in STATUS_ORDER}}


@dataclass(frozen=True)
class RowsRequest:
    start: int
    end: int
    sort: tuple[tuple[str, bool], ...] = ()  # (SORTABLE key, descending)
    report_id: int | None = None
    status: str | None = None


def parse_rows_request(raw: object) -> RowsRequest:
    """Validated :class:`RowsRequest` from the grid's ``getRowsRequest`` dict."""
    if not isinstance(raw, dict):
        raise FilterError("rows request: expected an object")
    start, end = raw.get("startRow"), raw.get("endRow")
    if type(start) is not int or type(end) is not int or not 0 <= start < end <= MAX_ROW \
            or end - start > MAX_BLOCK:
        raise FilterError("rows request: bad startRow/endRow")
    filters = _filters(raw.get("filterModel") or {})
    return RowsRequest(start, end, _sort(raw.get("sortModel") or []), **filters)


def _sort(model: object) -> tuple[tuple[str, bool], ...]:
    if not isinstance(model, list) or len(model) > len(SORTABLE):
        raise FilterError("sortModel: expected a short list")
    out = []
    for item in model:
        if not isinstance(item, dict) or item.get("colId") not in SORTABLE or item.get("sort") not in ("asc", "desc"):
            raise FilterError("sortModel: unknown column or direction")
        out.append((item["colId"], item["sort"] == "desc"))
    return tuple(out)


def _filters(model: object) -> dict:
    if not isinstance(model, dict) or any(key not in FILTERS for key in model):
        raise FilterError("filterModel: only id and status can be filtered")
    out: dict = {}
    if "id" in model:
        value = _equals(model["id"], "number")
        if type(value) is not int or not 0 < value < 2**62:
            raise FilterError("filterModel: id must be a report number")
        out["report_id"] = value
    if "status" in model:
        value = _equals(model["status"], "text")
        if not isinstance(value, str) or value.strip().lower() not in STATUS_BY_TEXT:
            raise FilterError("filterModel: unknown status")
        out["status"] = STATUS_BY_TEXT[value.strip().lower()]
    return out


def _equals(spec: object, kind: str) -> object:
    if not isinstance(spec, dict) or spec.get("filterType") != kind or spec.get("type") != "equals":
        raise FilterError("filterModel: only one 'equals' condition per column")
    return spec.get("filter")


def clicked_row(clicked: object) -> int | None:
    """The report id of a clicked grid cell (``cellClicked``'s ``rowId``), or None when the
    client sent anything but a positive id that fits a bigint."""
    row_id = clicked.get("rowId") if isinstance(clicked, dict) else None
    if not isinstance(row_id, str) or not row_id.isdigit() or not 0 < int(row_id) < 2**62:
        return None
    return int(row_id)
