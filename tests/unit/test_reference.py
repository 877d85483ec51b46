"""The Jakarta reference data as loaded from data/reference."""

import csv

from dashboard.reference import REFERENCE_DIR, in_jakarta_box


def test_areas_and_agencies(reference):
    assert (len(reference.kota), len(reference.kecamatan), len(reference.kelurahan)) == (6, 44, 267)
    assert sum(k.geometry is not None for k in reference.kelurahan.values()) == 261
    kelurahan_offices = [a for a in reference.agencies.values() if a.kind == "kelurahan"]
    assert len(kelurahan_offices) == 267


def test_every_water_post_is_a_gate_once(reference):
    with (REFERENCE_DIR / "pos_pantau_tma_siaga.csv").open(encoding="utf-8") as fh:
        posts = list(csv.DictReader(fh))
    by_threshold = {(g.siaga3_cm, g.siaga2_cm, g.siaga1_cm) for g in reference.gates.values()}
    names = {g.name for g in reference.gates.values()}
    for post in posts:
        joined = post["nama_di_pintu_air_petajakarta"]
        assert (joined or post["pos"]) in names
    assert len(reference.gates) == 28 + sum(1 for p in posts if not p["nama_di_pintu_air_petajakarta"])
    assert (80, 150, 200) in by_threshold  # Katulampa, an upstream post without coordinates


def test_siaga_levels(reference):
    karet = next(g for g in reference.gates.values() if g.name == "Pintu Air Karet")
    assert [karet.siaga(cm) for cm in (100, 450, 549, 550, 600, 900)] == [4, 3, 3, 2, 1, 1]


def test_locate_and_route(reference):
    code, exact = reference.locate(106.8456, -6.2088)  # Manggarai
    assert exact and reference.kelurahan[code].kota_code == "31.74"
    assert reference.locate(0.0, 0.0) == (None, False)
    assert reference.route("sampah", code) == f"kel-{code}"
    assert reference.route("kebakaran", code) == "sudin-gulkarmat-31.74"
    assert reference.route("transjakarta", code) == "tj"
    assert in_jakarta_box(106.49, -5.75) and not in_jakarta_box(110.0, -7.0)
