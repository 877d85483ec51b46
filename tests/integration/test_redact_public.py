"""End to end: reports whose descriptions hold each redaction variant (tests/redact_cases.py),
written into a real store (both backends) through the production write path, come out
redacted on the public API (``/open311/v2/requests.json``) and in the wall snapshot's
ticker as the worker computes it; ordinary numbers come out as written."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app import create_app
from dashboard.wall import WIDGET
from dashboard.wall.aggregate import TICKER, refresh_wall_snapshot
from dashboard.config import Settings
from dashboard.store.snapshots import read_snapshot
from tests.public_data import make, seed
from tests.redact_cases import NEGATIVES, VARIANTS

CASES = [(text, expected) for text, expected in VARIANTS] + [(text, text) for text in NEGATIVES if text]
#: The ticker shows the newest TICKER reports: the cases go in, and are checked, in batches.
BATCHES = [CASES[i:i + TICKER] for i in range(0, len(CASES), TICKER)]


@pytest.fixture
def public(engine, reference, tmp_path, db_url):
    settings = Settings.from_env({}, data_dir=tmp_path, database_url=db_url, public_rate_per_minute=0)
    return create_app(settings).server.test_client(), settings


def test_every_variant_is_redacted_on_the_api_and_the_wall(engine, reference, public):
    client, settings = public
    start = datetime.now(timezone.utc) - timedelta(hours=len(BATCHES) + 1)
    for b, batch in enumerate(BATCHES):
        now = start + timedelta(hours=b + 1)
        seed(engine, [make(100 * b + i, requested=now - timedelta(seconds=len(batch) - i), now=now,
                           description=f"Laporan {b}.{i}: {text}") for i, (text, _) in enumerate(batch)], now=now)
        refresh_wall_snapshot(engine, reference, now, settings)
        payload, _version, _at = read_snapshot(engine, WIDGET)
        ticker = {t["text"].split(": ", 1)[0]: t["text"] for t in payload["ticker"]}
        for i, (_text, expected) in enumerate(batch):
            assert ticker[f"Laporan {b}.{i}"] == f"Laporan {b}.{i}: {expected}"
    r = client.get("/open311/v2/requests.json?page_size=1000")
    assert r.status_code == 200
    api_seen = {item["description"].split(": ", 1)[0]: item["description"] for item in r.get_json()}
    for b, batch in enumerate(BATCHES):
        for i, (_text, expected) in enumerate(batch):
            assert api_seen[f"Laporan {b}.{i}"] == f"Laporan {b}.{i}: {expected}"
