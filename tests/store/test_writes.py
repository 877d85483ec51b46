"""upsert_reports and friends against the real store, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dashboard.models import Reporter, Status
from dashboard.store import counters
from dashboard.store.schema import quarantine as quarantine_table
from dashboard.store.schema import report, reporter, seen_file, status_change, tally, tally_day
from dashboard.store.writes import (QuarantineItem, load_cursor, mark_files_seen, quarantine,
                                    save_cursor, upsert_reports)
from dashboard.ingest.batch import SeenFile
from tests.factories import NOW, make_report

T1 = NOW - timedelta(hours=2)


def upsert(engine, *reports):
    with engine.begin() as conn:
        return upsert_reports(conn, list(reports), NOW)


def lifecycle(engine):
    with engine.connect() as conn:
        row = conn.execute(select(report)).one()
        changes = conn.execute(select(status_change.c.from_status, status_change.c.to_status,
                                      status_change.c.changed_at).order_by(status_change.c.id)).all()
    return row, [tuple(c) for c in changes]


def test_transitions_are_recorded_with_times(engine):
    steps = [(Status.MENUNGGU, 0), (Status.PROSES, 1), (Status.SELESAI, 5), (Status.PROSES, 7)]
    for status, hours in steps:
        result = upsert(engine, make_report(status=status, updated_at=T1 + timedelta(hours=hours)))
    assert (result.new, result.updated) == (0, 1)
    row, changes = lifecycle(engine)
    assert changes == [
        (None, "menunggu", T1), ("menunggu", "proses", T1 + timedelta(hours=1)),
        ("proses", "selesai", T1 + timedelta(hours=5)), ("selesai", "proses", T1 + timedelta(hours=7)),
    ]
    assert (row.status, row.responded_at, row.closed_at, row.reopen_count) == (
        "proses", T1 + timedelta(hours=1), None, 1)


def test_closed_at_and_responded_at_set_once(engine):
    upsert(engine, make_report(status=Status.MENUNGGU))
    upsert(engine, make_report(status=Status.SELESAI, updated_at=T1 + timedelta(hours=1)))
    upsert(engine, make_report(status=Status.SELESAI, description="foto", updated_at=T1 + timedelta(hours=2)))
    row, changes = lifecycle(engine)
    assert (row.responded_at, row.closed_at, row.description) == (
        T1 + timedelta(hours=1), T1 + timedelta(hours=1), "foto")
    assert len(changes) == 2  # a content update without a status change adds no transition


def test_first_sighting_already_closed(engine):
    upsert(engine, make_report(status=Status.SELESAI, updated_at=T1 + timedelta(hours=3)))
    row, changes = lifecycle(engine)
    assert changes == [(None, "selesai", T1 + timedelta(hours=3))]
    assert row.responded_at == row.closed_at == T1 + timedelta(hours=3)


def test_classification_new_updated_unchanged_stale(engine):
    first = upsert(engine, make_report(external_id="a"), make_report(external_id="b"))
    again = upsert(engine, make_report(external_id="a"),
                   make_report(external_id="b", status=Status.PROSES, updated_at=T1 + timedelta(minutes=5)),
                   make_report(external_id="c"))
    stale = upsert(engine, make_report(external_id="b", status=Status.DISPOSISI))
    assert (first.new, first.updated, first.unchanged) == (2, 0, 0)
    assert (again.new, again.updated, again.unchanged) == (1, 1, 1)
    assert (stale.new, stale.updated, stale.unchanged, stale.change_seq) == (0, 0, 0, None)
    assert [r.external_id for r, _ in stale.stale] == ["b"] and "older" in stale.stale[0][1]


def test_change_counter_bumped_once_per_changing_batch(engine):
    one = upsert(engine, make_report(external_id="a"), make_report(external_id="b"))
    same = upsert(engine, make_report(external_id="a"), make_report(external_id="b"))
    two = upsert(engine, make_report(external_id="b", status=Status.PROSES, updated_at=NOW))
    with engine.connect() as conn:
        seqs = dict(conn.execute(select(report.c.external_id, report.c.change_seq)).all())
        assert counters.current(conn) == 2
    assert (one.change_seq, same.change_seq, two.change_seq) == (1, None, 2)
    assert seqs == {"a": 1, "b": 2}


def test_reporter_row_only_with_identity(engine):
    upsert(engine, make_report(external_id="anon"),
           make_report(external_id="named", reporter=Reporter(first_name="Budi")))
    upsert(engine, make_report(external_id="named", updated_at=NOW, reporter=Reporter(first_name="Budi",
                                                                                        phone="0812")))
    with engine.connect() as conn:
        rows = conn.execute(select(reporter.c.first_name, reporter.c.phone)).all()
    assert [tuple(r) for r in rows] == [("Budi", "0812")]


def test_duplicate_keys_in_one_call_refused(engine):
    with pytest.raises(ValueError):
        upsert(engine, make_report(), make_report())


def recount(conn):
    query = select(func.coalesce(report.c.kelurahan_code, ""), report.c.agency_code, report.c.category_code,
                   report.c.status, func.count()).group_by(
        report.c.kelurahan_code, report.c.agency_code, report.c.category_code, report.c.status)
    return {tuple(r[:4]): r[4] for r in conn.execute(query)}


def test_tally_equals_group_by_after_mixed_sequence(engine, reference):
    rng = random.Random(7)
    kelurahan = [code for code, k in reference.kelurahan.items() if k.geometry][:5]
    categories = ["sampah", "banjir", "jalan_rusak", "transjakarta"]
    clock = {}
    for _step in range(12):
        batch = {}
        for _ in range(15):
            rid = f"r{rng.randrange(25)}"
            clock[rid] = clock.get(rid, 0) + 1
            kel, cat = rng.choice(kelurahan + [None]), rng.choice(categories)
            batch[rid] = make_report(
                external_id=rid, status=rng.choice(list(Status)), category_code=cat,
                kelurahan_code=kel or "", agency_code=reference.route(cat, kel or kelurahan[0]),
                requested_at=T1 - timedelta(hours=rng.randrange(60)),  # feeds correct it: days move
                updated_at=T1 + timedelta(minutes=clock[rid]))
        batch = {k: (v if v.kelurahan_code else _without_kelurahan(v)) for k, v in batch.items()}
        upsert(engine, *batch.values())
    with engine.connect() as conn:
        tallied = {tuple(r[:4]): r[4] for r in conn.execute(select(
            tally.c.kelurahan_code, tally.c.agency_code, tally.c.category_code, tally.c.status, tally.c.n))}
        assert tallied == recount(conn)
        assert sum(tallied.values()) == conn.execute(select(func.count()).select_from(report)).scalar()
        per_day = {tuple(r[:5]): r[5] for r in conn.execute(select(
            tally_day.c.day, tally_day.c.kelurahan_code, tally_day.c.agency_code, tally_day.c.category_code,
            tally_day.c.status, tally_day.c.n))}
        assert per_day == recount_per_day(conn)
        assert len({key[0] for key in per_day}) >= 3  # the reports span several WIB days


def recount_per_day(conn):
    """``tally_day`` recounted in Python from each report's requested_at."""
    c = report.c
    found = Counter()
    for requested_at, *key in conn.execute(select(c.requested_at, c.kelurahan_code, c.agency_code,
                                                  c.category_code, c.status)):
        found[((requested_at + timedelta(hours=7)).date(), key[0] or "", *key[1:])] += 1
    return dict(found)


