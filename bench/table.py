"""The README's benchmark tables, rendered from a results file.

``python -m bench`` writes ``bench/results.json`` (the machine, the run and every row);
this module renders it as the markdown between :data:`START` and :data:`END` in README.md.
``python -m bench.table --write`` replaces that block; ``--check`` (and
``tests/unit/test_bench_table.py``) fails when the README's block differs from the
committed results file's rendering, so numbers in the README always come from a run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench.common import Row

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
README = ROOT / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


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


def render(machine: dict[str, str], backends: list[str], rows: list[Row]) -> str:
    """The README block, markers included."""
    return "\n".join([START, "", machine_table(machine), "", rows_table(rows, backends), "", END])


def block(readme: str) -> str | None:
    """The README's block between the markers (markers included), or None."""
    start, end = readme.find(START), readme.find(END)
    if start < 0 or end < start:
        return None
    return readme[start:end + len(END)]


def replaced(readme: str, rendered: str) -> str:
    found = block(readme)
    if found is None:
        raise ValueError(f"no {START} ... {END} block in the README")
    return readme.replace(found, rendered)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.table", description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--readme", type=Path, default=README)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="replace the README's block")
    action.add_argument("--check", action="store_true", help="exit 1 when the README's block differs")
    args = parser.parse_args(argv)
    rendered = render(*load(args.results))
    if not (args.write or args.check):
        print(rendered)
        return 0
    readme = args.readme.read_text(encoding="utf-8")
    if args.check:
        same = block(readme) == rendered
        if not same:
            print(f"{args.readme}: the benchmark table differs from {args.results} (python -m bench.table --write)",
                  file=sys.stderr)
        return 0 if same else 1
    args.readme.write_text(replaced(readme, rendered), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
