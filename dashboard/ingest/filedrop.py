"""File drop: CSV or JSON Lines files in a directory, one record per row/line, with the
Open311 field names (plus ``jakarta_status`` and the reporter fields).

Which files are taken: ``*.csv``, ``*.jsonl``, ``*.ndjson`` that are *complete*. Writers
should write ``name.tmp``/``name.part`` (or a dotfile) and rename it into place; as a
second guard a file modified less than ``settle_seconds`` ago is left for the next run.
Other files are ignored. Files are taken oldest first, at most ``max_files`` per batch.

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
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from dashboard.ingest.batch import Batch, SeenFile, SourceError
from dashboard.ingest.normalize import UNPARSEABLE_KEY
from dashboard.store.seen_files import seen_hashes

SUFFIXES = {".csv", ".jsonl", ".ndjson"}  # so *.tmp / *.part (partial files) never match
#: Most physical lines one CSV row (a quoted field with newlines) may span.
MAX_ROW_LINES = 20


class FileDropSource:
    def __init__(self, directory: str | Path, engine: Engine | None = None, *,
                 name: str = "files", settle_seconds: float = 2.0, max_files: int = 50) -> None:
        self.directory = Path(directory)
        self.engine = engine
        self.name = name
        self.settle_seconds = settle_seconds
        self.max_files = max_files
        self._known: dict[tuple, str] = {}  # (name, size, mtime) -> sha256, saves re-reading

    def fetch(self, cursor: str | None, now: datetime) -> Batch:
        """Records of the complete, not yet seen files. ``cursor`` is unused (the
        ``seen_file`` table is the state) and returned unchanged."""
        if not self.directory.is_dir():
            raise SourceError(f"{self.directory}: not a directory")
        records: list[dict] = []
        files: list[SeenFile] = []
        seen = self._seen()
        for path in self.candidates():
            if self._known.get(_identity(path)) in seen:
                continue  # unchanged since it was hashed and stored: not read again
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue  # moved away since listed
            except OSError as exc:
                raise SourceError(f"{path}: {exc}") from exc
            digest = hashlib.sha256(data).hexdigest()
            self._known[_identity(path)] = digest
            if digest in seen or any(f.sha256 == digest for f in files):
                continue
            records.extend(parse_file(path.name, data))
            files.append(SeenFile(digest, path.name))
            if len(files) >= self.max_files:
                break
        return Batch(records, cursor, files)

    def candidates(self) -> list[Path]:
        """Complete data files, oldest first."""
        cutoff = time.time() - self.settle_seconds
        found = []
        for path in self.directory.iterdir():
            if path.name.startswith(".") or path.suffix.lower() not in SUFFIXES:
                continue  # dotfiles, *.tmp, *.part and anything else
            try:
                info = path.stat()
            except FileNotFoundError:
                continue
            if path.is_file() and info.st_mtime <= cutoff:
                found.append((info.st_mtime, path.name, path))
        return [path for _, _, path in sorted(found)]

    def _seen(self) -> set[str]:
        if self.engine is None:
            return set()
        with self.engine.connect() as conn:
            return seen_hashes(conn, self.name)


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
