"""Report media, proxied like the camera stills: the server fetches a report's
``media_url`` itself (short timeout, size cap, raster images only) and keeps the bytes
under ``<data_dir>/media/<report id>.<ext>``; the browser only ever sees
``/supervisor/media/<report id>``, never the outside address.

SVG is refused (it can carry script); so is anything not http(s), anything larger than
:data:`MAX_BYTES` and anything whose Content-Type is not one of :data:`TYPES`. Failures
raise :class:`MediaError` with a short reason for the placeholder; they are not cached
(a dead link may come back).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import requests

TIMEOUT_S = 4.0
MAX_BYTES = 5 * 1024 * 1024
TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
CONTENT_TYPE = {ext: kind for kind, ext in TYPES.items()}


class MediaError(Exception):
    """The media could not be shown (reason in the message, safe to display)."""


def cached(directory: Path, report_id: int) -> tuple[bytes, str] | None:
    """(bytes, content type) kept for ``report_id``, or None."""
    for ext, kind in CONTENT_TYPE.items():
        path = directory / f"{int(report_id)}.{ext}"
        if path.is_file():
            return path.read_bytes(), kind
    return None


def fetch(url: str | None, timeout: float = TIMEOUT_S, max_bytes: int = MAX_BYTES) -> tuple[bytes, str]:
    """Download ``url``: (bytes, content type) of a raster image; MediaError otherwise."""
    if not url or urlsplit(url).scheme not in ("http", "https"):
        raise MediaError("no media link")
    try:
        with requests.get(url, timeout=timeout, stream=True, allow_redirects=True) as r:
            if r.status_code != 200:
                raise MediaError(f"media server answered {r.status_code}")
            kind = r.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if kind not in TYPES:
                raise MediaError("not an image")
            return _read_capped(r, max_bytes), kind
    except requests.RequestException as exc:
        raise MediaError("media server unreachable") from exc


def _read_capped(r: requests.Response, max_bytes: int) -> bytes:
    if int(r.headers.get("Content-Length") or 0) > max_bytes:
        raise MediaError("image too large")
    body = bytearray()
    for chunk in r.iter_content(64 * 1024):
        body += chunk
        if len(body) > max_bytes:
            raise MediaError("image too large")
    return bytes(body)


def media_for(directory: Path, report_id: int, url: str | None) -> tuple[bytes, str]:
    """The report's image from the cache, else fetched and cached."""
    found = cached(directory, report_id)
    if found is not None:
        return found
    body, kind = fetch(url)
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{int(report_id)}.tmp"
    tmp.write_bytes(body)
    tmp.replace(directory / f"{int(report_id)}.{TYPES[kind]}")
    return body, kind
