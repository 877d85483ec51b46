"""Redaction of personal data in free report text, before anything public shows it.

:func:`redact` replaces, with :data:`MASK`:

- e-mail addresses, also written out: ``name [at] example [dot] org``, ``name(at)example(dot)org``,
  ``name @ example.org``, ``name at example dot org`` (the bare word ``at`` only before a
  domain whose dots are spelled out or that ends in a common top-level domain, :data:`WORD_TLDS`);
- 16-digit NIK numbers: in one piece, or split by any separators into at most four
  groups of four or more digits that start with a province code (:data:`PROVINCES`):
  ``3171 0123 4567 8901``, ``317101 010190 0001``, ``31710112 34567890``;
- Indonesian phone numbers: mobiles ``08…`` / ``+62 8…`` / ``62 8…`` with 9–13 digits
  after the prefix, and landlines with an area code (``021-5550123``, ``(021) 555 0123``,
  ``+62 21 5550123``), in any grouping: digit groups joined by up to three of space, ``-``,
  ``.``, ``/``, ``_`` and parentheses (``0812 - 3456 - 7890``, ``0812/9999/1001``,
  ``+62 (812) 9999-1002``), also straight after letters (``HP0812…``);
- vehicle plates: a region code (``B``, ``D``, ``AB``, … see :data:`PLATE_REGIONS`),
  1–4 digits and a 1–3 letter suffix, joined by nothing, a space, a dash, a dot or an
  underscore, in any case (``B 1234 XYZ``, ``B1234XYZ``, ``B-1013-ZQV``, ``B.1014.ZQV``,
  ``D 12 AB``, ``b 1234 xyz``). Not in capitals, the suffix must not be a short word that
  follows a number in ordinary text (:data:`NOT_PLATE_SUFFIXES`: ``dr 5 km``, ``Blok B 12 di``,
  ``dg 2 org``); in capitals every suffix counts. Never after a place word
  (:data:`PLACE_WORDS`: ``Blok B 12 A``, ``Tower A 15 C``).

**Normalised first** (:func:`normalise`): the patterns run on a copy of the text folded
with Unicode NFKC (full-width ``０８１２`` and other compatibility forms become ASCII),
with decimal digits of other scripts turned into ``0-9`` and invisible format characters
(zero-width space…) dropped. In digit runs, the look-alikes ``O``/``o`` read as ``0`` and
``I``/``l`` as ``1`` (``O812 9999 1034``, ``08l2…``) when they touch a digit and are not
part of a word. What is masked is the *original* span of each match (positions of the
copy map back to the text), so the rest of the text stays exactly as written.

What survives (tests/unit/test_redact.py holds the table): RT/RW numbers, house numbers,
times (``08.30``, ``14:00``), dates (``03-06-2024``), counts, money, kilometre posts,
block names (``Blok B 12``, ``blok b 12 a``), units and times in lower case (``dr 5 km``,
``jam 10 pagi``). The patterns are deliberately conservative about dates: a run of digits
only counts as a phone number when it starts like one (``08``, ``62``, ``+62`` or a ``0`` +
area code) and is long enough, and a stretch of digit groups that takes in a date or a
time of day (``08-12-2024 10.00``, ``08.30 09.00 10.00``) is not a phone number.

Out of scope: numbers spelled out in words (``nol delapan satu dua …``), digits mixed
with letters other than the look-alikes above, and personal data that has no fixed
shape (names, addresses).

The function is idempotent (``[…]`` contains nothing that matches) and pure.
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections.abc import Iterator

MASK = "[…]"

#: E-mails start where a run of address characters starts (not inside one: linear time).
_LOCAL = r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+"
EMAIL = re.compile(rf"{_LOCAL} ?@ ?[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{{2,}}")
_AT_SPELLED = r"\s*[\[({<]\s*(?:at|@)\s*[\])}>]\s*"
_DOT_SPELLED = r"(?:\s*[\[({<]\s*(?:dot|titik)\s*[\])}>]\s*|\s+(?:dot|titik)\s+)"
#: Top-level domains that make ``name at example.com`` an address (bare ``at`` is a word too).
WORD_TLDS = "com|org|net|id|info|biz|io|me|edu|gov|co"
EMAIL_SPELLED = re.compile(
    rf"{_LOCAL}(?:{_AT_SPELLED}[A-Za-z0-9\-]+(?:(?:\.|{_DOT_SPELLED})[A-Za-z0-9\-]+)*"
    rf"(?:\.|{_DOT_SPELLED})[A-Za-z]{{2,}}"
    rf"|\s+at\s+[A-Za-z0-9\-]+(?:(?:\.|{_DOT_SPELLED})[A-Za-z0-9\-]+)*"
    rf"(?:{_DOT_SPELLED}[A-Za-z]{{2,}}|\.(?:{WORD_TLDS})))(?![A-Za-z0-9])",
    re.IGNORECASE)

#: Cheap test for text :data:`EMAIL_SPELLED` may match in (it is slow to try everywhere).
SPELLED_HINT = re.compile(r"\bat\b|[\[({<] *@", re.IGNORECASE)

#: A digit group: digits, with the look-alikes O/o (0) and I/l (1) where they touch a
#: digit and are not part of a word (a leading one must not follow a letter, any one must
#: not be followed by a letter other than a look-alike).
_GROUP = r"(?:(?<![A-Za-z])[OoIl]{1,3})?[0-9](?:[0-9]|[OoIl](?![A-HJ-NP-Za-km-np-z]))*"
DIGIT_GROUP = re.compile(_GROUP)
#: Digit groups joined by up to three separator characters (``0812/9999``, ``62 (812) 9999``).
DIGIT_RUN = re.compile(rf"{_GROUP}(?:[ \t\-./_()]{{1,3}}{_GROUP})*")
LOOK_ALIKES = str.maketrans("OoIl", "0011")
#: A whole run of digits (separators removed) that is a phone number.
PHONE_DIGITS = re.compile(r"(?:620?|0)(?:8[0-9]{8,12}|[2-79][0-9]{7,10})")
#: Dates and times of day: a run of digit groups that crosses one is not a phone number.
DATE_OR_TIME = re.compile(
    r"(?<![0-9])(?<![0-9][-./_])(?:"
    r"(?:0?[1-9]|[12][0-9]|3[01])([-./])(?:0?[1-9]|1[0-2])\1(?:19|20)?[0-9]{2}"
    r"|(?:19|20)[0-9]{2}([-./])[01]?[0-9]\2[0-3]?[0-9]"
    r"|(?:[01]?[0-9]|2[0-3])[.:][0-5][0-9])(?![0-9])")
NIK_DIGITS, RUN_MIN = 16, 9
#: Province codes, the first two digits of a NIK (Kemendagri).
PROVINCES = frozenset("11 12 13 14 15 16 17 18 19 21 31 32 33 34 35 36 51 52 53 61 62 63 64 65 "
                      "71 72 73 74 75 76 81 82 91 92 93 94 95 96 97".split())

#: Indonesian registration region codes (Wikipedia "Vehicle registration plates of
#: Indonesia"), plus CD/CC (diplomatic) and RI (government).
PLATE_REGIONS = frozenset((
    "AA AB AD AE AG BA BB BD BE BG BH BK BL BM BN BP CC CD DA DB DC DD DE DG DH DK DL DM "
    "DN DR DT DW EA EB ED KB KH KT KU PA PB PG RI A B D E F G H K L M N P R S T W Z"
).split())
_PLATE_SEP = r"(?: ?[-._] ?| )?"
PLATE = re.compile(
    rf"(?<![\w/])(?P<region>[A-Z]{{1,2}}){_PLATE_SEP}\d{{1,4}}{_PLATE_SEP}(?P<suffix>[A-Z]{{1,3}})"
    r"(?!\w)(?! ?\d)",
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



def redact(text: str | None) -> str:
    """``text`` with e-mails, NIKs, phone numbers and plates replaced by ``[…]``;
    ``None`` gives ``""``."""
    if not text:
        return ""
    folded, positions = normalise(text)
    spans = list(_spans(folded))
    if positions is not None:
        spans = [(positions[start], positions[end - 1] + 1) for start, end in spans]
    return _masked(text, spans)


def normalise(text: str) -> tuple[str, list[int] | None]:
    """(``text`` folded with NFKC, other scripts' digits as ``0-9`` and format characters
    dropped; the index in ``text`` of each folded character, None when they are the same)."""
    if text.isascii():
        return text, None
    out: list[str] = []
    positions: list[int] = []
    for i, char in enumerate(text):
        if not char.isascii():
            char = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c
                           for c in unicodedata.normalize("NFKC", char) if unicodedata.category(c) != "Cf")
        out.append(char)
        positions.extend([i] * len(char))
    return "".join(out), positions


def _spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each piece of personal data in the normalised ``text``; may overlap."""
    for pattern in (EMAIL, EMAIL_SPELLED) if SPELLED_HINT.search(text) else (EMAIL,):
        for match in pattern.finditer(text):
            yield match.span()
    for match in PLATE.finditer(text):
        if _is_plate(match):
            yield match.span()
    for run in DIGIT_RUN.finditer(text):
        if run.end() - run.start() < RUN_MIN:  # too short to hold RUN_MIN digits
            continue
        groups = [(g.start(), g.end(), g[0].translate(LOOK_ALIKES)) for g in DIGIT_GROUP.finditer(text, *run.span())]
        if sum(len(g[2]) for g in groups) < RUN_MIN:
            continue
        yield from _run_spans(text, groups, [m.span() for m in DATE_OR_TIME.finditer(text, *run.span())])


