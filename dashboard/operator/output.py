"""Output of the command line: aligned tables and short ages for people, stable JSON
documents (``--json``) for scripts. Pure."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any, Iterable, Sequence


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], empty: str = "(none)") -> str:
    """Columns padded to their widest cell, two spaces apart; ``empty`` when there are no
    rows. Cells are shown with :func:`cell`."""
    body = [[cell(v) for v in row] for row in rows]
    if not body:
        return empty
    widths = [max(len(r[i]) for r in [list(header), *body]) for i in range(len(header))]
    lines = ["  ".join(text.ljust(w) for text, w in zip(row, widths)).rstrip() for row in [list(header), *body]]
    return "\n".join(lines)


def cell(value: Any) -> str:
    """A table cell: ``-`` for None, ``yes``/``no`` for booleans, datetimes to the second
    (UTC, as stored), enums by value."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") + ("Z" if value.utcoffset() is not None else "")
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def age(seconds: float | None) -> str:
    """``4.2 s``, ``45 s`` (up to 5 min), ``12 min`` (up to 2 h), ``3.5 h`` (up to 2 d),
    ``2.1 d``; ``never`` for None."""
    if seconds is None:
        return "never"
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 300:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data: dataclasses as dicts, datetimes as ISO 8601, enums by
    value, paths as text."""
    if is_dataclass(value) and not isinstance(value, type):
        return plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    return value


def to_json(document: Any) -> str:
    """A stable JSON text: keys sorted, two-space indent."""
    return json.dumps(plain(document), indent=2, sort_keys=True, ensure_ascii=False)
