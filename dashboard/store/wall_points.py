"""Map points for the wall's agency focus on all kelurahan offices at once.

``ReportStore.map_points`` filters one agency code; the wall's agencies panel has one
row for every ``kel-*`` office together, so its focus needs the points of all of them:
the same columns, window, order and bound, with an agency-code prefix range
(``agency_code >= 'kel-' AND < 'kel.'``, which an index on agency_code can serve).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from dashboard.store.queries_sql import MAX_POINTS, cap
from dashboard.store.schema import report



def prefix_end(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def map_points_prefix(conn: Connection, since: datetime, prefix: str, limit: int) -> list[tuple]:
    """(id, lat, lon, status, category_code, requested_at) of reports requested since
    ``since`` whose agency code starts with ``prefix``, newest first, at most ``limit``."""
    c = report.c
    stmt = (select(c.id, c.lat, c.lon, c.status, c.category_code, c.requested_at)
            .where(c.requested_at >= since, c.agency_code >= prefix, c.agency_code < prefix_end(prefix))
            .order_by(c.requested_at.desc(), c.id.desc()).limit(cap(limit, MAX_POINTS)))
    return [tuple(r) for r in conn.execute(stmt)]
