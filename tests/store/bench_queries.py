"""Time every ReportStore read on a seeded store and show the scans each statement uses.

Not a test (pytest does not collect it). Usage, on a store seeded with ``pantau seed``:

    PYTHONPATH=. .venv/bin/python tests/store/bench_queries.py URL [--explain] [--now ISO]

``--now`` must match the seed's ``now`` (default 2026-11-27T03:00Z, the tests' NOW).
``--explain`` prints the scan nodes of EXPLAIN ANALYZE (PostgreSQL) or the SQLite query plan.
"""
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from sqlalchemy import event
from dashboard.store.engine import make_engine
from dashboard.store.queries import ReportStore

url = sys.argv[1]
NOW = (datetime.fromisoformat(sys.argv[sys.argv.index("--now") + 1]) if "--now" in sys.argv
       else datetime(2026, 11, 27, 3, tzinfo=timezone.utc))
D, H = timedelta(days=1), timedelta(hours=1)
e = make_engine(url)
s = ReportStore(e)
WIB = timedelta(hours=7)
today = (NOW + WIB).replace(hour=0, minute=0, second=0, microsecond=0) - WIB  # 00:00 WIB
calls = {
    "change_cursor": lambda: s.change_cursor(),
    "status_counts(all,tally)": lambda: s.status_counts(None),
    "status_counts(today)": lambda: s.status_counts(today),
    "status_counts_by(agency,tally)": lambda: s.status_counts_by("agency", None, 50),
    "status_counts_by(kelurahan,7d)": lambda: s.status_counts_by("kelurahan", NOW - 7 * D, 50),
    "open_backlog_by_age": lambda: s.open_backlog_by_age(NOW),
    "open_backlog_by_age(agency)": lambda: s.open_backlog_by_age(NOW, "sudin-sda-31.71"),
    "flow_by_hour(24h)": lambda: s.flow_by_hour(NOW - 24 * H, NOW),
    "flow_by_day(30d)": lambda: s.flow_by_day(NOW - 30 * D, NOW),
    "latest_changes(20)": lambda: s.latest_changes(20),
    "map_points(24h)": lambda: s.map_points(NOW - 24 * H, limit=20000),
    "map_points(7d,20k)": lambda: s.map_points(NOW - 7 * D, limit=20000),
    "changes_since(cursor)": lambda: s.changes_since(s.change_cursor(), 500),
    "agency_load": lambda: s.agency_load(NOW, 50),
    "last_ingest": lambda: s.last_ingest(),
    "quarantine_list(100)": lambda: s.quarantine_list(100),
}
def plan(statement: str, params) -> str:
    with e.connect() as c:
        if e.dialect.name != "postgresql":
            return "; ".join(r[3] for r in c.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params))
        cur = c.connection.dbapi_connection.cursor()
        cur.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + statement, params)
        rows = [r[0] for r in cur.fetchall()]
        cur.close()
    return "; ".join(line.strip() for line in rows if "Scan" in line)


sent = []
event.listen(e, "before_cursor_execute", lambda c, cur, st, params, ctx, many: sent.append((st, params)))
explain = "--explain" in sys.argv
for name, fn in calls.items():
    fn()
    times = []
    for _ in range(7):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    print(f"{name:34s} median {statistics.median(times):8.1f} ms")
    if explain:
        sent.clear()
        fn()
        for st, params in list(sent):
            print("     ", plan(st, params)[:400])
        sent.clear()
