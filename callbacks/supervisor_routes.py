"""HTTP routes of the supervisor view (the guard in ``callbacks.auth`` already refused
anyone who is not a supervisor; each route checks again).

``GET /supervisor/export.csv?<filters>`` streams the filtered set as CSV in constant
memory (``store.reports.iter_export`` → ``export.csv_chunks``), in the account's
scope only, and writes an ``export_audit`` row when the stream ends (or is cut short)
with the number of rows actually sent. ``GET /supervisor/points.json?<filters>`` serves
the map's points of the filtered set (the newest ``VIEW_POINTS``, in scope only) as
GeoJSON, gzipped: out of the overview callback, whose JSON they were most of (about
700 KB for 5,000 points, uncompressed). ``GET /supervisor/areas.json`` serves the
kelurahan polygons of the drill-down map (public shapes; here so a wall token does not
lock supervisors out). ``GET /supervisor/media/<report id>`` proxies the report's
media (``dashboard.public.media``: fetched server-side, raster images only, cached in
``<data_dir>/media``), in scope only; the outside URL never reaches the browser. A link
to a host or address the proxy must not reach (``PANTAU_MEDIA_HOSTS``,
``PANTAU_MEDIA_ALLOW_PRIVATE``) gets 403; when the process's few fetch slots
(``media.FetchSlots``) are all taken, 503 with Retry-After at once; any other failure 404;
all plain text.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import orjson
from flask import Flask, Response, request, stream_with_context

from callbacks.auth import require_supervisor
from callbacks.deps import Deps
from callbacks.routes import geojson_response
from callbacks.supervisor_view import current_view
from dashboard.supervisor.export import csv_chunks
from dashboard.public.media import (RETRY_AFTER_S, FetchSlots, MediaBusy, MediaError, MediaPolicy, MediaRefused,
                                    media_for)
from dashboard.store.reports import VIEW_POINTS, iter_export, map_points, media_url
from dashboard.store.users import record_export
from layouts import geo


def register(server: Flask, deps: Deps) -> None:
    areas = lru_cache(maxsize=1)(lambda: orjson.dumps(geo.kelurahan_areas(deps.ref)))
    media_slots = FetchSlots()  # this process's media fetches at once

    def filtered_view() -> tuple:
        """The signed-in supervisor and the request's filters in their scope (aborts 401/403/400)."""
        return current_view(deps, request.query_string.decode("utf-8", "replace"))

    @server.get("/supervisor/export.csv")
    def supervisor_export() -> Response:
        user, view = filtered_view()
        now = view.now
        audit = {"filters": view.filters.as_dict(), "scope": str(view.scope) if view.scope else None}

        def done(count: int) -> None:
            record_export(deps.engine, user.username, now, audit, count)

        chunks = csv_chunks(iter_export(deps.engine, view), deps.settings.zone, on_done=done)
        name = f"pantau-{now.astimezone(deps.settings.zone):%Y%m%d-%H%M}.csv"
        return Response(stream_with_context(chunks), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff"})

    @server.get("/supervisor/points.json")
    def supervisor_points() -> Response:
        _user, view = filtered_view()
        with deps.engine.connect() as conn:
            rows = map_points(conn, view, min(deps.settings.max_map_points, VIEW_POINTS))
        return geojson_response(geo.reports_geojson_bytes(rows), "private, no-store")

    @server.get("/supervisor/media/<int:report_id>")
    def supervisor_media(report_id: int) -> Response:
        user = require_supervisor()
        if not 0 < report_id < 2**62:
            return _no_media("unknown report", 404)
        with deps.engine.connect() as conn:
            found, url = media_url(conn, user.effective_scope, report_id)
        if not found:
            return _no_media("unknown report", 404)
        return _media(Path(deps.settings.data_dir) / "media", report_id, url, MediaPolicy.from_settings(deps.settings),
                      media_slots)

    @server.get("/supervisor/areas.json")
    def supervisor_areas() -> Response:
        require_supervisor()
        return Response(areas(), mimetype="application/geo+json", headers={"Cache-Control": "private, max-age=3600"})


#: a media failure's status and extra headers, by its class (the first that matches)
MEDIA_FAILURES = ((MediaRefused, 403, {}), (MediaBusy, 503, {"Retry-After": str(RETRY_AFTER_S)}), (MediaError, 404, {}))
MEDIA_HEADERS = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff",
                 "Content-Security-Policy": "default-src 'none'"}


def _media(directory: Path, report_id: int, url: str | None, policy: MediaPolicy, slots: FetchSlots) -> Response:
    """The report's image, or a placeholder saying why not: 403 a host or address the proxy
    must not reach (logged by ``media_for``; nothing from the target is sent), 503 all fetch
    slots taken, 404 anything else."""
    try:
        body, kind = media_for(directory, report_id, url, policy, slots)
    except MediaError as exc:
        status, headers = next((status, headers) for cls, status, headers in MEDIA_FAILURES if isinstance(exc, cls))
        return _no_media(str(exc), status, headers)
    return Response(body, mimetype=kind, headers=MEDIA_HEADERS)


def _no_media(reason: str, status: int, headers: dict[str, str] | None = None) -> Response:
    """Plain-text placeholder (the detail panel's <img> shows its alt text instead)."""
    return Response(f"Media unavailable: {reason}\n", status=status, mimetype="text/plain",
                    headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", **(headers or {})})
