"""Redaction table: what must be masked and what must survive, exactly."""

from __future__ import annotations

import pytest

from dashboard.public.redact import MASK, redact

M = MASK

POSITIVE = [
    # phone numbers, in every shape the redaction recognises
    ("Hubungi 081234567890 segera", f"Hubungi {M} segera"),
    ("hp 0812-3456-7890.", f"hp {M}."),
    ("WA 0812 3456 7890", f"WA {M}"),
    ("telp +6281234567890", f"telp {M}"),
    ("telp +62 812 3456 7890", f"telp {M}"),
    ("telp +62-812-3456-789", f"telp {M}"),
    ("no 6281234567890 ya", f"no {M} ya"),
    ("62 812-3456-7890", M),
    ("0812.3456.789", M),
    ("hp (0812) 3456-7890", f"hp {M}"),
    ("HP081234567890 ya", f"HP{M} ya"),
    ("wa.me/6281234567890", f"wa.me/{M}"),
    ("0812 - 3456 - 7890", M),
    ("kantor 021-5550123", f"kantor {M}"),
    ("kantor (021) 555 0123", f"kantor {M}"),
    ("kantor +62 21 5550 1234", f"kantor {M}"),
    # e-mail
    ("email saya budi.santoso@gmail.com ok", f"email saya {M} ok"),
    ("kirim ke a_b+c@mail.example.co.id", f"kirim ke {M}"),
    # NIK, 16 digits
    ("NIK 3171012345678901", f"NIK {M}"),
    ("NIK: 3171 0123 4567 8901.", f"NIK: {M}."),
    ("nik 6271-0123-4567-8901", f"nik {M}"),
    ("NIK 317101 010190 0001", f"NIK {M}"),
    # vehicle plates
    ("mobil B 1234 XYZ parkir liar", f"mobil {M} parkir liar"),
    ("mobil B1234XYZ parkir liar", f"mobil {M} parkir liar"),
    ("motor D 12 AB di trotoar", f"motor {M} di trotoar"),
    ("truk AB 4321 CD.", f"truk {M}."),
    ("(B 9 Z)", f"({M})"),
    # ... typed in lower or mixed case
    ("mobil b 1234 xyz parkir liar", f"mobil {M} parkir liar"),
    ("mobil b1234xyz parkir liar", f"mobil {M} parkir liar"),
    ("nopol B 1234 xyz", f"nopol {M}"),
    ("plat b 1234 XYZ kabur", f"plat {M} kabur"),
    ("Motor D 12 Ab di trotoar", f"Motor {M} di trotoar"),
    ("truk ab 4321 cd.", f"truk {M}."),
    ("plat no b 1 rfs", f"plat no {M}"),
    ("DR 5 KM", M),  # all capitals: every suffix counts
    # several in one text
    ("Budi 0812-1111-2222 budi@x.id B 1 AB", f"Budi {M} {M} {M}"),
]

NEGATIVE = [
    "RT 05/RW 03",
    "RT 005 RW 012 Kel. Menteng",
    "Jl. Sudirman No. 12",
    "Jl. Gatot Subroto Kav. 52-53",
    "Blok B 12 RT 05 RW 03",
    "Blok B 12",
    "pukul 08.30 - 09.00 WIB",
    "jam 14:00",
    "sejak 03-06-2024 08:30",
    "tanggal 2024-06-03",
    "12/05/2024",
    "dari 01-02-2024 s/d 05-02-2024",
    "08/12/2024 pukul 10:00",
    "antrean nomor 0812",
    "sudah 3 hari, 12 rumah terendam",
    "62 orang mengungsi",
    "tinggi air 0 - 50 cm",
    "Rp 1.500.000",
    "KM 12 tol dalam kota",
    "Lantai 3, Gedung A",
    "tahun 2008 123 kali",
    "pohon tumbang di depan SDN 05 Pagi",
    "kode pos 10310",
    "sudah lapor 2 kali ke kelurahan",
    # lower case: region codes that are words, then a number and a short word
    "rt 05 rw 03",
    "rt 5 b rw 3",
    "jam 10",
    "jam 10 pagi",
    "no 12 a",
    "no. 45b",
    "km 5",
    "km 5 arah bekasi",
    "tgl 17 agt 2024",
    "sejak 03-06-2024 jam 08.30 wib",
    "blok b 12",
    "blok b 12 di ujung gang",
    "Blok B 12 di ujung gang",
    "blok b 12 a",
    "Blok B 12 A",
    "Tower A 15 C lantai 3",
    "gedung a 3 lt 2",
    "dr 5 km ke kiri",
    "dr 8 s/d 10 pagi",
    "macet dr 2 jam",
    "ada dg 2 org",
    "pa 2 x seminggu",
    "bb 50 kg",
    "kt 3 kk",
    "hut ri 79 th",
    "a 10 min walk from the station",
    "Dr 3 bln yg lalu",
    "",
]


@pytest.mark.parametrize(("text", "expected"), POSITIVE)
def test_masks_personal_data(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", NEGATIVE)
def test_keeps_ordinary_text(text):
    assert redact(text) == text


@pytest.mark.parametrize(("text", "_"), POSITIVE)
def test_is_idempotent(text, _):
    once = redact(text)
    assert redact(once) == once


def test_none_is_empty():
    assert redact(None) == ""
