"""The demo's day looks like a real day: a history seeded as ``pantau demo`` seeds it, then
the live simulator through the real ingest up to a given WIB time; today's arrivals and
each hour of the last 24 are what the model's daily curve expects at that hour (both
backends, both the default speed 1 and speed 60)."""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from sqlalchemy import select

from dashboard.ingest.run import ingest_once
from dashboard.simulator.seed import seed
from dashboard.simulator import model
from dashboard.simulator.source import DAILY_REPORTS, WIB, SimulatorSource, replay_lead
from dashboard.store.schema import report
from tests.store.oracles import today_by_agency

RUN = timedelta(minutes=30)  # the simulator's real running time before the check
DAYS = 3


def expected_between(start_h: float, end_h: float) -> float:
    """Arrivals the model expects between two WIB hours of one day."""
    hours = np.linspace(start_h, end_h, 400)
    return DAILY_REPORTS / 24 * float(np.trapezoid(model.hour_weight(hours), hours))


def plausible(n: int, expected: float) -> bool:
    return abs(n - expected) <= 4 * math.sqrt(expected) + 0.1 * expected + 3


def _utc(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


@pytest.mark.parametrize(("speed", "hh", "mm"), [(1, 1, 20), (1, 18, 30), (60, 1, 20), (60, 9, 0)])
def test_today_and_last_24_hours_fit_the_daily_curve(engine, reference, tmp_path, speed, hh, mm):
    at = datetime(2026, 11, 27, hh, mm, tzinfo=WIB)
    start = at - RUN
    # as runner.prepare_store seeds: reports end where the simulator's first run starts
    seed(engine, reference, DAYS * DAILY_REPORTS, DAYS, 7, start, progress=False,
         reports_end=start - replay_lead(speed))
    source = SimulatorSource(7, speed, tmp_path / "sim.json", reference)
    for i in range(int(RUN.total_seconds()) // 60 + 1):
        result = ingest_once(source, engine, reference, start + timedelta(minutes=i))
        assert result.ok and result.n_quarantined == 0, result
    midnight = at.replace(hour=0, minute=0)
    with engine.connect() as conn:
        today = sum(n for _, _, n in today_by_agency(conn, midnight.astimezone(timezone.utc)))
        times = [_utc(t) for t in conn.execute(select(report.c.requested_at).where(
            report.c.requested_at >= (at - timedelta(hours=24)).astimezone(timezone.utc))).scalars()]
    expected = expected_between(0, hh + mm / 60)
    assert plausible(today, expected), (today, expected)
    assert max(times) <= at
    per_hour = Counter(int((at - t).total_seconds() // 3600) for t in times)
    for back in range(24):  # no spike, no hole in the 24 h chart
        end_h = (hh + mm / 60 - back) % 24
        want = expected_between(end_h - 1, end_h)
        assert plausible(per_hour[back], want), (back, per_hour[back], want)
