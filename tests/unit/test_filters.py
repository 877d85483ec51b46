"""Supervisor filter state: strict parsing against the server's allowed values, URL round trip."""

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from dashboard.supervisor.filters import FilterError, Filters, allowed_for, parse, to_query, window

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
