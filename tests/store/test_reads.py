"""The reads of ``dashboard.store`` on both backends against a handful of hand-made reports
(``reports``, ``flow``, ``tallies``, ``performance``, ``changes``), and the check that no
read a view or the public layer sends touches the ``reporter`` table.

Rows are written with SQLAlchemy Core by :func:`load` (report, status_change, reporter,
tally, change counter), the way the ingest writes keep them; expectations are computed
by hand from the table in :data:`SPECS`.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, insert

from dashboard.models import AGE_BUCKETS, Status
from dashboard.store import changes, counters, flow, ingest_runs, performance, reports, schema, tallies
from dashboard.store import service_requests
from dashboard.store.performance import leaderboard_counts
from dashboard.store.view import View
from dashboard.supervisor.filters import Filters
from dashboard.wall.delta import split_backlog
from tests.conftest import NOW
from tests.store import oracles

H, D, M = timedelta(hours=1), timedelta(days=1), timedelta(minutes=1)
MEN, KOO, DIS, PRO, SEL = (s.value for s in Status)
LONG = "Sampah menumpuk " * 20  # 320 characters
WIB = ZoneInfo("Asia/Jakarta")

#: name: (kelurahan slot, category, requested ago, [(status, after request)], reopen_count, batch)
SPECS = {
    "R1": ("K1", "sampah", 105 * M, [(MEN, 0 * H)], 0, 1),
    "R2": ("K1", "sampah", 30 * H, [(MEN, 0 * H), (PRO, 3 * H)], 0, 2),
    "R3": ("K1", "banjir", 3 * D, [(MEN, 0 * H), (DIS, 10 * H), (PRO, 1 * D), (SEL, 2 * D)], 0, 3),
    "R4": ("K2", "sampah", 10 * D, [(MEN, 0 * H)], 0, 4),
    "R5": ("K2", "banjir", 8 * D, [(MEN, 0 * H), (DIS, 6 * H)], 0, 5),
    "R6": ("K3", "kemacetan", 20 * H, [(MEN, 0 * H), (PRO, 1 * H), (SEL, 5 * H), (PRO, 8 * H), (SEL, 10 * H)], 1, 6),
    "R7": (None, "sampah", 59 * M, [(MEN, 0 * H)], 0, 7),
    "R8": ("K1", "sampah", 4 * D, [(MEN, 0 * H), (PRO, 2 * H)], 0, 7),
}


def slots(ref) -> dict[str, str]:
    pusat = sorted(c for c, k in ref.kelurahan.items() if k.kota_code == "31.71")
    utara = sorted(c for c, k in ref.kelurahan.items() if k.kota_code == "31.72")
    return {"K1": pusat[0], "K2": pusat[1], "K3": utara[0]}


def _row(name: str, spec: tuple, ref, kel: dict[str, str], seq: int) -> tuple[dict, list]:
    slot, cat, ago, history, reopen, _ = spec
    req = NOW - ago
    code = kel.get(slot)
    k = ref.kelurahan.get(code)
    agency = ref.route(cat, code) if code else "tj"
    moved = [req + dt for s, dt in history if s != MEN]
    closed = [req + dt for s, dt in history if s == SEL]
    row = dict(source="test", external_id=name, category_code=cat, status=history[-1][0],
               description=LONG if name == "R8" else f"laporan {name}", address=f"Jalan {name}",
               lat=k.lat if k else -6.2, lon=k.lon if k else 106.8, kelurahan_code=code,
               kecamatan_code=k.kecamatan_code if k else None, kota_code=k.kota_code if k else None,
               agency_code=agency, requested_at=req, updated_at=req + history[-1][1],
               responded_at=moved[0] if moved else None, closed_at=closed[-1] if closed else None,
               reopen_count=reopen, flags="", change_seq=seq)
    changes = [(history[i - 1][0] if i else None, s, req + dt) for i, (s, dt) in enumerate(history)]
    return row, changes


def load(engine, ref) -> dict[str, int]:
    """Insert SPECS batch by batch; returns report ids by name."""
    kel, ids, tally = slots(ref), {}, Counter()
    with engine.begin() as conn:
        for batch in sorted({s[-1] for s in SPECS.values()}):
            seq = counters.bump(conn)
            for name, spec in SPECS.items():
                if spec[-1] != batch:
                    continue
                row, changes = _row(name, spec, ref, kel, seq)
                ids[name] = conn.execute(insert(schema.report).values(**row)).inserted_primary_key[0]
                conn.execute(insert(schema.status_change), [
                    dict(report_id=ids[name], from_status=a, to_status=b, changed_at=t) for a, b, t in changes])
                conn.execute(insert(schema.reporter).values(report_id=ids[name], first_name="Budi",
                                                            last_name="Rahasia", phone="0812999"))
                tally[(row["kelurahan_code"] or "", row["agency_code"], row["category_code"], row["status"])] += 1
        conn.execute(insert(schema.tally), [dict(kelurahan_code=k, agency_code=a, category_code=c, status=s, n=n)
                                            for (k, a, c, s), n in tally.items()])
    return ids


def read(engine, fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
    with engine.connect() as conn:
        return fn(conn, *args, **kwargs)


@pytest.fixture
def store(engine, reference):
    """The engine with SPECS loaded: ``read(fn, ...)`` runs a read on one connection."""
    return SimpleNamespace(engine=engine, ids=load(engine, reference), kel=slots(reference),
                           read=lambda fn, *a, **kw: read(engine, fn, *a, **kw))


def counts(**kw) -> dict[str, int]:
    return {s.value: kw.get(s.value, 0) for s in Status}


def view(**filters) -> View:
    return View(Filters(**filters), None, NOW, WIB)


def wall_backlog(engine, agency: str | None = None) -> list[tuple[str, int]]:  # noqa: ANN001
    """The wall's open backlog per age bucket (tally open minus the young open reports,
    ``wall.delta.split_backlog``), summed over agencies (or of one)."""
    with engine.connect() as conn:
        rows, _ = split_backlog(tallies.open_by_agency(conn), oracles.young_open(conn, NOW))
    found = Counter()
    for a, label, n in rows:
        if agency is None or a == agency:
            found[label] += n
    return [(label, found[label]) for label, _ in AGE_BUCKETS]


def test_change_cursor(store):
    assert store.read(counters.current) == 7


def test_status_counts(store):
    assert store.read(reports.status_counts) == counts(menunggu=3, disposisi=1, proses=2, selesai=2)
    assert store.read(reports.status_counts, since=NOW - 2 * D) == counts(menunggu=2, proses=1, selesai=1)
    assert store.read(reports.status_counts, since=NOW - 2 * D, until=NOW - 90 * M) == counts(
        menunggu=1, proses=1, selesai=1)
    assert store.read(reports.status_counts, view(status=(MEN,))) == counts(menunggu=3)
    with store.engine.connect() as conn:  # the supervisor's path: summed from the tally cube
        assert reports.status_counts(conn, cube=tallies.cells(conn, view())) == reports.status_counts(conn)


def test_open_backlog_by_age(store):
    expected = [("lt6h", 2), ("6h_24h", 0), ("1d_3d", 1), ("3d_7d", 1), ("gt7d", 2)]
    assert store.read(oracles.open_backlog_by_age, NOW) == expected == wall_backlog(store.engine)
    assert store.read(oracles.open_backlog_by_age, NOW, "sudin-sda-31.71") == [
        ("lt6h", 0), ("6h_24h", 0), ("1d_3d", 0), ("3d_7d", 0), ("gt7d", 1)] == wall_backlog(store.engine, "sudin-sda-31.71")


def test_flow_by_hour(store):
    rows = store.read(flow.flow_by_hour, NOW - 24 * H, NOW)
    assert len(rows) == 24 and rows[0][0] == NOW - 24 * H
    busy = {t: (n, d) for t, n, d in rows if n or d}
    assert busy == {
        NOW - 24 * H: (0, 1),  # R3 closed exactly at the window start
        NOW - 20 * H: (1, 0),  # R6
        NOW - 15 * H: (0, 1),  # R6 closed
        NOW - 10 * H: (0, 1),  # R6 closed again
        NOW - 2 * H: (1, 0),  # R1 at 01:15
        NOW - 1 * H: (1, 0),  # R7 at 02:01
    }


def test_flow_windows_are_capped(store):
    with pytest.raises(ValueError):
        store.read(flow.flow_by_hour, NOW - 40 * D, NOW)


def test_ticker_newest_changes_without_identity(store):
    rows = store.read(changes.ticker, 3)
    assert [r["id"] for r in rows] == [store.ids["R8"], store.ids["R7"], store.ids["R6"]]  # batch, then id
    r8, r7 = rows[0], rows[1]
    assert r7["kelurahan"] is None and r7["category"] == "Sampah"
    assert r7["status"] == MEN and r7["requested_at"] == NOW - 59 * M
    assert r8["description"] == LONG and "address" not in r8 and "Budi" not in repr(rows)


def board(engine, since) -> dict:  # noqa: ANN001
    """The leaderboard's named query (``leaderboard_counts``) by kelurahan code."""
    with engine.connect() as conn:
        return {c.code: c for c in leaderboard_counts(conn, since, NOW)}


