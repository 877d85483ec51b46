"""Authorization matrix against a running server: every supervisor callback and route ×
anonymous, visitor, supervisor, scoped supervisor, admin. Denied requests get 401/403
with no data; forged payloads get a 4xx; scoped supervisors never see out-of-scope rows;
the public callbacks keep working anonymously."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests

from tests.supervisor_data import SECRET
from tests.supervisor_server import callback_body, find_prop, login_token, start

ROLES = (None, "visitor", "sup", "scoped", "admin")
ALLOWED = {"sup", "scoped", "admin"}
ROUTES = ("/supervisor", "/supervisor/export.csv", "/supervisor/points.json", "/supervisor/areas.json")
#: A valid value per input/state property of the supervisor callbacks.
ROWS = {"startRow": 0, "endRow": 100, "sortModel": [{"colId": "requested_at", "sort": "desc"}], "filterModel": {}}
VALID = {"search": "", "value": None, "start_date": None, "end_date": None, "n_clicks": 0,
         "clickData": None, "data": 0, "getRowsRequest": ROWS, "cellClicked": None, "id": "supervisor-table"}
TABLE = "supervisor-table.getRowsResponse"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start(tmp_path_factory.mktemp("authz"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def sessions(server):
    return {role: server.session(role) for role in ROLES}


@pytest.fixture(scope="module")
def callbacks(server):
    deps = requests.get(f"{server.base}/_dash-dependencies", timeout=10).json()
    found = [d for d in deps if "supervisor-" in d["output"] and not d.get("clientside_function")]
    assert len(found) == 5  # sync, overview, insights, grid rows, detail
    return found


def body(dep: dict, overrides: dict | None = None) -> dict:
    """The JSON a browser would POST to /_dash-update-component for ``dep``: a valid
    value per property, ``overrides`` by (id, property)."""
    return callback_body(dep, VALID, overrides)


def clicked(detail: dict, row_id) -> dict:
    """The detail callback's payload for a click on the grid row ``row_id``."""
    payload = body(detail)
    payload["inputs"] = [{"id": "supervisor-table", "property": "cellClicked",
                          "value": {"rowId": row_id, "colId": "id", "value": row_id, "rowIndex": 0}}]
    payload["changedPropIds"] = ["supervisor-table.cellClicked"]
    return payload


def test_grid_sorts_filters_and_ends(server, sessions, callbacks):
    """Server-side sort, id/status filters and the end of the rows (rowCount) of the grid."""
    table = next(d for d in callbacks if TABLE in d["output"])

    def rows(**request):
        r = post(sessions["sup"], server, body(table, {("supervisor-table", "getRowsRequest"): {**ROWS, **request}}))
        assert r.status_code == 200, r.text[:200]
        return r.json()["response"]["supervisor-table"]["getRowsResponse"]
    everything = rows(sortModel=[{"colId": "id", "sort": "asc"}])
    ids = [x["id"] for x in everything["rowData"]]
    assert ids == sorted(ids) and everything["rowCount"] == len(ids) == 10
    assert [x["id"] for x in rows(sortModel=[{"colId": "id", "sort": "desc"}])["rowData"]] == ids[::-1]
    one = rows(filterModel={"id": {"filterType": "number", "type": "equals", "filter": ids[3]}})
    assert [x["id"] for x in one["rowData"]] == [ids[3]] and one["rowCount"] == 1
    waiting = rows(filterModel={"status": {"filterType": "text", "type": "equals", "filter": "menunggu"}})
    assert {x["status"] for x in waiting["rowData"]} == {"Menunggu"} and waiting["rowCount"] == 4
    block = rows(startRow=0, endRow=5)
    assert len(block["rowData"]) == 5 and block["rowCount"] is None  # more to come


def post(session: requests.Session, server, payload, **kwargs) -> requests.Response:
    return session.post(f"{server.base}/_dash-update-component", json=payload, timeout=30, **kwargs)


def assert_denied(r: requests.Response, role: str | None) -> None:
    assert r.status_code == (401 if role is None else 403), (role, r.status_code, r.text[:200])
    assert len(r.content) < 64 and "supervisor" not in r.text and SECRET not in r.text


@pytest.mark.parametrize("role", ROLES)
def test_every_supervisor_callback(server, sessions, callbacks, role):
    for dep in callbacks:
        r = post(sessions[role], server, body(dep))
        if role in ALLOWED:
            assert r.status_code in (200, 204), (dep["output"], r.status_code, r.text[:300])
            if role == "scoped":
                assert SECRET not in r.text
        else:
            assert_denied(r, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ROUTES)