def _run_spans(text: str, groups: list[tuple[int, int, str]],
               protected: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Phone numbers and NIKs in one run of digit groups: from each group on, the longest
    stretch of whole groups whose digits are one and does not cross a date or a time."""
    i = 0
    while i < len(groups):
        found, digits = None, ""
        for j in range(i, len(groups)):
            digits += groups[j][2]
            if len(digits) > NIK_DIGITS:
                break
            start, end = groups[i][0], groups[j][1]
            if _personal(digits, groups[i:j + 1]) and not _crosses(protected, start, end):
                found = (j, start, end)
        if found is None:
            i += 1
            continue
        i, start, end = found[0] + 1, found[1], found[2]
        if text[start - 1:start] == "(" and ")" in text[start:end]:
            start -= 1
        yield (start - 1 if text[start - 1:start] == "+" else start), end


def _personal(digits: str, groups: list[tuple[int, int, str]]) -> bool:
    """Whether the digits of these groups are a phone number or a NIK (in one piece, or in
    four groups at most, each of four digits or more, starting with a province code: money,
    years and lists of small numbers are not)."""
    if len(digits) == NIK_DIGITS:
        return len(groups) == 1 or (len(groups) <= 4 and all(len(g[2]) >= 4 for g in groups)
                                    and digits[:2] in PROVINCES)
    return PHONE_DIGITS.fullmatch(digits) is not None


def _crosses(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps one of ``spans`` (sorted, not overlapping)."""
    k = bisect.bisect_right(spans, (start, math.inf))  # spans[:k] start at or before ``start``
    return (k > 0 and spans[k - 1][1] > start) or (k < len(spans) and spans[k][0] < end)


def _is_plate(match: re.Match) -> bool:
    text, suffix = match[0], match["suffix"]
    if match["region"].upper() not in PLATE_REGIONS:
        return False
    if not text.isupper() and suffix.lower() in NOT_PLATE_SUFFIXES:
        return False
    return not PLACE_WORDS.search(match.string, max(0, match.start() - 12), match.start())


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each span (overlapping ones as one) replaced by :data:`MASK`."""
    if not spans:
        return text
    out, last = [], 0
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in merged:
        out += [text[last:start], MASK]
        last = end
    out.append(text[last:])
    return "".join(out)
