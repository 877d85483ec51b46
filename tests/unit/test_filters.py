"""Supervisor filter state: strict parsing against the server's allowed values, URL round trip."""

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from dashboard.supervisor.filters import (
    CONTROL_KEYS, Event, FilterError, Filters, allowed_for, cascade, clicked, control_values, next_filters, parse,
    to_query, window,
)

PUSAT, SELATAN = "31.71", "31.74"


@pytest.fixture(scope="module")
def allowed(reference):
    return allowed_for(reference)


def test_empty_query_is_no_filter(allowed):
    assert parse("", allowed) == Filters()
    assert parse(None, allowed) == Filters()
    assert parse({}, allowed) == Filters()


def test_round_trip(reference, allowed):
    kel = sorted(c for c, k in reference.kelurahan.items() if k.kota_code == PUSAT)[0]
    kec = reference.kelurahan[kel].kecamatan_code
    f = Filters(agency=("kel-" + kel, "tj"), kota=PUSAT, kecamatan=kec, kelurahan=kel,
                category=("banjir", "sampah"), status=("menunggu", "proses"),
                since=date(2026, 11, 1), until=date(2026, 11, 27), overdue=True)
    query = to_query(f)
    assert parse(query, allowed) == f
    assert parse("?" + query, allowed) == f


def test_multi_values_sorted_and_deduplicated(allowed):
    assert parse("status=proses,menunggu,proses", allowed).status == ("menunggu", "proses")
    assert parse({"status": ["selesai", "menunggu"]}, allowed).status == ("menunggu", "selesai")


@pytest.mark.parametrize("query", [
    "status=hacked", "agency=kel-99.99", "category=' OR 1=1 --", "kota=31.99",
    "kecamatan=31.71.99", "kelurahan=31.71.01.9999", "from=2026-13-01", "from=yesterday",
    "from=1900-01-01", "to=2026-11-01&from=2026-11-02", "overdue=yes",
    "status=" + ",".join(["menunggu"] * 51), "agency=" + "x" * 5000,
])
def test_forged_values_are_refused(allowed, query):
    with pytest.raises(FilterError):
        parse(query, allowed)


def test_non_string_values_from_a_callback_are_refused(allowed):
    for bad in ({"status": [{"$ne": 1}]}, {"kota": ["31.71"]}, {"kota": 31.71}, {"overdue": "2"}):
        with pytest.raises(FilterError):
            parse(bad, allowed)


def test_cascade_must_be_consistent(reference, allowed):
    kel_selatan = sorted(c for c, k in reference.kelurahan.items() if k.kota_code == SELATAN)[0]
    kec_selatan = reference.kelurahan[kel_selatan].kecamatan_code
    with pytest.raises(FilterError):
        parse(f"kota={PUSAT}&kecamatan={kec_selatan}", allowed)
    with pytest.raises(FilterError):
        parse(f"kota={PUSAT}&kelurahan={kel_selatan}", allowed)
    assert parse(f"kota={SELATAN}&kecamatan={kec_selatan}&kelurahan={kel_selatan}", allowed).kelurahan == kel_selatan


def test_kota_scope_narrows_allowed_values(reference):
    scoped = allowed_for(reference, "kota", PUSAT)
    assert scoped.kota == {PUSAT}
    assert all(k.startswith(PUSAT) for k in scoped.kelurahan)
    kel_selatan = sorted(c for c, k in reference.kelurahan.items() if k.kota_code == SELATAN)[0]
    for query in (f"kota={SELATAN}", f"kelurahan={kel_selatan}", f"agency=kel-{kel_selatan}"):
        with pytest.raises(FilterError):
            parse(query, scoped)
    assert "tj" in scoped.agency  # city-wide agencies still filter inside the kota


def test_agency_scope_allows_only_that_agency(reference):
    scoped = allowed_for(reference, "agency", "tj")
    assert parse("agency=tj", scoped).agency == ("tj",)
    with pytest.raises(FilterError):
        parse("agency=sudin-bina_marga-31.71", scoped)


def test_window_is_whole_wib_days():
    since, until = window(Filters(since=date(2026, 11, 1), until=date(2026, 11, 1)), ZoneInfo("Asia/Jakarta"))
    assert since == datetime(2026, 10, 31, 17, 0, tzinfo=timezone.utc)
    assert until == datetime(2026, 11, 1, 17, 0, tzinfo=timezone.utc)
    assert window(Filters(), ZoneInfo("Asia/Jakarta")) == (None, None)