def as_tuple(c) -> tuple:  # noqa: ANN001
    return (c.received, c.acted_on, c.responded_6h, c.response_due, c.resolved_7d, c.resolution_due,
            c.overdue_open, c.reopened, c.ever_closed, c.load)


def test_leaderboard_counts(store):
    rows = board(store.engine, NOW - 7 * D)
    assert set(rows) == {store.kel["K1"], store.kel["K3"]}  # K2's reports are all older than the window
    # K1: R1 (waiting, not yet due), R2 and R8 responded within 6 h, R3 after 10 h and closed in 2 days
    assert as_tuple(rows[store.kel["K1"]]) == (4, 3, 2, 3, 1, 1, 0, 0, 1, 4)
    # K3: R6 responded after 1 h, closed, reopened, closed again
    assert as_tuple(rows[store.kel["K3"]]) == (1, 1, 1, 1, 1, 1, 0, 1, 1, 1)


def test_leaderboard_respond_target_boundary_and_older_backlog(store):
    k2 = board(store.engine, NOW - 9 * D)[store.kel["K2"]]
    # R5: responded exactly 6 h after the request (counts), open for 8 days (overdue);
    # R4 (10 days, outside the window) is open: overdue and load, not received
    assert as_tuple(k2) == (1, 1, 1, 1, 0, 1, 2, 0, 0, 2)


