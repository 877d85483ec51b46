"""The overview counts of a supervisor view from ONE grouped read: reports per
(kelurahan, agency, category, status) of the filtered set — the "cube" — from which the
KPIs, the status bars and every "open by …" bar are summed in Python.

Two ways to get the cube, same answer:

* no date range: the ``tally`` table (running counts kept by the
  writes), O(groups) whatever the store size. Kota and kecamatan filters are kelurahan
  code prefixes (``writes`` derives ``report.kota_code``/``kecamatan_code`` from the
  kelurahan code the same way). "Overdue only" is the open tally minus the open reports
  of the last 7 days (a windowed GROUP BY).
* otherwise: one GROUP BY over the reports of the window (index range scans).

Overdue (open, older than 7 d) and unresponded (Menunggu, older than 6 h) are not in the
tally: they are the open / Menunggu counts minus those of the last 7 d / 6 h, which are
small windowed counts. :func:`summary` and :func:`counts_by` return exactly what
``supervisor_queries.summary`` / ``counts_by`` return (tests check both paths agree).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable, NamedTuple

from sqlalchemy import Connection, func, select

from dashboard.auth import ScopeKind
from dashboard.models import OPEN_VALUES, RESOLVE_TARGET, RESPOND_TARGET, STATUS_ORDER, Status
from dashboard.store.queries_sql import cap
from dashboard.store.schema import report, tally
from dashboard.store.supervisor_queries import View

NO_KELURAHAN = ""  # tally key of reports outside every kelurahan
MENUNGGU = Status.MENUNGGU.value


class Cell(NamedTuple):
    kelurahan: str | None
    agency: str
    category: str
    status: str
    n: int

    def key(self, dimension: str) -> str | None:
        """This cell's code for ``dimension`` (kota / kecamatan: kelurahan code prefix)."""
        if dimension in ("kota", "kecamatan"):
            parts = (self.kelurahan or "").split(".")
            return ".".join(parts[:2 if dimension == "kota" else 3]) or None
        return getattr(self, dimension)


def uses_tally(view: View) -> bool:
    f = view.filters
    return f.since is None and f.until is None


def cells(conn: Connection, view: View) -> list[Cell]:
    """The cube of ``view`` (from ``tally`` when :func:`uses_tally`; "overdue only" is
    then the open tally minus the open reports of the last 7 days)."""
    if not uses_tally(view):
        return _cells(conn.execute(_report_stmt(view, view.where())))
    if not view.filters.overdue:
        return _cells(conn.execute(_tally_stmt(view)))
    found = {cell[:4]: cell.n for cell in _cells(conn.execute(_tally_stmt(view, OPEN_VALUES)))}
    newer = replace(view, filters=replace(view.filters, overdue=False)).where()
    newer += [report.c.status.in_(OPEN_VALUES), report.c.requested_at >= view.now - RESOLVE_TARGET]
    for cell in _cells(conn.execute(_report_stmt(view, newer))):
        found[cell[:4]] -= cell.n
    return [Cell(*key, n) for key, n in found.items() if n]


def _cells(rows: Iterable) -> list[Cell]:
    return [Cell(k or None, a, c, s, int(n)) for k, a, c, s, n in rows if int(n)]


def _report_stmt(view: View, where: list) -> Any:
    c = report.c
    cols = (c.kelurahan_code, c.agency_code, c.category_code, c.status)
    return select(*cols, func.count()).where(*where).group_by(*cols)


def _tally_stmt(view: View, statuses: Iterable[str] = ()) -> Any:
    t, f = tally.c, view.filters
    where = [t.status.in_(tuple(statuses))] if statuses else []
    for values, col in ((f.agency, t.agency_code), (f.category, t.category_code), (f.status, t.status)):
        if values:
            where.append(col.in_(values))
    if f.kelurahan:
        where.append(t.kelurahan_code == f.kelurahan)
    for prefix in (f.kecamatan, f.kota):
        if prefix:
            where.append(t.kelurahan_code.startswith(prefix + ".", autoescape=True))
    scope = view.scope
    if scope is not None and scope.kind is ScopeKind.KOTA:
        where.append(t.kelurahan_code.startswith(scope.code + ".", autoescape=True))
    elif scope is not None:
        where.append(t.agency_code == scope.code)
    return select(t.kelurahan_code, t.agency_code, t.category_code, t.status, t.n).where(*where)


def summary(conn: Connection, view: View, cube: Iterable[Cell] | None = None
            ) -> tuple[dict[str, int], dict[str, int]]:
    """(KPIs, reports per status), as ``supervisor_queries.summary``."""
    statuses = {s.value: 0 for s in STATUS_ORDER}
    for cell in cells(conn, view) if cube is None else cube:
        statuses[cell.status] += cell.n
    open_n = sum(n for s, n in statuses.items() if s in OPEN_VALUES)
    kpi = {"total": sum(statuses.values()), "open": open_n, "done": sum(statuses.values()) - open_n,
           "overdue": open_n - _newer(conn, view, OPEN_VALUES, RESOLVE_TARGET),
           "unresponded_6h": statuses[MENUNGGU] - _newer(conn, view, (MENUNGGU,), RESPOND_TARGET)}
    return kpi, statuses


def _newer(conn: Connection, view: View, statuses: Iterable[str], age: Any) -> int:
    """Reports of the view in ``statuses`` requested within ``age`` of now (a small window)."""
    c = report.c
    stmt = select(func.count()).select_from(report).where(
        *view.where(), c.status.in_(tuple(statuses)), c.requested_at >= view.now - age)
    return int(conn.execute(stmt).scalar_one())


def counts_by(cube: Iterable[Cell], dimension: str, limit: int = 20,
              by_open: bool = False) -> list[tuple[str, int, int]]:
    """(code, total, open) per group of the cube, as ``supervisor_queries.counts_by``."""
    groups: dict[str, list[int]] = {}
    for cell in cube:
        code = cell.key(dimension)
        if code is not None:
            row = groups.setdefault(code, [0, 0])
            row[0] += cell.n
            row[1] += cell.n if cell.status in OPEN_VALUES else 0
    first = 1 if by_open else 0
    ordered = sorted(groups.items(), key=lambda kv: (-kv[1][first], kv[0]))[:cap(limit)]
    return [(code, total, open_n) for code, (total, open_n) in ordered]

