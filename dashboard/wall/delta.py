"""The wall's incremental refresh: open-backlog ages, today's counts and today's Selesai
moves kept up to date from the changes since the last refresh, in the worker's memory.

Between two full recomputes (:data:`dashboard.wall.aggregate.LEADERBOARD_MAX_AGE`) the worker
keeps :class:`YoungState`: every open report younger than the resolve target (7 days)
and every report requested today, as ``id -> (agency, status, requested_at)``, plus the
counts the payload needs. :func:`advance` brings it from (cursor c0, time t0) to
(c1, t1) exactly:

1. each report changed in ``(c0, c1]`` (:func:`~dashboard.store.changes.changed_reports`)
   takes back what its old state counted and counts its new state, both at t0;
2. time moves to t1: the open reports requested in ``(t0 - upper, t1 - upper]`` cross
   the boundary ``upper`` of an age bucket (one small index range per boundary); the ones
   crossing 7 days leave the state (the overdue backlog is the tally's open count minus
   the young ones, see :func:`split_backlog`);
3. Selesai moves after the last ``status_change`` id counted are added.

It costs O(changes + crossings + groups) instead of scanning the young backlog. It
returns ``None`` (the caller recomputes in full) when there is no state for this store,
the day (WIB) changed, the time went back or jumped by more than the youngest bucket,
or more than :data:`MAX_CHANGES` reports changed. The state lives only in the worker; the
snapshot it produces is saved to the store as before, so web processes never need it.
Tests compare it against the full reads (``tests/store/oracles.py``) on both backends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection

from dashboard.models import AGE_BUCKETS, OPEN_VALUES, Status
from dashboard.store import changes

MAX_CHANGES = 20_000
MAX_STEP = AGE_BUCKETS[0][1]  # a report cannot cross two boundaries in one step
MENUNGGU = Status.MENUNGGU.value
YOUNG = [(label, upper) for label, upper in AGE_BUCKETS if upper]
OPEN = frozenset(OPEN_VALUES)


def bucket(requested_at: datetime, at: datetime) -> str | None:
    """The age bucket of an open report at ``at`` (``None``: older than 7 days), as
    the reference ``young_open`` (``tests/store/oracles.py``) buckets it (``requested_at > at - upper``)."""
    for label, upper in YOUNG:
        if requested_at > at - upper:
            return label
    return None


@dataclass
class YoungState:
    version: int
    at: datetime
    day_start: datetime
    status_change_id: int
    reports: dict[int, tuple[str, str, datetime]] = field(default_factory=dict)
    young: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # (agency, bucket) -> [n, Menunggu]
    today: dict[tuple[str, str], int] = field(default_factory=dict)  # (agency, status) -> n
    done: dict[str, int] = field(default_factory=dict)  # agency -> moves to Selesai today

    def count(self, row: tuple[str, str, datetime], sign: int) -> None:
        """Add (``sign=1``) or take back (``-1``) what one report counts at ``self.at``."""
        agency, status, requested_at = row
        if requested_at >= self.day_start:
            _bump(self.today, (agency, status), sign)
        label = bucket(requested_at, self.at) if status in OPEN else None
        if label is not None:
            cell = self.young.setdefault((agency, label), [0, 0])
            cell[0] += sign
            cell[1] += sign if status == MENUNGGU else 0

    def keeps(self, row: tuple[str, str, datetime]) -> bool:
        _, status, requested_at = row
        return requested_at >= self.day_start or (status in OPEN and bucket(requested_at, self.at) is not None)

    def put(self, report_id: int, row: tuple[str, str, datetime] | None) -> None:
        """Replace a report's state (``None``: it no longer exists or matters)."""
        old = self.reports.pop(report_id, None)
        if old is not None:
            self.count(old, -1)
        if row is not None and self.keeps(row):
            self.reports[report_id] = row
            self.count(row, 1)

    def young_rows(self) -> list[tuple[str, str, int, int]]:
        """As the reference ``young_open``: (agency, bucket, n, of which Menunggu)."""
        return [(a, b, n, w) for (a, b), (n, w) in self.young.items() if n]

    def today_rows(self) -> list[tuple[str, str, int]]:
        """As the reference ``today_by_agency``: (agency, status, n)."""
        return [(a, s, n) for (a, s), n in self.today.items() if n]

    def done_counts(self) -> dict[str, int]:
        return {a: n for a, n in self.done.items() if n}