def test_map_points(store):
    ids = store.ids
    pts = store.read(reports.map_points, since=NOW - 2 * D)
    assert [p[0] for p in pts] == [ids["R7"], ids["R1"], ids["R6"], ids["R2"]]
    assert pts[0][3:] == (MEN, "sampah", NOW - 59 * M)
    assert [p[0] for p in store.read(reports.map_points, view(status=(MEN,)), since=NOW - 2 * D)] == [
        ids["R7"], ids["R1"]]
    assert [p[0] for p in store.read(reports.map_points, since=NOW - 2 * D, agency=f"kel-{store.kel['K1']}")] == [
        ids["R1"], ids["R2"]]
    assert len(store.read(reports.map_points, None, 2, since=NOW - 2 * D)) == 2
    assert store.read(reports.map_points, since=NOW - 2 * D, shape="public")[0] == pts[0][1:4]
    assert [p[0] for p in store.read(reports.map_points, open_only=True, agency_prefix="kel-")] == [
        ids["R1"], ids["R2"], ids["R8"], ids["R4"]]  # R5 is the suku dinas's


def test_no_public_read_touches_reporter(store, monkeypatch):
    """Every statement the reads of the views and the public layer send is captured and
    checked for the table name (``reports.detail`` reads it only ``with_identity``)."""
    monkeypatch.setattr(performance, "_RANKINGS", {})  # keep this store's ranking out of later tests
    sent: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    r, v = store.read, view()
    with store.engine.connect() as conn:
        cube = tallies.cells(conn, v)
        sample = performance.sample(conn, v)
        results = [
            cube, tallies.summary(conn, v, cube), tallies.open_by_agency(conn), tallies.open_by_kelurahan(conn),
            performance.funnel(conn, sample), performance.kelurahan_score(conn, store.kel["K1"], NOW),
            reports.page(conn, v, 0, 10), reports.detail(conn, None, store.ids["R1"]),
            list(reports.iter_export(store.engine, v)),
        ]
    results += [
        r(counters.current), r(reports.status_counts), r(reports.status_counts, since=NOW - D),
        r(reports.status_counts, v), r(reports.open_backlog, v), r(flow.flow_by_hour, NOW - D, NOW),
        r(flow.done_by_agency, NOW - D), r(flow.trend, v), r(changes.ticker, 10), board(store.engine, NOW - D),
        *[r(reports.map_points, since=NOW - D, shape=shape) for shape in ("view", "wall", "public")],
        r(reports.map_points, v, open_only=True, agency_prefix="kel-"),
        r(changes.young_reports, NOW, NOW - D), r(changes.changed_reports, 0, 7, 10),
        r(changes.requested_between, NOW - D, NOW), r(changes.done_after, 0, 100, NOW - D),
        r(ingest_runs.last_ingest), r(ingest_runs.data_as_of),
        r(service_requests.select_requests, service_requests.RequestFilter()), r(service_requests.select_services),
    ]
    assert len(sent) >= 30
    assert not [s for s in sent if re.search(r"\breporter\b", s, re.I)]
    assert "Rahasia" not in repr(results) and "0812999" not in repr(results)


