"""Pure wall builders: every id present, payload -> components/figures, escaping, sizes."""

from __future__ import annotations

import ast
from pathlib import Path
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from dash import html

from dashboard.config import Settings
from dashboard.i18n import gettext
from dashboard.models import AGE_BUCKETS, STATUS_ORDER
from layouts import components, figures, geo, ids, theme, wall

ROOT = Path(__file__).resolve().parents[2]
WIB = ZoneInfo("Asia/Jakarta")
_ = gettext("id")


def sample_payload(flood: bool = False) -> dict:
    """A wall payload with every key of the contract ``build_wall_payload`` writes."""
    kpis = {"today_new": 1234, "today_done": 1000, "open": 5000, "overdue": 300, "unresponded_6h": 40,
            "status": "warning"}
    status_today = [{"status": s.value, "n": 10 * i} for i, s in enumerate(STATUS_ORDER)]
    backlog = [{"bucket": b, "n": 5 + i, "status": "danger" if b == "gt7d" else "ok"} for i, (b, _t) in enumerate(AGE_BUCKETS)]
    row = {"code": "31.71.01.1001", "name": "Gambir", "kota": "Jakarta Pusat", "score": 87.5, "received": 40,
           "parts": {"processed": 0.9, "response": 0.8, "resolution": 0.7, "overdue": 0.95, "reopen": 1.0}}
    agencies = [{"code": "sudin-sda-31.71", "name": "Suku Dinas Sumber Daya Air Jakarta Pusat", "kind": "suku_dinas",
                 "open": 50, "overdue": 7, "unresponded": 3}]
    return {
        "version": 42, "computed_at": "2026-11-27T03:00:00Z", "data_as_of": "2026-11-27T02:59:30Z",
        "kpis": kpis, "status_today": status_today, "backlog_by_age": backlog,
        "flow_24h": {"hours": [f"2026-11-27T{h:02d}:00:00Z" for h in range(24)], "new": list(range(24)),
                     "done": list(range(24))},
        "agencies": agencies,
        "focus": {"sudin-sda-31.71": {"kpis": kpis, "status_today": status_today, "backlog_by_age": backlog}},
        "leaderboard": {"best": [row] * 10, "worst": [row] * 10, "formula": "Skor = ... | Score = ..."},
        "ticker": [{"id": 1, "category": "Sampah", "kelurahan": "Gambir", "status": "menunggu", "age_minutes": 75,
                    "text": "<img src=x onerror=alert(1)>"}],
        "gates": [{"code": "pa-2", "name": "Pintu Air Manggarai", "river": "Ciliwung", "level_cm": 950.0,
                   "siaga": 2 if flood else 4, "observed_at": "2026-11-27T02:50:00Z",
                   "trend": [["2026-11-27T02:00:00Z", 900.0], ["2026-11-27T02:50:00Z", 950.0]],
                   "thresholds": {"3": 750, "2": 850, "1": 950},
                   "camera": {"ok": False, "last_ok_at": "2026-11-27T01:15:00Z"}}],
        "flood_mode": flood, "flood_rivers": ["Ciliwung"] if flood else [],
        "flood": {"gate": "pa-2", "name": "Pintu Air Manggarai", "siaga": 2, "since": "2026-11-27T17:40:00Z",
                  "calm_since": None} if flood else None,
        "kelurahan_backlog": {"31.71.01.1001": 12},
    }


def _ids(component) -> set[str]:
    found = set()
    stack = [component]
    while stack:
        c = stack.pop()
        if isinstance(c, (list, tuple)):
            stack.extend(c)
            continue
        if getattr(c, "id", None):
            found.add(c.id)
        children = getattr(c, "children", None)
        if children is not None and not isinstance(children, str):
            stack.append(children)
    return found


def test_wall_layout_has_every_wall_id():
    found = _ids(wall.layout(Settings()))
    wanted = {v for k, v in vars(ids).items()
              if k.startswith("WALL_") and not k.endswith("PREFIX") and isinstance(v, str)}
    wanted |= {ids.child(ids.WALL_KPI_PREFIX, k) for k in components.KPI_KEYS}
    wanted |= {ids.child(ids.WALL_FOCUS_KPI_PREFIX, k) for k in components.FOCUS_KPI_KEYS}
    assert wanted <= found, wanted - found


