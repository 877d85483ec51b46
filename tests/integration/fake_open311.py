"""A fake Open311 GeoReport v2 server on 127.0.0.1 (an outside system, so faked — over
real HTTP). It serves ``GET <base>/requests.json`` with ``start_date``/``end_date``
(W3C datetimes with a zone, a range of ``requested_datetime`` as the spec says), or the
extension ``updated_after``/``updated_before`` (a range of ``updated_datetime``, as
Pantau's own API serves it), window ≤ 90 days, plus the ``page``/``page_size``
extension; results sorted by the windowed field then id. Errors use the spec's error format
(``[{"code": ..., "description": ...}]``) with an HTTP 4xx/5xx status.

``fault`` makes it misbehave the way real upstreams do: ``"timeout"`` (answers too
late), ``"500"``, ``"html"`` (HTTP 200 with an HTML error page), ``"truncated"`` (JSON cut
short), ``"object"`` (JSON that is not a list), ``"errors200"`` (spec error objects
with HTTP 200). ``fault_page`` limits the fault to one page.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BASE_PATH = "/open311/v2"
MAX_WINDOW = timedelta(days=90)


class FakeOpen311:
    def __init__(self) -> None:
        self.records: dict[str, dict] = {}
        self.calls: list[dict[str, str]] = []
        self.fault: str | None = None
        self.fault_page: int | None = None
        self.delay = 2.0  # seconds the "timeout" fault waits before answering
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{BASE_PATH}"

    def start(self) -> "FakeOpen311":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def put(self, *records: dict) -> None:
        """Create or replace requests (the upstream's current state)."""
        for record in records:
            self.records[record["service_request_id"]] = dict(record)

    def answer(self, query: dict[str, str]) -> tuple[int, str, bytes]:
        """(status, content type, body) for one GET requests.json."""
        self.calls.append(query)
        page = int(query.get("page", "1"))
        if self.fault and self.fault_page in (None, page):
            return _fault(self.fault, self.delay)
        updated = "updated_after" in query or "updated_before" in query
        if updated and ("start_date" in query or "end_date" in query):
            return _error(400, "use start_date/end_date or updated_after/updated_before, not both")
        lo, hi, field = (("updated_after", "updated_before", "updated_datetime") if updated
                         else ("start_date", "end_date", "requested_datetime"))
        try:
            start, end = _when(query[lo]), _when(query[hi])
            size = int(query.get("page_size", "100"))
        except (KeyError, ValueError) as exc:
            return _error(400, f"bad parameter: {exc}")
        if end - start > MAX_WINDOW or end < start:
            return _error(400, "start_date/end_date window must be at most 90 days")
        chosen = sorted((r for r in self.records.values() if start <= _when(r[field]) <= end),
                        key=lambda r: (_when(r[field]), r["service_request_id"]))
        body = json.dumps(chosen[(page - 1) * size: page * size]).encode()
        return 200, "application/json; charset=utf-8", body

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path != f"{BASE_PATH}/requests.json":
                    status, kind, body = _error(404, f"no such endpoint {url.path}")
                else:
                    status, kind, body = fake.answer({k: v[-1] for k, v in parse_qs(url.query).items()})
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout fault)

            def log_message(self, *args) -> None:
                pass

        return Handler


def _when(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no zone")
    return value


def _error(code: int, description: str) -> tuple[int, str, bytes]:
    return code, "application/json", json.dumps([{"code": code, "description": description}]).encode()


def _fault(kind: str, delay: float) -> tuple[int, str, bytes]:
    if kind == "timeout":
        time.sleep(delay)
        return 200, "application/json", b"[]"
    if kind == "500":
        return _error(500, "internal server error")
    if kind == "html":
        return 200, "text/html", b"<!DOCTYPE html><html><body><h1>503 Service Unavailable</h1></body></html>"
    if kind == "truncated":
        return 200, "application/json", b'[{"service_request_id": "T-1", "status": "op'
    if kind == "errors200":
        return 200, "application/json", json.dumps([{"code": 403, "description": "invalid api_key"}]).encode()
    if kind == "object":
        return 200, "application/json", b'{"error": "rate limited"}'
    raise ValueError(kind)
