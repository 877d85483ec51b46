"""Report sources behind one interface (:class:`ReportSource`): the Open311 pull, the
file drop, and the simulator (``dashboard.simulator.source.SimulatorSource``). Each
returns a :class:`Batch` of raw Open311-shaped dicts; :func:`dashboard.ingest.run.ingest_once`
validates, normalizes and stores them the same way whatever the source."""

from __future__ import annotations

from dashboard.config import Settings
from dashboard.ingest.batch import Batch, ReportSource, SeenFile, SourceError
from dashboard.ingest.filedrop import FileDropSource
from dashboard.ingest.open311 import KINDS as OPEN311_KINDS, LEGACY_NAME, Open311Source, endpoint_key
from dashboard.store.engine import make_engine

__all__ = ["Batch", "ReportSource", "SeenFile", "SourceError", "FileDropSource",
           "Open311Source", "build_source", "parse_sources"]

#: Open311 kind -> window_field ("open311": the spec's window, "open311-updated": the extension)
OPEN311_WINDOWS = {kind: window for window, kind in OPEN311_KINDS.items()}
KINDS = (*OPEN311_WINDOWS, "files")
#: every kind of ``PANTAU_SOURCES`` entry (the simulator's source lives in ``dashboard.simulator``)
SOURCE_KINDS = ("simulator", *KINDS)


def parse_sources(spec: str) -> list[tuple[str, str]]:
    """``"simulator,open311=URL,files=DIR"`` -> ``[(kind, target), ...]`` (target "" for
    the simulator). Raises ValueError for an unknown kind or a missing target."""
    out = []
    for item in filter(None, (s.strip() for s in spec.split(","))):
        kind, _, target = item.partition("=")
        kind, target = kind.strip(), target.strip()
        if kind not in SOURCE_KINDS:
            raise ValueError(f"PANTAU_SOURCES: unknown source {kind!r}; use {', '.join(SOURCE_KINDS)}")
        if kind != "simulator" and not target:
            raise ValueError(f"PANTAU_SOURCES: {kind} needs a target, e.g. {kind}=...")
        out.append((kind, target))
    return out


def build_source(kind: str, target: str, settings: Settings) -> ReportSource:
    """``open311`` + base URL (windowed by the spec's start_date/end_date),
    ``open311-updated`` + base URL (windowed by the updated_after/updated_before extension,
    e.g. another Pantau), or ``files`` + directory: the CLI's and the worker's
    ``PANTAU_SOURCES`` entries. The simulator is built by ``dashboard.simulator``.

    An Open311 source is named after its endpoint; when it is the only Open311 endpoint
    in ``settings.sources`` it takes over a store's rows of the single ``open311`` source
    of earlier versions (with several, whose they were is unknown: they are left alone)."""
    if kind in OPEN311_WINDOWS:
        legacy = LEGACY_NAME if _only_open311_endpoint(target, settings) else None
        return Open311Source(target, legacy_name=legacy, window_field=OPEN311_WINDOWS[kind])
    if kind == "files":
        return FileDropSource(target, make_engine(settings.resolved_database_url))
    raise ValueError(f"unknown source kind {kind!r}; expected one of {', '.join(KINDS)}")


def _only_open311_endpoint(target: str, settings: Settings) -> bool:
    """Whether no other Open311 endpoint than ``target`` is configured (the CLI's target
    need not be in ``settings.sources``); False when ``settings.sources`` does not parse."""
    try:
        configured = parse_sources(settings.sources)
    except ValueError:
        return False
    others = {endpoint_key(t) for kind, t in configured if kind in OPEN311_WINDOWS} - {endpoint_key(target)}
    return not others
