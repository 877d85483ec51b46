"""File drop through ingest_once into the real store (SQLite and PostgreSQL): CSV and
JSON Lines, only complete files, sha256 dedupe, bad lines quarantined without losing the
rest of the file."""

from __future__ import annotations

import csv
import io
import json
import os
import time
from datetime import timedelta

from sqlalchemy import func, select

from dashboard.ingest.run import ingest_once
from dashboard.ingest.sources import FileDropSource, build_source
from dashboard.store.schema import quarantine, report, seen_file
from tests.factories import NOW, iso, make_raw

FIELDS = list(make_raw(jakarta_status="proses", first_name="Ani"))


def write(path, data: bytes, age: float = 10.0):
    path.write_bytes(data)
    old = time.time() - age
    os.utime(path, (old, old))
    return path


def jsonl(*records) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def csv_bytes(*records) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue().encode()


def counts(engine):
    with engine.connect() as conn:
        n = lambda t: conn.execute(select(func.count()).select_from(t)).scalar()
        reasons = conn.execute(select(quarantine.c.reason).order_by(quarantine.c.id)).scalars().all()
        return n(report), reasons, n(seen_file)


def test_csv_and_jsonl_are_ingested_once(engine, reference, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    write(drop / "a.csv", csv_bytes(*(make_raw(service_request_id=f"c{i}") for i in range(3))))
    write(drop / "b.jsonl", jsonl(*(make_raw(service_request_id=f"j{i}") for i in range(4))))
    source = FileDropSource(drop, engine)
    first = ingest_once(source, engine, reference, NOW)
    second = ingest_once(source, engine, reference, NOW)
    assert (first.ok, first.n_seen, first.n_new) == (True, 7, 7)
    assert (second.ok, second.n_seen) == (True, 0)  # both files seen: skipped entirely
    assert counts(engine) == (7, [], 2)


def test_incomplete_files_are_left_alone(engine, reference, tmp_path):
    one = jsonl(make_raw())
    write(tmp_path / "a.jsonl.tmp", one)
    write(tmp_path / "b.part", one)
    write(tmp_path / ".c.jsonl", one)
    write(tmp_path / "d.txt", one)
    write(tmp_path / "fresh.jsonl", one, age=0)  # still being written (mtime within 2 s)
    result = ingest_once(FileDropSource(tmp_path, engine), engine, reference, NOW)
    assert (result.ok, result.n_seen) == (True, 0)
    (tmp_path / "a.jsonl.tmp").rename(tmp_path / "a.jsonl")  # renamed into place
    os.utime(tmp_path / "a.jsonl", (time.time() - 10,) * 2)
    assert ingest_once(FileDropSource(tmp_path, engine), engine, reference, NOW).n_new == 1


def test_same_content_under_another_name_is_skipped(engine, reference, tmp_path):
    data = jsonl(make_raw())
    write(tmp_path / "a.jsonl", data)
    ingest_once(FileDropSource(tmp_path, engine), engine, reference, NOW)
    write(tmp_path / "copy-of-a.jsonl", data)
    assert ingest_once(FileDropSource(tmp_path, engine), engine, reference, NOW).n_seen == 0


def test_bad_lines_are_quarantined_and_the_rest_stored(engine, reference, tmp_path):
    good = [make_raw(service_request_id=f"g{i}") for i in range(3)]
    lines = [json.dumps(good[0]).encode(), b"{not json", b"[1, 2]",
             json.dumps(make_raw(service_request_id="bad-utf8")).encode().replace(b"Jl.", b"Jl.\xff"),
             json.dumps(make_raw(service_request_id="nul", description="a\x00b")).encode(),
             json.dumps(good[1]).encode(), b"", json.dumps(good[2]).encode()]
    write(tmp_path / "mixed.jsonl", b"\n".join(lines) + b"\n")
    result = ingest_once(FileDropSource(tmp_path, engine), engine, reference, NOW)
    assert (result.ok, result.n_new, result.n_quarantined) == (True, 3, 4)
    assert counts(engine) == (3, ["unparseable", "unparseable", "invalid_text", "invalid_text"], 1)


def test_bad_csv_rows_are_quarantined(engine, reference, tmp_path):
    body = csv_bytes(make_raw(service_request_id="c1"), make_raw(service_request_id="c2"))
    header, row1, row2 = body.decode().splitlines()
    text = "\n".join([header, row1, "too,few", '"unclosed,' + row2[1:], row2]) + "\n"
    write(tmp_path / "a.csv", text.encode())
    result = ingest_once(FileDropSource(tmp_path, engine), engine, reference, NOW)
    assert (result.n_new, result.n_quarantined) == (2, 2)
    assert counts(engine)[1] == ["unparseable", "unparseable"]


def test_csv_quoted_multiline_description(engine, reference, tmp_path):
    write(tmp_path / "a.csv", csv_bytes(make_raw(description="baris satu\nbaris dua, koma")))
    ingest_once(FileDropSource(tmp_path, engine), engine, reference, NOW)
    with engine.connect() as conn:
        assert conn.execute(select(report.c.description)).scalar_one() == "baris satu\nbaris dua, koma"


def test_file_updates_apply_in_order(engine, reference, tmp_path):
    write(tmp_path / "1.jsonl", jsonl(make_raw()), age=20)
    write(tmp_path / "2.jsonl", jsonl(make_raw(jakarta_status="selesai", updated_datetime=iso(NOW))), age=10)
    result = ingest_once(FileDropSource(tmp_path, engine), engine, reference, NOW)
    assert (result.n_new, result.n_quarantined) == (1, 1)  # one batch: the older is a duplicate
    with engine.connect() as conn:
        assert conn.execute(select(report.c.status)).scalar_one() == "selesai"


def test_missing_directory_is_a_failed_run(engine, reference, tmp_path):
    result = ingest_once(FileDropSource(tmp_path / "nope", engine), engine, reference, NOW)
    assert not result.ok and "not a directory" in result.error


def test_build_source(settings, tmp_path):
    source = build_source("files", str(tmp_path), settings)
    assert isinstance(source, FileDropSource) and source.name == "files"
    assert build_source("open311", "http://127.0.0.1:1/api", settings).base_url == "http://127.0.0.1:1/api"
    assert build_source("open311-updated", "http://x/api", settings).start_param == "updated_after"


def test_stale_jakarta_time_is_quarantined_from_files(engine, reference, tmp_path):
    write(tmp_path / "a.jsonl", jsonl(make_raw(updated_datetime=iso(NOW))))
    ingest_once(FileDropSource(tmp_path, engine), engine, reference, NOW)
    write(tmp_path / "b.jsonl", jsonl(make_raw(jakarta_status="proses",
                                               updated_datetime=iso(NOW - timedelta(minutes=5)))))
    result = ingest_once(FileDropSource(tmp_path, engine), engine, reference, NOW)
    assert (result.n_updated, result.n_quarantined) == (0, 1)
    assert counts(engine)[1] == ["stale_update"]
