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


@dataclass
class Batch:
    records: list[dict]
    cursor: str | None
    files: list[SeenFile] = field(default_factory=list)


class ReportSource(Protocol):
    name: str

    def fetch(self, cursor: str | None, now: datetime) -> Batch:
        """Records after ``cursor`` (the value saved from the previous batch, or None).
        Raises :class:`SourceError` when the fetch fails."""
        ...
