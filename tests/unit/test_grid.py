"""The grid's rows request is validated against the server's own columns and bounds."""

import pytest

from dashboard.supervisor.filters import FilterError
from dashboard.supervisor.grid import RowsRequest, parse_rows_request


def test_valid_request():
    req = parse_rows_request({"startRow": 100, "endRow": 200, "sortModel": [{"colId": "status", "sort": "asc"}],
                              "filterModel": {"id": {"filterType": "number", "type": "equals", "filter": 7},
                                              "status": {"filterType": "text", "type": "equals", "filter": "Proses"}}})
    assert req == RowsRequest(100, 200, (("status", False),), 7, "proses")
    assert parse_rows_request({"startRow": 0, "endRow": 100}) == RowsRequest(0, 100)


@pytest.mark.parametrize("raw", [
    None, [], {"startRow": 0}, {"startRow": 5, "endRow": 5}, {"startRow": 0, "endRow": 501},
    {"startRow": True, "endRow": 10}, {"startRow": 0, "endRow": 10, "sortModel": [{"colId": "description", "sort": "asc"}]},
    {"startRow": 0, "endRow": 10, "sortModel": [{"colId": "id"}]},
    {"startRow": 0, "endRow": 10, "filterModel": {"kota": {"filterType": "text", "type": "equals", "filter": "x"}}},
    {"startRow": 0, "endRow": 10, "filterModel": {"id": {"filterType": "number", "type": "equals", "filter": "7"}}},
    {"startRow": 0, "endRow": 10, "filterModel": {"status": {"filterType": "text", "type": "contains", "filter": "m"}}},
])
def test_forged_requests_are_refused(raw):
    with pytest.raises(FilterError):
        parse_rows_request(raw)
