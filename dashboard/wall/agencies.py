"""The wall's agencies panel groups every kelurahan office (``kel-*``) into one row.

The issue asks for "open and overdue per agency (kelurahan offices aggregated, each suku
dinas)": 267 kelurahan offices would otherwise crowd out the suku dinas. The row's code is
:data:`KELURAHAN`; its focus filters the map to every ``kel-*`` office
(``/wall/points.json?agency=kelurahan``, ``dashboard.store.reports.map_points``). Pure.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TypeVar

from dashboard.reference import KELURAHAN_AGENCY_PREFIX, Reference

#: the agencies panel's one row for all kelurahan offices
KELURAHAN, KELURAHAN_NAME = "kelurahan", "Kelurahan (semua)"
T = TypeVar("T")


def agency_group(code: str) -> str:
    """The wall's agency key: every kelurahan office (``kel-*``) is one row
    :data:`KELURAHAN`; each suku dinas and Transjakarta keep their own code."""
    return KELURAHAN if code.startswith(KELURAHAN_AGENCY_PREFIX) else code


def _regroup_rows(rows: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    summed: dict[tuple[str, str], int] = {}
    for a, sub, n in rows:
        key = (agency_group(a), sub)
        summed[key] = summed.get(key, 0) + n
    return [(a, sub, n) for (a, sub), n in summed.items()]


def _regroup_counts(counts: dict[str, int]) -> dict[str, int]:
    summed: dict[str, int] = {}
    for a, n in counts.items():
        summed[agency_group(a)] = summed.get(agency_group(a), 0) + n
    return summed


def grouped(inputs: T) -> T:
    """``inputs`` (a ``WallInputs``) with its per-agency rows keyed by :func:`agency_group`."""
    return replace(inputs, today=_regroup_rows(inputs.today), done_today=_regroup_counts(inputs.done_today),
                   backlog=_regroup_rows(inputs.backlog), unresponded=_regroup_counts(inputs.unresponded))


def agency_label(code: str, ref: Reference) -> tuple[str, str]:
    """(name, kind) of an agencies-panel row."""
    if code == KELURAHAN:
        return KELURAHAN_NAME, "kelurahan"
    agency = ref.agencies.get(code)
    return (agency.name, agency.kind) if agency else (code, "unknown")
