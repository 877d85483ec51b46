"""The worker's options, limits and exit codes, shared by ``python -m dashboard.processes.worker``
and ``pantau worker`` (this module imports nothing heavy, so ``pantau --help`` stays fast).

Exit codes (:data:`EXIT_CODES`): 0 stopped (SIGTERM/SIGINT); 1 a ``--once`` job failed;
2 the store has no schema; 3 another worker holds the lock (without ``--standby``); 4 the
lock was lost (taken over, or not re-established within ``--reconnect-seconds``); 5 a job
kept failing; 6 the store was unreachable at start for ``--reconnect-seconds``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

LEASE_SECONDS = 60.0  # SQLite lease, heartbeat renewal (every lease/3), a standby's staleness limit
RECONNECT_SECONDS = 120.0  # how long an unreachable store is waited for (start, lost lock connection)
MAX_FAILED_RUNS = 5  # failed runs in a row of one job that stop the worker ...
FAILING_SECONDS = 300.0  # ... when the first of them is at least this old
EXIT_ONCE_FAILED = 1
EXIT_NO_STORE = 2
EXIT_NOT_LEADER = 3
EXIT_LOST_LEADER = 4
EXIT_JOB_FAILING = 5
EXIT_NO_STORE_CONNECTION = 6
EXIT_CODES = {
    0: "stopped (SIGTERM/SIGINT)",
    EXIT_ONCE_FAILED: "a --once job failed",
    EXIT_NO_STORE: "the store has no schema (run `pantau db upgrade`)",
    EXIT_NOT_LEADER: "another worker holds the lock (without --standby)",
    EXIT_LOST_LEADER: "the lock was lost: taken over, or not re-established within --reconnect-seconds",
    EXIT_JOB_FAILING: "a job kept failing (--max-failed-runs failed runs in a row over --failing-seconds)",
    EXIT_NO_STORE_CONNECTION: "the store was unreachable at start for --reconnect-seconds",
}


@dataclass(frozen=True)
class WorkerOptions:
    """The worker's command-line options (see :func:`add_arguments`)."""

    once: bool = False
    standby: bool = False
    lease_seconds: float = LEASE_SECONDS
    reconnect_seconds: float = RECONNECT_SECONDS
    max_failed_runs: int = MAX_FAILED_RUNS
    failing_seconds: float = FAILING_SECONDS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The worker's options (``python -m dashboard.processes.worker`` and ``pantau worker``)."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = "exit codes:\n" + "\n".join(f"  {code}  {text}" for code, text in EXIT_CODES.items())
    parser.add_argument("--once", action="store_true", help="run every job once, then exit")
    parser.add_argument("--standby", action="store_true",
                        help="when another worker leads, wait and take over when its lock frees or its "
                             "heartbeat is older than the lease (default: exit 3)")
    parser.add_argument("--lease-seconds", type=float, default=LEASE_SECONDS,
                        help=f"SQLite lease length; the heartbeat is renewed every third of it and a "
                             f"standby takes over a leader silent this long (default {LEASE_SECONDS:g})")
    parser.add_argument("--reconnect-seconds", type=float, default=RECONNECT_SECONDS,
                        help=f"how long an unreachable store is waited for, at start and when the lock's "
                             f"connection dies (default {RECONNECT_SECONDS:g})")
    parser.add_argument("--max-failed-runs", type=int, default=MAX_FAILED_RUNS,
                        help=f"failed runs in a row of one job that stop the worker (exit 5), if the "
                             f"first was at least --failing-seconds ago (default {MAX_FAILED_RUNS})")
    parser.add_argument("--failing-seconds", type=float, default=FAILING_SECONDS,
                        help=f"see --max-failed-runs (default {FAILING_SECONDS:g})")


def options_from(args: argparse.Namespace) -> WorkerOptions:
    return WorkerOptions(once=args.once, standby=args.standby, lease_seconds=args.lease_seconds,
                         reconnect_seconds=args.reconnect_seconds, max_failed_runs=args.max_failed_runs,
                         failing_seconds=args.failing_seconds)


