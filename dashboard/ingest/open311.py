"""Pull from an Open311 GeoReport v2 endpoint: ``GET <base_url>/requests.json``.

Two ways to window the pull (``window_field``):

* ``"requested"`` (default, the spec): ``start_date`` / ``end_date``, which the spec
  defines as a range of ``requested_datetime``. The watermark is the newest
  ``requested_datetime`` seen. The spec has no "updated since" filter, so a later status
  change of a request older than the window is only seen if ``revisit`` reaches back to it
  (each pull then re-reads the last ``revisit`` of requests; the upsert absorbs repeats).
* ``"updated"`` (an extension; Pantau's own API serves it): ``updated_after`` /
  ``updated_before``, a range of ``updated_datetime``. The watermark is the newest
  ``updated_datetime`` seen, so every status change is pulled once.

Either way the pull also sends the common pagination extension ``page`` (1-based) /
``page_size``, and nothing else. Each fetch asks for ``[watermark - overlap, end]``;
records re-fetched by the overlap are absorbed by the idempotent upsert (counted
"unchanged"). A window is at most 90 days: when the watermark is older, the fetch covers
90 days and the next one continues (catch-up). A page holding ``page_size`` records is
taken as truncated and the next page is fetched, up to ``max_pages`` (then the fetch fails
rather than guess a watermark). The watermark, an ISO 8601 UTC string, is the source's
cursor: :func:`dashboard.ingest.run.ingest_once` saves it only when the batch commits.

Each endpoint is a source of its own (:func:`source_name`: ``open311:`` + the base URL
without scheme), so two endpoints keep two cursors and their ids never collide. Stores
written before that kept one Open311 source as ``open311`` (:data:`LEGACY_NAME`); a
source built with ``legacy_name`` takes those rows over on its first run
(:func:`dashboard.store.source_rename.adopt_source`).

Failures raise :class:`SourceError`: timeout, connection error, HTTP status ≠ 200, a 200
that is not JSON (an HTML error page), truncated JSON, JSON that is not a list, and a
200 whose list holds only Open311 error objects (``code``/``description``).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import requests

from dashboard.clock import iso_z
from dashboard.ingest.batch import Batch, SourceError

MAX_WINDOW = timedelta(days=90)
#: window_field -> (start parameter, end parameter, record field the watermark follows)
WINDOWS = {
    "requested": ("start_date", "end_date", "requested_datetime"),
    "updated": ("updated_after", "updated_before", "updated_datetime"),
}
#: window_field -> the ``PANTAU_SOURCES`` kind, which starts the source's name
KINDS = {"requested": "open311", "updated": "open311-updated"}
#: What every Open311 source was called before names carried the endpoint.
LEGACY_NAME = "open311"
NAME_CHARS = 64  # the store's ``source`` columns are String(64)
DEFAULT_PORTS = {"http": 80, "https": 443}


def endpoint_key(base_url: str) -> str:
    """The base URL without scheme, user info, default port or trailing slash, the host
    in lower case: ``https://Data.Example.id:443/open311/v2/`` -> ``data.example.id/open311/v2``."""
    parts = urlsplit(base_url.strip())
    try:
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is not a number: the fetch will say so
        host = None
    if not host:
        return base_url.strip().rstrip("/")
    host = f"[{host}]" if ":" in host else host
    netloc = host if port in (None, DEFAULT_PORTS.get(parts.scheme.lower())) else f"{host}:{port}"
    return netloc + parts.path.rstrip("/") + (f"?{parts.query}" if parts.query else "")


def source_name(base_url: str, window_field: str = "requested") -> str:
    """``open311:`` (``open311-updated:`` for the updated window) + :func:`endpoint_key`:
    the same for every spelling of one endpoint. Longer than the store's 64 characters,
    it keeps its start and ends in ``~`` + 10 hex digits of its SHA-256."""
    name = f"{KINDS[window_field]}:{endpoint_key(base_url)}"
    if len(name) <= NAME_CHARS:
        return name
    return f"{name[:NAME_CHARS - 11]}~{hashlib.sha256(name.encode()).hexdigest()[:10]}"