# --- the same reports written by the ingest writes (dashboard.store.writes) -------------------
def load_via_writes(engine, ref) -> None:
    """Replay SPECS' histories in time order through ``upsert_reports``, one call per step."""
    from dashboard.models import Report, Reporter
    from dashboard.store.writes import upsert_reports

    kel, events = slots(ref), []
    for name, spec in SPECS.items():
        row, _ = _row(name, spec, ref, kel, 0)
        for status, dt in spec[3]:
            events.append((row["requested_at"] + dt, name, status, row))
    with engine.begin() as conn:
        for at, name, status, row in sorted(events, key=lambda e: (e[0], e[1])):
            rep = Report(source="test", external_id=name, category_code=row["category_code"],
                         status=Status(status), requested_at=row["requested_at"], updated_at=at,
                         lat=row["lat"], lon=row["lon"], description=row["description"], address=row["address"],
                         kelurahan_code=row["kelurahan_code"], agency_code=row["agency_code"],
                         reporter=Reporter(first_name="Budi", last_name="Rahasia"))
            upsert_reports(conn, [rep], at)


def test_reads_agree_with_the_ingest_writes(engine, reference):
    """Same expectations as above, with rows kept by the real writer (tally, lifecycle times)."""
    load_via_writes(engine, reference)
    kel = slots(reference)
    assert read(engine, reports.status_counts) == counts(menunggu=3, disposisi=1, proses=2, selesai=2)
    with engine.connect() as conn:
        assert reports.status_counts(conn, cube=tallies.cells(conn, view())) == read(engine, reports.status_counts)
    expected = [("lt6h", 2), ("6h_24h", 0), ("1d_3d", 1), ("3d_7d", 1), ("gt7d", 2)]
    assert read(engine, oracles.open_backlog_by_age, NOW) == expected == wall_backlog(engine)
    rows = board(engine, NOW - 7 * D)
    assert as_tuple(rows[kel["K1"]]) == (4, 3, 2, 3, 1, 1, 0, 0, 1, 4)
    assert as_tuple(rows[kel["K3"]]) == (1, 1, 1, 1, 1, 1, 0, 1, 1, 1)
    assert as_tuple(board(engine, NOW - 9 * D)[kel["K2"]]) == (1, 1, 1, 1, 0, 1, 2, 0, 0, 2)
    assert read(engine, changes.ticker, 1)[0]["category"] == "Sampah"  # R7, the last step written
