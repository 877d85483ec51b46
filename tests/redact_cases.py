"""Redaction cases shared by the unit table (tests/unit/test_redact_variants.py) and the
end-to-end check on the public API and the wall ticker (tests/integration/test_redact_public.py):
the variants seen getting past the first rules and more of their families, and ordinary
numbers that must survive."""

from __future__ import annotations

from dashboard.public.redact import MASK

M = MASK

#: (text, expected): the variants first, then their families.
VARIANTS = [
    ("hp 0812/9999/1001 ya", f"hp {M} ya"),
    ("wa 0812_9999_1027", f"wa {M}"),
    ("O812 9999 1034", M),
    ("telp ０８１２－９９９９－１００３ ya", f"telp {M} ya"),
    ("+62 (812) 9999-1002", M),
    ("NIK 31710112 34567890", f"NIK {M}"),
    ("mobil B-1013-ZQV kabur", f"mobil {M} kabur"),
    ("mobil B.1014.ZQV kabur", f"mobil {M} kabur"),
    ("email name [at] example [dot] org", f"email {M}"),
    # separators of every kind inside digit runs
    ("0812 / 9999 / 1015", M),
    ("0812 . 9999 . 1016", M),
    ("(0812) 9999/1017", M),
    ("62-812-9999-1018", M),
    ("+62(0)812-9999-1019", M),
    ("+62 812 9999 1020.", f"{M}."),
    ("kantor (021) 555/0123", f"kantor {M}"),
    ("kantor 021_5550_1234", f"kantor {M}"),
    ("HP0812/9999/1021 ya", f"HP{M} ya"),
    ("hp 0812 12 30 45 67", f"hp {M}"),
    # look-alikes in digit runs
    ("08l2 9999 1022", M),
    ("0812 OOO9 1023", M),
    ("o812-9999-1024", M),
    ("0812-9999-1O25", M),
    ("0812 I999 1026", M),
    # Unicode: full-width, other scripts' digits, invisible characters
    ("０８１２９９９９１０２８", M),
    ("wa ٠٨١٢٩٩٩٩١٠٢٩ ok", f"wa {M} ok"),
    ("0812\u200b9999\u200b1030", M),
    ("ＮＩＫ ３１７１０１１２３４５６７８９０", f"ＮＩＫ {M}"),
    ("plat Ｂ １２３４ ＸＹＺ", f"plat {M}"),
    ("ｂｕｄｉ＠ｅｘａｍｐｌｅ．ｃｏｍ", M),
    # NIK split in other ways
    ("NIK 31710112-34567890", f"NIK {M}"),
    ("NIK 3171/0112/3456/7890", f"NIK {M}"),
    ("NIK 3171_0112_3456_7890", f"NIK {M}"),
    ("NIK 3171 O112 3456 7890", f"NIK {M}"),
    # plates with other separators
    ("b_1015_zqv", M),
    ("B - 1016 - ZQV", M),
    ("truk AB.4321.CD.", f"truk {M}."),
    # e-mails written out
    ("name(at)example(dot)org", M),
    ("name [at] example [dot] co [dot] id", M),
    ("name at example dot org", M),
    ("budi AT gmail DOT com", M),
    ("kirim ke budi at gmail.com ya", f"kirim ke {M} ya"),
    ("budi @ gmail.com", M),
    ("budi[@]gmail.com", M),
    ("budi {at} mail (titik) id", M),
    # several variants in one text; the text around them stays as written
    ("Hub O812/9999/1031 atau name [at] example [dot] org, mobil B.1014.ZQV",
     f"Hub {M} atau {M}, mobil {M}"),
]

NEGATIVES = [
    "RT 05 RW 03",
    "RT.05/RW.03",
    "jam 10.30",
    "Jl. Sudirman No. 12",
    "sudah 3 hari",
    "No. 12 A",
    "Kav. 52-53",
    "Blok B-12-A",
    "tanggal 08-12-2024 10.00",
    "08 12 2024 10.00 pagi",
    "2024-06-03 08:30",
    "pukul 08.30 09.00 10.00 11.00",
    "jam 08.00 s/d 10.00",
    "jam 10.30 - 11.00 dan 13.00",
    "lapor pukul 21.00, 22.00, 23.00",
    "Rp 1.500.000 2.000.000 3.000.000",
    "12.000 orang 2.000 rumah 30 RT",
    "tahun 2019 2020 2021 2022",
    "nomor 1 2 3 4 5 6 7 8 9 10 11 12",
    "banjir 20-30 cm",
    "tinggi 10 l air",
    "KM 12.5 arah Cawang",
    "Gg. Mawar 5 RT 001/RW 002",
    "lantai 3 kamar 0812",
    "kode 0812345",
    "no 08 12 20 24",
    "flooding at Jl.Sudirman",
    "ketemu at kantor",
    "Lokasi: Kolong tol, 0,5 km dari pintu O2",
    "banjir ＲＴ ０５ ＲＷ ０３",  # full-width, nothing personal: returned exactly as written
]