def test_unknown_keys_are_ignored(allowed):
    assert parse("lang=en&token=x&status=selesai", allowed) == Filters(status=("selesai",))


# --- the state machine (the supervisor's filter sync callback is a thin wrapper) ----------
def _places(reference):
    kel = sorted(c for c, k in reference.kelurahan.items() if k.kota_code == SELATAN)[0]
    return kel, reference.kelurahan[kel].kecamatan_code


def test_url_event_reads_the_url_and_reset_clears(allowed, reference):
    assert next_filters("?status=proses&kota=31.71", Event("url"), allowed, reference) == Filters(
        kota=PUSAT, status=("proses",))
    assert next_filters(None, Event("url"), allowed, reference) == Filters()
    assert next_filters("status=proses", Event("reset"), allowed, reference) == Filters()


def test_url_event_refuses_a_forged_url(allowed, reference):
    with pytest.raises(FilterError):
        next_filters("status=hacked", Event("url"), allowed, reference)


def test_control_event_cascades_places(allowed, reference):
    kel, kec = _places(reference)
    values = dict.fromkeys(CONTROL_KEYS) | {"kota": PUSAT, "kecamatan": kec, "kelurahan": kel}
    assert next_filters("", Event("control", "kota", values=values), allowed, reference) == Filters(kota=PUSAT)
    picked = next_filters("", Event("control", "kelurahan", values=dict.fromkeys(CONTROL_KEYS) | {"kelurahan": kel}),
                          allowed, reference)
    assert (picked.kota, picked.kecamatan, picked.kelurahan) == (SELATAN, kec, kel)
    by_kec = next_filters("", Event("control", "kecamatan", values=values), allowed, reference)
    assert (by_kec.kota, by_kec.kecamatan, by_kec.kelurahan) == (SELATAN, kec, None)


def test_control_event_on_another_control_keeps_places_as_given(allowed, reference):
    kel, kec = _places(reference)
    values = dict.fromkeys(CONTROL_KEYS) | {"kota": PUSAT, "kelurahan": kel, "status": ["proses"]}
    with pytest.raises(FilterError):  # nothing repaired: kelurahan outside the kota is refused
        next_filters("", Event("control", None, values=values), allowed, reference)
    ok = next_filters("", Event("control", None, values=values | {"kota": SELATAN, "overdue": "1"}), allowed, reference)
    assert (ok.kota, ok.kelurahan, ok.status, ok.overdue) == (SELATAN, kel, ("proses",), True)


def test_click_event_replaces_one_filter_and_keeps_the_rest(allowed, reference):
    kel, kec = _places(reference)
    search = "status=menunggu,proses&category=banjir&from=2026-11-01"
    bar = next_filters(search, Event("click", "status", "selesai"), allowed, reference)
    assert (bar.status, bar.category, bar.since) == (("selesai",), ("banjir",), date(2026, 11, 1))
    area = next_filters("kota=31.71&category=banjir", Event("click", "kelurahan", kel), allowed, reference)
    assert (area.kota, area.kecamatan, area.kelurahan, area.category) == (SELATAN, kec, kel, ("banjir",))
    with pytest.raises(FilterError):
        next_filters("", Event("click", "agency", "kel-99.99"), allowed, reference)


def test_cascade_ignores_unknown_places(reference):
    values = {"kota": PUSAT, "kecamatan": "nope", "kelurahan": "x"}
    assert cascade(dict(values), "kecamatan", reference) == {"kota": PUSAT, "kecamatan": "nope", "kelurahan": None}
    assert cascade(dict(values), "kelurahan", reference) == values
    assert cascade(dict(values), "agency", reference) == values


def test_control_values_are_what_parse_reads_back(allowed, reference):
    f = Filters(agency=("tj",), kota=PUSAT, status=("proses",), since=date(2026, 11, 1), overdue=True)
    values = control_values(f)
    assert tuple(values) == CONTROL_KEYS
    assert parse(values, allowed) == f
    assert clicked(f, "category", "banjir", reference) == values | {"category": ["banjir"]}
