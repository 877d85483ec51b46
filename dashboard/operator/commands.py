"""What the read-only commands print: ``pantau ingest``'s counts and skipped files,
``pantau quarantine list|show``, ``pantau user list``, ``pantau status`` and ``pantau doctor``
(each a human line or table, or with ``--json`` one JSON document). ``dashboard.cli``
parses the options and calls these."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine

from dashboard.config import Settings
from dashboard.ingest.run import IngestResult
from dashboard.operator import doctor, status
from dashboard.operator.output import table, to_json
from dashboard.operator.where import problem_line
from dashboard.store.engine import make_engine
from dashboard.store.ingest_runs import quarantine_get, quarantine_list
from dashboard.store.overview import read_overview
from dashboard.store.presence import check_store
from dashboard.store.users import account_rows
from dashboard.wall import WIDGET


def print_json(document: Any) -> None:
    print(to_json(document))


def ingest_document(source: str, result: IngestResult) -> dict[str, Any]:
    """``pantau ingest --json``: the counts, ok, error, seconds and the skipped files."""
    return {"source": source, **result.counts(), "ok": result.ok, "error": result.error, "seconds": result.seconds,
            "skipped": [{"name": s.name, "reason": s.reason, "detail": s.detail} for s in result.skipped]}


def ingest_text(source: str, result: IngestResult) -> str:
    """``files: 8 seen · 3 new · …`` and a line per skipped file."""
    lines = [f"{source}: {result.summary()}" if result.ok else f"{source}: failed after {result.seconds:.1f} s"]
    lines += [f"skipped {skip.name}: {skip.detail}" for skip in result.skipped]
    return "\n".join(lines)


QUARANTINE_COLUMNS = ("id", "source", "reason", "external_id", "received_at", "detail")
DETAIL_WIDTH = 60  # the table's detail column; --json and `show` have it whole


def cmd_quarantine(settings: Settings, args: argparse.Namespace) -> int:
    with make_engine(settings.resolved_database_url).connect() as conn:
        if args.action == "list":
            rows = quarantine_list(conn, args.limit, args.reason)
        else:
            row = quarantine_get(conn, args.id)
    if args.action == "list":
        if args.json:
            print_json({"quarantine": rows})
        else:
            print(table(("id", "source", "reason", "external id", "received (UTC)", "detail"),
                        ([*(r[c] for c in QUARANTINE_COLUMNS[:-1]), _short(r["detail"])] for r in rows),
                        empty="no quarantined records"))
        return 0
    if row is None:
        print(f"pantau quarantine show: no record {args.id}", file=sys.stderr)
        return 1
    if args.json:
        print_json(row)
    else:
        print("\n".join(f"{key}: {value}" for key, value in row.items()))
    return 0


def _short(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= DETAIL_WIDTH else text[:DETAIL_WIDTH - 1] + "…"


def list_users(engine: Engine, as_json: bool) -> None:
    rows = account_rows(engine)
    if as_json:
        print_json({"users": rows})
        return
    print(table(("username", "role", "scope", "disabled", "created (UTC)"),
                ((r["username"], r["role"], f"{r['scope_kind']}:{r['scope_code']}" if r["scope_kind"] else "whole city",
                  r["disabled"], r["created_at"]) for r in rows),
                empty="no users yet: pantau user add NAME --password … --role admin"))


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    """``pantau status``: exit 0 all well, 1 a problem, 2 no usable store."""
    check = check_store(settings.resolved_database_url)
    overview = read_overview(make_engine(settings.resolved_database_url), WIDGET) if check.ok else None
    report = status.assess_status(check, overview, datetime.now(timezone.utc), settings)
    if args.json:
        print_json({**report.document, "exit_code": report.exit_code})
    else:
        print(status.render(report.document))
    if not check.ok:  # like every command: the one line on stderr too
        print(problem_line("pantau status", check, settings), file=sys.stderr)
    return report.exit_code


def cmd_doctor(settings: Settings, args: argparse.Namespace) -> int:
    """``pantau doctor``: exit 1 when any finding is an error."""
    findings = doctor.diagnose(settings, doctor.probe(settings, args.timeout))
    errors = sum(f.level == doctor.ERROR for f in findings)
    if args.json:
        print_json({"findings": findings, "errors": errors,
                     "warnings": sum(f.level == doctor.WARNING for f in findings)})
    else:
        print(doctor.render(findings))
    return 1 if errors else 0
