"""Report media proxied by /supervisor/media/<id> against a running app and a fake media
server speaking real HTTP on 127.0.0.1: images pass (and are cached), anything else gets a
placeholder; the outside URL never reaches the browser; roles and scope as everywhere.

The fake lives on loopback, so the app under test sets ``media_allow_private=True``; a
second app with the default settings shows the same links refused (403, logged, the fake
never asked)."""

from __future__ import annotations

import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dashboard.public import media
from dashboard.reference import load_reference
from dashboard.store import reports
from layouts import supervisor_parts as parts
from tests.fake_media import TrickleServer, wait_for
from tests.supervisor_data import insert_reports, kelurahan_in, row
from tests.supervisor_server import start

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FILES = {"/ok.png": (200, "image/png", PNG), "/page": (200, "text/html", b"<script>x</script>"),
         "/vector.svg": (200, "image/svg+xml", b"<svg onload=alert(1)/>"),
         "/big.png": (200, "image/png", b"\x00" * (media.MAX_BYTES + 10)), "/gone.png": (404, "text/plain", b"no")}


class Handler(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        Handler.hits.append(self.path)
        status, kind, body = FILES.get(self.path, (404, "text/plain", b"no"))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    fake = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{fake.server_port}"
    srv = start(tmp_path_factory.mktemp("media"), media_allow_private=True)
    pusat, selatan = kelurahan_in("31.71"), kelurahan_in("31.74")
    names = ("ok.png", "page", "vector.svg", "big.png", "gone.png")
    ids = insert_reports(srv.engine, [row(pusat, "proses", media_url=f"{base}/{n}") for n in names]
                         + [row(selatan, "proses", media_url=f"{base}/ok.png")])
    yield srv, dict(zip(names + ("selatan",), ids)), base, fake
    srv.stop()
    fake.shutdown()


def get(srv, session, report_id):
    return session.get(f"{srv.base}/supervisor/media/{report_id}", timeout=30)


def test_image_is_proxied_and_cached(setup):
    srv, ids, base, _fake = setup
    sup = srv.session("sup")
    r = get(srv, sup, ids["ok.png"])
    assert r.status_code == 200 and r.content == PNG and r.headers["Content-Type"] == "image/png"
    assert r.headers["X-Content-Type-Options"] == "nosniff" and base not in r.text
    hits = len(Handler.hits)
    assert get(srv, sup, ids["ok.png"]).content == PNG and len(Handler.hits) == hits  # from the cache


@pytest.mark.parametrize("name", ["page", "vector.svg", "big.png", "gone.png"])
def test_anything_else_gets_a_placeholder(setup, name):
    srv, ids, base, _fake = setup
    r = get(srv, srv.session("admin"), ids[name])
    assert r.status_code == 404 and r.text.startswith("Media unavailable") and base not in r.text
    assert "<script" not in r.text and "svg" not in r.text


def test_roles_and_scope(setup):
    srv, ids, _base, _fake = setup
    assert get(srv, srv.session(None), ids["ok.png"]).status_code == 401
    assert get(srv, srv.session("visitor"), ids["ok.png"]).status_code == 403
    scoped = srv.session("scoped")  # kota 31.71
    assert get(srv, scoped, ids["ok.png"]).status_code == 200
    r = get(srv, scoped, ids["selatan"])
    assert r.status_code == 404 and PNG not in r.content
    assert get(srv, srv.session("sup"), ids["selatan"]).content == PNG
    assert get(srv, srv.session("sup"), 999_999).status_code == 404


def test_detail_panel_links_the_proxy_not_the_outside_url(setup):
    srv, ids, base, _fake = setup
    with srv.engine.connect() as conn:
        found = reports.detail(conn, None, ids["ok.png"])
    rendered = str(parts.detail_panel(found, load_reference(), srv.settings.zone, str))
    assert f"/supervisor/media/{ids['ok.png']}" in rendered and base not in rendered


@pytest.fixture(scope="module")
def strict(setup, tmp_path_factory):
    """Links to the fake (and to cloud metadata) behind an app with the default media settings."""
    base = setup[2]
    srv = start(tmp_path_factory.mktemp("media-strict"))
    name_ids = insert_reports(srv.engine, [row(kelurahan_in("31.71"), "proses", media_url=f"{base}/ok.png"),
                                           row(kelurahan_in("31.71"), "proses",
                                               media_url="http://169.254.169.254/latest/meta-data/")])
    yield srv, name_ids, base
    srv.stop()


def test_loopback_and_metadata_links_are_refused_by_default(strict, caplog):
    srv, (loopback, metadata), base = strict
    hits = len(Handler.hits)
    with caplog.at_level(logging.WARNING, logger="dashboard.public.media"):
        for report_id in (loopback, metadata):
            r = get(srv, srv.session("sup"), report_id)
            assert r.status_code == 403 and r.text == "Media unavailable: media address not allowed\n"
            assert PNG not in r.content and base not in r.text and "169.254" not in r.text
    assert len(Handler.hits) == hits  # the fake was never asked
    logged = [rec.getMessage() for rec in caplog.records if rec.name == "dashboard.public.media"]
    assert any(f"report {loopback} refused" in m and "127.0.0.1" in m for m in logged)
    assert any(f"report {metadata} refused" in m and "169.254.169.254" in m for m in logged)
    assert not (srv.settings.data_dir / "media").exists()  # nothing cached


def test_allow_list_refuses_other_hosts(tmp_path):
    srv = start(tmp_path, media_allow_private=True, media_hosts="media.example")
    try:
        (report_id,) = insert_reports(srv.engine, [row(kelurahan_in("31.71"), "proses",
                                                       media_url="http://127.0.0.1:9/ok.png")])
        r = get(srv, srv.session("sup"), report_id)
        assert r.status_code == 403 and r.text == "Media unavailable: media host not allowed\n"
    finally:
        srv.stop()


def test_slow_media_holds_at_most_the_fetch_slots_and_the_wall_still_answers(tmp_path):
    """Media links trickling one byte a second: SLOTS requests fetch (cut at the total
    deadline), any more get 503 with Retry-After at once, and the wall and /health
    answer meanwhile."""
    with TrickleServer("headers", interval=1.0, limit=40) as slow:
        srv = start(tmp_path, media_allow_private=True)
        try:
            ids = insert_reports(srv.engine, [row(kelurahan_in("31.71"), "proses", media_url=slow.url(f"/{i}.png"))
                                              for i in range(media.SLOTS + 3)])
            sup = srv.session("sup")
            results: dict[int, tuple[int, float]] = {}

            def fetch_media(report_id: int) -> None:
                started = time.monotonic()
                r = get(srv, sup, report_id)
                results[report_id] = (r.status_code, time.monotonic() - started)

            hanging = [threading.Thread(target=fetch_media, args=(i,)) for i in ids[:media.SLOTS]]
            for t in hanging:
                t.start()
            assert wait_for(lambda: slow.connections == media.SLOTS)  # every slot is taken
            for report_id in ids[media.SLOTS:]:
                started = time.monotonic()
                r = get(srv, sup, report_id)
                assert r.status_code == 503 and r.headers["Retry-After"] == str(media.RETRY_AFTER_S)
                assert r.text == "Media unavailable: media proxy busy\n"
                assert time.monotonic() - started < 5  # at once, not after the 10 s deadline
            for path in ("/wall", "/open311/v2/services.json"):
                started = time.monotonic()
                assert srv.session(None).get(f"{srv.base}{path}", timeout=30).status_code == 200
                assert time.monotonic() - started < 5
            assert slow.connections == media.SLOTS
            for t in hanging:
                t.join(timeout=60)
            assert all(status == 404 and media.TOTAL_S - 0.5 < took < media.TOTAL_S + 8
                       for status, took in results.values()), results
            assert get(srv, sup, ids[-1]).status_code == 404  # slots free again: fetched (and cut)
        finally:
            srv.stop()
