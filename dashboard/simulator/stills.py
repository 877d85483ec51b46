"""Simulated camera stills: a stylised gate on a river, the water drawn at the level,
with the gate name, WIB time, level and siaga word burned in like a CCTV overlay, and a
large "SIMULASI" across the frame so nobody mistakes it for a real camera.

The level is printed as the wall tile prints it (``layouts.numbers.number``: whole
centimetres, digits grouped with "."), so a still and its tile never disagree about the
same reading; the simulator's levels are whole centimetres anyway
(:mod:`dashboard.simulator.water`)."""

from __future__ import annotations

import io
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from dashboard.public.query import siaga_text

SIZE = (640, 360)
MARK = "SIMULASI"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
SIAGA_COLOURS = {4: (46, 160, 67), 3: (230, 190, 0), 2: (240, 120, 0), 1: (210, 30, 30)}
#: Where the water line sits (share of the channel filled) at each siaga level.
FILL = {4: 0.35, 3: 0.58, 2: 0.72, 1: 0.86}


@lru_cache(maxsize=8)
def _font(size: int, bold: bool = False) -> ImageFont.ImageFont:
    """DejaVu when installed, else Pillow's built-in font scaled to ``size``."""
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    try:
        return ImageFont.truetype(str(path), size)
    except OSError:
        return ImageFont.load_default(size=size)


def water_fill(level_cm: float, siaga: int) -> float:
    """Share (0..1) of the channel under water: set by the siaga band, nudged by the level
    so two readings in one band still look different."""
    nudge = ((level_cm % 100) / 100 - 0.5) * 0.08
    return min(0.97, max(0.05, FILL.get(siaga, 0.35) + nudge))


def render_still(gate_name: str, level_cm: float, siaga: int, now_wib: datetime) -> bytes:
    """A 640x360 PNG frame of the gate at this level."""
    img = Image.new("RGB", SIZE, (150, 190, 225))
    draw = ImageDraw.Draw(img)
    _scene(draw, water_fill(level_cm, siaga))
    _overlay(draw, gate_name, level_cm, siaga, now_wib)
    img = _simulation_mark(img)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _scene(draw: ImageDraw.ImageDraw, fill: float) -> None:
    w, h = SIZE
    top, bottom = 150, h  # channel between the banks
    for y in range(0, top):  # sky
        shade = int(200 - y * 0.4)
        draw.line([(0, y), (w, y)], fill=(shade - 40, shade, 235))
    draw.rectangle([0, top, 100, h], fill=(95, 110, 80))  # banks
    draw.rectangle([w - 100, top, w, h], fill=(95, 110, 80))
    draw.rectangle([100, top, w - 100, bottom], fill=(110, 100, 90))  # channel wall
    for x in range(120, w - 100, 40):  # gauge marks
        draw.line([(x, top), (x, bottom)], fill=(95, 86, 78))
    water_y = int(bottom - fill * (bottom - top))
    draw.rectangle([100, water_y, w - 100, bottom], fill=(60, 95, 120))
    for x in range(100, w - 100, 24):  # ripples
        draw.arc([x, water_y - 4, x + 24, water_y + 6], 200, 340, fill=(170, 200, 215), width=2)
    draw.rectangle([190, 70, 210, bottom], fill=(70, 70, 75))  # gate pillars and beam
    draw.rectangle([w - 210, 70, w - 190, bottom], fill=(70, 70, 75))
    draw.rectangle([190, 60, w - 190, 82], fill=(90, 90, 96))
    draw.rectangle([212, 82, w - 212, max(water_y - 30, 90)], fill=(128, 132, 140), outline=(60, 60, 66), width=3)


def _overlay(draw: ImageDraw.ImageDraw, name: str, level: float, siaga: int, now_wib: datetime) -> None:
    w, h = SIZE
    draw.rectangle([0, 0, w, 44], fill=(0, 0, 0))
    draw.text((12, 8), name[:40], font=_font(24, bold=True), fill=(255, 255, 255))
    draw.text((w - 12, 12), now_wib.strftime("%d-%m-%Y %H:%M WIB"), font=_font(18),
              fill=(255, 255, 255), anchor="ra")
    colour = SIAGA_COLOURS.get(siaga, (120, 120, 120))
    draw.rectangle([12, h - 60, 360, h - 14], fill=(0, 0, 0))
    draw.rectangle([12, h - 60, 24, h - 14], fill=colour)
    label = f"TMA {level_text(level)} cm  {siaga_text(siaga, 'id')}"  # the wall's words
    draw.text((34, h - 52), label, font=_font(22, bold=True), fill=colour)


def level_text(level_cm: float) -> str:
    """The level as the wall tile prints it: whole centimetres (truncated, like
    ``int()``), thousands grouped with "." (Indonesian, the stills' language)."""
    return f"{int(level_cm):,}".replace(",", ".")


def _simulation_mark(img: Image.Image) -> Image.Image:
    """"SIMULASI" in large translucent letters across the middle of the frame."""
    layer = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    w, h = SIZE
    draw.rectangle([0, h // 2 - 50, w, h // 2 + 42], fill=(0, 0, 0, 110))
    draw.text((w // 2, h // 2 - 4), MARK, font=_font(84, bold=True), fill=(255, 255, 255, 200),
              anchor="mm", stroke_width=3, stroke_fill=(200, 30, 30, 230))
    return Image.alpha_composite(img.convert("RGBA"), layer).convert("RGB")
