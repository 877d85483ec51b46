"""Two jobs storing a gate's first frame at the same time (the cameras job, and the water
job re-rendering simulated stills after new readings) both succeed, on both backends:
the second waits for the first and replaces its frame. Before, it checked for the row,
found none, inserted, and died on the unique gate code (seen in the demo at start)."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from dashboard.store.cameras import store_frame
from dashboard.store.schema import camera_still
from tests.conftest import NOW


def test_a_frame_stored_while_another_is_uncommitted_waits_and_replaces_it(engine, reference):
    gate = next(code for code, g in sorted(reference.gates.items()) if g.monitored)
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with engine.begin() as conn:
                store_frame(conn, gate, NOW + timedelta(seconds=1), b"second", "image/png")
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    with engine.begin() as conn:
        store_frame(conn, gate, NOW, b"first", "image/png")
        other = threading.Thread(target=second)
        other.start()
        other.join(timeout=1.0)  # it waits on the first transaction's uncommitted row
    other.join(timeout=30)
    assert errors == []
    with engine.connect() as conn:
        rows = conn.execute(select(camera_still.c.image, camera_still.c.last_ok_at)
                            .where(camera_still.c.gate_code == gate)).all()
    assert rows == [(b"second", NOW + timedelta(seconds=1))]
