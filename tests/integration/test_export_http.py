"""CSV export over HTTP: scope, filters, formula escaping, audit trail, constant memory."""

from __future__ import annotations

import csv
import io
import time
import tracemalloc
import pytest
import requests
from dashboard.store.users import list_exports
from tests.supervisor_data import NOW, SECRET, kelurahan_in, many_reports
from tests.supervisor_server import start


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start(tmp_path_factory.mktemp("export"))
    yield srv
    srv.stop()


def export(session: requests.Session, server, query: str = "") -> list[dict]:
    r = session.get(f"{server.base}/supervisor/export.csv{query}", timeout=30)
    assert r.status_code == 200, r.text[:200]
    assert r.headers["Content-Type"].startswith("text/csv")
    assert r.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(r.text)))


def test_scoped_export_has_only_rows_in_scope_and_is_audited(server):
    rows = export(server.session("scoped"), server)
    assert sorted(int(r["id"]) for r in rows) == sorted(server.ids["31.71"])
    assert all(r["kota"] == "31.71" and SECRET not in r["description"] for r in rows)
    audit = list_exports(server.engine)[0]
    assert audit["username"] == "scoped" and audit["row_count"] == 6
    assert audit["filters"]["scope"] == "kota:31.71" and audit["at"] == NOW


def test_filtered_export_and_audit_filter(server):
    rows = export(server.session("admin"), server, "?status=menunggu&kota=31.74")
    assert len(rows) == 2 and {r["status"] for r in rows} == {"menunggu"}
    audit = list_exports(server.engine)[0]
    assert audit["username"] == "admin" and audit["row_count"] == 2
    assert audit["filters"]["filters"]["status"] == ["menunggu"] and audit["filters"]["filters"]["kota"] == "31.74"


def test_formula_cells_are_escaped_and_identity_never_exported(server):
    r = server.session("admin").get(f"{server.base}/supervisor/export.csv", timeout=30)
    rows = list(csv.DictReader(io.StringIO(r.text)))
    evil = next(x for x in rows if "HYPERLINK" in x["description"])
    assert evil["description"].startswith("'=HYPERLINK")
    assert float(evil["lat"]) < 0 and not evil["lat"].startswith("'")  # numbers stay numbers
    assert "Rahasia" not in r.text and "@example.org" not in r.text


def test_refused_exports_are_not_audited(server):
    before = len(list_exports(server.engine))
    assert requests.get(f"{server.base}/supervisor/export.csv", timeout=10).status_code == 401
    assert server.session("visitor").get(f"{server.base}/supervisor/export.csv", timeout=10).status_code == 403
    bad = server.session("sup").get(f"{server.base}/supervisor/export.csv?status=hacked", timeout=10)
    assert bad.status_code == 400 and "laporan" not in bad.text
    assert len(list_exports(server.engine)) == before


def test_large_export_streams_in_constant_memory(tmp_path):
    """100k reports through the real route: the Python heap peak (server thread and
    client together, tracemalloc) stays a small fraction of the ~40 MB CSV."""
    srv = start(tmp_path)
    try:
        many_reports(srv.engine, kelurahan_in("31.71"), 100_000)
        session = srv.session("sup")
        tracemalloc.start()
        size, started = 0, time.perf_counter()
        with session.get(f"{srv.base}/supervisor/export.csv", stream=True, timeout=120) as r:
            for chunk in r.iter_content(64 * 1024):
                size += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        seconds = time.perf_counter() - started
        print(f"export 100k rows over HTTP: {size / 1e6:.1f} MB in {seconds:.1f} s, heap peak {peak / 1e6:.1f} MB")
        assert size > 20e6 and peak < 25e6
        assert list_exports(srv.engine)[0]["row_count"] == 100_000 + 10 * 32  # two_kota doubled too
        # A client that goes away mid-stream: the audit row says how many rows were produced.
        with session.get(f"{srv.base}/supervisor/export.csv", stream=True, timeout=120) as r:
            next(r.iter_content(64 * 1024))
        deadline = time.monotonic() + 10
        while len(list_exports(srv.engine)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        cut = list_exports(srv.engine)[0]
        assert 0 < cut["row_count"] < 100_000
    finally:
        srv.stop()