class Open311Source:
    def __init__(self, base_url: str, *, name: str | None = None, legacy_name: str | None = None,
                 page_size: int = 200, overlap: timedelta = timedelta(minutes=10),
                 initial_lookback: timedelta = timedelta(days=30), timeout: float = 10.0,
                 max_pages: int = 500, window_field: str = "requested",
                 revisit: timedelta = timedelta(0), session: requests.Session | None = None) -> None:
        if window_field not in WINDOWS:
            raise ValueError(f"window_field must be one of {', '.join(WINDOWS)}")
        if revisit >= MAX_WINDOW:
            raise ValueError("revisit must be shorter than the 90-day window")
        self.start_param, self.end_param, self.watermark_field = WINDOWS[window_field]
        self.revisit = revisit
        self.base_url = base_url.rstrip("/")
        self.name = name or source_name(base_url, window_field)
        self.legacy_name = legacy_name  # rows kept under this name become this source's, once
        self.page_size = page_size
        self.overlap = overlap
        self.initial_lookback = initial_lookback
        self.timeout = timeout
        self.max_pages = max_pages
        self.session = session or requests.Session()

    def fetch(self, cursor: str | None, now: datetime) -> Batch:
        start, end = self.window(cursor, now)
        records: list = []
        for page in range(1, self.max_pages + 1):
            items = self._page(start, end, page)
            records.extend(items)
            if len(items) < self.page_size:
                return Batch(records, self._next_cursor(cursor, records, end, now))
        raise SourceError(f"more than {self.max_pages} full pages of {self.page_size}")

    def window(self, cursor: str | None, now: datetime) -> tuple[datetime, datetime]:
        """[start, end] of the next fetch: (watermark - overlap) to now, at most 90 days;
        never later than ``now - revisit``."""
        watermark = _parse(cursor) if cursor else None
        start = (watermark - self.overlap) if watermark else now - self.initial_lookback
        if self.revisit:
            start = min(start, now - self.revisit)
        return start, min(now, start + MAX_WINDOW)

    def _page(self, start: datetime, end: datetime, page: int) -> list:
        params = {self.start_param: iso_z(start, "seconds"), self.end_param: iso_z(end, "seconds"),
                  "page": page, "page_size": self.page_size}
        url = f"{self.base_url}/requests.json"
        try:
            response = self.session.get(url, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise SourceError(f"GET {url} page {page}: {type(exc).__name__}: {exc}") from exc
        return _records(response, page)

    def _next_cursor(self, cursor: str | None, records: list, end: datetime, now: datetime) -> str | None:
        """Newest watermark field seen (never past ``end``); after a catch-up window
        with nothing newer, ``end`` itself so the next window moves on."""
        seen = [t for t in (_parse(r.get(self.watermark_field)) for r in records if isinstance(r, dict))
                if t is not None and t <= end]
        old = _parse(cursor) if cursor else None
        candidates = seen + ([old] if old else []) + ([end] if end < now else [])
        return iso_z(max(candidates), "seconds") if candidates else cursor


def _records(response: requests.Response, page: int) -> list:
    if response.status_code != 200:
        raise SourceError(f"page {page}: HTTP {response.status_code}: {response.text[:200]!r}")
    body = response.text
    if body.lstrip()[:1] == "<":
        raise SourceError(f"page {page}: HTTP 200 but an HTML/XML body, not JSON: {body[:120]!r}")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise SourceError(f"page {page}: invalid or truncated JSON: {exc}") from exc
    if not isinstance(data, list):
        raise SourceError(f"page {page}: JSON {type(data).__name__}, expected a list of requests")
    if data and all(isinstance(d, dict) and set(d) == {"code", "description"} for d in data):
        raise SourceError(f"page {page}: HTTP 200 carrying Open311 errors: {body[:200]!r}")
    return data


def _parse(value: object) -> datetime | None:
    """An aware UTC datetime, or None for anything unreadable or without a zone (those
    records are quarantined by normalize; they must not move the watermark)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.astimezone(timezone.utc) if parsed.tzinfo else None
