"""The overview cube (tally path and windowed path) agrees with the direct GROUP BY reads
of ``tests/store/oracles.py`` on a small store, on SQLite and PostgreSQL."""

import random
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from dashboard.access.auth import Scope, ScopeKind
from dashboard.supervisor.filters import Filters
from dashboard.store import reports
from dashboard.store import tallies as cube
from dashboard.store.view import View
from dashboard.models import Status
from dashboard.store.schema import report, tally
from tests.store import oracles
from tests.supervisor_data import NOW, fill_tally, insert_reports, kelurahan_in, row, two_kota

WIB = ZoneInfo("Asia/Jakarta")
TODAY = NOW.astimezone(WIB).date()
PUSAT = Scope(ScopeKind.KOTA, "31.71")
KEL = kelurahan_in("31.71")
VIEWS = {
    "all": (None, {}), "kota": (None, {"kota": "31.74"}), "kecamatan": (None, {"kecamatan": KEL[:8]}),
    "kelurahan": (None, {"kelurahan": KEL}), "status": (None, {"status": ("menunggu", "selesai")}),
    "category": (None, {"category": ("jalan_rusak",)}), "scoped": (PUSAT, {}),
    "agency scope": (Scope(ScopeKind.AGENCY, "sudin-bina_marga-31.71"), {}),
    "dates": (None, {"since": TODAY - timedelta(days=3), "until": TODAY}),
    "overdue": (None, {"overdue": True}), "overdue scoped": (PUSAT, {"overdue": True, "status": ("disposisi",)}),
    "overdue dates": (None, {"overdue": True, "since": TODAY - timedelta(days=30)}), "scoped dates": (PUSAT, {"since": TODAY - timedelta(days=30)}),
}
DIMENSIONS = ("agency", "kelurahan", "kecamatan", "kota", "category", "status")


@pytest.fixture
def data(engine):
    ids = two_kota(engine)
    fill_tally(engine)
    return ids


@pytest.mark.parametrize("name", VIEWS)
def test_cube_agrees_with_direct_reads(engine, data, name):
    scope, filters = VIEWS[name]
    view = View(Filters(**filters), scope, NOW, WIB)
    with engine.connect() as conn:
        cells = cube.cells(conn, view)
        assert cube.summary(conn, view, cells) == oracles.summary(conn, view)
        for dim in DIMENSIONS:
            for by_open in (False, True):
                assert cube.counts_by(cells, dim, 20, by_open) == oracles.counts_by(conn, view, dim, 20, by_open), dim


def test_no_dates_read_the_tally(engine, data):
    """Without dates the counts come from ``tally``: change it and the cube follows."""
    view = View(Filters(), None, NOW, WIB)
    assert cube.uses_tally(view)
    assert cube.uses_tally(View(Filters(overdue=True), None, NOW, WIB))
    assert not cube.uses_tally(View(Filters(since=TODAY), None, NOW, WIB))
    with engine.begin() as conn:
        conn.execute(update(tally).where(tally.c.status == "selesai").values(n=tally.c.n + 100))
    with engine.connect() as conn:
        kpi, statuses = cube.summary(conn, view)
        assert statuses["selesai"] == reports.status_counts(conn, view)["selesai"] + 100 * len(
            [key for key in cube.cells(conn, view) if key[3] == "selesai"])
        assert kpi["total"] > oracles.kpis(conn, view)["total"]


def test_kelurahan_ranking_is_kept_for_five_minutes(engine, data):
    """The ranking (all kelurahan, 30 days) is reused within SCORE_TTL, recomputed after."""
    from dashboard.store import performance as ins
    with engine.connect() as conn:
        first = ins.kelurahan_score(conn, KEL, NOW)
        assert first["as_of"] == NOW
        assert ins.kelurahan_score(conn, KEL, NOW + timedelta(minutes=4))["as_of"] == NOW
        later = NOW + ins.SCORE_TTL + timedelta(seconds=1)
        assert ins.kelurahan_score(conn, KEL, later)["as_of"] == later
        assert ins.kelurahan_score(conn, KEL, NOW)["as_of"] == NOW  # a clock going back recomputes


def test_windows_at_any_alignment_agree_with_a_group_by(engine):
    """``tally_day`` holds whole WIB days; a zone whose days start at another hour (UTC,
    WITA) or "now − 7 days" cut days in two. Whatever the cut, the cube is the GROUP BY of
    the reports ``View.where`` selects."""
    rng = random.Random(11)
    kels = [kelurahan_in("31.71"), kelurahan_in("31.74")]
    statuses = [s.value for s in Status]
    insert_reports(engine, [
        row(rng.choice(kels), rng.choice(statuses), category=rng.choice(("sampah", "jalan_rusak")),
            requested=NOW - timedelta(minutes=rng.randrange(30 * 24 * 60))) for _ in range(400)],
        history=False, identity=False)
    c = report.c
    keys = (c.kelurahan_code, c.agency_code, c.category_code, c.status)
    for zone in (WIB, ZoneInfo("UTC"), ZoneInfo("Asia/Makassar")):
        for _ in range(12):
            now = NOW - timedelta(minutes=rng.randrange(3 * 24 * 60))
            first = TODAY - timedelta(days=rng.randrange(32))
            filters = Filters(since=rng.choice((None, first)), until=rng.choice((None, first + timedelta(days=rng.randrange(9)))),
                              overdue=rng.random() < 0.4, status=rng.choice(((), ("menunggu", "selesai"))))
            view = View(filters, rng.choice((None, PUSAT)), now, zone)
            with engine.connect() as conn:
                expected = {(k, a, g, s): n for k, a, g, s, n in conn.execute(
                    select(*keys, func.count()).where(*view.where()).group_by(*keys))}
                assert cube.cells(conn, view) == expected, (zone, now, filters)
