"""Reads of the running counts (``tally``: reports per kelurahan, agency, category and
status; ``tally_day``: the same per WIB day of request), kept by the writes.

Callers: the wall snapshot (``dashboard.wall.aggregate.read_wall_inputs``:
:func:`open_by_agency`, :func:`open_by_kelurahan`; ``performance.leaderboard_counts`` too)
and the supervisor view (``callbacks.supervisor``: :func:`cells`, :func:`summary`,
:func:`counts_by`).

The overview counts of a supervisor view come from ONE grouped read: reports per
(kelurahan, agency, category, status) of the filtered set — the "cube" — from which the
KPIs, the status bars and every "open by …" bar are summed in Python.

The cube never groups the whole store:

* no date range: the ``tally`` table (running counts kept by the writes), O(groups)
  whatever the store size. Kota and kecamatan filters are kelurahan code prefixes
  (``writes`` derives ``report.kota_code``/``kecamatan_code`` from the kelurahan code the
  same way).
* a date range: ``tally_day`` (the tally per WIB day of request) for the whole days of the
  range, plus a GROUP BY over ``report`` for the part of a day at either end that is not
  whole (none for the date picker's whole WIB days).
* "overdue only" (open, requested more than 7 days ago): the open cells of the range, or
  without dates the open tally minus the open cells of the last 7 days.

Overdue and unresponded (Menunggu, older than 6 h) KPIs are the open / Menunggu counts
minus those of the last 7 d / 6 h, which are small windowed counts. :func:`summary` and
:func:`counts_by` return exactly what the plain GROUP BY reads ``tests/store/oracles.py``
keep return (tests check every path agrees).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta
from operator import itemgetter
from typing import Any, Callable, Iterable, Mapping

from sqlalchemy import Connection, case, func, select

from dashboard.access.auth import ScopeKind
from dashboard.supervisor.filters import window
from dashboard.models import OPEN_VALUES, RESOLVE_TARGET, RESPOND_TARGET, Status
from dashboard.store.portable import cap
from dashboard.store.reports import status_counts
from dashboard.store.schema import report, tally, tally_day, tally_day_of, tally_day_start
from dashboard.store.view import View

MENUNGGU = Status.MENUNGGU.value
ONE_DAY = timedelta(days=1)


#: A cell of the cube: (kelurahan or None, agency, category, status).
Key = tuple[str | None, str, str, str]
DIMENSIONS = ("kelurahan", "agency", "category", "status")


def key_of(dimension: str) -> Callable[[Key], str | None]:
    """A cell key's code for ``dimension`` (kota / kecamatan: kelurahan code prefix)."""
    if dimension in ("kota", "kecamatan"):
        parts = 2 if dimension == "kota" else 3
        return lambda key: ".".join(key[0].split(".")[:parts]) if key[0] else None
    return itemgetter(DIMENSIONS.index(dimension))


def uses_tally(view: View) -> bool:
    f = view.filters
    return f.since is None and f.until is None


def cells(conn: Connection, view: View) -> dict[Key, int]:
    """The cube of ``view``: reports per cell (see the module docstring for where each
    part is read). Plain tuples: at 13k cells, objects per cell cost more than the read."""
    since, until = window(view.filters, view.zone)
    base = replace(view, filters=replace(view.filters, since=None, until=None, overdue=False))
    if not view.filters.overdue:
        found = _tally(conn, base) if uses_tally(view) else _window(conn, base, since, until)
    elif uses_tally(view):
        found = _tally(conn, base, OPEN_VALUES)
        found.subtract(_window(conn, base, view.now - RESOLVE_TARGET, None, OPEN_VALUES))
    else:
        cutoff = view.now - RESOLVE_TARGET
        found = _window(conn, base, since, min(until or cutoff, cutoff), OPEN_VALUES)
    return {(k or None, a, c, s): n for (k, a, c, s), n in found.items() if n}


def _tally(conn: Connection, view: View, statuses: Iterable[str] = ()) -> Counter:
    t = tally.c
    stmt = select(*_keys(t), t.n).where(*_conditions(t, view, statuses))
    return _counter(conn.execute(stmt).all())


def _window(conn: Connection, view: View, since: datetime | None, until: datetime | None,
            statuses: Iterable[str] = ()) -> Counter:
    """Cells of the reports requested in ``[since, until)`` (None: open-ended): whole
    days from ``tally_day``, the partial days at the ends from ``report``."""
    if since is not None and until is not None and since >= until:
        return Counter()
    first = None if since is None else _first_whole_day(since)
    last = None if until is None else tally_day_of(until) - ONE_DAY  # the last day ending by until
    if first is not None and last is not None and first > last:
        return _reports(conn, view, since, until, statuses)
    found = _days(conn, view, first, last, statuses)
    if first is not None and since < tally_day_start(first):
        found.update(_reports(conn, view, since, tally_day_start(first), statuses))
    if last is not None and tally_day_start(last + ONE_DAY) < until:
        found.update(_reports(conn, view, tally_day_start(last + ONE_DAY), until, statuses))
    return found


