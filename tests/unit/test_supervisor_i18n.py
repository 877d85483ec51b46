"""The supervisor view and the login page speak one language: every visible text of the
Bahasa Indonesia page comes from the id catalog (no English label left over), and the
same builders give English with ``lang="en"``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
import pytest
from flask import Flask

from dashboard.access.auth import Role, User
from dashboard.i18n import catalog, gettext
from dashboard.reference import load_reference
from dashboard.store.performance import (
    HOPS,
    RESOLVE_BUCKETS,
    RESPOND_BUCKETS,
    GamingRow,
)
from layouts import ids, login
from layouts import supervisor as sv
from layouts import supervisor_figures as figs
from layouts import supervisor_parts as parts

WIB = ZoneInfo("Asia/Jakarta")
ADMIN = User(1, "budi", Role.ADMIN)
#: English texts that used to show on the Bahasa Indonesia page (and the component
#: defaults a missing prop would bring back).
ENGLISH = {"Waiting > 6 h", "Start Date", "End Date", "Select All", "Deselect All", "Search", "No options found",
           "Clear search", "Clear selection", "Loading...", "No Rows To Show", "Filter...", "Equals",
           "Sign out", "Export CSV", "Acted on", "Closed ≤ 10 min", "Reopened", "Flags", "Kind", "first_name",
           "quick_close", "reopen", "Coordination", "New", "Done", "Reports", "Overdue > 7 d"}
TEXT_PROPS = ("children", "placeholder", "start_date_placeholder_text", "end_date_placeholder_text", "title", "alt")


def texts(node) -> set[str]:  # noqa: ANN001
    """Every string a person can read in a component tree (children, placeholders, the
    dropdowns' built-in labels, option labels, grid headers and grid texts)."""
    found: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, str):
            found.add(n)
        elif isinstance(n, (list, tuple)):
            stack.extend(n)
        elif hasattr(n, "to_plotly_json"):
            props = n.to_plotly_json()["props"]
            stack.extend(props.get(p) for p in TEXT_PROPS if props.get(p) is not None)
            stack.extend(o["label"] for o in props.get("options") or [] if isinstance(o, dict))
            stack.extend((props.get("labels") or {}).values())
            stack.extend(c.get("headerName", "") for c in props.get("columnDefs") or [])
            stack.extend(((props.get("dashGridOptions") or {}).get("localeText") or {}).values())
    return {t for t in found if t.strip()}


def figure_texts(fig: dict) -> set[str]:
    d = go.Figure(fig).to_plotly_json()  # Plotly validates the dict on the way
    out = {d["layout"]["title"]["text"]}
    for trace in d["data"]:
        out |= {str(v) for key in ("x", "y", "name") for v in (trace.get(key) if isinstance(trace.get(key), (list, tuple))
                                                               else [trace.get(key)]) if isinstance(v, str)}
    return out


def assert_indonesian(found: set[str]) -> None:
    """No leftover English label, and no msgid shown raw where id translates it."""
    id_ = catalog("id")
    assert found & ENGLISH == set()
    raw = {t for t in found if t in id_ and id_[t] != t}
    assert raw == set()


@pytest.fixture(scope="module")
def ref():
    return load_reference()


def test_indonesian_supervisor_page_has_no_english_label(ref):
    page = sv.view_for(ADMIN, ref, "id", "token")
    found = texts(page)
    assert_indonesian(found)
    assert {"Dari tanggal", "Sampai tanggal", "Pilih semua", "Cari", "Tidak ada pilihan", "Memuat…", "Keluar",
            "Ekspor CSV", "Menunggu"} <= found
    picker = _find(page, ids.SUPERVISOR_F_DATES)
    assert picker.display_format == "DD/MM/YYYY" and picker.first_day_of_week == 1
    assert page.lang == "id"


