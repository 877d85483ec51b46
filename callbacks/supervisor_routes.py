"""HTTP routes of the supervisor view (the guard in ``callbacks.auth`` already refused
anyone who is not a supervisor; each route checks again).

``GET /supervisor/export.csv?<filters>`` streams the filtered set as CSV in constant
memory (``supervisor_queries.iter_export`` → ``export.csv_chunks``), in the account's
scope only, and writes an ``export_audit`` row when the stream ends (or is cut short)
with the number of rows actually sent. ``GET /supervisor/areas.json`` serves the
kelurahan polygons of the drill-down map (public shapes; here so a wall token does not
lock supervisors out).
"""

from __future__ import annotations

from functools import lru_cache

import orjson
from flask import Response, request, stream_with_context

from callbacks.auth import require_supervisor
from dashboard.export import csv_chunks
from dashboard.filters import FilterError, parse
from dashboard.store.supervisor_queries import View, iter_export
from dashboard.store.users import record_export
from layouts import geo


def register(server, deps) -> None:  # noqa: ANN001
    from callbacks.supervisor import allowed_of

    areas = lru_cache(maxsize=1)(lambda: orjson.dumps(geo.kelurahan_areas(deps.ref)))

    @server.get("/supervisor/export.csv")
    def supervisor_export():
        user = require_supervisor()
        try:
            filters = parse(request.query_string.decode("utf-8", "replace"), allowed_of(deps, user))
        except FilterError as exc:
            return Response(f"400 Bad Request: {exc}\n", status=400, mimetype="text/plain")
        now = deps.now()
        view = View(filters, user.effective_scope, now, deps.settings.zone)
        audit = {"filters": filters.as_dict(), "scope": str(view.scope) if view.scope else None}

        def done(count: int) -> None:
            record_export(deps.engine, user.username, now, audit, count)

        chunks = csv_chunks(iter_export(deps.engine, view), deps.settings.zone, on_done=done)
        name = f"pantau-{now.astimezone(deps.settings.zone):%Y%m%d-%H%M}.csv"
        return Response(stream_with_context(chunks), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff"})

    @server.get("/supervisor/areas.json")
    def supervisor_areas():
        require_supervisor()
        return Response(areas(), mimetype="application/geo+json", headers={"Cache-Control": "private, max-age=3600"})
