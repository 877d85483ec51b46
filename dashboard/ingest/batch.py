"""What every source returns: a :class:`Batch` of raw records. Re-exported by
:mod:`dashboard.ingest.sources`, which is the module other code should import."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class SourceError(Exception):
    """A failed fetch (timeout, HTTP error, garbage body). Never "zero reports": the run is
    recorded as failed and the source's cursor is kept."""


@dataclass(frozen=True)
class SeenFile:
    """A dropped file whose records are in the batch; recorded in ``seen_file`` in the
    same transaction as the records, so it is skipped from then on."""

    sha256: str
    name: str


@dataclass(frozen=True)
class Skipped:
    """A dropped file a batch did not read, and why: ``reason`` is a code of
    :data:`dashboard.ingest.filedrop.SKIP_REASONS`, ``detail`` the sentence an operator reads
    (``modified 0.8 s ago (settling, 2 s)``). ``repeat``: the same source's previous run
    left this file out for the same reason (the worker logs a skip once, not every run)."""

    name: str
    reason: str
    detail: str
    repeat: bool = False


@dataclass
class Batch:
    records: list[dict]
    cursor: str | None
    files: list[SeenFile] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


class ReportSource(Protocol):
    name: str

    def fetch(self, cursor: str | None, now: datetime) -> Batch:
        """Records after ``cursor`` (the value saved from the previous batch, or None).
        Raises :class:`SourceError` when the fetch fails."""
        ...