def test_wall_layout_has_no_tile_layer_unless_configured():
    assert "TileLayer" not in str(wall.layout(Settings()))
    assert "TileLayer" in str(wall.layout(Settings(tile_url="http://127.0.0.1/{z}/{x}/{y}.png")))


def test_wall_layout_pins_agency_and_switches_language():
    frame = wall.layout(Settings(), lang="en", agency="tj")
    query = next(c for c in frame.children if getattr(c, "id", None) == ids.WALL_QUERY)
    assert query.data["lang"] == "en" and query.data["agency"] == "tj"
    assert "Flood gates" in str(frame) and "Pintu air" not in str(frame)
    assert "Pintu air" in str(wall.layout(Settings()))


def test_render_outputs_everything_in_order():
    out = wall.render(sample_payload(), "id", WIB, 1080, {"pa-2": (-6.2, 106.85)})
    version, views, *kpis, kpi_cls, status, flow, agencies, board, gates, ticker, points, flood, cls = out
    assert version == 42
    assert kpis == ["1.234", "1.000", "5.000", "300", "40"] and kpi_cls == "kpis kpis--warning"  # the city, always
    assert views["order"] == ["sudin-sda-31.71"] and "" not in views["by"]  # the focus zone rotates agencies only
    assert views["by"]["sudin-sda-31.71"]["kpis"] == ["5.000", "300", "40"]
    assert [r.children[0].children for r in status][0] == "Menunggu" and status[4].children[2].children == "40"
    assert len(flow["data"]) == 2 and go.Figure(flow)  # a valid Plotly figure
    assert getattr(agencies[0], "data-agency") == "sudin-sda-31.71"
    assert len(board) == 3 and "Skor = ..." in str(board[2].children)
    assert len(board[0].children[1].children[1].children) == components.BOARD_ROWS
    assert views["areas"] == {"backlog": {"31.71.01.1001": 12}, "max": 12, "version": 42}
    assert points == {"flood": []} and flood == "" and cls == "view-wall wall"


def test_flood_mode_class_banner_and_highlight():
    out = wall.render(sample_payload(flood=True), "id", WIB, 1080, {"pa-2": (-6.2, 106.85)})
    views, points, banner, cls = out[1], out[-3], out[-2], out[-1]
    assert "wall--flood" in cls and points == {"flood": [[-6.2, 106.85]]} == {"flood": views["flood"]}
    assert banner == "MODE BANJIR · Manggarai Siaga 2 sejak 00:40"
    en = wall.render(sample_payload(flood=True) | {"flood": sample_payload(True)["flood"] | {
        "siaga": 1, "calm_since": "2026-11-27T18:10:00Z"}}, "en", WIB, 1080)[-2]
    assert en == "FLOOD MODE · Manggarai Siaga 1 (Danger) since 00:40 · all gates below Siaga 2 since 01:10"


def test_one_vocabulary_for_statuses_and_siaga_per_language():
    en = gettext("en")
    rows = components.status_rows(sample_payload()["status_today"], en)
    assert [r.children[0].children for r in rows] == ["Waiting", "Coordinating", "Referred", "In progress", "Done"]
    assert [components.siaga_text(n, "en") for n in (4, 3, 2, 1)] == [
        "Siaga 4 (Normal)", "Siaga 3 (Alert)", "Siaga 2 (Standby)", "Siaga 1 (Danger)"]
    assert [components.siaga_text(n, "id") for n in (4, 3, 2, 1)] == [
        "Siaga 4 (Normal)", "Siaga 3 (Waspada)", "Siaga 2", "Siaga 1 (Awas)"]
    labels = {k: _(v) for k, v in components.KPI_LABELS.items()}
    assert labels["today_done"] == "Diselesaikan hari ini" and labels["today_new"] == "Masuk hari ini"
    assert "Masuk hari ini menurut status" in str(wall.layout(Settings()))


