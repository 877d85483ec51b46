"""The page paths over real HTTP (a served app on 127.0.0.1): ``/`` links every view in
the page's language, each link answers, and a path no view has answers 404 with a page
that leads home, while Dash's own routes, the assets, the API and the plain routes keep
answering."""

from __future__ import annotations

import re

import pytest
import requests

from tests.supervisor_server import find_prop, start

DISPATCH = "/_dash-update-component"
UNKNOWN = ("/nope", "/wall/nope", "/supervisorx", "/_dash-nope", "/open311/v2/nope", "/visitor/a/b")
ANSWERING = ("/", "/wall", "/wall/", "/visitor", "/login", "/supervisor", "/_dash-layout", "/_dash-dependencies",
             "/_favicon.ico", "/assets/10_base.css", "/build-id", "/wall/areas.json", "/open311/v2/services.json",
             "/open311/v2/requests.json")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start(tmp_path_factory.mktemp("pages"))
    yield srv
    srv.stop()


def page(server, pathname: str, search: str = "") -> dict:
    """What the router callback builds for a URL, as the browser asks for it."""
    body = {"output": "page.children", "outputs": {"id": "page", "property": "children"},
            "inputs": [{"id": "url", "property": "pathname", "value": pathname},
                       {"id": "url", "property": "search", "value": search}], "changedPropIds": []}
    r = requests.post(f"{server.base}{DISPATCH}", json=body, timeout=10)
    assert r.status_code == 200, r.text[:300]
    return r.json()


def props(tree, name: str) -> list:
    """Every value of the property ``name`` in a Dash JSON tree, in document order."""
    found, stack = [], [tree]
    while stack:
        node = stack.pop(0)
        if isinstance(node, dict):
            if isinstance(node.get(name), (str, int)):
                found.append(node[name])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def texts(tree) -> str:
    return " ".join(str(t) for t in props(tree, "children"))


def test_landing_page_links_every_view_and_each_link_answers(server):
    tree = page(server, "/")
    hrefs = props(tree, "href")
    for path in ("/wall", "/visitor", "/supervisor", "/open311/v2/services.json", "/open311/v2/requests.json"):
        assert path in hrefs, hrefs
    assert {"/?lang=id", "/?lang=en"} <= set(hrefs)
    for href in hrefs:
        assert requests.get(server.base + href, timeout=10).status_code == 200, href
    assert "Tur pengunjung" in texts(tree) and "Tampilan supervisor" in texts(tree)


def test_landing_page_in_english_keeps_the_language_in_its_links(server):
    tree = page(server, "/", "?lang=en")
    hrefs = props(tree, "href")
    assert {"/wall?lang=en", "/visitor?lang=en", "/supervisor?lang=en"} <= set(hrefs)
    assert "Visitor tour" in texts(tree) and "Tur pengunjung" not in texts(tree)
    assert find_prop(tree, "index-root", "lang") == "en"


def test_a_hostile_language_never_reaches_a_link(server):
    tree = page(server, "/", '?lang="><script>alert(1)</script>')
    assert all("script" not in str(h) and '"' not in str(h) for h in props(tree, "href"))
    assert find_prop(tree, "index-root", "lang") == "id"


def test_unknown_paths_answer_404_with_a_page_that_leads_home(server):
    for path in UNKNOWN:
        for method in (requests.get, requests.head):
            r = method(server.base + path, timeout=10)
            assert r.status_code == 404, (method, path, r.status_code)
            assert r.headers["X-Frame-Options"] == "DENY"
        assert 'id="_dash-config"' in requests.get(server.base + path, timeout=10).text  # the app renders it
    tree = page(server, "/nope", "?lang=en")
    assert "Page not found" in texts(tree) and "/nope" in texts(tree)
    assert "/?lang=en" in props(tree, "href") and "/wall?lang=en" in props(tree, "href")


def test_the_not_found_page_shows_a_hostile_path_as_text(server):
    hostile = "/<img src=x onerror=alert(1)>"
    tree = page(server, hostile)
    assert "Halaman tidak ditemukan" in texts(tree)
    assert hostile in props(tree, "children")  # a text child: React renders it as text, never as markup


def test_the_apps_own_routes_assets_and_api_keep_answering(server):
    for path in ANSWERING:
        assert requests.get(server.base + path, timeout=10).status_code == 200, path
    assert requests.get(server.base + "/health", timeout=10).status_code in (200, 503)
    index = requests.get(server.base + "/", timeout=10).text
    scripts = re.findall(r'src="(/_dash-component-suites/[^"]+)"', index)
    assert scripts and all(requests.get(server.base + s, timeout=10).status_code == 200 for s in scripts[:5])
    assert requests.get(server.base + "/assets/nope.css", timeout=10).status_code == 404
    assert requests.get(server.base + "/_dash-component-suites/dash/nope.js", timeout=10).status_code == 404
