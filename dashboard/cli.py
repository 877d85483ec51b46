"""pantau: the command line of the Pantau monitoring wall.

Each command parses its options and calls one function of the domain (FixMyStreet
``bin/`` style); nothing here holds logic worth testing alone.

The store is chosen by ``PANTAU_DATABASE_URL`` (default: SQLite under ``PANTAU_DATA_DIR``).
Every command that reads or writes it first checks it is there and migrated
(:func:`dashboard.store.presence.check_store`, which creates nothing): a missing,
unmigrated or unreachable store is one line on stderr and exit code 2, never a traceback
or a new empty file. Only ``db upgrade`` and ``demo`` create a store. Commands print lines
and tables for people; ``--json`` prints one JSON document for scripts.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import datetime, timezone
from getpass import getpass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from dashboard.config import Settings
from dashboard.ingest.filedrop import SETTLE_SECONDS, FileDropSource
from dashboard.ingest.run import ingest_once
from dashboard.ingest.sources import build_source
from dashboard.operator import doctor
from dashboard.operator.commands import (cmd_doctor, cmd_quarantine, cmd_status, ingest_document, ingest_text,
                                         list_users, print_json)
from dashboard.operator.where import problem_line, shown_url, store_origin
from dashboard.processes.runner import THREADS, WORKERS, demo, serve, simulate
from dashboard.processes.worker import finish, run_worker
from dashboard.processes.worker_options import EXIT_NO_STORE, add_arguments as add_worker_arguments, options_from
from dashboard.reference import load_reference
from dashboard.simulator.seed import seed
from dashboard.store import users
from dashboard.store.engine import make_engine
from dashboard.store.migrate import upgrade
from dashboard.store.presence import check_store, error_line
from dashboard.store.refdata import store_reference

log = logging.getLogger("pantau")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _engine(settings: Settings) -> Engine:
    return make_engine(settings.resolved_database_url)


def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    upgrade(settings.resolved_database_url)
    print(f"store at {shown_url(settings)} is at the latest schema")
    return 0


def cmd_load_reference(settings: Settings, args: argparse.Namespace) -> int:
    counts = store_reference(_engine(settings), load_reference())
    print(", ".join(f"{n} {table}" for table, n in counts.items()))
    return 0


def cmd_seed(settings: Settings, args: argparse.Namespace) -> int:
    result = seed(_engine(settings), load_reference(), args.reports, args.days, args.seed, _now(),
                  progress=not (args.quiet or args.json))
    if args.json:
        print_json(result)
    else:
        print(result)
    return 0


def cmd_simulate(settings: Settings, args: argparse.Namespace) -> int:
    return simulate(settings.with_(sim_seed=args.seed, sim_speed=args.speed), args.interval,
                    iterations=args.iterations)


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    engine = _engine(settings)
    if args.kind == "files":
        source = FileDropSource(args.target, engine, settle_seconds=args.settle_seconds)
    else:
        source = build_source(args.kind, args.target, settings)
    result = ingest_once(source, engine, load_reference(), _now(), feed_tz=settings.feed_tz or None)
    if args.json:
        print_json(ingest_document(source.name, result))
    else:
        print(ingest_text(source.name, result))
    if not result.ok:
        print(f"pantau ingest: {source.name} failed: {result.error}", file=sys.stderr)
        return 1
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    return finish(run_worker(settings, options=options_from(args)))


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    return serve(settings, workers=args.workers)


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    return demo(settings, seed_reports=args.seed_reports, days=args.days, workers=args.workers)


def cmd_user(settings: Settings, args: argparse.Namespace) -> int:
    engine = _engine(settings)
    if args.action == "add":
        scope = (args.scope_kind, args.scope_code) if args.scope_kind else None
        try:
            users.add_user(engine, args.username, args.password, args.role, scope=scope)
        except ValueError as exc:
            print(f"pantau user add: {exc}", file=sys.stderr)
            return 1
        print(f"added {args.username} ({args.role}{', ' + ':'.join(scope) if scope else ''})")
    elif args.action == "list":
        list_users(engine, args.json)
    else:
        return _change_user(engine, args)
    return 0


DONE = {"remove": "removed {} (signed out everywhere)", "password": "new password for {} (signed out everywhere)",
        "disable": "disabled {} (signed out everywhere)", "enable": "enabled {}"}


def _change_user(engine: Engine, args: argparse.Namespace) -> int:
    """``pantau user remove|password|disable|enable NAME``: each one but ``enable`` also
    ends the account's sign-in sessions."""
    try:
        if args.action == "password":
            done = users.set_password(engine, args.username, args.password or _ask_password())
        elif args.action == "remove":
            done = users.remove_user(engine, args.username)
        else:
            done = users.set_disabled(engine, args.username, disabled=args.action == "disable")
    except ValueError as exc:
        print(f"pantau user {args.action}: {exc}", file=sys.stderr)
        return 1
    if not done:
        print(f"pantau user {args.action}: no user {args.username!r}", file=sys.stderr)
        return 1
    print(DONE[args.action].format(args.username))
    return 0