def _bump(counts: dict, key, sign: int) -> None:  # noqa: ANN001
    counts[key] = counts.get(key, 0) + sign


def build(conn: Connection, version: int, now: datetime, day_start: datetime,
          done: dict[str, int]) -> YoungState:
    """The state at (``version``, ``now``) from :func:`~dashboard.store.changes.young_reports`
    (``done``: today's Selesai moves per agency, read in the same snapshot)."""
    state = YoungState(version, now, day_start, changes.last_status_change(conn), done=dict(done))
    for report_id, agency, status, requested_at in changes.young_reports(conn, now, day_start):
        state.put(report_id, (agency, status, requested_at))
    return state


def advance(conn: Connection, state: YoungState | None, version: int, now: datetime,
            day_start: datetime) -> YoungState | None:
    """``state`` moved to (``version``, ``now``) in place (module docstring), or ``None``
    when only a full recompute can say."""
    if state is None or state.day_start != day_start or version < state.version:
        return None
    if not timedelta(0) <= now - state.at <= MAX_STEP:
        return None
    changed = changes.changed_reports(conn, state.version, version, MAX_CHANGES)
    if len(changed) > MAX_CHANGES:
        return None
    for report_id, agency, status, requested_at in changed:
        state.put(report_id, (agency, status, requested_at))
    _cross(conn, state, now)
    last = changes.last_status_change(conn)
    for agency, n in changes.done_after(conn, state.status_change_id, last, day_start).items():
        _bump(state.done, agency, n)
    state.version, state.status_change_id = version, last
    return state


def _cross(conn: Connection, state: YoungState, now: datetime) -> None:
    """Move the clock from ``state.at`` to ``now``: open reports requested in
    ``(at - upper, now - upper]`` move to the next bucket (or out after 7 days)."""
    crossing: set[int] = set()
    for _, upper in YOUNG:
        crossing.update(changes.requested_between(conn, state.at - upper, now - upper))
    rows = {i: state.reports[i] for i in crossing if i in state.reports}
    for row in rows.values():
        state.count(row, -1)
    state.at = now
    for report_id, row in rows.items():
        if state.keeps(row):
            state.count(row, 1)
        else:
            del state.reports[report_id]


def split_backlog(open_by: dict[str, tuple[int, int]], young: list[tuple[str, str, int, int]]
                  ) -> tuple[list[tuple[str, str, int]], dict[str, int]]:
    """(backlog rows (agency, bucket, n), unresponded per agency) from the tally's open
    counts (``store.tallies.open_by_agency``) and the open reports younger than the
    resolve target (:meth:`YoungState.young_rows`): per agency, the overdue bucket is its
    open count minus its young ones, and Menunggu older than 6 h is its Menunggu count
    minus the Menunggu ones in the youngest bucket."""
    backlog: list[tuple[str, str, int]] = []
    young_n: dict[str, int] = {}
    waiting = {a: w for a, (_, w) in open_by.items()}
    for agency, label, n, n_waiting in young:
        backlog.append((agency, label, n))
        young_n[agency] = young_n.get(agency, 0) + n
        if label == AGE_BUCKETS[0][0]:
            waiting[agency] = waiting.get(agency, 0) - n_waiting
    for agency, (n, _) in open_by.items():
        if n > young_n.get(agency, 0):
            backlog.append((agency, AGE_BUCKETS[-1][0], n - young_n.get(agency, 0)))
    return backlog, {a: w for a, w in waiting.items() if w > 0}