def _first_whole_day(since: datetime) -> date:
    day = tally_day_of(since)
    return day if tally_day_start(day) == since else day + ONE_DAY


def _days(conn: Connection, view: View, first: date | None, last: date | None,
          statuses: Iterable[str]) -> Counter:
    t = tally_day.c
    where = _conditions(t, view, statuses)
    where += [t.day >= first] if first is not None else []
    where += [t.day <= last] if last is not None else []
    keys = _keys(t)
    return _counter(conn.execute(select(*keys, func.sum(t.n)).where(*where).group_by(*keys)).all())


def _reports(conn: Connection, view: View, since: datetime | None, until: datetime | None,
             statuses: Iterable[str]) -> Counter:
    c = report.c
    where = view.where() + ([c.status.in_(tuple(statuses))] if statuses else [])
    where += [c.requested_at >= since] if since is not None else []
    where += [c.requested_at < until] if until is not None else []
    keys = (func.coalesce(c.kelurahan_code, ""), c.agency_code, c.category_code, c.status)
    return _counter(conn.execute(select(*keys, func.count()).where(*where).group_by(*keys)).all())


def _keys(t: Any) -> tuple:
    return (t.kelurahan_code, t.agency_code, t.category_code, t.status)


def _counter(rows: Iterable) -> Counter:
    return Counter({(k, a, c, s): int(n) for k, a, c, s, n in rows})


def _conditions(t: Any, view: View, statuses: Iterable[str]) -> list:
    """``view``'s filters and scope (not its dates) on the key columns of ``tally`` /
    ``tally_day`` (``t``), and ``status IN statuses`` when given."""
    f, scope = view.filters, view.scope
    where = [t.status.in_(tuple(statuses))] if statuses else []
    for values, col in ((f.agency, t.agency_code), (f.category, t.category_code), (f.status, t.status)):
        if values:
            where.append(col.in_(values))
    if f.kelurahan:
        where.append(t.kelurahan_code == f.kelurahan)
    for prefix in (f.kecamatan, f.kota):
        if prefix:
            where.append(t.kelurahan_code.startswith(prefix + ".", autoescape=True))
    if scope is not None and scope.kind is ScopeKind.KOTA:
        where.append(t.kelurahan_code.startswith(scope.code + ".", autoescape=True))
    elif scope is not None:
        where.append(t.agency_code == scope.code)
    return where


def summary(conn: Connection, view: View, cube: Mapping[Key, int] | None = None
            ) -> tuple[dict[str, int], dict[str, int]]:
    """(KPIs, reports per status: :func:`dashboard.store.reports.status_counts` of the cube).
    KPIs: total, open, done, overdue (open and older than 7 d) and unresponded_6h
    (Menunggu for more than 6 h)."""
    statuses = status_counts(conn, view, cube=cells(conn, view) if cube is None else cube)
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


def counts_by(cube: Mapping[Key, int], dimension: str, limit: int = 20,
              by_open: bool = False) -> list[tuple[str, int, int]]:
    """(code, total, open) per group of the cube (``dimension``: one of :data:`DIMENSIONS`,
    ``kota`` or ``kecamatan``), most reports (or most open, ``by_open``) first."""
    groups: dict[str, list[int]] = {}
    code_of = key_of(dimension)
    for key, n in cube.items():
        code = code_of(key)
        if code is not None:
            row = groups.setdefault(code, [0, 0])
            row[0] += n
            row[1] += n if key[3] in OPEN_VALUES else 0
    first = 1 if by_open else 0
    ordered = sorted(groups.items(), key=lambda kv: (-kv[1][first], kv[0]))[:cap(limit)]
    return [(code, total, open_n) for code, (total, open_n) in ordered]


def open_by_agency(conn: Connection) -> dict[str, tuple[int, int]]:
    """agency_code -> (open, of which Menunggu), from ``tally`` (O(groups))."""
    t = tally.c
    waiting = func.sum(case((t.status == MENUNGGU, t.n), else_=0))
    stmt = (select(t.agency_code, func.sum(t.n), waiting).where(t.status.in_(OPEN_VALUES))
            .group_by(t.agency_code))
    return {a: (int(n), int(w or 0)) for a, n, w in conn.execute(stmt) if n}


def open_by_kelurahan(conn: Connection) -> dict[str, int]:
    """kelurahan_code -> open reports, from ``tally`` (O(groups))."""
    t = tally.c
    stmt = (select(t.kelurahan_code, func.sum(t.n))
            .where(t.status.in_(OPEN_VALUES), t.kelurahan_code != "").group_by(t.kelurahan_code))
    return {k: int(n) for k, n in conn.execute(stmt) if n}
