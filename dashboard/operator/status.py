"""``pantau status``: one screen for an operator, and an exit code for cron or a monitor.

:func:`assess_status` is pure: it takes what :func:`dashboard.store.presence.check_store`
and :func:`dashboard.store.overview.read_overview` found, the time and the settings, and
builds the JSON document (``--json``), its problems and the exit code. The worker's and
the ingest's verdicts are ``/health``'s (:func:`dashboard.processes.health.assess`), so the
two never disagree; the command adds what only an operator needs (reports, quarantine,
the wall snapshot, accounts, the jobs' last errors).

Exit codes: 0 all well; 1 a problem (the worker's heartbeat is too old, a source's last
success is too old or its last run failed, the wall snapshot is too old); 2 no usable
store (missing, not migrated, behind the code's schema, or unreachable).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dashboard.config import Settings
from dashboard.models import OPEN_VALUES
from dashboard.operator.output import age
from dashboard.operator.where import problem_line, store_origin
from dashboard.processes.health import INGEST, STORE, WORKER, Facts, assess, public_name
from dashboard.store.heartbeat import WORKER_JOB
from dashboard.store.overview import Overview
from dashboard.store.presence import StoreCheck
from dashboard.wall.aggregate import MAX_AGE

SNAPSHOT = "snapshot"
EXIT_OK, EXIT_PROBLEM, EXIT_NO_STORE = 0, 1, 2


@dataclass(frozen=True)
class StatusReport:
    document: dict[str, Any]
    exit_code: int


def _age(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else round((now - then).total_seconds(), 1)


def snapshot_limit(settings: Settings) -> float:
    """Age (s) after which the wall snapshot is stale: the worker re-saves it at least every
    :data:`~dashboard.wall.aggregate.MAX_AGE`, checking every ingest interval; the stale
    threshold on top leaves room for a slow refresh."""
    return MAX_AGE.total_seconds() + settings.stale_seconds


def assess_status(check: StoreCheck, overview: Overview | None, now: datetime, settings: Settings) -> StatusReport:
    """The document and exit code for ``check`` and (when the store is usable) ``overview``."""
    store = {"url": check.url, "origin": store_origin(settings), "state": check.state, "error": check.error,
             "problem": None if check.ok else problem_line("pantau status", check, settings).split(": ", 1)[1],
             "schema": {"current": check.revision, "latest": check.head}}
    doc: dict[str, Any] = {"checked_at": now, "store": store}
    if not check.ok or overview is None:
        doc["problems"] = [STORE]
        return StatusReport(doc, EXIT_NO_STORE)
    ingest = overview.ingest
    facts = Facts(heartbeats=overview.heartbeats, last_ok=(ingest.last_ok or {}).get("finished_at"),
                  sources={name: (runs["last_ok"] or {}).get("finished_at") for name, runs in ingest.sources.items()})
    health = assess(facts, now, settings).body
    doc["reports"] = _reports(overview.reports)
    doc["ingest"] = _ingest(overview, health, now)
    doc["quarantine"] = {"total": sum(overview.quarantine.values()), "by_reason": overview.quarantine}
    doc["worker"] = _worker(overview.heartbeats, health, now)
    snap_age, limit = _age(now, overview.snapshot_at), snapshot_limit(settings)
    doc["snapshot"] = {"ok": snap_age is not None and snap_age <= limit, "age_seconds": snap_age,
                       "max_age_seconds": limit}
    doc["users"] = _users(overview.users)
    doc["problems"] = [name for name, part in ((WORKER, doc["worker"]), (INGEST, doc["ingest"]),
                                                (SNAPSHOT, doc["snapshot"])) if not part["ok"]]
    return StatusReport(doc, EXIT_PROBLEM if doc["problems"] else EXIT_OK)


def _reports(by_status: dict[str, int]) -> dict[str, Any]:
    return {"total": sum(by_status.values()), "open": sum(n for s, n in by_status.items() if s in OPEN_VALUES),
            "by_status": by_status}


def _ingest(overview: Overview, health: dict[str, Any], now: datetime) -> dict[str, Any]:
    sources = []
    for name, runs in sorted(overview.ingest.sources.items()):
        last, good = runs["last_attempt"] or {}, runs["last_ok"] or {}
        failed = bool(last) and last.get("finished_at") is not None and not last.get("ok")
        fresh = next((s["ok"] for s in health["ingest"]["sources"] if s["source"] == public_name(name)), False)
        sources.append({
            "source": public_name(name), "ok": fresh and not failed,
            "last_run": {"age_seconds": _age(now, last.get("finished_at") or last.get("started_at")),
                         "ok": last.get("ok"), "running": bool(last) and last.get("finished_at") is None,
                         "error": last.get("error"),
                         "counts": {k: last.get(k) for k in ("n_seen", "n_new", "n_updated", "n_unchanged",
                                                              "n_quarantined")} if last else None},
            "last_ok_age_seconds": _age(now, good.get("finished_at")),
        })
    ok = health["ingest"]["ok"] and all(s["ok"] for s in sources)
    return {"ok": ok, "age_seconds": health["ingest"]["age_seconds"],
            "max_age_seconds": health["ingest"]["max_age_seconds"], "sources": sources}


def _worker(beats: list[dict[str, Any]], health: dict[str, Any], now: datetime) -> dict[str, Any]:
    rows = {b["job"]: b for b in beats}
    me = rows.get(WORKER_JOB, {})
    jobs = [{"job": job, "failures": b.get("failures") or 0,
             "last_success_age_seconds": _age(now, b.get("last_success")), "last_error": b.get("last_error"),
             "last_error_age_seconds": _age(now, b.get("last_error_at"))}
            for job, b in sorted(rows.items()) if job != WORKER_JOB]
    return {"ok": health["worker"]["ok"], "leader": me.get("worker"), "age_seconds": health["worker"]["age_seconds"],
            "max_age_seconds": health["worker"]["max_age_seconds"], "last_error": me.get("last_error"),
            "last_error_age_seconds": _age(now, me.get("last_error_at")), "jobs": jobs}


def _users(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by_role: dict[str, int] = {}
    for row in rows:
        by_role[row["role"]] = by_role.get(row["role"], 0) + row["n"]
    return {"total": sum(by_role.values()), "by_role": by_role,
            "disabled": sum(row["n"] for row in rows if row["disabled"])}


# --- the screen ---------------------------------------------------------------------------
def render(doc: dict[str, Any]) -> str:
    """The document as the operator's screen: one labelled line per part, problems last."""
    store = doc["store"]
    schema = store["schema"]
    lines = [("store", f"{store['url']} ({store['origin']})")]
    if store["problem"]:
        lines.append(("problems", f"store: {store['problem']}"))
        return _lines(lines)
    lines.append(("schema", f"{schema['current'] or 'not recorded'} (latest {schema['latest']})"))
    reports = doc["reports"]
    lines.append(("reports", f"{reports['total']:,} total · {reports['open']:,} open"))
    lines += _ingest_lines(doc["ingest"])
    q = doc["quarantine"]
    lines.append(("quarantine", f"{q['total']:,}" + (": " + " · ".join(f"{r} {n:,}" for r, n in q["by_reason"].items())
                                                       if q["by_reason"] else "")))
    lines += _worker_lines(doc["worker"])
    snap = doc["snapshot"]
    lines.append(("snapshot", _mark(snap["ok"]) + f"wall computed {_ago(snap['age_seconds'])} "
                              f"(limit {age(snap['max_age_seconds'])})"))
    users = doc["users"]
    roles = " · ".join(f"{n} {role}" for role, n in sorted(users["by_role"].items()))
    lines.append(("users", f"{users['total']}" + (f": {roles}" if roles else " (add one: pantau user add NAME "
                                                  "--password … --role admin)")
                  + (f" ({users['disabled']} disabled)" if users["disabled"] else "")))
    lines.append(("problems", ", ".join(doc["problems"]) or "none"))
    return _lines(lines)


