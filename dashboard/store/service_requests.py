"""Reports as public service requests (Open311) and the services (categories) they name.

Callers: the public layer (:mod:`dashboard.public.query`, wrapped by
``dashboard.public.open311`` and the visitor view): :func:`select_requests`,
:func:`select_services`. Its status counts and map points are
:func:`dashboard.store.reports.status_counts` / ``map_points(shape="public")``.

Every public statement selects from an allow-list of columns (:data:`ALLOWED`), never from
the ``reporter`` table, ``quarantine`` (raw records), ``media_url``, ``address``,
``source`` or ``external_id``. ``tests/store/test_service_requests.py`` compiles each statement
(these and the public ones of ``reports``) and checks. Every read is bounded by a window
and a LIMIT (:func:`portable.cap`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Join, Row, Select, Subquery, select

from dashboard.store.portable import cap
from dashboard.store.schema import agency, category, kelurahan, kota, report

#: The only report columns a public statement may read.
REPORT_COLUMNS = (
    report.c.id, report.c.category_code, report.c.status, report.c.description,
    report.c.lat, report.c.lon, report.c.kelurahan_code, report.c.agency_code,
    report.c.requested_at, report.c.updated_at,
)
#: Public names of joined reference columns.
REFERENCE_COLUMNS = (
    category.c.name.label("service_name"), category.c.name_en.label("service_name_en"),
    agency.c.name.label("agency_name"), kelurahan.c.name.label("kelurahan_name"),
    kota.c.name.label("kota_name"),
)
ALLOWED = frozenset(c.name for c in REPORT_COLUMNS) | frozenset(
    c.name for c in REFERENCE_COLUMNS) | {"n", "code", "name", "name_en", "domain", "kota_code"}
#: Largest page of requests (the Open311 default cap).
MAX_REQUESTS = 1000
MAX_IDS = 200


@dataclass(frozen=True)
class RequestFilter:
    """Which requests to list. ``date_field`` is ``requested_at`` or ``updated_at``;
    ``statuses`` are Jakarta status values; ``ids`` (when set) overrides the rest."""

    since: datetime | None = None
    until: datetime | None = None
    date_field: str = "requested_at"
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    ids: tuple[int, ...] = ()
    limit: int = MAX_REQUESTS
    offset: int = 0


def _joined(page: Subquery) -> Join:
    return (page.outerjoin(category, page.c.category_code == category.c.code)
            .outerjoin(agency, page.c.agency_code == agency.c.code)
            .outerjoin(kelurahan, page.c.kelurahan_code == kelurahan.c.code)
            .outerjoin(kota, page.c.kota_code == kota.c.code))


def requests_stmt(f: RequestFilter) -> Select:
    """The statement behind :func:`select_requests` (tests compile it): the page of
    reports is picked first, then named, so the joins touch at most one page."""
    page = _page(f).subquery("page")
    order = [page.c.id] if f.ids else [page.c[_date_column(f).name].desc(), page.c.id.desc()]
    return (select(*(page.c[c.name] for c in REPORT_COLUMNS), *REFERENCE_COLUMNS)
            .select_from(_joined(page)).order_by(*order))


def _date_column(f: RequestFilter) -> Column[datetime]:
    return report.c.updated_at if f.date_field == "updated_at" else report.c.requested_at


def _page(f: RequestFilter) -> Select:
    stmt = select(*REPORT_COLUMNS, report.c.kota_code)
    if f.ids:
        return stmt.where(report.c.id.in_(f.ids[:MAX_IDS])).limit(MAX_IDS)
    col = _date_column(f)
    if f.since is not None:
        stmt = stmt.where(col >= f.since)
    if f.until is not None:
        stmt = stmt.where(col <= f.until)
    if f.service_codes:
        stmt = stmt.where(report.c.category_code.in_(f.service_codes))
    if f.statuses:
        stmt = stmt.where(report.c.status.in_(f.statuses))
    return (stmt.order_by(col.desc(), report.c.id.desc())
            .limit(cap(f.limit, MAX_REQUESTS)).offset(max(0, int(f.offset))))


def select_requests(conn: Connection, f: RequestFilter) -> list[dict[str, Any]]:
    """Rows of public columns, newest first by the filter's date field."""
    return [_plain(r) for r in conn.execute(requests_stmt(f))]


def services_stmt() -> Select:
    return select(category.c.code, category.c.name, category.c.name_en,
                  category.c.domain).order_by(category.c.code).limit(MAX_REQUESTS)


def select_services(conn: Connection) -> list[dict[str, Any]]:
    """Every category: code, name, name_en, domain."""
    return [_plain(r) for r in conn.execute(services_stmt())]


def _plain(row: Row) -> dict[str, Any]:
    """A row as a dict with plain ``str`` keys (SQLAlchemy may hand back quoted_name)."""
    return {str(k): v for k, v in row._mapping.items()}
