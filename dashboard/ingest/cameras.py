"""Flood-gate camera stills, fetched server-side by the worker into ``camera_still``.

The web app serves ``/camera/<gate_code>.png`` from that table only, so browsers never
reach an outside camera. For each monitored gate with a ``flood_gate.snapshot_url``,
:func:`refresh_cameras` fetches one frame (short timeouts, at most :data:`MAX_BYTES`,
``Content-Type: image/*``, decodable by Pillow). A good frame replaces the stored one and
clears the error; a failed fetch keeps the last good frame and its ``last_ok_at`` and
records the error, so the wall can say "tidak ada sinyal sejak HH:MM".

With the simulator among ``settings.sources``, gates without a URL get a rendered frame
(:func:`dashboard.simulator.stills.render_still`) showing the latest simulated level.
"""

from __future__ import annotations

import io
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from PIL import Image
from sqlalchemy import Connection, Engine

from dashboard.reference import Reference
from dashboard.simulator.stills import render_still
from dashboard.store import cameras
from dashboard.store.gates import camera_gates, gate_readings

log = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
TIMEOUT = (2.0, 5.0)  # connect, read (seconds); the whole download is capped at read * 2
FETCH_THREADS = 4
USER_AGENT = "Pantau camera fetcher"
SIMULATED_MAX_AGE = timedelta(hours=1)  # a simulated frame needs a level at most this old


class CameraError(Exception):
    """A fetch that gave no usable frame; the message is stored in ``camera_still.error``."""


@dataclass(frozen=True)
class Frame:
    image: bytes
    content_type: str


def fetch_still(url: str, timeout: tuple[float, float] = TIMEOUT, max_bytes: int = MAX_BYTES) -> Frame:
    """GET one still image or raise :class:`CameraError` saying why not."""
    try:
        with requests.get(url, timeout=timeout, stream=True, headers={"User-Agent": USER_AGENT}) as resp:
            if resp.status_code != 200:
                raise CameraError(f"HTTP {resp.status_code}")
            content_type = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if not content_type.startswith("image/"):
                raise CameraError(f"not an image: {content_type or 'no content type'}")
            declared = resp.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise CameraError(f"image larger than {max_bytes} bytes ({declared})")
            body = _read_capped(resp, max_bytes, deadline=time.monotonic() + 2 * timeout[1])
    except requests.RequestException as exc:
        raise CameraError(f"{type(exc).__name__}: {exc}"[:300]) from None
    _check_image(body)
    return Frame(body, content_type)


def _read_capped(resp: requests.Response, max_bytes: int, deadline: float) -> bytes:
    chunks, size = [], 0
    for chunk in resp.iter_content(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise CameraError(f"image larger than {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise CameraError("download too slow")
        chunks.append(chunk)
    return b"".join(chunks)


def _check_image(body: bytes) -> None:
    try:
        Image.open(io.BytesIO(body)).verify()
    except Exception as exc:  # noqa: BLE001 - Pillow raises many types for bad data
        raise CameraError(f"undecodable image: {type(exc).__name__}") from None


def store_frame(conn: Connection, gate_code: str, now: datetime, frame: Frame | None,
                error: str | None = None) -> None:
    """Record one attempt (:func:`dashboard.store.cameras.store_frame`)."""
    cameras.store_frame(conn, gate_code, now, frame.image if frame else None,
                        frame.content_type if frame else None, error)


def _attempt(url: str, timeout: tuple[float, float]) -> tuple[Frame | None, str | None]:
    try:
        return fetch_still(url, timeout), None
    except CameraError as exc:
        return None, str(exc)


def _simulated(conn: Connection, gates: list[tuple[str, str, str | None]], now: datetime,
               zone) -> dict[str, Frame]:  # noqa: ANN001
    wanted = {code: name for code, name, url in gates if not url}
    frames = {}
    latest, _ = gate_readings(conn, sorted(wanted), now - SIMULATED_MAX_AGE, 1)
    for code, reading in latest.items():
        if reading["observed_at"] < now - SIMULATED_MAX_AGE:
            continue  # no fresh simulated level: no fresh frame either
        png = render_still(wanted[code], reading["level_cm"], reading["siaga"], now.astimezone(zone))
        frames[code] = Frame(png, "image/png")
    return frames


def uses_simulator(settings) -> bool:  # noqa: ANN001
    return any(s.strip().split("=")[0] == "simulator" for s in settings.sources.split(","))


def refresh_cameras(engine: Engine, ref: Reference, now: datetime, settings,  # noqa: ANN001
                    timeout: tuple[float, float] = TIMEOUT) -> dict[str, str | None]:
    """Fetch every monitored gate's still (and render simulated ones); returns
    gate_code -> error (``None`` for a good frame)."""
    with engine.connect() as conn:
        gates = [g for g in camera_gates(conn) if g[0] in ref.gates]
        simulated = _simulated(conn, gates, now, settings.zone) if uses_simulator(settings) else {}
    remote = [(code, url) for code, _, url in gates if url]
    with ThreadPoolExecutor(max_workers=FETCH_THREADS) as pool:
        fetched = dict(zip([c for c, _ in remote], pool.map(lambda cu: _attempt(cu[1], timeout), remote)))
    results: dict[str, str | None] = {}
    with engine.begin() as conn:
        for code, (frame, error) in fetched.items():
            store_frame(conn, code, now, frame, error)
            results[code] = error
        for code, frame in simulated.items():
            store_frame(conn, code, now, frame)
            results[code] = None
    for code, error in results.items():
        if error:
            log.warning("camera %s: %s", code, error)
    return results
