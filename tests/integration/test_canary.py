"""Canary crawl: seed unique strings into every reporter identity field, the street
address, the media URL, a quarantined raw record and (phone/e-mail/NIK/plate-shaped)
into report text; then fetch, as an anonymous client, every page, Dash endpoint, plain
route and API route, and call every registered callback with made-up inputs (also forged
ones naming other views' component ids and report ids). Any canary in any body fails.

``test_visitor_and_api_leak_nothing`` covers this helper's public face;
``test_whole_app_leaks_nothing`` covers everything the anonymous role can reach, the wall
and the supervisor's callbacks included.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from itertools import islice

import pytest
from sqlalchemy import select

from dashboard.config import Settings
from dashboard.store import writes
from dashboard.store.schema import report
from tests.public_data import IDENTITY_CANARIES, canary_text, leaks, seed

ROUTES = ("/", "/wall", "/visitor", "/supervisor", "/login")
CANDIDATES = (None, 1, "x", "?lang=en", "?kota=31.71&status=menunggu&page=1", {"lang": "en"},
              {"lang": "en", "agency": None, "poll": 15}, *ROUTES)
MAX_VARIANTS = 40


@pytest.fixture
def canary_app(engine, reference, tmp_path, db_url):
    now = datetime.now(timezone.utc)
    seed(engine, now=now)
    with engine.begin() as conn:
        writes.quarantine(conn, "test", [writes.QuarantineItem(
            "Q-1", "invalid_status", "bad", {"description": canary_text(),
                                             "first_name": IDENTITY_CANARIES[0]})], now)
    _refresh_wall(engine, reference, now, tmp_path, db_url)
    from app import create_app

    settings = Settings.from_env({}, data_dir=tmp_path, database_url=db_url, public_rate_per_minute=0)
    app = create_app(settings)
    with engine.connect() as conn:
        ids = [r for (r,) in conn.execute(select(report.c.id))]
    return app, ids


def _refresh_wall(engine, reference, now, tmp_path, db_url):
    """The wall snapshot as the worker computes it (its ticker holds report text)."""
    from dashboard.wall.aggregate import refresh_wall_snapshot

    refresh_wall_snapshot(engine, reference, now, Settings.from_env({}, data_dir=tmp_path, database_url=db_url))


def crawl(app, ids, *, only: tuple[str, ...] | None = None) -> dict[str, list[str]]:
    """{what was fetched: canaries found} for every fetch that leaked."""
    client = app.server.test_client()
    found: dict[str, list[str]] = {}
    for url in _urls(app, ids):
        if only is None or url.startswith(only):
            _check(found, url, client.get(url).get_data().decode("utf-8", "replace"))
    deps = json.loads(client.get("/_dash-dependencies").get_data(as_text=True))
    for dep in deps:
        if dep.get("clientside_function") or (only is not None and not any(o in dep["output"] for o in only)):
            continue
        for body in islice(_payloads(dep, ids), MAX_VARIANTS):
            got = client.post("/_dash-update-component", json=body)
            _check(found, f"callback {dep['output'][:60]} {json.dumps(body['inputs'])[:120]}",
                   got.get_data().decode("utf-8", "replace"))
    return found


GEOMETRY = ("/wall/areas.json", "/wall/kota.json", "/visitor/kota.json", "/supervisor/areas.json")


def _check(found: dict, what: str, body: str) -> None:
    hits = leaks(body, coords=not what.startswith(GEOMETRY))
    if hits:
        found[what] = hits


def _urls(app, ids) -> list[str]:
    urls = [*ROUTES, "/visitor?lang=en", "/wall?lang=en", "/_dash-layout", "/_dash-dependencies",
            "/wall/points.json", "/wall/points.json?v=1", "/supervisor/export.csv",
            "/open311/v2/requests.json", "/open311/v2/requests.xml", "/open311/v2/services.json",
            "/open311/v2/requests.json?status=open&page_size=1000",
            "/open311/v2/requests.json?updated_after=" + (datetime.now(timezone.utc) - timedelta(days=30)).isoformat()[:19]]
    urls += [f"/open311/v2/requests/{i}.{fmt}" for i in ids for fmt in ("json", "xml")]
    urls += ["/open311/v2/requests.json?service_request_id=" + ",".join(map(str, ids))]
    plain = [r.rule for r in app.server.url_map.iter_rules()
             if "GET" in r.methods and not r.arguments and not r.rule.startswith("/_dash-component")]
    return urls + [u for u in plain if u not in urls]


def _payloads(dep: dict, ids: list[int]):
    """Request bodies for one callback: all inputs empty, then each input (and state) set
    to each made-up value in turn; pattern-matching inputs name every report id."""
    slots = [("inputs", i) for i in dep["inputs"]] + [("state", s) for s in dep["state"]]
    yield _body(dep, {}, ids)
    for n in range(len(slots)):
        for value in CANDIDATES[1:]:
            yield _body(dep, {n: value}, ids)


def _body(dep: dict, values: dict, ids: list[int]) -> dict:
    body = {"output": dep["output"], "outputs": _outputs(dep["output"]), "inputs": [], "state": [],
            "changedPropIds": []}
    slots = [("inputs", i) for i in dep["inputs"]] + [("state", s) for s in dep["state"]]
    for n, (kind, slot) in enumerate(slots):
        body[kind].append(_slot(slot, values.get(n), ids))
    body["changedPropIds"] = [f"{dep['inputs'][0]['id']}.{dep['inputs'][0]['property']}"] if dep["inputs"] else []
    return body


def _slot(slot: dict, value, ids: list[int]):
    if slot["id"].startswith("{"):
        pattern = json.loads(slot["id"])
        return [{"id": {k: (i if isinstance(v, list) else v) for k, v in pattern.items()},
                 "property": slot["property"], "value": value if value is not None else 1} for i in ids]
    return {"id": slot["id"], "property": slot["property"], "value": value}


def _outputs(output: str):
    if output.startswith(".."):
        parts = output.strip(".").split("...")
        return [dict(zip(("id", "property"), p.rsplit(".", 1))) for p in parts]
    return dict(zip(("id", "property"), output.rsplit(".", 1)))


def test_visitor_and_api_leak_nothing(canary_app):
    app, ids = canary_app
    found = crawl(app, ids, only=("/visitor", "/open311", "/_dash", "visitor-", "page.children"))
    assert found == {}


def test_crawl_sees_the_canaries_when_unprotected(canary_app, engine):
    """The crawl can fail: raw rows do carry the canaries."""
    with engine.connect() as conn:
        raw = json.dumps([dict(r._mapping) for r in conn.execute(select(report))], default=str)
    assert leaks(raw) and "pantau-canary" in raw


WALL = ("/wall/points.json", "wall-")


def test_rest_of_the_app_leaks_nothing(canary_app):
    """Everything but the wall's data: pages, layout, dependencies, the supervisor's
    routes and callbacks (forged, anonymous), the landing page, the API."""
    app, ids = canary_app
    found = crawl(app, ids)
    assert {k: v for k, v in found.items() if not any(w in k for w in WALL)} == {}


def test_wall_leaks_nothing(canary_app):
    app, ids = canary_app
    found = crawl(app, ids, only=WALL)
    assert found == {}


def test_visitor_and_api_need_no_login_or_token(settings):
    """Public by design: with a wall token and supervisor logins in place, the tour, its
    data callback, its map outline and the API answer an anonymous client."""
    from app import create_app

    app = create_app(settings.with_(wall_token="s3cret", public_rate_per_minute=0))
    client = app.server.test_client()
    assert client.get("/wall/kota.json").status_code == 403  # the guard is on...
    for url in ("/visitor", "/visitor/kota.json", "/open311/v2/services.json", "/open311/v2/requests.json"):
        assert client.get(url).status_code == 200, url  # ...but not here
    output = next(k for k in app.callback_map if "visitor-status" in k)
    dep = {"output": output, "inputs": [{"id": "visitor-tick", "property": "n_intervals"}],
           "state": [{"id": "visitor-query", "property": "data"}]}
    got = client.post("/_dash-update-component", json=_body(dep, {1: {"lang": "en"}}, []))
    assert got.status_code == 200 and "reports today" in got.get_data(as_text=True)
