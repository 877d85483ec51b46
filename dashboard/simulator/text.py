"""Words for simulated reports: short Indonesian descriptions per category, street
names, and reporter identities that are obviously fake (phones 0812-0000-xxxx, e-mail
at contoh.id). Everything is chosen from an integer, so it is reproducible and cheap."""

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
                    "Lampu jalan di depan gang RT {rt} berkedip-kedip."),
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
STREETS = (
    "Jl. Kebon Sirih", "Jl. Merdeka Selatan", "Jl. Sudirman", "Jl. Gatot Subroto", "Jl. Rasuna Said",
    "Jl. Casablanca", "Jl. Mampang Prapatan", "Jl. Fatmawati", "Jl. Pramuka", "Jl. Salemba Raya",
    "Jl. Gunung Sahari", "Jl. Pangeran Jayakarta", "Jl. Hayam Wuruk", "Jl. Daan Mogot",
    "Jl. Kyai Tapa", "Jl. Panjang", "Jl. Ciledug Raya", "Jl. Raya Bogor", "Jl. Kalimalang",
    "Jl. Pemuda", "Jl. Pulo Gadung", "Jl. Yos Sudarso", "Jl. Enggano", "Jl. Pluit Raya",
    "Jl. Kemang Raya", "Jl. Warung Buncit", "Jl. Otista", "Jl. Dewi Sartika", "Jl. Matraman Raya",
    "Jl. Tanjung Duren", "Jl. Kebon Jeruk Raya", "Jl. Cempaka Putih Raya",
)
FIRST = ("Budi", "Siti", "Agus", "Dewi", "Rudi", "Rina", "Andi", "Sri", "Joko", "Wati",
         "Hendra", "Yuni", "Dedi", "Ani", "Bambang", "Lestari", "Eko", "Putri", "Fajar", "Intan")
LAST = ("Santoso", "Rahayu", "Wijaya", "Lestari", "Saputra", "Hidayat", "Kusuma", "Pratama",
        "Susanto", "Nugroho", "Sitompul", "Siregar", "Halim", "Permana", "Setiawan")


def description(category: str, k: int, kelurahan_name: str) -> str:
    """A short Indonesian complaint for ``category``; ``k`` picks template and details."""
    options = TEMPLATES.get(category, ("Laporan warga di {jalan}.",))
    return options[k % len(options)].format(
        jalan=STREETS[(k >> 3) % len(STREETS)], n=2 + (k >> 8) % 40,
        rt=f"{1 + (k >> 5) % 15:03d}", rw=f"{1 + (k >> 9) % 12:03d}", kel=kelurahan_name,
    )


def address(k: int, kelurahan_code: str, ref: Reference) -> str:
    kel = ref.kelurahan[kelurahan_code]
    return (f"{STREETS[(k >> 3) % len(STREETS)]} No. {1 + (k >> 12) % 200}, "
            f"{kel.name}, {ref.kecamatan[kel.kecamatan_code].name}")


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
