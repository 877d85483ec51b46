"""The supervisor callbacks answer in the page language (``?lang=`` in the URL query) and
keep it in the URL when a filter changes; Bahasa Indonesia by default."""

from __future__ import annotations

import pytest
import requests

from dashboard.reference import load_reference
from tests.supervisor_server import start

ROWS = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start(tmp_path_factory.mktemp("sup-lang"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def sup(server):
    return server.session("sup")


@pytest.fixture(scope="module")
def deps(server):
    return requests.get(f"{server.base}/_dash-dependencies", timeout=10).json()


def call(session, server, deps, output_part: str, values: dict, changed: str | None = None):
    """POST the callback whose output contains ``output_part`` with ``values`` by
    (id, property); unnamed inputs get None."""
    dep = next(d for d in deps if output_part in d["output"] and not d.get("clientside_function"))

    def item(spec):
        return {"id": spec["id"], "property": spec["property"], "value": values.get((spec["id"], spec["property"]))}
    outputs = [{"id": o.split(".")[0], "property": o.split(".")[1]} for o in dep["output"].strip(".").split("...")]
    payload = {"output": dep["output"], "outputs": outputs if dep["output"].startswith("..") else outputs[0],
               "inputs": [item(i) for i in dep["inputs"]], "state": [item(s) for s in dep["state"]],
               "changedPropIds": [changed] if changed else []}
    r = session.post(f"{server.base}/_dash-update-component", json=payload, timeout=30)
    assert r.status_code == 200, r.text[:300]
    return r.json()["response"]


@pytest.mark.parametrize("search, kpi, title, status", [
    ("", "Menunggu > 6 jam", "Terbuka per kategori", "Menunggu"),
    ("?lang=en", "Waiting > 6 h", "Open by category", "Waiting"),
])
def test_overview_in_the_page_language(server, sup, deps, search, kpi, title, status):
    out = call(sup, server, deps, "supervisor-kpis.children", {("supervisor-url", "search"): search})
    text = str(out)
    assert kpi in text and title in text
    assert status in out["supervisor-status-fig"]["figure"]["data"][0]["x"]
    other = {"Menunggu > 6 jam": "Waiting > 6 h", "Waiting > 6 h": "Menunggu > 6 jam"}[kpi]
    assert other not in text


def test_insights_in_english(server, sup, deps):
    out = call(sup, server, deps, "supervisor-respond-fig.figure", {("supervisor-url", "search"): "?lang=en"})
    respond = out["supervisor-respond-fig"]["figure"]
    assert respond["data"][0]["x"] == ["<1h", "1-6h", "6-24h", "1-3d", ">3d"]
    assert "Time to coordination" in respond["layout"]["title"]["text"]
    funnel = out["supervisor-funnel-fig"]["figure"]["data"][0]["y"]
    assert "Coordination" in funnel and "koordinasi" not in funnel


def test_filter_change_keeps_the_language_in_the_url(server, sup, deps):
    values = {("supervisor-url", "search"): "?lang=en", ("supervisor-f-overdue", "value"): ["1"]}
    out = call(sup, server, deps, "supervisor-url.search", values, changed="supervisor-f-overdue.value")
    assert out["supervisor-url"]["search"] == "?overdue=1&lang=en"
    values[("supervisor-url", "search")] = ""
    out = call(sup, server, deps, "supervisor-url.search", values, changed="supervisor-f-overdue.value")
    assert out["supervisor-url"]["search"] == "?overdue=1"


def test_grid_rows_and_status_filter_in_english(server, sup, deps):
    search = {("supervisor-url", "search"): "?lang=en"}
    waiting = {**ROWS, "filterModel": {"status": {"filterType": "text", "type": "equals", "filter": "Waiting"}}}
    out = call(sup, server, deps, "supervisor-table.getRowsResponse",
               {**search, ("supervisor-table", "getRowsRequest"): waiting})
    rows = out["supervisor-table"]["getRowsResponse"]["rowData"]
    assert rows and {r["status"] for r in rows} == {"Waiting"}
    english = {c.name_en for c in load_reference().categories.values()}
    assert {r["category"] for r in rows} <= english  # categories by their English name


def test_locked_page_sends_to_login_in_the_same_language(server, deps):
    anon = requests.Session()
    out = call(anon, server, deps, "page.children", {("url", "pathname"): "/supervisor", ("url", "search"): "?lang=en"})
    text = str(out)
    assert "/login?lang=en&next=/supervisor%3Flang%3Den" in text and "Sign in" in text


def test_sync_wraps_the_filter_state_machine(server, sup, deps):
    """Clicks and place controls go through ``dashboard.supervisor.filters.next_filters``."""
    ref = load_reference()
    kel = sorted(ref.kelurahan)[0]
    kec, kota = ref.kelurahan[kel].kecamatan_code, ref.kelurahan[kel].kota_code
    values = {("supervisor-url", "search"): "?category=banjir&lang=en",
              ("supervisor-status-fig", "clickData"): {"points": [{"customdata": "proses"}]}}
    out = call(sup, server, deps, "supervisor-url.search", values, changed="supervisor-status-fig.clickData")
    assert out["supervisor-url"]["search"] == "?category=banjir&status=proses&lang=en"
    values = {("supervisor-url", "search"): "", ("supervisor-areas", "clickData"): {"properties": {"code": kel}}}
    out = call(sup, server, deps, "supervisor-url.search", values, changed="supervisor-areas.clickData")
    assert out["supervisor-url"]["search"] == f"?kota={kota}&kecamatan={kec}&kelurahan={kel}"
    values = {("supervisor-url", "search"): "", ("supervisor-f-kota", "value"): kota,
              ("supervisor-f-kelurahan", "value"): kel}
    out = call(sup, server, deps, "supervisor-url.search", values, changed="supervisor-f-kota.value")
    assert out["supervisor-url"]["search"] == f"?kota={kota}" and out["supervisor-f-kelurahan"]["value"] is None
