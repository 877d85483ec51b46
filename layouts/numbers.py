"""Numbers as the page language writes them: 12.345 in Bahasa Indonesia, 12,345 in
English (the ``format:thousands-separator`` message of each catalogue)."""

from __future__ import annotations

from dashboard.i18n import Gettext


def grouped(n: int, thousands: str) -> str:
    """``n`` with its digits grouped by ``thousands`` (12.345 / 12,345)."""
    return f"{n:,}".replace(",", thousands)


def number(n: int | float | None, _: Gettext) -> str:
    """``n`` grouped the page language's way (``_`` is its gettext); "–" when unknown."""
    return "–" if n is None else grouped(int(n), _("format:thousands-separator"))