def test_gate_tile_reads_like_an_instrument():
    gate = sample_payload(flood=True)["gates"][0] | {"camera": {"ok": True, "simulated": True}}
    tile = components.gate_tiles([gate], gettext("en"), "en", WIB, 42, 1080)[0]
    text = str(tile)
    assert "950 cm" in text and "Siaga 2 (Standby)" in text and "09:50" in text and "SIMULATION" in text
    trend = tile.children[-1].figure
    assert trend["layout"]["xaxis"]["type"] == "date" and trend["layout"]["xaxis"]["tickformat"] == "%H:%M"
    assert [t["y"] for t in trend["data"][:-1]] == [[950.0, 950.0], [850.0, 850.0], [750.0, 750.0]]
    assert trend["data"][-1]["x"][0] == "2026-11-27 09:00:00"  # local time
    go.Figure(trend)


def test_ticker_keeps_report_text_as_plain_text():
    item = components.ticker(sample_payload()["ticker"], _)[0]
    spans = item.children
    assert spans[-1].children == "<img src=x onerror=alert(1)>"
    assert spans[2].children == "1 j"
    assert all(isinstance(s, html.Span) for s in spans)


def test_dead_camera_says_no_signal_since_local_time():
    tile = components.camera_view(sample_payload()["gates"][0], _, WIB, 42)
    assert tile.children == "tidak ada sinyal sejak 08:15"
    ok = components.camera_view({"code": "pa-2", "camera": {"ok": True}}, _, WIB, 42)
    assert ok.src == "/camera/pa-2.png?v=42"


def test_freshness_gives_the_browser_age_reason_and_texts():
    from datetime import datetime, timedelta, timezone

    from dashboard.processes.health import STORE, WORKER, Health
    now = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)
    ok = Health(True, {}, None, now - timedelta(seconds=30))
    live = wall.freshness(ok, now, 90, "id", WIB, 7)
    assert live == {"age": 30.0, "stale_after": 90, "reason": "", "as_of": "data per 09:59:30", "tick": 7,
                    "banner": "DATA BASI: tidak ada data baru; menampilkan data per 09:59:30"}
    worker = Health(False, {}, (WORKER, now - timedelta(minutes=5)), now - timedelta(seconds=30))
    assert wall.freshness(worker, now, 90, "id", WIB)["banner"] == "worker tidak aktif sejak 09:55 · data per 09:59:30"
    assert wall.freshness(worker, now, 90, "en", WIB)["reason"] == "worker inactive since 09:55"
    never = wall.freshness(Health(False, {}, (WORKER, None), None), now, 90, "id", WIB)
    assert never["reason"] == "worker tidak aktif" and never["age"] is None and never["as_of"] is None
    store = wall.freshness(Health(False, {}, (STORE, None), None), now, 90, "en", WIB)
    assert store["reason"] == store["banner"] == "database unreachable"


def test_figure_fonts_follow_the_viewport():
    for vh in (1080, 2160):
        fig = figures.backlog_bar(sample_payload()["backlog_by_age"], _, vh)
        assert fig["layout"]["font"]["size"] >= 0.018 * vh
        assert fig["data"][0]["textfont"]["size"] >= 0.018 * vh
        go.Figure(fig)  # valid


def test_flow_hours_are_local():
    fig = figures.flow_lines(sample_payload()["flow_24h"], _, WIB, 1080)
    assert fig["data"][0]["x"][0] == "07:00"
    go.Figure(fig)
    go.Figure(figures.backlog_bar(sample_payload()["backlog_by_age"], _, 1080))
    go.Figure(figures.gate_trend([["2026-11-27T02:00:00Z", 1.0]], {"3": 10}, "#fff", WIB, 1080))


def test_agency_names_keep_the_kota_in_a_narrow_column():
    from layouts.components import agency_name
    _ = lambda msgid: {"All kelurahan": "Kelurahan (semua)"}.get(msgid, msgid)
    assert agency_name({"code": "sudin-sda-31.74", "name": "Suku Dinas Sumber Daya Air Jakarta Selatan"}, _) == \
        "Sudin SDA Jaksel"
    assert agency_name({"code": "kelurahan", "kind": "kelurahan", "name": "Kelurahan (semua)"}, _) == \
        "Kelurahan (semua)"


