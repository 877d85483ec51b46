"""Simulated stills say SIMULASI in large letters and print the level as the tile does."""

from __future__ import annotations

import io
from datetime import datetime

from PIL import Image

from dashboard.i18n import gettext
from dashboard.simulator.stills import SIZE, level_text, render_still
from layouts.numbers import number


def _white_rows(data: bytes) -> list[int]:
    img = Image.open(io.BytesIO(data)).convert("RGB")
    w, h = img.size
    return [y for y in range(h) if sum(1 for x in range(0, w, 2) if min(img.getpixel((x, y))) > 200) > 20]


def test_still_is_marked_simulasi_in_large_letters():
    rows = _white_rows(render_still("Pintu Air Manggarai", 812.0, 3, datetime(2026, 11, 27, 10, 0)))
    middle = [y for y in rows if SIZE[1] * 0.25 < y < SIZE[1] * 0.75]
    # the letters are white and span at least a sixth of the frame's height
    assert middle and max(middle) - min(middle) >= SIZE[1] / 6, middle


def test_level_text_is_the_tiles_number():
    _ = gettext("id")
    for level in (0.0, 7.0, 99.6, 812.0, 812.5, 812.9, 950.0, 1012.0, 1999.99):
        assert f"{level_text(level)} cm" == f"{number(level, _)} cm", level
