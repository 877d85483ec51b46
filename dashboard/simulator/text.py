"""Words for simulated reports: short Indonesian descriptions per category, places and
addresses inside the report's own kelurahan (RT/RW, landmarks), and reporter identities
that are obviously fake (phones 0812-0000-xxxx, e-mail at contoh.id). Everything is
chosen from an integer, so it is reproducible and cheap."""

from __future__ import annotations

from dashboard.reference import Reference

TEMPLATES: dict[str, tuple[str, ...]] = {
    "kemacetan": ("Macet total di {jalan}, kendaraan tidak bergerak sejak {n} menit.",
                  "Lampu lalu lintas di {jalan} mati, terjadi kemacetan panjang.",
                  "Antrean kendaraan mengular di {jalan} arah {kel}."),
    "sampah": ("Sampah menumpuk di pinggir {jalan}, sudah {n} hari belum diangkut.",
               "Tumpukan sampah di RT {rt}/RW {rw} bau menyengat, mohon diangkut.",
               "Warga buang sampah sembarangan di saluran dekat {jalan}.",
               "Bak sampah di {jalan} penuh dan meluber ke jalan."),
    "banjir": ("Genangan air setinggi {n} cm di {jalan}, motor mogok.",
               "Banjir masuk rumah warga RT {rt}/RW {rw}, mohon bantuan pompa.",
               "Saluran tersumbat, air meluap ke {jalan}."),
    "pelanggaran_aturan": ("Pengendara motor melawan arus di {jalan} setiap pagi.",
                           "Kendaraan menerobos jalur busway di {jalan}.",
                           "Truk besar melintas di {jalan} di luar jam yang diizinkan."),
    "kebakaran": ("Asap tebal dari bangunan di {jalan}, diduga kebakaran.",
                  "Kabel listrik terbakar di tiang dekat RT {rt}/RW {rw}."),
    "jalan_rusak": ("Jalan berlubang cukup dalam di {jalan}, membahayakan pengendara.",
                    "Aspal {jalan} amblas sepanjang {n} meter.",
                    "Penutup gorong-gorong di {jalan} hilang."),
    "pengemis": ("Ada pengemis membawa anak kecil di perempatan {jalan}.",
                 "Manusia gerobak menetap di trotoar {jalan}."),
    "pkl": ("PKL berjualan di trotoar {jalan}, pejalan kaki turun ke jalan.",
            "Lapak pedagang liar menutup saluran air di {jalan}."),
    "kriminal": ("Sering terjadi penjambretan di {jalan} malam hari.",
                 "Ada aksi pencurian motor di area RT {rt}/RW {rw}."),
    "lampu_jalan": ("Lampu PJU di {jalan} mati sudah {n} hari, jalan gelap.",
                    "Lampu jalan di depan gang RT {rt}/RW {rw} berkedip-kedip."),
    "pohon_tumbang": ("Pohon tumbang menutup separuh badan {jalan}.",
                      "Dahan pohon besar di {jalan} hampir patah, mohon dipangkas."),
    "fasilitas_umum": ("Halte di {jalan} rusak, atapnya bocor.",
                       "Trotoar {jalan} rusak dan berlubang.",
                       "Toilet umum di taman {kel} tidak berfungsi.",
                       "Pagar jembatan penyeberangan di {jalan} lepas."),
    "parkir_liar": ("Mobil parkir di bahu {jalan}, bikin macet.",
                    "Parkir liar di depan pertokoan {jalan} memakan dua lajur.",
                    "Juru parkir liar memungut tarif di {jalan}."),
    "izin_bangunan": ("Bangunan di {jalan} menambah lantai tanpa papan IMB.",
                      "Bangunan liar berdiri di atas saluran RT {rt}/RW {rw}."),
    "joki_3in1": ("Joki berdiri di pinggir {jalan} pada jam sibuk.",),
    "dilarang_merokok": ("Pengunjung merokok di ruang tunggu kantor di {jalan}.",),
    "iklan_liar": ("Spanduk tanpa izin dipasang di tiang listrik {jalan}.",
                   "Baliho liar menutupi rambu di {jalan}."),
    "makanan": ("Warung di {jalan} menjual makanan dengan pewarna mencurigakan.",),
    "transjakarta": ("Bus Transjakarta koridor {n} terlambat lebih dari 30 menit.",
                     "Pintu halte Transjakarta {jalan} rusak tidak bisa ditutup."),
    "teroris": ("Ada tas mencurigakan ditinggal di dekat {jalan}.",),
}
#: Where in the kelurahan a report is: its own RT/RW and landmarks, never a named street
#: (the reference data has no street list per kelurahan, and a famous street name put in
#: the wrong kelurahan is the first thing a Jakartan notices).
PLACES = (
    "jalan lingkungan RT {rt}/RW {rw} {kel}", "gang di RT {rt}/RW {rw} {kel}",
    "jalan utama Kelurahan {kel}", "jalan depan kantor Kelurahan {kel}",
    "jalan dekat pasar {kel}", "jalan dekat sekolah di RW {rw} {kel}",
    "jalan dekat masjid RW {rw} {kel}", "pertigaan RW {rw} {kel}",
)
FIRST = ("Budi", "Siti", "Agus", "Dewi", "Rudi", "Rina", "Andi", "Sri", "Joko", "Wati",
         "Hendra", "Yuni", "Dedi", "Ani", "Bambang", "Lestari", "Eko", "Putri", "Fajar", "Intan")
LAST = ("Santoso", "Rahayu", "Wijaya", "Lestari", "Saputra", "Hidayat", "Kusuma", "Pratama",
        "Susanto", "Nugroho", "Sitompul", "Siregar", "Halim", "Permana", "Setiawan")


def rt_rw(k: int) -> tuple[str, str]:
    """The RT and RW numbers (three digits, as written on Jakarta addresses) for ``k``."""
    return f"{1 + (k >> 5) % 15:03d}", f"{1 + (k >> 9) % 12:03d}"


def place(k: int, kelurahan_name: str) -> str:
    """A spot inside the kelurahan, chosen by ``k``."""
    rt, rw = rt_rw(k)
    return PLACES[(k >> 3) % len(PLACES)].format(rt=rt, rw=rw, kel=kelurahan_name)


def description(category: str, k: int, kelurahan_name: str) -> str:
    """A short Indonesian complaint for ``category`` in that kelurahan; ``k`` picks the
    template and the details."""
    options = TEMPLATES.get(category, ("Laporan warga di {jalan}.",))
    rt, rw = rt_rw(k)
    return options[k % len(options)].format(
        jalan=place(k, kelurahan_name), n=2 + (k >> 8) % 40, rt=rt, rw=rw, kel=kelurahan_name)


def address(k: int, kelurahan_code: str, ref: Reference) -> str:
    """``RT 003/RW 005, Kel. <name>, Kec. <name>``: the same RT/RW as the description."""
    kel = ref.kelurahan[kelurahan_code]
    rt, rw = rt_rw(k)
    return f"RT {rt}/RW {rw}, Kel. {kel.name}, Kec. {ref.kecamatan[kel.kecamatan_code].name}"


def reporter(k: int) -> dict[str, str]:
    """Fake identity fields (Open311 names) for reporter number ``k``."""
    first, last = FIRST[k % len(FIRST)], LAST[(k // len(FIRST)) % len(LAST)]
    return {
        "first_name": first,
        "last_name": last,
        "email": f"{first}.{last}{k % 1000}@contoh.id".lower(),
        "phone": f"0812-0000-{k % 10000:04d}",
        "device_id": f"sim-{k % 0xFFFFFF:06x}",
        "account_id": f"akun-{k % 99991}",
    }
