"""Writes of the ingest pipeline, each inside the caller's transaction (``conn``):
idempotent report upserts with their side tables, quarantine rows, ingest-run rows, the
per-source cursor and the file-drop ``seen_file`` hashes.

:func:`upsert_reports` on ``(source, external_id)`` — per incoming report, against the
stored row:

* no stored row → **new**: inserted, ``status_change`` (NULL → status) at its update time;
* a strictly newer ``updated_at`` → **updated**: every field replaced; a status change adds
  a ``status_change`` row at the new update time;
* the same ``updated_at`` and the same content (every stored report field; reporter
  identity is not compared) → **unchanged**: an exact re-delivery, nothing written;
* otherwise (an older update time, or the same one with different content) → **stale**:
  returned to the caller, which quarantines it as ``stale_update``.

It maintains ``report.responded_at`` (first update into a RESPONDED status),
``closed_at`` (time of the last move into Selesai; cleared when reopened), ``reopen_count``
(Selesai → an open status), ``tally`` and ``tally_day``, ``reporter`` (only when an identity field is
present), and bumps the ``changes`` counter once per call that writes anything, stamping
the written rows' ``change_seq``.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Mapping

from sqlalchemy import Connection, String, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql

from dashboard.store import dialect
from dashboard.models import RESPONDED, Report, Status
from dashboard.store import counters
from dashboard.store.schema import (counter, ingest_run, quarantine as quarantine_table, report,
                                    reporter, seen_file, source_cursor, status_change, tally,
                                    tally_day, tally_day_of)

CHUNK = {"sqlite": 500, "postgresql": 10_000}  # ids per existence query
COMPARED = ("category_code", "status", "description", "address", "media_url", "lat", "lon",
            "kelurahan_code", "agency_code", "requested_at", "flags")
_EXISTING = [report.c.id, report.c.source, report.c.external_id, report.c.updated_at,
             report.c.responded_at, report.c.closed_at, report.c.reopen_count,
             *(report.c[name] for name in COMPARED)]
_TALLY_KEY = ("kelurahan_code", "agency_code", "category_code", "status")


@dataclass
class UpsertResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: list[tuple[Report, str]] = field(default_factory=list)
    change_seq: int | None = None  # the counter value stamped, None when nothing changed


@dataclass(frozen=True)
class QuarantineItem:
    external_id: str | None
    reason: str
    detail: str
    raw: Any  # the record as received; stored as JSON text with non-ASCII escaped


def upsert_reports(conn: Connection, reports: list[Report], now: datetime) -> UpsertResult:
    """Upsert ``reports`` (unique on (source, external_id) within the call). ``now`` is
    unused by the rules above (all times come from the feed) and kept for the contract."""
    keys = Counter((r.source, r.external_id) for r in reports)
    if any(n > 1 for n in keys.values()):
        raise ValueError("duplicate (source, external_id) in one upsert; dedupe first")
    _serialize_writers(conn)
    existing = _existing(conn, reports)
    result, new, changed = UpsertResult(), [], []
    for rep in reports:
        old = existing.get((rep.source, rep.external_id))
        verdict = _classify(old, rep)
        if verdict == "new":
            new.append(rep)
        elif verdict == "updated":
            changed.append((old, rep))
        elif verdict == "unchanged":
            result.unchanged += 1
        else:
            result.stale.append((rep, verdict))
    if new or changed:
        result.change_seq = counters.bump(conn)
        _insert_new(conn, new, result.change_seq)
        _apply_updates(conn, changed, result.change_seq)
        _apply_tally(conn, new, changed)
    result.new, result.updated = len(new), len(changed)
    return result


def _serialize_writers(conn: Connection) -> None:
    """On PostgreSQL, lock the ``changes`` counter row before reading what is stored, so
    two concurrent ingests (worker + ``pantau ingest --once``) take turns instead of both
    inserting the same new report. SQLite allows one writer at a time anyway (a losing
    writer's batch fails as a whole and is retried by the next run)."""
    if conn.dialect.name != "postgresql":
        return
    conn.execute(dialect.insert(conn, counter).values(name=counters.CHANGES, value=0)
                 .on_conflict_do_nothing(index_elements=["name"]))
    conn.execute(select(counter.c.value).where(counter.c.name == counters.CHANGES).with_for_update())


def _classify(old: Any, rep: Report) -> str:
    """"new", "updated", "unchanged", or the detail text of a stale update."""
    if old is None:
        return "new"
    if rep.updated_at > old.updated_at:
        return "updated"
    values = _values(rep)
    diff = [name for name in COMPARED if getattr(old, name) != values[name]]
    if rep.updated_at == old.updated_at and not diff:
        return "unchanged"
    if rep.updated_at == old.updated_at:
        return f"same updated_datetime {rep.updated_at.isoformat()} but {', '.join(diff)} differ"
    return f"updated_datetime {rep.updated_at.isoformat()} older than stored {old.updated_at.isoformat()}"


def _existing(conn: Connection, reports: list[Report]) -> dict[tuple[str, str], Any]:
    by_source: dict[str, list[str]] = defaultdict(list)
    for rep in reports:
        by_source[rep.source].append(rep.external_id)
    found = {}
    for source, ids in by_source.items():
        chunk = CHUNK.get(conn.dialect.name, 500)
        for start in range(0, len(ids), chunk):
            query = _existing_query(conn, source, ids[start:start + chunk])
            found.update({(row.source, row.external_id): row for row in conn.execute(query)})
    return found


def _existing_query(conn: Connection, source: str, ids: list[str]):  # noqa: ANN202
    """Stored rows for ``ids`` of ``source``. On PostgreSQL a join with ``unnest(<one array
    parameter>)``: an ``IN``/``ANY`` filter is searched linearly per row under a generic
    (prepared) plan, which made a 20k-record batch ~20x slower; the join is fast with any
    plan and any statistics."""
    query = select(*_EXISTING).where(report.c.source == source)
    if conn.dialect.name != "postgresql":
        return query.where(report.c.external_id.in_(ids))
    wanted = func.unnest(bindparam("ids", ids, type_=postgresql.ARRAY(String)))\
        .table_valued("eid").render_derived(name="wanted")
    return query.join_from(report, wanted, report.c.external_id == wanted.c.eid)


def _values(rep: Report) -> dict[str, Any]:
    """The report's stored columns (without ids, seq and the derived times)."""
    kel = rep.kelurahan_code
    parts = kel.split(".") if kel else []
    return {
        "source": rep.source, "external_id": rep.external_id, "category_code": rep.category_code,
        "status": rep.status.value, "description": rep.description, "address": rep.address,
        "media_url": rep.media_url, "lat": rep.lat, "lon": rep.lon, "kelurahan_code": kel,
        "kecamatan_code": ".".join(parts[:3]) or None, "kota_code": ".".join(parts[:2]) or None,
        "agency_code": rep.agency_code, "requested_at": rep.requested_at,
        "updated_at": rep.updated_at, "flags": ",".join(rep.flags),
    }


def _insert_new(conn: Connection, new: list[Report], seq: int) -> None:
    if not new:
        return
    rows = [_values(r) | {"responded_at": r.updated_at if r.status in RESPONDED else None,
                          "closed_at": r.updated_at if r.status is Status.SELESAI else None,
                          "reopen_count": 0, "change_seq": seq} for r in new]
    conn.execute(insert(report), rows)  # ~4x faster on PostgreSQL than INSERT .. RETURNING
    found = _existing(conn, new)
    ids = [found[(r.source, r.external_id)].id for r in new]
    _insert_changes(conn, [(i, None, r.status.value, r.updated_at) for i, r in zip(ids, new)])
    _upsert_reporters(conn, [(i, r) for i, r in zip(ids, new)])


def _apply_updates(conn: Connection, changed: list[tuple[Any, Report]], seq: int) -> None:
    if not changed:
        return
    rows, transitions = [], []
    for old, rep in changed:
        rows.append(_values(rep) | _lifecycle(old, rep) | {"change_seq": seq, "rid": old.id})
        if old.status != rep.status.value:
            transitions.append((old.id, old.status, rep.status.value, rep.updated_at))
    conn.execute(update(report).where(report.c.id == bindparam("rid")), rows)
    _insert_changes(conn, transitions)
    _upsert_reporters(conn, [(old.id, rep) for old, rep in changed])


def _lifecycle(old: Any, rep: Report) -> dict[str, Any]:
    """responded_at / closed_at / reopen_count after moving from ``old`` to ``rep``."""
    was_closed, is_closed = old.status == Status.SELESAI.value, rep.status is Status.SELESAI
    responded = old.responded_at or (rep.updated_at if rep.status in RESPONDED else None)
    if is_closed:
        closed = old.closed_at if was_closed else rep.updated_at
    else:
        closed = None
    reopened = 1 if was_closed and not is_closed else 0
    return {"responded_at": responded, "closed_at": closed, "reopen_count": old.reopen_count + reopened}


def _insert_changes(conn: Connection, changes: list[tuple]) -> None:
    if changes:
        conn.execute(insert(status_change), [
            {"report_id": i, "from_status": a, "to_status": b, "changed_at": t} for i, a, b, t in changes])


def _upsert_reporters(conn: Connection, pairs: list[tuple[int, Report]]) -> None:
    rows = [{"report_id": i, **vars(r.reporter)} for i, r in pairs if not r.reporter.is_empty()]
    if not rows:
        return
    stmt = dialect.insert(conn, reporter)
    names = [c.name for c in reporter.c if c.name != "report_id"]
    stmt = stmt.on_conflict_do_update(index_elements=["report_id"],
                                      set_={n: stmt.excluded[n] for n in names})
    conn.execute(stmt, rows)


def _tally_key(values: Mapping[str, Any]) -> tuple:
    """The report's ``tally_day`` key: (day, kelurahan or "", agency, category, status)."""
    return (tally_day_of(values["requested_at"]), values["kelurahan_code"] or "", values["agency_code"],
            values["category_code"], values["status"])


def _apply_tally(conn: Connection, new: list[Report], changed: list[tuple[Any, Report]]) -> None:
    """Move the batch's reports between the cells of ``tally_day`` and of ``tally`` (the
    same counts without the day)."""
    per_day: Counter = Counter()
    for rep in new:
        per_day[_tally_key(_values(rep))] += 1
    for old, rep in changed:
        per_day[_tally_key(old._mapping)] -= 1
        per_day[_tally_key(_values(rep))] += 1
    overall: Counter = Counter()
    for key, n in per_day.items():
        overall[key[1:]] += n
    _add_counts(conn, tally_day, ("day", *_TALLY_KEY), per_day)
    _add_counts(conn, tally, _TALLY_KEY, overall)


def _add_counts(conn: Connection, table: Any, key: tuple[str, ...], delta: Counter) -> None:
    """Add ``delta`` (key tuple -> change) to ``table.n``; rows that reach 0 are deleted."""
    rows = [dict(zip(key, k), n=n) for k, n in sorted(delta.items()) if n]
    if not rows:
        return
    stmt = dialect.insert(conn, table)
    conn.execute(stmt.on_conflict_do_update(index_elements=list(key),
                                            set_={"n": table.c.n + stmt.excluded.n}), rows)
    emptied = [r for r in rows if r["n"] < 0]
    if emptied:
        where = and_(*(table.c[k] == bindparam("k_" + k) for k in key), table.c.n == 0)
        conn.execute(delete(table).where(where), [{"k_" + k: r[k] for k in key} for r in emptied])


# --- quarantine, runs, cursors ----------------------------------------------------------
def quarantine(conn: Connection, source: str, items: Iterable[QuarantineItem],
               received_at: datetime | None = None) -> int:
    """Store refused records; text is made storable on every backend (NUL and invalid
    UTF-8 escaped). Returns the number of rows written."""
    received_at = received_at or datetime.now().astimezone()
    rows = [{"source": source, "external_id": _clean(i.external_id, 128), "reason": str(getattr(i.reason, "value", i.reason)),
             "detail": _clean(i.detail, 2000) or "", "raw": raw_json(i.raw), "received_at": received_at}
            for i in items]
    if rows:
        conn.execute(insert(quarantine_table), rows)
    return len(rows)


def raw_json(raw: Any) -> str:
    """JSON text of a raw record, ASCII only (so NUL and lone surrogates are escapes)."""
    return json.dumps(raw, ensure_ascii=True, default=repr)


def _clean(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    text = str(text).encode("utf-8", "backslashreplace").decode("utf-8")
    return text.replace("\x00", "\\x00")[:limit]


def start_run(conn: Connection, source: str, started_at: datetime) -> int:
    return conn.execute(insert(ingest_run).values(source=source, started_at=started_at, ok=False)
                        .returning(ingest_run.c.id)).scalar_one()


def finish_run(conn: Connection, run_id: int, finished_at: datetime, counts: Mapping[str, int],
               ok: bool, error: str | None = None) -> None:
    conn.execute(update(ingest_run).where(ingest_run.c.id == run_id).values(
        finished_at=finished_at, ok=ok, error=_clean(error, 4000), **counts))


def load_cursor(conn: Connection, source: str) -> str | None:
    return conn.execute(select(source_cursor.c.watermark).where(source_cursor.c.source == source)).scalar()


def save_cursor(conn: Connection, source: str, watermark: str | None, now: datetime) -> None:
    stmt = dialect.insert(conn, source_cursor).values(source=source, watermark=watermark, updated_at=now)
    conn.execute(stmt.on_conflict_do_update(index_elements=["source"],
                                            set_={"watermark": watermark, "updated_at": now}))


def mark_files_seen(conn: Connection, source: str, files: Iterable[Any], now: datetime) -> None:
    """Record dropped files (objects with ``sha256`` and ``name``) as seen."""
    rows = [{"sha256": f.sha256, "source": source, "name": _clean(f.name, 1000), "seen_at": now} for f in files]
    if rows:
        conn.execute(dialect.insert(conn, seen_file).on_conflict_do_nothing(index_elements=["sha256"]), rows)