def test_report_points_are_short_coarse_geojson():
    import json
    from datetime import datetime, timezone
    rows = [(7, -6.20049, 106.80051, "proses", "sampah", datetime(2026, 1, 1, tzinfo=timezone.utc)),
            (8, -6.1, 106.9, "menunggu", 'a "quoted" <code>', 1767225601), (9, -6.3, 106.7, "selesai", None, None)]

    def point(rid, lon, lat, s, c, t):
        return {"type": "Feature", "id": rid, "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"s": s, "c": c, "t": t}}
    assert json.loads(geo.reports_geojson_bytes(rows)) == {"type": "FeatureCollection", "features": [
        point(7, 106.801, -6.2, "proses", "sampah", 1767225600),  # the public ~100 m grid
        point(8, 106.9, -6.1, "menunggu", 'a "quoted" <code>', 1767225601),
        point(9, 106.7, -6.3, "selesai", None, 0)]}
    assert json.loads(geo.reports_geojson_bytes([])) == {"type": "FeatureCollection", "features": []}


def test_text_contrast_at_least_4_5():
    def lum(hex_colour: str) -> float:
        rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    def ratio(a: str, b: str) -> float:
        hi, lo = sorted((lum(a), lum(b)), reverse=True)
        return (hi + 0.05) / (lo + 0.05)

    for fg in (theme.TEXT, theme.MUTED, "#2BC48A", "#F0E442", "#FF7A3D"):
        assert ratio(fg, theme.BACKGROUND) >= 4.5, fg
        assert ratio(fg, "#131A26") >= 4.5, fg  # panel background


def test_no_dangerous_html_anywhere_in_views():
    for path in list((ROOT / "layouts").glob("*.py")) + list((ROOT / "callbacks").glob("*.py")):
        source = path.read_text()
        assert "dangerously_allow_html=True" not in source and "dangerouslySetInnerHTML=" not in source, path
        assert "dcc.Markdown(" not in source, path


def _own_lines(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines after the ``def`` line, less the docstring and the functions defined inside
    (with their decorators): those are measured on their own."""
    lines = set(range(fn.lineno + 1, fn.end_lineno + 1))
    first = fn.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        lines -= set(range(first.lineno, first.end_lineno + 1))
    for inner in ast.walk(fn):
        if inner is not fn and isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
            start = min([inner.lineno] + [d.lineno for d in inner.decorator_list])
            lines -= set(range(start, inner.end_lineno + 1))
    return len(lines)


def thick_functions(path: Path, limit: int = 10) -> list[str]:
    """Functions of a callbacks module with more than ``limit`` lines of their own. A
    module's ``register`` (it only wires callbacks to the app) is exempt; the callbacks,
    routes and hooks it defines, and every other function, are not."""
    tree = ast.parse(path.read_text())
    return [f"{path.name}:{fn.lineno} {fn.name} ({_own_lines(fn)} lines)" for fn in ast.walk(tree)
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and fn.name != "register"
            and _own_lines(fn) > limit]


def test_callbacks_stay_thin():
    modules = sorted((ROOT / "callbacks").glob("*.py"))
    assert {"wall.py", "supervisor.py", "supervisor_routes.py", "auth.py", "guards.py"} <= {p.name for p in modules}
    assert [found for path in modules for found in thick_functions(path)] == []


def test_thinness_counts_a_functions_own_lines(tmp_path):
    lines = ["def register(app, deps):", *["    x = 1"] * 20,
             "    @app.callback()", "    def thick(a):", *["        a += 1"] * 11, "        return a",
             "    @app.callback()", "    def thin(a):", '        """Docs', '        do not count."""',
             *["        a += 1"] * 9, "        return a",
             "def helper(x):", "    def inner():", *["        x = 1"] * 11, "    return 1"]
    source = tmp_path / "view.py"
    source.write_text("\n".join(lines) + "\n")
    assert thick_functions(source) == ["view.py:23 thick (12 lines)", "view.py:51 inner (11 lines)"]


def test_wall_numbers_are_grouped_the_page_language_way():
    payload = sample_payload() | {"kpis": {"today_new": 12345, "open": 1234567, "status": "ok"},
                                  "status_today": [{"status": "menunggu", "n": 23456}]}
    for lang, thousands in (("id", "."), ("en", ",")):
        out = wall.render(payload, lang, WIB, 1080)
        assert out[2] == f"12{thousands}345"
        assert f"1{thousands}234{thousands}567" in out[2:7]
        assert out[8][0].children[2].children == f"23{thousands}456"
