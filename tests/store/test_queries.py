"""ReportStore reads on both backends against a handful of hand-made reports.

Rows are written with SQLAlchemy Core by :func:`load` (report, status_change, reporter,
tally, change counter), the way the ingest writes keep them; expectations are computed
by hand from the table in :data:`SPECS`.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import event, insert

from dashboard.models import Status
from dashboard.store import counters, schema
from dashboard.store.queries import ReportStore
from dashboard.store.queries_ops import KELURAHAN_ALL
from dashboard.store.wall_aggregates import leaderboard_counts
from tests.conftest import NOW

H, D, M = timedelta(hours=1), timedelta(days=1), timedelta(minutes=1)
MEN, KOO, DIS, PRO, SEL = (s.value for s in Status)
LONG = "Sampah menumpuk " * 20  # 320 characters

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


@pytest.fixture
def store(engine, reference):
    store = ReportStore(engine)
    store.ids = load(engine, reference)
    store.kel = slots(reference)
    return store


def counts(**kw) -> dict[str, int]:
    return {s.value: kw.get(s.value, 0) for s in Status}


def test_change_cursor(store):
    assert store.change_cursor() == 7


def test_status_counts(store):
    assert store.status_counts(None) == counts(menunggu=3, disposisi=1, proses=2, selesai=2)
    assert store.status_counts(NOW - 2 * D) == counts(menunggu=2, proses=1, selesai=1)
    assert store.status_counts(NOW - 2 * D, NOW - 90 * M) == counts(menunggu=1, proses=1, selesai=1)


def test_status_counts_by_agency_from_tally(store):
    k1, k2 = store.kel["K1"], store.kel["K2"]
    rows = store.status_counts_by("agency", None, limit=3)
    assert [(r.key, r.total) for r in rows] == [(f"kel-{k1}", 3), ("sudin-sda-31.71", 2), (f"kel-{k2}", 1)]
    assert rows[0].by_status == counts(menunggu=1, proses=2)
    assert rows[1].name == "Suku Dinas Sumber Daya Air Jakarta Pusat"


def test_status_counts_by_kota_windowed_and_tally(store):
    assert [(r.key, r.total) for r in store.status_counts_by("kota", None, 5)] == [
        ("31.71", 6), ("", 1), ("31.72", 1)]
    windowed = store.status_counts_by("kota", NOW - 2 * D, 5)
    assert [(r.key, r.total) for r in windowed] == [("31.71", 2), ("", 1), ("31.72", 1)]
    assert windowed[0].name == "Kota Administrasi Jakarta Pusat" and windowed[0].by_status == counts(menunggu=1, proses=1)
    with pytest.raises(ValueError):
        store.status_counts_by("reporter", None, 5)


def test_open_backlog_by_age(store):
    assert store.open_backlog_by_age(NOW) == [("lt6h", 2), ("6h_24h", 0), ("1d_3d", 1), ("3d_7d", 1), ("gt7d", 2)]
    assert store.open_backlog_by_age(NOW, "sudin-sda-31.71") == [
        ("lt6h", 0), ("6h_24h", 0), ("1d_3d", 0), ("3d_7d", 0), ("gt7d", 1)]


def test_flow_by_hour(store):
    rows = store.flow_by_hour(NOW - 24 * H, NOW)
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


def test_flow_by_day_in_wib(store):
    assert store.flow_by_day(NOW - 3 * D, NOW) == [
        (date(2026, 11, 24), 1, 0),
        (date(2026, 11, 25), 0, 0),
        (date(2026, 11, 26), 2, 2),  # R2 04:00 WIB, R6; R3 and R6 closed
        (date(2026, 11, 27), 2, 1),  # R6 closed again at 00:00 WIB
    ]


def test_flow_windows_are_capped(store):
    with pytest.raises(ValueError):
        store.flow_by_hour(NOW - 40 * D, NOW)
    with pytest.raises(ValueError):
        store.flow_by_day(NOW - 500 * D, NOW)


def test_latest_changes_public(store):
    rows = store.latest_changes(3)
    assert [r["id"] for r in rows] == [store.ids["R8"], store.ids["R7"], store.ids["R6"]]  # batch, then id
    r8, r7 = rows[0], rows[1]
    assert r7["kelurahan"] is None and r7["agency"] == "PT Transportasi Jakarta" and r7["category"] == "Sampah"
    assert r7["status"] == MEN and r7["requested_at"] == NOW - 59 * M
    assert len(r8["description"]) == 140 and r8["description"].endswith("…")
    assert "address" not in r8 and "Budi" not in repr(rows)
    full = store.latest_changes(1, public=False)[0]
    assert full["description"] == LONG and full["address"] == "Jalan R8"


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
    pts = store.map_points(NOW - 2 * D)
    assert [p[0] for p in pts] == [ids["R7"], ids["R1"], ids["R6"], ids["R2"]]
    assert pts[0][3:] == (MEN, "sampah", NOW - 59 * M)
    assert [p[0] for p in store.map_points(NOW - 2 * D, statuses=[MEN])] == [ids["R7"], ids["R1"]]
    assert [p[0] for p in store.map_points(NOW - 2 * D, statuses={Status.MENUNGGU})] == [ids["R7"], ids["R1"]]
    assert [p[0] for p in store.map_points(NOW - 2 * D, agency=f"kel-{store.kel['K1']}")] == [ids["R1"], ids["R2"]]
    lat, lon = pts[2][1], pts[2][2]
    assert [p[0] for p in store.map_points(NOW - 2 * D, bbox=(lon - .001, lat - .001, lon + .001, lat + .001))] == [ids["R6"]]
    assert len(store.map_points(NOW - 2 * D, limit=2)) == 2


def test_changes_since_keyset_splits_a_batch(store):
    ids = store.ids
    page = store.changes_since(0, 3)
    assert [r["id"] for r in page.rows] == [ids["R1"], ids["R2"], ids["R3"]] and page.more
    assert (page.cursor, page.after_id) == (3, 0)
    page = store.changes_since(6, 1)
    assert [r["id"] for r in page.rows] == [ids["R7"]]
    assert (page.cursor, page.after_id, page.more) == (7, ids["R7"], True)
    page = store.changes_since(page.cursor, 1, page.after_id)
    assert [r["id"] for r in page.rows] == [ids["R8"]] and (page.cursor, page.after_id, page.more) == (7, 0, False)
    assert store.changes_since(7, 5).rows == []
    assert store.changes_since(7, 5, ids["R8"]).rows == []


def test_agency_load(store):
    rows = store.agency_load(NOW, limit=10)
    assert [(r.code, r.open, r.overdue, r.unresponded) for r in rows] == [
        (KELURAHAN_ALL, 4, 1, 1), ("sudin-sda-31.71", 1, 1, 0), ("tj", 1, 0, 0)]
    assert rows[0].name == "Kelurahan (semua)"
    assert len(store.agency_load(NOW, limit=2)) == 2


def _run(conn, source, minutes_ago, ok):
    t = NOW - minutes_ago * M
    conn.execute(insert(schema.ingest_run).values(source=source, started_at=t, finished_at=t + M, ok=ok,
                                                  error=None if ok else "boom"))


def test_last_ingest(engine):
    store = ReportStore(engine)
    empty = store.last_ingest()
    assert (empty.last_attempt, empty.last_ok, empty.sources) == (None, None, {})
    with engine.begin() as conn:
        _run(conn, "simulator", 30, True)
        _run(conn, "open311", 20, False)
        _run(conn, "simulator", 10, False)
    status = store.last_ingest()
    assert (status.last_attempt["source"], status.last_attempt["ok"]) == ("simulator", False)
    assert status.last_ok["started_at"] == NOW - 30 * M
    assert status.sources["open311"]["last_ok"] is None
    assert status.sources["open311"]["last_attempt"]["error"] == "boom"
    assert status.sources["simulator"]["last_ok"]["started_at"] == NOW - 30 * M


def test_quarantine_list_and_get(engine):
    store = ReportStore(engine)
    with engine.begin() as conn:
        for i, reason in enumerate(["bad_time", "outside_jakarta", "bad_time"]):
            conn.execute(insert(schema.quarantine).values(
                source="test", external_id=f"q{i}", reason=reason, detail="x" * 500,
                raw=f'{{"id": "q{i}"}}', received_at=NOW + i * M))
    rows = store.quarantine_list(2)
    assert [r["external_id"] for r in rows] == ["q2", "q1"] and "raw" not in rows[0]
    assert len(rows[0]["detail"]) == 200
    assert [r["external_id"] for r in store.quarantine_list(10, reason="bad_time")] == ["q2", "q0"]
    item = store.quarantine_get(rows[1]["id"])
    assert item["raw"] == '{"id": "q1"}' and len(item["detail"]) == 500
    assert store.quarantine_get(10_000) is None


def test_no_public_read_touches_reporter(store):
    """Every statement the public reads send is captured and checked for the table name."""
    sent: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    results = [
        store.change_cursor(), store.status_counts(None), store.status_counts(NOW - D),
        *[store.status_counts_by(d, s, 5) for d in ("agency", "kelurahan", "category", "kota") for s in (None, NOW - D)],
        store.open_backlog_by_age(NOW), store.flow_by_hour(NOW - D, NOW), store.flow_by_day(NOW - D, NOW),
        store.latest_changes(10), board(store.engine, NOW - D), store.map_points(NOW - D),
        store.changes_since(0, 10), store.agency_load(NOW, 10), store.last_ingest(),
    ]
    assert len(sent) >= 20
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
    store, kel = ReportStore(engine), slots(reference)
    assert store.status_counts(None) == counts(menunggu=3, disposisi=1, proses=2, selesai=2)
    assert store.open_backlog_by_age(NOW) == [("lt6h", 2), ("6h_24h", 0), ("1d_3d", 1), ("3d_7d", 1), ("gt7d", 2)]
    assert store.flow_by_day(NOW - 3 * D, NOW)[2:] == [(date(2026, 11, 26), 2, 2), (date(2026, 11, 27), 2, 1)]
    assert [(r.code, r.open, r.overdue, r.unresponded) for r in store.agency_load(NOW, 10)] == [
        (KELURAHAN_ALL, 4, 1, 1), ("sudin-sda-31.71", 1, 1, 0), ("tj", 1, 0, 0)]
    rows = board(engine, NOW - 7 * D)
    assert as_tuple(rows[kel["K1"]]) == (4, 3, 2, 3, 1, 1, 0, 0, 1, 4)
    assert as_tuple(rows[kel["K3"]]) == (1, 1, 1, 1, 1, 1, 0, 1, 1, 1)
    assert as_tuple(board(engine, NOW - 9 * D)[kel["K2"]]) == (1, 1, 1, 1, 0, 1, 2, 0, 0, 2)
    assert store.latest_changes(1)[0]["category"] == "Sampah"  # R7, the last step written

