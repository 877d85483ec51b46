"""File drop: CSV or JSON Lines files in a directory, one record per row/line, with the
Open311 field names (plus ``jakarta_status`` and the reporter fields).

Which files are taken: ``*.csv``, ``*.jsonl``, ``*.ndjson`` that are *complete*. Writers
should write ``name.tmp``/``name.part`` (or a dotfile) and rename it into place; as a
second guard a file modified less than ``settle_seconds`` ago is left for the next run.
Other files are left alone. Files are taken oldest first, at most ``max_files`` per batch.
Every file left out is in :attr:`Batch.skipped` with its reason (:data:`SKIP_REASONS`):
``pantau ingest --once files DIR`` prints them and the worker logs them.

Dedupe: a file is identified by the SHA-256 of its bytes. A hash already in ``seen_file``
is skipped entirely (without parsing). The batch lists the files it read
(:attr:`Batch.files`); :func:`dashboard.ingest.run.ingest_once` records them in
``seen_file`` in the same transaction as their records, so a crash before the commit
re-reads the file and a crash after it never does.

A row that cannot be parsed (bad JSON, a JSON value that is not an object, a CSV row with
the wrong number of fields, malformed quoting) becomes a record marked
:data:`~dashboard.ingest.normalize.UNPARSEABLE_KEY`, quarantined as ``unparseable``; the
rest of the file goes on. Invalid UTF-8 is decoded with ``surrogateescape`` so the record
reaches normalize, which refuses it as ``invalid_text``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from dashboard.ingest.batch import Batch, SeenFile, Skipped, SourceError
from dashboard.ingest.normalize import UNPARSEABLE_KEY
from dashboard.store.seen_files import seen_hashes

#: a file modified less than this many seconds ago may still be being written: next run
SETTLE_SECONDS = 2.0
SUFFIXES = {".csv", ".jsonl", ".ndjson"}  # so *.tmp / *.part (partial files) never match
PARTIAL_SUFFIXES = {".tmp", ".part"}
#: why a file was left out of a batch (:attr:`Batch.skipped`): still being written or just
#: moved in, a partial or hidden file, not a data file, its content already ingested,
#: beyond ``max_files`` (next run), or gone while listed
SETTLING, PARTIAL, NOT_DATA, SEEN, BATCH_FULL, GONE = "settling", "partial", "not_data", "seen", "batch_full", "gone"
SKIP_REASONS = (SETTLING, PARTIAL, NOT_DATA, SEEN, BATCH_FULL, GONE)
SEEN_TEXT = "already ingested (a file with the same content was read before)"
#: Most physical lines one CSV row (a quoted field with newlines) may span.
MAX_ROW_LINES = 20


class FileDropSource:
    def __init__(self, directory: str | Path, engine: Engine | None = None, *,
                 name: str = "files", settle_seconds: float = SETTLE_SECONDS, max_files: int = 50) -> None:
        self.directory = Path(directory)
        self.engine = engine
        self.name = name
        self.settle_seconds = settle_seconds
        self.max_files = max_files
        self._known: dict[tuple, str] = {}  # (name, size, mtime) -> sha256, saves re-reading
        self._reported: set[tuple[str, str]] = set()  # (file name, reason) of the last run's skips

    def fetch(self, cursor: str | None, now: datetime) -> Batch:
        """Records of the complete, not yet seen files, and every file left out with its
        reason (:attr:`Batch.skipped`). ``cursor`` is unused (the ``seen_file`` table is
        the state) and returned unchanged."""
        if not self.directory.is_dir():
            raise SourceError(f"{self.directory}: not a directory")
        batch = Batch([], cursor)
        seen = self._seen()
        found, skipped = self.scan()
        for path in found:
            if len(batch.files) >= self.max_files:
                skipped.append((path.name, BATCH_FULL, f"left for the next run (at most {self.max_files} files a run)"))
                continue
            why = self._take(path, seen, batch)
            if why is not None:
                skipped.append((path.name, *why))
        batch.skipped = [Skipped(name, why, detail, (name, why) in self._reported) for name, why, detail in skipped]
        self._reported = {(name, why) for name, why, _ in skipped}  # a file skipped again later is news again
        return batch

    def _take(self, path: Path, seen: set[str], batch: Batch) -> tuple[str, str] | None:
        """Read ``path`` into ``batch``; or (reason, detail) when it is left out."""
        if self._known.get(_identity(path)) in seen:
            return SEEN, SEEN_TEXT  # unchanged since it was hashed and stored: not read again
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return GONE, "moved away while it was being listed"
        except OSError as exc:
            raise SourceError(f"{path}: {exc}") from exc
        digest = hashlib.sha256(data).hexdigest()
        self._known[_identity(path)] = digest
        if digest in seen:
            return SEEN, SEEN_TEXT
        twin = next((f.name for f in batch.files if f.sha256 == digest), None)
        if twin is not None:
            return SEEN, f"same content as {twin} in this run"
        batch.records.extend(parse_file(path.name, data))
        batch.files.append(SeenFile(digest, path.name))
        return None

    def scan(self) -> tuple[list[Path], list[tuple[str, str, str]]]:
        """Complete data files (oldest first) and the others as (name, reason, detail)."""
        clock = time.time()
        found, skipped = [], []
        for path in sorted(self.directory.iterdir()):
            info, why = _complete(path, clock, self.settle_seconds)
            if why is not None:
                skipped.append((path.name, *why))
            elif info is not None:
                found.append((info.st_mtime, path.name, path))
        return [path for _, _, path in sorted(found)], skipped

    def _seen(self) -> set[str]:
        if self.engine is None:
            return set()
        with self.engine.connect() as conn:
            return seen_hashes(conn, self.name)


def _complete(path: Path, clock: float, settle_seconds: float) -> tuple[os.stat_result | None, tuple[str, str] | None]:
    """(stat, None) for a complete data file, (None, (reason, detail)) for any other file,
    (None, None) for one that vanished while listed."""
    if path.name.startswith("."):
        return None, (PARTIAL, "a hidden file (dotfiles are partial by convention)")
    suffix = path.suffix.lower()
    if suffix in PARTIAL_SUFFIXES:
        return None, (PARTIAL, f"a partial file ({suffix}): rename it to .csv or .jsonl when it is complete")
    if suffix not in SUFFIXES:
        return None, (NOT_DATA, f"not CSV or JSON Lines ({suffix or 'no extension'}): "
                                "only .csv, .jsonl and .ndjson are read")
    try:
        info = path.stat()
    except FileNotFoundError:
        return None, None
    if not path.is_file():
        return None, (NOT_DATA, "not a regular file")
    age = clock - info.st_mtime
    if age < settle_seconds:
        return None, (SETTLING, f"modified {max(age, 0):.1f} s ago (settling, {settle_seconds:g} s)")
    return info, None


def _identity(path: Path) -> tuple:
    try:
        info = path.stat()
    except OSError:
        return (path.name,)
    return (path.name, info.st_size, info.st_mtime_ns)


def parse_file(name: str, data: bytes) -> list[dict]:
    text = data.decode("utf-8", errors="surrogateescape").lstrip("\ufeff")
    if name.lower().endswith(".csv"):
        return parse_csv(name, text)
    return parse_jsonl(name, text)


def parse_jsonl(name: str, text: str) -> list[dict]:
    records = []
    for number, line in enumerate(_lines(text), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            value = _unparseable(name, number, line, f"invalid JSON: {exc}")
        if not isinstance(value, dict):
            value = _unparseable(name, number, line, f"JSON {type(value).__name__}, not an object")
        records.append(value)
    return records


def parse_csv(name: str, text: str) -> list[dict]:
    """Rows of a CSV file with a header line. A quoted field may span lines (up to
    :data:`MAX_ROW_LINES`); a line whose quotes never balance is one unparseable record
    and parsing resumes on the next line, so one stray quote costs one row."""
    lines = _lines(text)
    if not lines:
        return []
    header = [h.strip() for h in _csv_row(lines[0]) or []]
    records, i = [], 1
    while i < len(lines):
        chunk, j = lines[i], i + 1
        while chunk.count('"') % 2 and j < len(lines) and j - i < MAX_ROW_LINES:
            chunk, j = chunk + "\n" + lines[j], j + 1
        row = _csv_row(chunk)
        if row is None:
            records.append(_unparseable(name, i + 1, lines[i], "malformed CSV quoting"))
            i += 1
            continue
        if any(cell.strip() for cell in row):
            records.append(_csv_record(name, i + 1, chunk, header, row))
        i = j
    return records


def _csv_row(chunk: str) -> list[str] | None:
    """The one row in ``chunk``, or None when it is not exactly one well-formed row."""
    try:
        rows = list(csv.reader(io.StringIO(chunk, newline=""), strict=True))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else None


def _csv_record(name: str, line: int, chunk: str, header: list[str], row: list[str]) -> dict:
    if len(row) != len(header):
        return _unparseable(name, line, chunk, f"{len(row)} fields, header has {len(header)}")
    return dict(zip(header, row))


def _lines(text: str) -> list[str]:
    """Physical lines split on \\n only (\\r\\n tolerated): Unicode line separators such
    as U+2028 are text inside a record, not line ends."""
    lines = [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]
    return lines[:-1] if lines and lines[-1] == "" else lines


def _unparseable(name: str, line: int, text: str, detail: str) -> dict:
    return {UNPARSEABLE_KEY: f"{name} line {line}: {detail}", "line": text}