def test_english_supervisor_page(ref):
    page = sv.view_for(ADMIN, ref, "en", "token")
    found = texts(page)
    assert {"From date", "To date", "Select all", "Sign out", "Export CSV", "Waiting", "Garbage"} <= found
    assert "Sampah" not in found and "Keluar" not in found  # categories by their English name
    assert _find(page, ids.SUPERVISOR_F_DATES).display_format == "D MMM YYYY" and page.lang == "en"


def test_indonesian_panels(ref):
    _ = gettext("id")
    kel = min(ref.kelurahan)
    kpis = parts.kpi_tiles({"total": 12345, "unresponded_6h": 7}, _)
    assert "Menunggu > 6 jam" in texts(kpis) and "12.345" in texts(kpis)
    flags = parts.flags_table([GamingRow("kelurahan", kel, 40, 20, 30, 10)], ref, _)
    score = {"score": 80.0, "rank": 1, "of": 200, "as_of": datetime(2026, 11, 27, 3, tzinfo=UTC),
             "parts": {"processed": 0.9, "response": 0.8, "resolution": 0.7, "overdue": 0.6, "reopen": 1.0}}
    panel = parts.kelurahan_panel(kel, score, [("menunggu", 3)], ref, _, WIB)
    detail = parts.detail_panel({"id": 9, "category_code": "sampah", "kelurahan_code": kel, "agency_code": None,
                                 "status": "proses", "requested_at": None, "address": None, "media_url": None,
                                 "description": "x", "lat": -6.2, "lon": 106.8, "reporter": {},
                                 "history": [{"changed_at": None, "from_status": "menunggu", "to_status": "proses"}]},
                                ref, WIB, _)
    found = texts([kpis, flags, panel, detail])
    assert_indonesian(found)
    assert {"Ditindaklanjuti", "ditutup terlalu cepat, sering dibuka ulang", "Nama depan", "Proses"} <= found
    assert any("Menunggu → Proses" in t for t in found)


def test_indonesian_figures():
    _ = gettext("id")
    respond = [(b, 1) for b, _h in RESPOND_BUCKETS]
    hops = [{"status": s.value, "hop": hop, "reached": 3, "median_hours": 1.5} for s, hop in HOPS]
    found = figure_texts(figs.histogram("t", respond, "1h_6h", "target", _))
    found |= figure_texts(figs.funnel("t", hops, _("h"), _))
    found |= figure_texts(figs.trend("t", [(date(2026, 11, 26), 1, 2)], _("New"), _("Done"), _("format:axis-date")))
    assert_indonesian(found)
    assert {"Koordinasi", "Masuk", "Selesai", "1-6j"} <= found
    en = gettext("en")
    resolve_en = figure_texts(figs.histogram("t", [(b, 1) for b, _h in RESOLVE_BUCKETS], "3d_7d", "target", en))
    assert {"<1d", "3-7d", ">14d"} <= resolve_en
    trend = go.Figure(figs.trend("t", [(date(2026, 11, 26), 1, 2)], "New", "Done", "%b %d")).to_plotly_json()
    assert trend["layout"]["xaxis"]["tickformat"] == "%b %d"


def test_an_unfinished_last_day_is_marked_not_a_drop():
    days = [(date(2026, 11, 28), 1500, 1400), (date(2026, 11, 29), 300, 250)]
    marked = go.Figure(figs.trend("t", days, "N", "D", unfinished=gettext("id")("today so far")))
    assert [a.text for a in marked.layout.annotations] == ["hari ini (sementara)"]
    assert marked.layout.annotations[0].x == "2026-11-29" and marked.layout.annotations[0].y == 300
    assert all(list(t.marker.symbol) == ["circle", "circle-open"] for t in marked.data)
    plain = go.Figure(figs.trend("t", days, "N", "D"))
    assert not plain.layout.annotations and list(plain.data[0].marker.symbol) == ["circle", "circle"]
    empty = go.Figure(figs.trend("t", [], "N", "D", unfinished="x"))
    assert not empty.data[0].x and not empty.layout.annotations  # no days, no mark