def _ask_password() -> str:
    password = getpass("new password: ")
    if getpass("again: ") != password:
        raise ValueError("the two passwords differ")
    return password


EPILOG = ("Settings come from PANTAU_* environment variables; see README. Commands use the store of "
          "PANTAU_DATABASE_URL (default: PANTAU_DATA_DIR/pantau.db): give them the same values as the demo or "
          "server. A missing, unmigrated or unreachable store exits 2.")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pantau", description=__doc__.split("\n\n")[0], epilog=EPILOG)
    p.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = sub.add_parser("db", help="store schema (Alembic migrations)")
    db_sub = db.add_subparsers(dest="action", required=True)
    db_sub.add_parser("upgrade", help="create or migrate the store to the latest schema (idempotent)") \
        .set_defaults(func=cmd_db_upgrade)

    sub.add_parser("load-reference", help="load kota/kecamatan/kelurahan, categories, agencies and "
                   "flood gates from data/reference (idempotent)").set_defaults(func=cmd_load_reference, store=True)

    s = sub.add_parser("seed", help="generate a report history fast (validated, bulk-loaded)")
    s.add_argument("--reports", type=int, default=100_000, help="number of reports (default 100000)")
    s.add_argument("--days", type=int, default=30, help="spread over the last D days (default 30)")
    s.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    _json_option(s, "the result as JSON (no progress bar)")
    s.set_defaults(func=cmd_seed, store=True)

    s = sub.add_parser("simulate", help="run the live simulator alone, ingesting into the store")
    s.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    s.add_argument("--speed", type=float, default=60.0,
                   help="simulated seconds per real second (default 60: an hour a minute)")
    s.add_argument("--interval", type=float, default=5.0, help="seconds between batches (default 5)")
    s.add_argument("--iterations", type=int, default=0, help="stop after N batches (0 = run forever)")
    s.set_defaults(func=cmd_simulate, store=True)

    s = sub.add_parser("ingest", help="ingest from a source once: prints the counts and every file left out "
                       "with its reason", description="One ingest pass; prints `8 seen · 3 new · 5 unchanged · "
                       "0 quarantined (0.4 s)` and a line per skipped file. Exit 1 when the source failed.")
    s.add_argument("--once", action="store_true", required=True, help="one pass, then exit")
    s.add_argument("kind", choices=["open311", "open311-updated", "files"], help="source kind")
    s.add_argument("target", help="open311: endpoint base URL (asks URL/requests.json); files: directory")
    s.add_argument("--settle-seconds", type=float, default=SETTLE_SECONDS, metavar="S",
                   help=f"files: leave files modified less than S seconds ago for the next run, as a writer may "
                        f"still be writing them (default {SETTLE_SECONDS:g}; 0 reads every file now)")
    _json_option(s, "the counts and skipped files as JSON")
    s.set_defaults(func=cmd_ingest, store=True)

    w = sub.add_parser("worker", help="run the scheduler (ingest, water levels, cameras, wall "
                       "snapshot) in this process", description="Run the worker: take the leader lock, "
                       "then the scheduled jobs (see README, The worker).")
    add_worker_arguments(w)
    w.set_defaults(func=cmd_worker)

    s = sub.add_parser("serve", help="run the web server on PANTAU_HOST:PANTAU_PORT (gunicorn's master over "
                       "waitress processes: slow clients cannot hold its threads)")
    s.add_argument("--workers", type=int, default=WORKERS, help=f"web worker processes (default {WORKERS}, "
                   f"{THREADS} threads each)")
    s.set_defaults(func=cmd_serve, store=True)

    s = sub.add_parser("demo", help="migrate, load reference data, seed if empty, then run the "
                       "worker with the live simulator and the web server, restarting either when it exits")
    s.add_argument("--seed-reports", type=int, default=42_000,
                   help="history to seed when empty (default 42000: 3000 a day, the simulator's rate)")
    s.add_argument("--days", type=int, default=14, help="days of seeded history (default 14)")
    s.add_argument("--workers", type=int, default=WORKERS, help=f"web worker processes (default {WORKERS}, "
                   f"{THREADS} threads each)")
    s.set_defaults(func=cmd_demo)

    q = sub.add_parser("quarantine", help="records refused by ingestion")
    q_sub = q.add_subparsers(dest="action", required=True)
    ql = q_sub.add_parser("list", help="a table, newest first: id, source, reason code, external id, when, detail")
    ql.add_argument("--limit", type=int, default=100, help="at most N records (default 100)")
    ql.add_argument("--reason", help="only this reason code (e.g. unparseable)")
    _json_option(ql, "the records as JSON")
    ql.set_defaults(func=cmd_quarantine, store=True)
    qs = q_sub.add_parser("show", help="one record in full, with the raw input")
    qs.add_argument("id", type=int)
    _json_option(qs, "the record as JSON")
    qs.set_defaults(func=cmd_quarantine, store=True)

    u = sub.add_parser("user", help="supervisor accounts")
    u_sub = u.add_subparsers(dest="action", required=True)
    ua = u_sub.add_parser("add", help="add a user")
    ua.add_argument("username")
    ua.add_argument("--password", required=True)
    ua.add_argument("--role", choices=["admin", "supervisor"], default="supervisor")
    ua.add_argument("--scope-kind", choices=["kota", "agency"], help="limit a supervisor to one kota or agency")
    ua.add_argument("--scope-code", help="kota code (e.g. 31.71) or agency code")
    ua.set_defaults(func=cmd_user, store=True)
    for action, text in (("remove", "remove a user and end their sessions"),
                         ("disable", "refuse a user's sign-ins and end their sessions"),
                         ("enable", "let a disabled user sign in again")):
        ur = u_sub.add_parser(action, help=text)
        ur.add_argument("username")
        ur.set_defaults(func=cmd_user, store=True)
    up = u_sub.add_parser("password", help="change a user's password and end their sessions")
    up.add_argument("username")
    up.add_argument("--password", help="the new password (asked twice on the terminal when left out)")
    up.set_defaults(func=cmd_user, store=True)
    ul = u_sub.add_parser("list", help="a table of the accounts: username, role, scope, disabled, created")
    _json_option(ul, "the accounts as JSON")
    ul.set_defaults(func=cmd_user, store=True)

    s = sub.add_parser("status", help="one screen: store, schema, reports, ingest per source, quarantine, worker, "
                       "wall snapshot, users; exit 1 when something is wrong, 2 without a store",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="What an operator (or cron) asks first: is Pantau working?",
                       epilog="exit codes:\n  0  all well\n  1  a problem: the worker's heartbeat, a source's "
                              "last success or the wall snapshot is too old, or a source's last run failed\n"
                              "  2  no usable store (missing, not migrated, or unreachable)")
    _json_option(s, "the same facts as one JSON document (with exit_code)")
    s.set_defaults(func=cmd_status)

    s = sub.add_parser("doctor", help="check this deployment's settings (secret key, wall token, cookies, tiles, "
                       "Redis, data directory, store) and say what to change; exit 1 on any error")
    s.add_argument("--timeout", type=float, default=doctor.PROBE_SECONDS,
                   help=f"seconds to wait for the tile server and Redis (default {doctor.PROBE_SECONDS:g})")
    _json_option(s, "the findings as JSON")
    s.set_defaults(func=cmd_doctor)
    return p


def _json_option(parser: argparse.ArgumentParser, text: str) -> None:
    parser.add_argument("--json", action="store_true", help=text)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    command = " ".join(["pantau", args.command, *([args.action] if getattr(args, "action", None) else [])])
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        print(f"{command}: bad setting: {exc}", file=sys.stderr)
        return 2
    try:
        if getattr(args, "store", False):
            check = check_store(settings.resolved_database_url)
            if not check.ok:
                print(problem_line(command, check, settings), file=sys.stderr)
                return EXIT_NO_STORE
        return args.func(settings, args)
    except SQLAlchemyError as exc:  # the store went away, or refused: one line, not a traceback
        print(f"{command}: store error at {shown_url(settings)} ({store_origin(settings)}): {error_line(exc)}",
              file=sys.stderr)
        return EXIT_NO_STORE
    except BrokenPipeError:  # `pantau status --json | head`: the reader left; no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
