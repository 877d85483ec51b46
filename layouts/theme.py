"""Colours and type sizes of the wall, shared by CSS-free Plotly figures.

Plotly ignores CSS, so figure fonts are computed from the viewport height in pixels that
the browser reports (``vh_px``). No text is under 1.8 % of the viewport height (the wall
is read from eight metres), as in ``00_tokens.css``; we keep a small margin above it.
"""

from __future__ import annotations

from dashboard.models import Status

#: Okabe-Ito: distinguishable with the common colour-vision deficiencies.
OKABE_ITO = {
    "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "grey": "#999999",
}

STATUS_COLOUR = {
    Status.MENUNGGU: OKABE_ITO["vermillion"],
    Status.KOORDINASI: OKABE_ITO["orange"],
    Status.DISPOSISI: OKABE_ITO["purple"],
    Status.PROSES: OKABE_ITO["sky"],
    Status.SELESAI: OKABE_ITO["green"],
}
#: One letter per status: markers and bars say the status by letter as well as colour.
STATUS_LETTER = {s: s.value[0].upper() for s in Status}

LEVEL_COLOUR = {"ok": OKABE_ITO["green"], "warning": OKABE_ITO["yellow"], "danger": OKABE_ITO["vermillion"]}
#: BPBD siaga levels: 4 Normal .. 1 Awas.
SIAGA_COLOUR = {4: OKABE_ITO["green"], 3: OKABE_ITO["yellow"], 2: OKABE_ITO["orange"], 1: OKABE_ITO["vermillion"]}

TEXT = "#F2F5F8"
MUTED = "#B8C2CF"  # 9.5:1 on BACKGROUND
GRID = "#2A3446"
BACKGROUND = "#0B0F17"

DEFAULT_VH_PX = 1080
LABEL_VH = 0.0186  # axis and legend labels
NUMBER_VH = 0.022  # values printed on bars


def font_px(vh_px: float | None, share: float) -> int:
    """Font size in px for a share of the viewport height (rounded up)."""
    height = vh_px if vh_px and vh_px > 0 else DEFAULT_VH_PX
    return int(height * share + 0.999)
