"""The scope of a read: :class:`View` (validated supervisor filters + an account's scope +
``now`` + the local zone) and :func:`scope_condition` (the account's scope alone).

Every read of the report table in :mod:`dashboard.store.reports`, :mod:`~dashboard.store.flow`,
:mod:`~dashboard.store.tallies` and :mod:`~dashboard.store.performance` takes an optional
``View``: ``None`` reads the whole city (the wall, the public layer); the supervisor view
passes its own (``callbacks.supervisor.current_view``). The scope is ANDed into every
statement by :meth:`View.where`, so a scoped supervisor's reads can never reach rows outside
it, whatever the filters say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.sql import ColumnElement

from dashboard.access.auth import Scope, ScopeKind
from dashboard.models import OPEN_VALUES, RESOLVE_TARGET
from dashboard.store.schema import report
from dashboard.supervisor.filters import Filters, window


@dataclass(frozen=True)
class View:
    """One supervisor's filtered view at ``now``."""

    filters: Filters
    scope: Scope | None
    now: datetime
    zone: ZoneInfo

    def where(self) -> list[ColumnElement]:
        c, f = report.c, self.filters
        out = scope_condition(self.scope)
        for values, col in ((f.agency, c.agency_code), (f.category, c.category_code), (f.status, c.status)):
            if values:
                out.append(col.in_(values))
        for value, col in ((f.kota, c.kota_code), (f.kecamatan, c.kecamatan_code), (f.kelurahan, c.kelurahan_code)):
            if value:
                out.append(col == value)
        since, until = window(f, self.zone)
        if since:
            out.append(c.requested_at >= since)
        if until:
            out.append(c.requested_at < until)
        if f.overdue:
            out += [c.status.in_(OPEN_VALUES), c.requested_at < self.now - RESOLVE_TARGET]
        return out


def where(view: View | None) -> list[ColumnElement]:
    """``view.where()``, or no condition for the whole city (``None``)."""
    return [] if view is None else view.where()


def scope_condition(scope: Scope | None) -> list[ColumnElement]:
    """The report rows an account's ``scope`` may see (none: every row)."""
    if scope is None:
        return []
    col = report.c.kota_code if scope.kind is ScopeKind.KOTA else report.c.agency_code
    return [col == scope.code]