def _without_kelurahan(rep):
    from dataclasses import replace
    return replace(rep, kelurahan_code=None)


def test_quarantine_escapes_nul_and_invalid_utf8(engine):
    bad = "a\x00b" + b"\xff".decode("utf-8", "surrogateescape")
    with engine.begin() as conn:
        n = quarantine(conn, "test", [QuarantineItem(bad, "invalid_text", f"detail {bad}", {"description": bad})],
                       received_at=NOW)
    with engine.connect() as conn:
        row = conn.execute(select(quarantine_table)).one()
    assert n == 1 and "\x00" not in row.external_id + row.detail + row.raw
    assert json.loads(row.raw)["description"] == bad  # the escapes round-trip to the original
    assert row.received_at == NOW


def test_cursor_and_seen_files_roundtrip(engine):
    with engine.begin() as conn:
        assert load_cursor(conn, "open311") is None
        save_cursor(conn, "open311", "2026-11-27T01:00:00Z", NOW)
        save_cursor(conn, "open311", "2026-11-27T02:00:00Z", NOW)
        mark_files_seen(conn, "files", [SeenFile("ab" * 32, "a.csv")], NOW)
        mark_files_seen(conn, "files", [SeenFile("ab" * 32, "a-copy.csv")], NOW)
    with engine.connect() as conn:
        assert load_cursor(conn, "open311") == "2026-11-27T02:00:00Z"
        assert conn.execute(select(func.count()).select_from(seen_file)).scalar() == 1
