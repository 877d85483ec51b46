"""One ingest run: fetch a batch from a source, normalize every record, store the good
ones and quarantine the rest, all in ONE transaction together with the source's cursor
and the seen-file hashes. A worker killed mid-batch therefore loses nothing and
duplicates nothing: the next run fetches the same records again from the old cursor.

A source carrying a ``legacy_name`` (an Open311 source of a store written before sources
were named after their endpoint) first takes over the rows kept under that name, once
(:func:`dashboard.store.source_rename.adopt_source`).

Every run writes an ``ingest_run`` row: inserted (committed) before the fetch, finished
after the batch with its counts, ``ok`` and the error text of a failed fetch or write.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import Connection, Engine

from dashboard.ingest.batch import Batch, ReportSource, Skipped, SourceError
from dashboard.ingest.normalize import normalize
from dashboard.ingest.reasons import Reason, Rejection
from dashboard.models import Report
from dashboard.reference import Reference
from dashboard.store.source_rename import adopt_source
from dashboard.store.writes import (QuarantineItem, finish_run, load_cursor, mark_files_seen,
                                    quarantine, save_cursor, start_run, upsert_reports)

log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    """One run's counts, ``ok`` and error; ``seconds`` it took (set by :func:`ingest_once`);
    ``skipped``: the files a file source left out, with their reasons."""

    n_seen: int = 0
    n_new: int = 0
    n_updated: int = 0
    n_unchanged: int = 0
    n_quarantined: int = 0
    ok: bool = False
    error: str | None = None
    seconds: float = 0.0
    skipped: list[Skipped] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if k.startswith("n_")}

    def summary(self) -> str:
        """``8 seen · 3 new · 5 unchanged · 0 quarantined (0.4 s)`` (``updated`` when any)."""
        parts = [f"{self.n_seen} seen", f"{self.n_new} new"]
        parts += [f"{self.n_updated} updated"] if self.n_updated else []
        parts += [f"{self.n_unchanged} unchanged", f"{self.n_quarantined} quarantined"]
        return " · ".join(parts) + f" ({self.seconds:.1f} s)"


def ingest_once(source: ReportSource, engine: Engine, ref: Reference, now: datetime,
                feed_tz: str | tzinfo | None = None) -> IngestResult:
    """Fetch one batch from ``source`` and store it. A failed fetch or batch write does not
    raise: the result (and the ``ingest_run`` row) says ``ok=False`` with the error. Only a
    store that cannot record the run at all raises."""
    clock = time.monotonic()
    with engine.begin() as conn:
        run_id = start_run(conn, source.name, now)
        _adopt_legacy(conn, source)
        cursor = load_cursor(conn, source.name)
    try:
        batch = source.fetch(cursor, now)
        with engine.begin() as conn:
            result = ingest_batch(conn, source.name, batch, ref, now, feed_tz)
    except SourceError as exc:
        result = IngestResult(error=f"fetch failed: {exc}")
    except Exception as exc:  # a store error: the transaction rolled back, record it
        log.exception("ingest of %s failed", source.name)
        result = IngestResult(error=f"{type(exc).__name__}: {exc}")
    result.seconds = round(time.monotonic() - clock, 3)
    finished = now + timedelta(seconds=result.seconds)
    with engine.begin() as conn:
        finish_run(conn, run_id, finished, result.counts(), result.ok, result.error)
    return result


def _adopt_legacy(conn: Connection, source: ReportSource) -> None:
    legacy = getattr(source, "legacy_name", None)  # only Open311Source may have one
    if legacy and legacy != source.name:
        moved = adopt_source(conn, legacy, source.name)
        if moved is not None:
            log.info("source %s took over the cursor and %d reports of %s", source.name, moved, legacy)


def ingest_batch(conn: Connection, source: str, batch: Batch, ref: Reference, now: datetime,
                 feed_tz: str | tzinfo | None = None) -> IngestResult:
    """Store ``batch`` inside the caller's transaction; saves its cursor and files."""
    accepted, refused = _normalize_all(batch.records, source, ref, now, feed_tz)
    kept, duplicates = dedupe(accepted)
    upserted = upsert_reports(conn, [rep for rep, _ in kept], now)
    raw_by_id = {rep.external_id: raw for rep, raw in kept}
    stale = [QuarantineItem(rep.external_id, Reason.STALE_UPDATE.value, detail, raw_by_id[rep.external_id])
             for rep, detail in upserted.stale]
    n_quarantined = quarantine(conn, source, refused + duplicates + stale, now)
    if batch.cursor is not None:  # a source without a cursor never erases a saved one
        save_cursor(conn, source, batch.cursor, now)
    mark_files_seen(conn, source, batch.files, now)
    return IngestResult(len(batch.records), upserted.new, upserted.updated, upserted.unchanged,
                        n_quarantined, ok=True, skipped=batch.skipped)


def _normalize_all(records: list, source: str, ref: Reference, now: datetime,
                   feed_tz: str | tzinfo | None) -> tuple[list[tuple[Report, dict]], list[QuarantineItem]]:
    accepted, refused = [], []
    for raw in records:
        out = normalize(raw, source, ref, now, feed_tz)
        if isinstance(out, Rejection):
            refused.append(QuarantineItem(_raw_id(raw), out.reason.value, out.detail, raw))
        else:
            accepted.append((out, raw))
    return accepted, refused


def dedupe(accepted: list[tuple[Report, dict]]) -> tuple[list[tuple[Report, dict]], list[QuarantineItem]]:
    """One record per id: the latest ``updated_at`` wins (on a tie, the later one in the
    batch); the others are quarantined as ``duplicate_in_batch``."""
    best: dict[str, int] = {}
    for index, (rep, _) in enumerate(accepted):
        current = best.get(rep.external_id)
        if current is None or rep.updated_at >= accepted[current][0].updated_at:
            best[rep.external_id] = index
    winners = set(best.values())
    kept = [pair for i, pair in enumerate(accepted) if i in winners]
    duplicates = [
        QuarantineItem(rep.external_id, Reason.DUPLICATE_IN_BATCH.value,
                       f"kept the record updated {accepted[best[rep.external_id]][0].updated_at.isoformat()}; "
                       f"this one updated {rep.updated_at.isoformat()}", raw)
        for i, (rep, raw) in enumerate(accepted) if i not in winners
    ]
    return kept, duplicates


def _raw_id(raw: object) -> str | None:
    if isinstance(raw, dict) and raw.get("service_request_id") not in (None, ""):
        return str(raw["service_request_id"])
    return None