def _ingest_lines(ingest: dict[str, Any]) -> list[tuple[str, str]]:
    if not ingest["sources"]:
        return [("ingest", _mark(False) + "no ingest run yet (is the worker running?)")]
    out = []
    for s in ingest["sources"]:
        run = s["last_run"]
        if run["running"]:
            outcome = f"running since {_ago(run['age_seconds'])}"
        elif run["ok"]:
            c = run["counts"]
            outcome = f"last run ok {_ago(run['age_seconds'])} ({c['n_new']} new, {c['n_updated']} updated)"
        else:
            outcome = f"last run FAILED {_ago(run['age_seconds'])}: {run['error']}"
        out.append(("ingest" if not out else "", _mark(s["ok"]) + f"{s['source']}: last success "
                     f"{_ago(s['last_ok_age_seconds'])} (limit {age(ingest['max_age_seconds'])}) · {outcome}"))
    return out


def _worker_lines(worker: dict[str, Any]) -> list[tuple[str, str]]:
    who = worker["leader"] or "no worker has run on this store"
    text = (_mark(worker["ok"]) + f"{who} · heartbeat {_ago(worker['age_seconds'])} "
            f"(limit {age(worker['max_age_seconds'])})")
    if worker["last_error"]:
        text += f" · last error {_ago(worker['last_error_age_seconds'])}: {worker['last_error']}"
    out = [("worker", text)]
    for job in worker["jobs"]:
        if job["failures"]:
            out.append(("", f"job {job['job']}: {job['failures']} failed run(s) in a row, last "
                            f"{_ago(job['last_error_age_seconds'])}: {job['last_error']}"))
    return out


def _mark(ok: bool) -> str:
    return "" if ok else "FAIL "


def _ago(seconds: float | None) -> str:
    return "never" if seconds is None else f"{age(seconds)} ago"


def _lines(pairs: list[tuple[str, str]]) -> str:
    width = max(len(label) for label, _ in pairs)
    return "\n".join(f"{label.ljust(width)}  {text}" for label, text in pairs)
