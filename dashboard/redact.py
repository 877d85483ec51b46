"""Redaction of personal data in free report text, before anything public shows it.

:func:`redact` replaces, with :data:`MASK`:

- e-mail addresses;
- 16-digit NIK numbers (contiguous, 4-4-4-4 or 6-6-4 split by one space/dot/dash);
- Indonesian phone numbers: mobiles ``08…`` / ``+62 8…`` / ``62 8…`` with 9–13 digits
  after the prefix in any grouping of spaces, dots, dashes or ``(0812)``, also straight
  after letters (``HP0812…``), and landlines with
  an area code (``021-5550123``, ``(021) 555 0123``, ``+62 21 5550123``);
- vehicle plates: a region code (``B``, ``D``, ``AB``, … see :data:`PLATE_REGIONS`),
  1–4 digits and a 1–3 letter suffix, spaced or not, in any case (``B 1234 XYZ``,
  ``B1234XYZ``, ``D 12 AB``, ``b 1234 xyz``, ``b1234xyz``). Not in capitals, the suffix
  must not be a short word that follows a number in ordinary text (:data:`NOT_PLATE_SUFFIXES`:
  ``dr 5 km``, ``Blok B 12 di``, ``dg 2 org``); in capitals every suffix counts. Never after
  a place word (:data:`PLACE_WORDS`: ``Blok B 12 A``, ``Tower A 15 C``).

What survives (tests/unit/test_redact.py holds the table): RT/RW numbers, house numbers,
times (``08.30``, ``14:00``), dates (``03-06-2024``), counts, money, kilometre posts,
block names (``Blok B 12``, ``blok b 12 a``), units and times in lower case (``dr 5 km``,
``jam 10 pagi``). The patterns are deliberately conservative about dates: a run of digits
only counts as a phone number when it starts like one (``08``, ``62``, ``+62`` or a ``0`` +
area code) and is long enough.

The function is idempotent (``[…]`` contains nothing that matches) and pure.
"""

from __future__ import annotations

import re

MASK = "[…]"

EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")

NIK = re.compile(r"(?<!\d)(?:\d{16}|\d{4}([ .\-])\d{4}\1\d{4}\1\d{4}"
                 r"|\d{6}([ .\-])\d{6}\2\d{4})(?!\d)")

_SEP = r"[ .\-]?"
#: Between digit groups of a mobile number: one space, dot or dash (spaces around it
#: allowed) or a closing parenthesis: ``0812-3456``, ``0812 - 3456``, ``(0812) 3456``.
_MOBILE_SEP = r"(?:\)? ?|\s?[.\-]\s?)?"
#: Mobiles may follow letters (``HP081234567890``); never digits or a ``+``.
MOBILE = re.compile(rf"(?<![\d+])\(?(?:\+62|62|0){_MOBILE_SEP}8(?:{_MOBILE_SEP}\d){{8,12}}(?!\d)")
LANDLINE = re.compile(
    rf"(?<![\w+(])\(?(?:\+62|62|0){_SEP}\(?[2-79]\d{{1,2}}\)?(?:{_SEP}\d){{6,8}}(?!\d)"
)

#: Indonesian registration region codes (Wikipedia "Vehicle registration plates of
#: Indonesia"), plus CD/CC (diplomatic) and RI (government).
PLATE_REGIONS = (
    "AA AB AD AE AG BA BB BD BE BG BH BK BL BM BN BP CC CD DA DB DC DD DE DG DH DK DL DM "
    "DN DR DT DW EA EB ED KB KH KT KU PA PB PG RI A B D E F G H K L M N P R S T W Z"
).split()
PLATE = re.compile(
    rf"(?<![\w/])(?:{'|'.join(PLATE_REGIONS)}) ?\d{{1,4}} ?(?P<suffix>[A-Z]{{1,3}})(?!\w)(?! ?\d)",
    re.IGNORECASE,
)
#: Words of 1–3 letters that follow a number in ordinary (not all-capitals) text: units,
#: time words, months, days, chat abbreviations (``s``/``sd``/``smp``: s/d, sampai),
#: particles. After one of the region codes that are also words (``dr`` dari, ``dg``
#: dengan, ``pa``, ``kt`` kita, ``a``…) they are not a plate.
NOT_PLATE_SUFFIXES = frozenset("""
    m km cm mm kg gr g l ml ha lt mtr x rb jt rp an bh btg pcs org kk
    j jm jam mnt min dtk hr hri mg mgg bln thn th yr hrs sec am pm wib pg pgi sr mlm
    jan feb mar apr mei may jun jul agu agt ags aug sep okt oct nov des dec
    sen sel rab kam jum sab
    di ke dr dri dan dgn dg yg utk tp pd sm s sd smp ya ok aja lah kok sih deh dah nya
    ini itu ada kan pun jg lg sdh blm gak ga gk tak tdk krn spt bs
    rt rw no gg jl kel kec kav pos sma smk
    the and to of in on at for is was ago
""".split())
#: A plate never follows these: ``Blok B 12 A`` is an address.
PLACE_WORDS = re.compile(
    r"\b(?:blok|blk|gang|gg|tower|menara|gedung|lantai|lt|kav|kavling|unit|kamar|ruang|"
    r"cluster|klaster|sektor|zona|pintu|kelas)\.? ?$", re.IGNORECASE)


def _plate(match: re.Match) -> str:
    text, suffix = match[0], match["suffix"]
    if not text.isupper() and suffix.lower() in NOT_PLATE_SUFFIXES:
        return text
    if PLACE_WORDS.search(match.string, max(0, match.start() - 12), match.start()):
        return text
    return MASK


#: Order matters: NIK before phones (a NIK may start with 62), e-mail first of all.
PATTERNS = ((EMAIL, MASK), (NIK, MASK), (MOBILE, MASK), (LANDLINE, MASK), (PLATE, _plate))


def redact(text: str | None) -> str:
    """``text`` with e-mails, NIKs, phone numbers and plates replaced by ``[…]``;
    ``None`` gives ``""``."""
    if not text:
        return ""
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text
