"""The README's benchmark tables, rendered from a results file.

``python -m bench`` writes ``bench/results.json`` (the machine, the run and every row);
:func:`readme_block` renders it for the README's ``bench`` markers. ``make readme``
(:mod:`docs.readme_tables`) writes it there and ``tests/unit/test_readme_tables.py`` fails
when the README differs, so numbers in the README always come from a run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.common import Row

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"


def results_dict(machine: dict[str, str], backends: list[str], rows: list[Row]) -> dict[str, Any]:
    """What the results file holds (JSON-ready)."""
    return {"machine": machine, "backends": backends,
            "rows": [{"section": r.section, "name": r.name, "backend": r.backend, "value": r.value,
                      "unit": r.unit, "note": r.note, "runs": r.runs} for r in rows]}


def load(path: Path = RESULTS) -> tuple[dict[str, str], list[str], list[Row]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = [Row(r["section"], r["name"], r["backend"], r["value"], r["unit"], r.get("note", ""), r.get("runs"))
            for r in data["rows"]]
    return data["machine"], data["backends"], rows


def machine_table(machine: dict[str, str]) -> str:
    return "\n".join(["| machine | |", "|---|---|", *(f"| {k} | {v} |" for k, v in machine.items())])


def rows_table(rows: list[Row], backends: list[str]) -> str:
    """One line per (section, name, unit); one value column per backend; the runs each
    value is the median of; notes joined."""
    lines = ["| section | measure | " + " | ".join(backends) + " | unit | runs | notes |",
             "|---|---|" + "---:|" * len(backends) + "---|---:|---|"]
    keys: dict[tuple[str, str, str], dict[str, Row]] = {}
    for row in rows:
        keys.setdefault((row.section, row.name, row.unit), {})[row.backend] = row
    for (section, name, unit), by_backend in keys.items():
        values = [fmt(by_backend.get(b)) for b in backends]
        runs = sorted({r.runs for r in by_backend.values() if r.runs is not None})
        notes = "; ".join(f"{b}: {r.note}" for b, r in by_backend.items() if r.note)
        lines.append(f"| {section} | {name} | " + " | ".join(values)
                     + f" | {unit} | {'/'.join(map(str, runs))} | {notes} |")
    return "\n".join(lines)


def fmt(row: Row | None) -> str:
    if row is None or row.value is None:
        return "n/a"
    v = row.value
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}" if abs(v) >= 1 else f"{v:.3f}"


def readme_block(path: Path = RESULTS) -> str:
    """The text between the README's ``bench`` markers: the machine, then every row."""
    machine, backends, rows = load(path)
    return "\n" + machine_table(machine) + "\n\n" + rows_table(rows, backends) + "\n\n"