def test_bars_keep_their_thickness_and_read_level():
    one = go.Figure(figs.bars("t", [("x", "X", 5)]))
    assert list(one.layout.yaxis.range) == [figs.MIN_BAR_SLOTS - 0.5, -0.5] and one.data[0].textangle == 0
    many = go.Figure(figs.bars("t", [(str(i), str(i), 20 - i) for i in range(12)]))
    assert list(many.layout.yaxis.range) == [11.5, -0.5]  # every bar shown, the first on top


def test_figures_group_digits_in_the_page_language():
    """Bar texts, funnel texts and axes use the catalog's separator (12.345 / 12,345)."""
    hops = [{"status": "menunggu", "hop": "kelurahan", "reached": 12345, "median_hours": 2.5}]
    for lang, number, hours, separators in (("id", "12.345", "2,5", ",."), ("en", "12,345", "2.5", ".,")):
        thousands = gettext(lang)("format:thousands-separator")
        built = [go.Figure(fig) for fig in (
            figs.status_bars("t", {"menunggu": 12345}, {"menunggu": "M"}, thousands),
            figs.histogram("t", [("1h_6h", 12345)], "1h_6h", "target", thousands=thousands),
            figs.bars("t", [("x", "X", 12345)], thousands=thousands),
            figs.trend("t", [(date(2026, 11, 26), 12345, 2)], "N", "D", thousands=thousands))]
        for fig in built:
            assert fig.layout.separators == separators, lang
        for fig in built[:3]:
            assert list(fig.data[0].text) == [number], lang
        funnel = go.Figure(figs.funnel("t", hops, "h", thousands=thousands))
        assert list(funnel.data[0].text) == [f"{number} · {hours} h"], lang


def test_language_stays_in_the_url():
    assert sv.lang_of("?kota=31.71&lang=en") == "en" and sv.lang_of("") == "id" and sv.lang_of(None) == "id"
    assert sv.with_lang("kota=31.71", "en") == "?kota=31.71&lang=en"
    assert sv.with_lang("", "en") == "?lang=en" and sv.with_lang("kota=31.71", "id") == "?kota=31.71"
    assert sv.with_lang("", "id") == ""


def test_grid_status_filter_in_the_page_language():
    request = {"startRow": 0, "endRow": 100, "filterModel": {"status": {"filterType": "text", "type": "equals",
                                                                        "filter": " waiting "}}}
    assert parts.rows_request_in(request, gettext("en"))["filterModel"]["status"]["filter"] == "menunggu"
    assert parts.rows_request_in(request, gettext("id")) == request  # left for dashboard.supervisor.grid to refuse
    assert parts.rows_request_in("rows please", gettext("en")) == "rows please"


def test_login_page_in_the_page_language():
    app = Flask(__name__)
    app.secret_key = "test"
    with app.test_request_context():
        id_page = login.layout(None, error="1")
        en_page = login.layout(None, next="/supervisor?lang=en")  # language of the target page
    assert texts(id_page) >= {"Masuk supervisor", "Nama pengguna", "Kata sandi", "Masuk",
                              "Nama pengguna atau kata sandi salah."}
    assert_indonesian(texts(id_page))
    assert texts(en_page) >= {"Supervisor sign-in", "Username", "Password", "Sign in"} and en_page.lang == "en"
    token = _find(id_page, ids.LOGIN_CSRF).value
    assert token and token == _find(en_page, ids.LOGIN_CSRF).value  # one token per session


def _find(node, component_id: str):  # noqa: ANN001, ANN202
    stack = [node]
    while stack:
        n = stack.pop()
        if getattr(n, "id", None) == component_id:
            return n
        children = getattr(n, "children", None)
        stack.extend(children if isinstance(children, (list, tuple)) else [children] if children is not None else [])
    raise AssertionError(component_id)
