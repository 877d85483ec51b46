"""A bound on the requests one client address has in flight (WSGI middleware).

The public rate limit counts requests per minute; it does not stop one address from
opening a hundred connections and keeping a hundred requests running at once, which
takes every thread and both cores from everybody else. :class:`ClientLimit` counts the
requests in flight per ``REMOTE_ADDR`` and answers the ones past the bound at once with
``429 Too Many Requests`` and ``Retry-After``, before the application does any work, so
a flood's excess costs microseconds instead of queueing in front of other clients. A
request counts until its response has been sent whole (the WSGI iterable's ``close()``),
not only until the application returned.

The count covers all web processes: :class:`InFlight` is a table in shared memory, made
by gunicorn's master before it forks (:mod:`dashboard.processes.serving`), with one row per
process and one column per address hash. Only its own process writes a row (under a
thread lock), an address's count is its column's sum, and the master zeroes a process's
row when the process exits, so a killed process leaks no counts. Two processes admitting
the same address at the same instant may pass the bound by one each; two addresses whose
hashes meet share a bound (1 in 65,536 per pair).
"""

from __future__ import annotations

import mmap
import threading
import zlib
from typing import Callable, Iterable, Iterator

RETRY_AFTER_SECONDS = 1
BODY = b"429 Too Many Requests: too many requests at once from this address\n"
#: Columns of :class:`InFlight` (address hashes).
SLOTS = 65_536


class InFlight:
    """Requests in flight per (process row, address slot), in memory shared with the
    processes forked after it was made (anonymous ``MAP_SHARED`` mapping, 16-bit cells)."""

    def __init__(self, rows: int = 1) -> None:
        self.rows = rows
        self._memory = mmap.mmap(-1, rows * SLOTS * 2)
        self._cells = memoryview(self._memory).cast("H")

    @staticmethod
    def slot(client: str) -> int:
        return zlib.crc32(client.encode()) % SLOTS

    def count(self, slot: int) -> int:
        """Requests in flight for ``slot`` in all rows."""
        return sum(self._cells[row * SLOTS + slot] for row in range(self.rows))

    def add(self, row: int, slot: int, delta: int) -> None:
        self._cells[row * SLOTS + slot] += delta

    def clear(self, row: int) -> None:
        self._memory[row * SLOTS * 2:(row + 1) * SLOTS * 2] = bytes(SLOTS * 2)


class ClientLimit:
    """Wrap ``app`` so that each client address has at most ``bound`` requests in flight
    (0: no bound), counted in ``row`` of ``table`` (by default a table of this process alone)."""

    def __init__(self, app: Callable, bound: int, table: InFlight | None = None, row: int = 0) -> None:
        self.app = app
        self.bound = bound
        self.table = table or InFlight()
        self.row = row
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not self.bound:
            return self.app(environ, start_response)
        slot = self.table.slot(environ.get("REMOTE_ADDR", ""))
        if not self._enter(slot):
            start_response("429 Too Many Requests", [
                ("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(BODY))),
                ("Retry-After", str(RETRY_AFTER_SECONDS)), ("Cache-Control", "no-store")])
            return [BODY]
        try:
            body = self.app(environ, start_response)
        except BaseException:
            self._leave(slot)
            raise
        return _Released(body, lambda: self._leave(slot))

    def in_flight(self, client: str) -> int:
        """Requests of ``client`` being served now, in every process sharing the table."""
        return self.table.count(self.table.slot(client))

    def _enter(self, slot: int) -> bool:
        with self._lock:
            if self.table.count(slot) >= self.bound:
                return False
            self.table.add(self.row, slot, 1)
            return True

    def _leave(self, slot: int) -> None:
        with self._lock:
            self.table.add(self.row, slot, -1)


class _Released:
    """The application's response iterable; ``close()`` closes it, then releases the slot
    (once, whatever the server calls)."""

    def __init__(self, body: Iterable[bytes], release: Callable[[], None]) -> None:
        self._body = body
        self._release: Callable[[], None] | None = release

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            if self._release is not None:
                self._release, release = None, self._release
                release()
