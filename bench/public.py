"""Public reads through the served app: the Open311 API and the visitor page's poll.

``pantau serve``'s server (:mod:`bench.server`) on the seeded store, an anonymous client,
and per row one request as a client sends it (median of ``ctx.runs`` after a warm-up):

* ``GET /open311/v2/services.json`` — the categories (reference data, no report read);
* ``GET /open311/v2/requests.json`` — the default window and page (newest first);
* ``GET /open311/v2/requests.json?status=open`` — the same, open only;
* ``GET /open311/v2/requests/<id>.json`` — one request;
* the visitor page's poll (its Dash callback): the public summary, reused
  ``dashboard.public.query.SUMMARY_TTL`` seconds per web process, so most polls are served
  from that process's copy.

Every route here is an ``ORDER BY ... LIMIT`` page, a lookup by key or a reused summary:
there is no ``GROUP BY`` a naive design would run instead, so these rows have no baseline.
"""

from __future__ import annotations

from typing import Any, Callable

import requests

from bench import server
from bench.common import Ctx, Row, median_ms
from dashboard.public.query import SUMMARY_TTL
from layouts import ids

SECTION = "public"
API = "/open311/v2"


def routes(served: server.Served, session: requests.Session) -> dict[str, Callable[[], Any]]:
    base = served.base + API
    first = server.get(session, f"{base}/requests.json", b"[").json()
    rid = first[0]["service_request_id"] if first else 1
    body = served.body(f"{ids.VISITOR_STATUS}.children", {"n_intervals": 1}, {(ids.VISITOR_QUERY, "data"): {}})
    return {
        "GET services.json": lambda: server.get(session, f"{base}/services.json", b"["),
        "GET requests.json (default window, first page)": lambda: server.get(session, f"{base}/requests.json", b"["),
        "GET requests.json?status=open": lambda: server.get(session, f"{base}/requests.json?status=open", b"["),
        "GET requests/<id>.json": lambda: server.get(session, f"{base}/requests/{rid}.json", b"["),
        "visitor poll (summary callback)": lambda: server.post(served.base, session, body),
    }


def measure(ctx: Ctx, backend: str) -> list[Row]:
    served = server.start(ctx.urls[backend], ctx.workdir / f"public-{backend}")
    try:
        session = requests.Session()
        rows = []
        for name, call in routes(served, session).items():
            note = f"summary reused {SUMMARY_TTL:g} s per process" if name.startswith("visitor") else ""
            rows.append(Row(SECTION, name, backend, median_ms(call, ctx.runs), "ms", note, ctx.runs))
        return rows
    finally:
        server.stop(served)


def run(ctx: Ctx) -> list[Row]:
    return [row for backend in ctx.engines for row in measure(ctx, backend)]
