"""The public Open311 API over real HTTP on 127.0.0.1 (werkzeug in a thread), on both
backends: conformance (fields, types, offsets, filters, caps, errors), guards (413, 429)
and Pantau as a source for another Pantau (INGEST's Open311Source + ingest_once)."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from callbacks import Deps
from callbacks.open311 import register_api
from dashboard.config import Settings
from dashboard.models import Status
from dashboard.store import schema
from dashboard.store.engine import make_engine
from dashboard.store.refdata import store_reference
from tests.public_data import NOW, leaks, make, seed


@contextmanager
def serve(server):  # noqa: ANN001
    """Serve a Flask app on an ephemeral 127.0.0.1 port; yields the base URL."""
    httpd = make_server("127.0.0.1", 0, server, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(5)


def api_server(engine, reference, now=lambda: NOW, **settings):  # noqa: ANN001, ANN201
    server = Flask(__name__)
    conf = Settings.from_env({}, database_url=str(engine.url), **settings)
    register_api(server, Deps(conf, engine, reference, None, now))
    return server


@pytest.fixture
def base(engine, reference):
    seed(engine)
    with serve(api_server(engine, reference)) as url:
        yield url + "/open311/v2"


def get(url, **params):  # noqa: ANN001, ANN201
    return requests.get(url, params=params, timeout=10)


def test_services(base):
    got = get(f"{base}/services.json")
    assert got.status_code == 200 and got.headers["Content-Type"].startswith("application/json")
    services = {s["service_code"]: s for s in got.json()}
    assert services["sampah"]["service_name"] == "Sampah" and services["sampah"]["metadata"] is False
    root = ET.fromstring(get(f"{base}/services.xml").content)
    assert root.tag == "services" and len(root) == len(services)


def test_requests_fields_types_and_offsets(base):
    got = get(f"{base}/requests.json")
    assert got.status_code == 200
    items = got.json()
    assert len(items) == 7 and leaks(got.text) == []
    for item in items:
        assert isinstance(item["service_request_id"], str) and item["status"] in ("open", "closed")
        assert item["requested_datetime"].endswith("+07:00") and item["updated_datetime"].endswith("+07:00")
        assert isinstance(item["lat"], float) and isinstance(item["long"], float)
        assert Status(item["jakarta_status"]).label == item["status_notes"]
    assert {i["status"] for i in items if i["jakarta_status"] == "selesai"} == {"closed"}


def test_requests_filters_and_paging(base):
    assert {i["status"] for i in get(f"{base}/requests.json", status="closed").json()} == {"closed"}
    assert len(get(f"{base}/requests.json", status="open").json()) == 5
    assert [i["service_code"] for i in get(f"{base}/requests.json", service_code="jalan_rusak").json()] == ["jalan_rusak"]
    week = get(f"{base}/requests.json", start_date=(NOW - timedelta(days=7)).isoformat(),
               end_date=NOW.isoformat()).json()
    assert len(week) == 6
    pages = [get(f"{base}/requests.json", page=p, page_size=4).json() for p in (1, 2, 3)]
    assert [len(p) for p in pages] == [4, 3, 0]
    assert len({i["service_request_id"] for p in pages for i in p}) == 7


def test_one_request_and_lookup(base):
    first = get(f"{base}/requests.json").json()[0]
    rid = first["service_request_id"]
    assert get(f"{base}/requests/{rid}.json").json() == [first]
    assert get(f"{base}/requests.json", service_request_id=rid).json() == [first]
    xml = ET.fromstring(get(f"{base}/requests/{rid}.xml").content)
    assert xml.tag == "service_requests" and xml[0].find("service_request_id").text == rid


@pytest.mark.parametrize("params", [
    {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
    {"status": "pending"}, {"page_size": "5000"}, {"start_date": "kemarin"},
])
def test_bad_parameters_are_400_per_spec(base, params):
    got = get(f"{base}/requests.json", **params)
    assert got.status_code == 400
    [err] = got.json()
    assert err["code"] == 400 and isinstance(err["description"], str) and err["description"]


def test_unknown_id_and_format_are_404(base):
    for url in (f"{base}/requests/999999.json", f"{base}/requests/abc.json",
                f"{base}/requests.csv", f"{base}/services.html"):
        got = get(url)
        assert got.status_code == 404, url
        assert got.json()[0]["code"] == 404
    assert ET.fromstring(get(f"{base}/requests/999999.xml").content)[0].find("code").text == "404"


def test_request_size_cap_and_rate_limit(engine, reference):
    server = api_server(engine, reference, public_rate_per_minute=5, max_request_bytes=1000)
    with serve(server) as url:
        big = requests.post(f"{url}/open311/v2/requests.json", data=b"x" * 5000, timeout=10)
        assert big.status_code == 413
        codes = [get(f"{url}/open311/v2/services.json").status_code for _ in range(7)]
        assert codes.count(200) <= 5 and codes[-1] == 429
        assert get(f"{url}/open311/v2/services.json").headers.get("Retry-After") == "60"


@pytest.fixture
def second_engine(tmp_path, reference):
    engine = make_engine(f"sqlite:///{tmp_path / 'second.db'}")
    schema.create_all(engine)
    store_reference(engine, reference)
    yield engine
    engine.dispose()


def _comparable(items):  # noqa: ANN001, ANN202
    return sorted(({k: v for k, v in i.items() if k != "service_request_id"} for i in items),
                  key=lambda i: (i["requested_datetime"], i["description"]))


def test_another_pantau_ingests_the_same_public_data(engine, reference, second_engine, base):
    from dashboard.ingest.open311 import Open311Source
    from dashboard.ingest.run import ingest_once

    result = ingest_once(Open311Source(base, page_size=3, timeout=5), second_engine, reference, NOW)
    assert (result.ok, result.n_new, result.n_quarantined) == (True, 7, 0), result
    with serve(api_server(second_engine, reference)) as url2:
        mirrored = get(f"{url2}/open311/v2/requests.json").json()
    assert _comparable(mirrored) == _comparable(get(f"{base}/requests.json").json())


def test_status_change_of_an_older_request_reaches_the_mirror(engine, reference, second_engine, base):
    from dashboard.ingest.open311 import Open311Source
    from dashboard.ingest.run import ingest_once

    # the spec's start_date/end_date window requested_datetime; updated_after/before do not
    source = Open311Source(base, page_size=50, timeout=5, window_field="updated")
    ingest_once(source, second_engine, reference, NOW)
    seed(engine, [make(11, status=Status.MENUNGGU, requested=NOW - timedelta(days=20),
                       updated=NOW + timedelta(minutes=5), description="Sampah lama")],
         now=NOW + timedelta(minutes=5))
    ingest_once(source, second_engine, reference, NOW + timedelta(minutes=10))
    with serve(api_server(second_engine, reference, now=lambda: NOW + timedelta(minutes=10))) as url2:
        mirrored = get(f"{url2}/open311/v2/requests.json", service_code="sampah").json()
    reopened = [i for i in mirrored if i["description"] == "Sampah lama"]
    assert [(i["status"], i["jakarta_status"]) for i in reopened] == [("open", "menunggu")]


def test_public_callbacks_are_rate_limited_and_size_capped(settings):
    from app import create_app

    app = create_app(settings.with_(public_rate_per_minute=3, max_request_bytes=2000))
    client = app.server.test_client()
    output = next(k for k in app.callback_map if "visitor-status" in k)
    outputs = [dict(zip(("id", "property"), p.rsplit(".", 1))) for p in output.strip(".").split("...")]
    body = {"output": output, "outputs": outputs,
            "inputs": [{"id": "visitor-tick", "property": "n_intervals", "value": 1}],
            "state": [{"id": "visitor-query", "property": "data", "value": {"lang": "en"}}],
            "changedPropIds": ["visitor-tick.n_intervals"]}
    big = client.post("/_dash-update-component", json={**body, "pad": "x" * 5000})
    assert big.status_code == 413
    codes = [client.post("/_dash-update-component", json=body).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429], codes
    assert client.get("/visitor").status_code == 200  # pages are not limited
    other = client.post("/_dash-update-component", json=body, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code != 429  # per client IP
