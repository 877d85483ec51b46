"""refresh_cameras against a fake camera speaking real HTTP on 127.0.0.1, on both backends:
ok -> dead (last good frame kept, error recorded) -> ok."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from dashboard.store.gates import camera_frame, camera_states
from dashboard.ingest.cameras import CameraError, fetch_still, refresh_cameras
from dashboard.store.schema import camera_still, flood_gate
from tests.conftest import NOW
from tests.fake_camera import FakeCamera, png_frame

FAST = (0.5, 0.5)  # connect, read timeouts for the test


@pytest.fixture
def camera():
    with FakeCamera(hang_seconds=2.0) as cam:
        yield cam


@pytest.fixture
def gate(engine, reference, camera):
    """A monitored gate pointed at the fake camera; reset afterwards (reference rows are
    shared across tests on PostgreSQL)."""
    code = next(c for c, g in sorted(reference.gates.items()) if g.monitored)
    with engine.begin() as conn:
        conn.execute(update(flood_gate).where(flood_gate.c.code == code).values(snapshot_url=camera.url))
    yield code
    with engine.begin() as conn:
        conn.execute(update(flood_gate).values(snapshot_url=None))


@pytest.fixture
def feed_settings(settings):
    return settings.with_(sources="open311=http://127.0.0.1:9/")  # no simulator stills


def still(engine, code):  # noqa: ANN001, ANN201
    with engine.connect() as conn:
        return conn.execute(select(camera_still).where(camera_still.c.gate_code == code)).one()._mapping


def test_ok_dead_ok(engine, reference, camera, gate, feed_settings):
    with engine.connect() as conn:
        assert camera_frame(conn, gate) is None  # nothing fetched yet
    t0 = NOW
    assert refresh_cameras(engine, reference, t0, feed_settings, timeout=FAST) == {gate: None}
    row = still(engine, gate)
    assert row["image"] == camera.frame and row["content_type"] == "image/png"
    assert row["last_ok_at"] == t0 and row["error"] is None

    for i, (mode, words) in enumerate([("500", "HTTP 500"), ("hang", "Timeout"), ("html", "not an image"),
                                       ("big", "larger than"), ("big-chunked", "larger than")], start=1):
        camera.mode = mode
        t = t0 + timedelta(minutes=i)
        errors = refresh_cameras(engine, reference, t, feed_settings, timeout=FAST)
        assert words in errors[gate]
        row = still(engine, gate)
        assert row["image"] == camera.frame, mode  # last good frame kept
        assert row["last_ok_at"] == t0 and row["last_try_at"] == t
        assert words in row["error"]
        with engine.connect() as conn:
            assert camera_states(conn)[gate]["ok"] is False
            assert camera_frame(conn, gate) == (camera.frame, "image/png")  # still served

    camera.mode, camera.frame = "png", png_frame((200, 40, 40))
    t5 = t0 + timedelta(minutes=6)
    assert refresh_cameras(engine, reference, t5, feed_settings, timeout=FAST) == {gate: None}
    row = still(engine, gate)
    assert row["image"] == camera.frame and row["last_ok_at"] == t5 and row["error"] is None
    with engine.connect() as conn:
        assert camera_states(conn)[gate] == {"ok": True, "last_ok_at": t5, "last_try_at": t5, "error": None}


def test_fetch_rejects_an_image_type_with_garbage_body(camera):
    camera.frame = b"not really a png"
    with pytest.raises(CameraError, match="undecodable"):
        fetch_still(camera.url, FAST)


def test_unreachable_camera_is_an_error_not_a_crash():
    with pytest.raises(CameraError, match="ConnectionError"):
        fetch_still("http://127.0.0.1:9/still.png", FAST)


def test_simulator_renders_gates_without_a_url(engine, reference, settings):
    from dashboard.store.water import Reading, record_levels

    sim = settings.with_(sources="simulator")
    (code, g), (stale, s) = [(c, g) for c, g in sorted(reference.gates.items()) if g.monitored][:2]
    with engine.begin() as conn:
        record_levels(conn, [Reading(code, NOW - timedelta(minutes=2), float(g.siaga3_cm), 3),
                             Reading(stale, NOW - timedelta(hours=2), float(s.siaga3_cm), 3)])
    results = refresh_cameras(engine, reference, NOW, sim, timeout=FAST)
    assert results == {code: None}  # only gates with a fresh reading get a frame
    row = still(engine, code)
    assert row["content_type"] == "image/png" and row["image"].startswith(b"\x89PNG")
    assert row["last_ok_at"] == NOW and row["error"] is None
