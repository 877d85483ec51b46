"""Report sources behind one interface (:class:`ReportSource`): the Open311 pull, the
file drop, and the simulator (``dashboard.simulator.source.SimulatorSource``). Each
returns a :class:`Batch` of raw Open311-shaped dicts; :func:`dashboard.ingest.run.ingest_once`
validates, normalizes and stores them the same way whatever the source."""

from __future__ import annotations

from dashboard.config import Settings
from dashboard.ingest.batch import Batch, ReportSource, SeenFile, SourceError
from dashboard.ingest.filedrop import FileDropSource
from dashboard.ingest.open311 import Open311Source
from dashboard.store.engine import make_engine

__all__ = ["Batch", "ReportSource", "SeenFile", "SourceError", "FileDropSource",
           "Open311Source", "build_source"]

KINDS = ("open311", "open311-updated", "files")


def build_source(kind: str, target: str, settings: Settings) -> ReportSource:
    """``open311`` + base URL (windowed by the spec's start_date/end_date),
    ``open311-updated`` + base URL (windowed by the updated_after/updated_before extension,
    e.g. another Pantau), or ``files`` + directory: the CLI's and the worker's
    ``PANTAU_SOURCES`` entries. The simulator is built by ``dashboard.simulator``."""
    if kind == "open311":
        return Open311Source(target)
    if kind == "open311-updated":
        return Open311Source(target, name="open311", window_field="updated")
    if kind == "files":
        return FileDropSource(target, make_engine(settings.resolved_database_url))
    raise ValueError(f"unknown source kind {kind!r}; expected one of {', '.join(KINDS)}")
