"""The wall's incremental refresh equals the full reads (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from dashboard.store.flow import done_by_agency
from dashboard.wall import delta as wall_delta
from dashboard.clock import local_midnight
from dashboard.models import Status
from dashboard.store import counters
from dashboard.store.writes import upsert_reports
from tests.conftest import NOW
from tests.store.oracles import today_by_agency, young_open
from tests.factories import make_report

WIB = ZoneInfo("Asia/Jakarta")
T1 = NOW + timedelta(hours=2)  # same WIB day; crosses every bucket boundary below
POINTS = [(106.8175, -6.1766), (106.8456, -6.2088), (106.9000, -6.1500), (106.7800, -6.2400)]
AGES = [0.5, 1, 4.5, 5.5, 8, 23, 25, 70, 73, 100, 24 * 7 - 1.5, 24 * 7 - 0.5, 24 * 7 + 1, 24 * 20]
STATUSES = [Status.MENUNGGU, Status.KOORDINASI, Status.DISPOSISI, Status.PROSES, Status.SELESAI]


def report(ext: str, status: Status, requested, updated, i: int, **kw):  # noqa: ANN001, ANN201
    lon, lat = POINTS[i % len(POINTS)]
    return make_report(external_id=ext, status=status, requested_at=requested, updated_at=updated,
                       lon=lon, lat=lat, **kw)


def seed(engine) -> list:  # noqa: ANN001
    rows = [report(f"R{i}", STATUSES[i % 4 if i % 5 else 4], NOW - timedelta(hours=h), NOW - timedelta(hours=h), i)
            for i, h in enumerate(AGES)]
    with engine.begin() as conn:
        upsert_reports(conn, rows, NOW)
    return rows


def full(conn, now):  # noqa: ANN001, ANN201
    start = local_midnight(now, WIB)
    return (sorted(young_open(conn, now)), sorted(today_by_agency(conn, start)),
            done_by_agency(conn, start))


def delta(state):  # noqa: ANN001, ANN201
    return sorted(state.young_rows()), sorted(state.today_rows()), state.done_counts()


def test_built_state_equals_the_full_reads(engine):
    seed(engine)
    with engine.connect() as conn:
        start = local_midnight(NOW, WIB)
        state = wall_delta.build(conn, counters.current(conn), NOW, start, done_by_agency(conn, start))
        assert delta(state) == full(conn, NOW)
        assert state.young_rows()  # the sample has young open reports


def test_advanced_state_equals_the_full_reads_after_changes_and_time(engine, reference):
    rows = seed(engine)
    start = local_midnight(NOW, WIB)
    with engine.connect() as conn:
        state = wall_delta.build(conn, counters.current(conn), NOW, start, done_by_agency(conn, start))
    other = next(c for c, a in reference.agencies.items() if a.kind == "suku_dinas")
    at = NOW + timedelta(minutes=30)
    changes = [
        *(report(f"N{i}", Status.MENUNGGU, at - timedelta(minutes=i), at, i) for i in range(3)),  # new
        replace(rows[0], status=Status.SELESAI, updated_at=at),  # closed
        replace(rows[1], status=Status.PROSES, updated_at=at),  # moved on
        replace(rows[4], status=Status.MENUNGGU, updated_at=at),  # reopened
        replace(rows[2], agency_code=other, updated_at=at),  # re-routed
        replace(rows[13], status=Status.SELESAI, updated_at=at),  # old closed
    ]
    with engine.begin() as conn:
        upsert_reports(conn, changes, at)
    with engine.connect() as conn:
        moved = wall_delta.advance(conn, state, counters.current(conn), T1, start)
        assert moved is not None
        assert delta(moved) == full(conn, T1)


def test_no_state_across_days_or_big_steps(engine):
    seed(engine)
    start = local_midnight(NOW, WIB)
    with engine.connect() as conn:
        version = counters.current(conn)
        state = wall_delta.build(conn, version, NOW, start, {})
        assert wall_delta.advance(conn, None, version, T1, start) is None
        assert wall_delta.advance(conn, state, version, NOW + timedelta(hours=7), start) is None
        assert wall_delta.advance(conn, state, version, T1, start + timedelta(days=1)) is None
        assert wall_delta.advance(conn, state, version, NOW - timedelta(seconds=1), start) is None
