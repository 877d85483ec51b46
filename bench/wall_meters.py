"""Meters for the wall benchmark: wall-clock and CPU time of a call, SQL statements."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import Engine, event, text


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


class CpuMeter:
    """CPU milliseconds a call costs: this process (SQLAlchemy, drivers, SQLite itself,
    JSON) plus, on PostgreSQL, the server backends of this database, and any ``extra``
    processes (a web server's), read from
    ``/proc/<pid>/schedstat`` (ns on CPU; the server runs on this machine). Unlike
    wall-clock time it does not grow when other processes compete for the cores."""

    def __init__(self, engine: Engine, extra: Callable[[], set[int]] | None = None) -> None:
        self.engine, self.extra = engine, extra
        self.pg = engine.dialect.name == "postgresql"

    def _pids(self) -> set[int]:
        """The PostgreSQL backends of this database and the ``extra`` processes (a server's)."""
        pids = self.extra() if self.extra is not None else set()
        if not self.pg:
            return pids
        with self.engine.connect() as conn:
            return pids | set(conn.scalars(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")))

    @staticmethod
    def _on_cpu_ns(pids: set[int]) -> int:
        total = 0
        for pid in pids:
            for task in Path(f"/proc/{pid}/task").glob("*"):  # every thread (waitress serves from threads)
                try:
                    total += int((task / "schedstat").read_text().split()[0])
                except (OSError, ValueError, IndexError):
                    pass  # the thread or process exited
        return total

    def measure(self, fn: Callable[[], Any]) -> tuple[float, float]:
        """(wall-clock ms, CPU ms) of one call."""
        before = self._pids()
        server0, client0, start = self._on_cpu_ns(before), time.process_time_ns(), time.perf_counter()
        fn()
        wall, client = time.perf_counter() - start, time.process_time_ns() - client0
        server = self._on_cpu_ns(before) - server0 + self._on_cpu_ns(self._pids() - before)
        return wall * 1000, (client + server) / 1e6


def medians(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def median_ms(fn: Callable[[], Any], repeat: int) -> float:
    return statistics.median(timed(fn) for _ in range(repeat))


class StatementCount:
    """Counts the SQL statements ``engine`` executes inside the ``with`` block."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.n = engine, 0

    def _count(self, *args: Any) -> None:
        self.n += 1

    def __enter__(self) -> "StatementCount":
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)
