"""The reads behind ``/health`` and the wall's freshness: is the store there, the worker's
heartbeat rows, and the last successful ingest (overall, and per source for ``/health``).

Bounded so a health check answers quickly in an outage: on PostgreSQL the probe has its
own small pool (never queued behind the views' connections), a connect timeout and a
statement timeout. Errors are caught and named by class only (:class:`dashboard.processes.health.Facts`).
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from dashboard.processes.health import Facts
from dashboard.store.engine import is_postgres
from dashboard.store.heartbeat import read_heartbeats
from dashboard.store.ingest_runs import data_as_of, last_ingest

log = logging.getLogger(__name__)

PROBE_SECONDS = 2


def probe_engine(engine: Engine) -> Engine:
    """An engine for health reads: on PostgreSQL, the same database with a connect timeout
    and a pool of its own (1 + 2 overflow, waiting at most :data:`PROBE_SECONDS` for a
    connection); SQLite needs none (a local file), so ``engine`` itself."""
    if not is_postgres(engine):
        return engine
    url = engine.url.update_query_dict({"connect_timeout": str(PROBE_SECONDS)})
    return create_engine(url, pool_size=1, max_overflow=2, pool_timeout=PROBE_SECONDS, pool_pre_ping=True)


def read_facts(engine: Engine, per_source: bool = False) -> Facts:
    """The store's answer to ``SELECT 1``, the heartbeat rows and the newest successful
    ingest (with ``per_source``, each recent source's too); a store error gives
    ``Facts(store_error=<class name>)`` and a one-line warning, never an exception."""
    try:
        with engine.begin() as conn:
            if is_postgres(engine):
                conn.execute(text(f"SET LOCAL statement_timeout = {PROBE_SECONDS * 1000}"))
            conn.execute(text("SELECT 1"))
            beats = read_heartbeats(conn)
            if not per_source:
                return Facts(heartbeats=beats, last_ok=data_as_of(conn))
            status = last_ingest(conn)
    except SQLAlchemyError as exc:
        name = type(getattr(exc, "orig", None) or exc).__name__
        log.warning("health: store unreachable (%s)", name)
        return Facts(store_error=name)
    sources = {name: (runs["last_ok"] or {}).get("finished_at") for name, runs in status.sources.items()}
    return Facts(heartbeats=beats, last_ok=(status.last_ok or {}).get("finished_at"), sources=sources)