def test_every_supervisor_route(server, sessions, role, path):
    r = sessions[role].get(server.base + path, allow_redirects=False, timeout=30)
    if role in ALLOWED:
        assert r.status_code == 200
        if role == "scoped":
            assert SECRET not in r.text
    elif role is None and path == "/supervisor":
        assert r.status_code == 302 and r.headers["Location"].startswith("/login?next=/supervisor")
    else:
        assert_denied(r, role)


def test_unscoped_supervisor_does_see_the_secret_rows(server, sessions, callbacks):
    """The scope checks above can fail: the same requests show SECRET to a city-wide account."""
    table = next(d for d in callbacks if TABLE in d["output"])
    assert SECRET in post(sessions["sup"], server, body(table)).text
    assert SECRET not in post(sessions["scoped"], server, body(table)).text
    assert SECRET in sessions["sup"].get(server.base + "/supervisor/export.csv", timeout=30).text
    hidden = set(server.ids["31.74"])
    assert hidden <= map_ids(sessions["sup"], server) and not hidden & map_ids(sessions["scoped"], server)


def map_ids(session: requests.Session, server) -> set[int]:
    r = session.get(server.base + "/supervisor/points.json", timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/geo+json"
    return {f["id"] for f in r.json()["features"]}


def test_scoped_supervisor_cannot_filter_or_open_out_of_scope(server, sessions, callbacks):
    overview = next(d for d in callbacks if "supervisor-kpis.children" in d["output"])
    r = post(sessions["scoped"], server, body(overview, {("supervisor-url", "search"): "?kota=31.74"}))
    assert r.status_code == 400 and SECRET not in r.text
    for route in ("/supervisor/export.csv", "/supervisor/points.json"):
        r = sessions["scoped"].get(server.base + route + "?kota=31.74", timeout=30)
        assert r.status_code == 400 and SECRET not in r.text and "Feature" not in r.text
    detail = next(d for d in callbacks if d["output"] == "supervisor-detail.children")
    secret_id = server.ids["31.74"][0]
    payload = clicked(detail, str(secret_id))
    scoped, admin = post(sessions["scoped"], server, payload), post(sessions["admin"], server, payload)
    assert scoped.status_code == 200 and SECRET not in scoped.text and "supervisor-detail-text" not in scoped.text
    assert SECRET in admin.text and "Rahasia" in admin.text  # admins see the reporter
    sup = post(sessions["sup"], server, payload)
    assert SECRET in sup.text and "Rahasia" not in sup.text  # supervisors never do


@pytest.mark.parametrize("override", [
    {("supervisor-url", "search"): "?status=hacked"},
    {("supervisor-url", "search"): "?category=' OR 1=1 --"},
    {("supervisor-url", "search"): "?from=2026-99-01"},
    {("supervisor-url", "search"): ["not", "a", "string"]},
    *({("supervisor-table", "getRowsRequest"): {**ROWS, **bad}} for bad in (
        {"sortModel": [{"colId": "description; DROP TABLE report", "sort": "asc"}]},
        {"sortModel": [{"colId": "id", "sort": "sideways"}]}, {"sortModel": "id"},
        {"filterModel": {"description": {"filterType": "text", "type": "contains", "filter": "x"}}},
        {"filterModel": {"status": {"filterType": "text", "type": "equals", "filter": "hacked"}}},
        {"filterModel": {"id": {"filterType": "number", "type": "greaterThan", "filter": 1}}},
        {"startRow": -1}, {"endRow": 10**12}, {"startRow": "0"}, {"startRow": 0, "endRow": 100_000})),
    {("supervisor-table", "getRowsRequest"): "rows please"},
])
def test_forged_values_get_400_without_data(server, sessions, callbacks, override):
    table = next(d for d in callbacks if TABLE in d["output"])
    r = post(sessions["admin"], server, body(table, override))
    assert r.status_code == 400 and SECRET not in r.text and "laporan" not in r.text


def test_forged_detail_ids(server, sessions, callbacks):
    detail = next(d for d in callbacks if d["output"] == "supervisor-detail.children")
    for bad in ("abc", str(2**70), "-5", None, 7, "1 OR 1=1"):
        r = post(sessions["admin"], server, clicked(detail, bad))
        assert r.status_code == 400 and SECRET not in r.text, (bad, r.status_code, r.text[:200])


@pytest.mark.parametrize("role", (None, "admin"))
def test_unknown_callbacks_and_malformed_bodies(server, sessions, role):
    s = sessions[role]
    url = f"{server.base}/_dash-update-component"
    assert post(s, server, {"output": "nope.children", "inputs": [], "state": []}).status_code == 400
    assert post(s, server, {"output": ["supervisor-kpis.children"]}).status_code == 400
    assert post(s, server, [1, 2, 3]).status_code == 400
    assert s.post(url, data="{not json", headers={"Content-Type": "application/json"}, timeout=10).status_code == 400
    assert s.post(url, data="output=x", timeout=10).status_code == 400


def test_ten_megabyte_body_is_refused(server, sessions):
    big = {"output": "supervisor-detail.children", "inputs": [], "state": [], "pad": "x" * 10_000_000}
    for role in (None, "admin"):
        r = post(sessions[role], server, big)  # Content-Length is checked before the body is read
        assert r.status_code == 413 and SECRET not in r.text


def test_public_callbacks_still_work_anonymously(server, sessions):
    deps = requests.get(f"{server.base}/_dash-dependencies", timeout=10).json()
    index = next(d for d in deps if d["output"] == "index-counts.children")
    r = post(sessions[None], server, body(index, {("url", "search"): ""}))
    assert r.status_code == 200
    assert requests.get(f"{server.base}/wall", timeout=10).status_code == 200
    assert requests.get(f"{server.base}/login", timeout=10).status_code == 200


def test_router_shows_no_supervisor_data_to_anonymous(server, sessions):
    deps = requests.get(f"{server.base}/_dash-dependencies", timeout=10).json()
    router = next(d for d in deps if d["output"] == "page.children")
    payload = body(router, {("url", "pathname"): "/supervisor", ("url", "search"): ""})
    anon = post(sessions[None], server, payload)
    assert anon.status_code == 200 and "view-supervisor--locked" in anon.text and "supervisor-f-agency" not in anon.text
    assert "supervisor-f-agency" in post(sessions["admin"], server, payload).text
    login = post(sessions[None], server, body(router, {("url", "pathname"): "/login", ("url", "search"): ""}))
    assert login.status_code == 200 and '"name":"password"' in login.text.replace(" ", "")


def test_session_cookie_flags_expiry_and_logout(server):
    s = requests.Session()
    r = s.post(f"{server.base}/login", data={"username": "sup", "password": "rahasia-123",
                                            "csrf_token": login_token(s, server.base)}, allow_redirects=False)
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    expires = next(c for c in s.cookies if c.name == "session").expires
    hours = (datetime.fromtimestamp(expires, timezone.utc) - datetime.now(timezone.utc)) / timedelta(hours=1)
    assert 7.9 < hours <= 8.0  # settings.session_hours
    assert s.get(f"{server.base}/supervisor/export.csv", timeout=10).status_code == 200
    r = s.get(f"{server.base}/logout", allow_redirects=False)  # a link does not sign out: it leads to the button
    assert r.status_code == 303 and r.headers["Location"] == "/supervisor"
    assert s.post(f"{server.base}/logout", allow_redirects=False).status_code == 400  # without the token
    assert s.get(f"{server.base}/supervisor/export.csv", timeout=10).status_code == 200  # still signed in
    token = logout_token(s, server)
    assert s.post(f"{server.base}/logout", data={"csrf_token": token}, allow_redirects=False).status_code == 303
    assert s.get(f"{server.base}/supervisor/export.csv", timeout=10).status_code == 401


def logout_token(s: requests.Session, server) -> str:
    """The sign-out form's token, from the supervisor page as the router builds it."""
    deps = requests.get(f"{server.base}/_dash-dependencies", timeout=10).json()
    router = next(d for d in deps if d["output"] == "page.children")
    page = post(s, server, body(router, {("url", "pathname"): "/supervisor", ("url", "search"): ""})).json()
    token = find_prop(page, "supervisor-logout-csrf", "value")
    assert token
    return token


def test_wrong_password_and_open_redirect(server):
    s = requests.Session()
    token = login_token(s, server.base)
    r = s.post(f"{server.base}/login", data={"username": "sup", "password": "salah-sekali", "next": "/supervisor",
                                            "csrf_token": token}, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].startswith("/login?error=1")
    assert s.get(f"{server.base}/supervisor/export.csv", timeout=10).status_code == 401
    r = s.post(f"{server.base}/login", data={"username": "sup", "password": "rahasia-123", "csrf_token": token,
                                            "next": "//evil.example/x"}, allow_redirects=False)
    assert r.headers["Location"] == "/supervisor"


def test_secure_cookie_flag_when_configured(tmp_path):
    srv = start(tmp_path, secure_cookies=True, session_hours=1)
    try:
        s = requests.Session()
        token = login_token(s, srv.base)  # its session cookie is Secure: requests keeps it off plain http
        r = requests.post(f"{srv.base}/login", data={"username": "sup", "password": "rahasia-123", "csrf_token": token},
                          headers={"Cookie": f"session={s.cookies.get('session')}"}, allow_redirects=False, timeout=10)
        assert "Secure" in r.headers["Set-Cookie"] and "HttpOnly" in r.headers["Set-Cookie"]
    finally:
        srv.stop()
