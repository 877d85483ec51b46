"""Time the store reads the views and the worker call on a seeded store and show the scans
each statement uses.

Not a test (pytest does not collect it). Usage, on a store seeded with ``pantau seed``:

    PYTHONPATH=. .venv/bin/python tests/store/bench_queries.py URL [--explain] [--now ISO]

``--now`` must match the seed's ``now`` (default 2026-11-27T03:00Z, the tests' NOW).
``--explain`` prints the scan nodes of EXPLAIN ANALYZE (PostgreSQL) or the SQLite query plan.
"""
import statistics, sys, time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from sqlalchemy import event
from dashboard.store import changes, counters, flow, ingest_runs, reports, tallies
from dashboard.store.engine import make_engine
from dashboard.store.view import View
from dashboard.supervisor.filters import Filters

url = sys.argv[1]
NOW = (datetime.fromisoformat(sys.argv[sys.argv.index("--now") + 1]) if "--now" in sys.argv
       else datetime(2026, 11, 27, 3, tzinfo=timezone.utc))
D, H = timedelta(days=1), timedelta(hours=1)
e = make_engine(url)
WIB = timedelta(hours=7)
today = (NOW + WIB).replace(hour=0, minute=0, second=0, microsecond=0) - WIB  # 00:00 WIB
city = View(Filters(), None, NOW, ZoneInfo("Asia/Jakarta"))


def r(fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
    with e.connect() as conn:
        return fn(conn, *args, **kwargs)


calls = {
    "change_cursor": lambda: r(counters.current),
    "status_counts(today)": lambda: r(reports.status_counts, since=today),
    "tallies.cells(city)": lambda: r(tallies.cells, city),
    "tallies.open_by_agency": lambda: r(tallies.open_by_agency),
    "flow_by_hour(24h)": lambda: r(flow.flow_by_hour, NOW - 24 * H, NOW),
    "trend(city)": lambda: r(flow.trend, city),
    "ticker(15)": lambda: r(changes.ticker, 15),
    "map_points(wall,20k)": lambda: r(reports.map_points, None, 20000, open_only=True, shape="wall"),
    "map_points(public,today)": lambda: r(reports.map_points, None, 20000, since=today, shape="public"),
    "last_ingest": lambda: r(ingest_runs.last_ingest),
    "quarantine_list(100)": lambda: r(ingest_runs.quarantine_list, 100),
}
def plan(statement: str, params) -> str:  # noqa: ANN001
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
        t = time.perf_counter(); fn(); times.append((time.perf_counter() - t) * 1000)
    print(f"{name:34s} median {statistics.median(times):8.1f} ms")
    if explain:
        sent.clear(); fn()
        for st, params in list(sent):
            print("     ", plan(st, params)[:400])
        sent.clear()
