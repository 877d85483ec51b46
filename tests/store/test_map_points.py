"""The wall map's points (``dashboard.store.reports.map_points``, ``open_only``,
``shape="wall"``): the open backlog only, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from dashboard.models import OPEN, Status
from dashboard.store.reports import map_points
from dashboard.store.writes import upsert_reports
from tests.conftest import NOW
from tests.factories import make_report

SEED = [  # (external id, status, hours ago): every status, fresh and old
    ("O1", Status.MENUNGGU, 1), ("O2", Status.KOORDINASI, 8), ("O3", Status.DISPOSISI, 30),
    ("O4", Status.PROSES, 24 * 9), ("O5", Status.MENUNGGU, 24 * 60),  # 60 days open: still backlog
    ("C1", Status.SELESAI, 0.5), ("C2", Status.SELESAI, 20), ("C3", Status.SELESAI, 24 * 10),
]


def seed(engine) -> dict[int, str]:  # noqa: ANN001
    """Store SEED; return report id -> external id."""
    reports = [make_report(external_id=ext, status=status, requested_at=NOW - timedelta(hours=hours),
                           updated_at=NOW - timedelta(hours=hours) + timedelta(minutes=1))
               for ext, status, hours in SEED]
    with engine.begin() as conn:
        upsert_reports(conn, reports, NOW)
        return {rid: ext for rid, ext in conn.exec_driver_sql("SELECT id, external_id FROM report")}


def test_points_are_the_open_backlog_of_any_age_newest_first(engine):
    ext = seed(engine)
    with engine.connect() as conn:
        rows = map_points(conn, None, 100, open_only=True, shape="wall")
    assert [ext[r[0]] for r in rows] == ["O1", "O2", "O3", "O4", "O5"]
    assert {Status(r[3]) for r in rows} <= OPEN
    assert all(isinstance(r[5], int) for r in rows)
    assert abs(rows[-1][5] - (NOW - timedelta(days=60)).timestamp()) <= 1


def test_points_limit_keeps_the_newest(engine):
    ext = seed(engine)
    with engine.connect() as conn:
        assert [ext[r[0]] for r in map_points(conn, None, 2, open_only=True, shape="wall")] == ["O1", "O2"]
