"""The README's benchmark tables are the rendering of the committed results file
(``bench/results.json``, written by ``python -m bench``): numbers are never pasted by hand."""

from __future__ import annotations

import json
from pathlib import Path

from bench import table
from bench.common import Row


def test_results_file_rows_say_their_runs() -> None:
    machine, backends, rows = table.load(table.RESULTS)
    assert {"CPU", "cores", "python", "sqlite", "reports per store", "runs per median"} <= set(machine)
    assert rows and set(backends) >= {r.backend for r in rows if r.section != "wall-browser"}
    assert all(r.runs is not None for r in rows), [r.name for r in rows if r.runs is None]
    timed = [r for r in rows if r.unit in ("ms", "ms CPU") and r.value is not None]
    assert timed and all(r.runs >= 5 for r in timed), [r.name for r in timed if (r.runs or 0) < 5]


def results(tmp_path: Path, value: float) -> Path:
    path = tmp_path / "results.json"
    rows = [Row("wall", "poll unchanged", "sqlite", value, "ms", "", 5),
            Row("wall", "poll unchanged", "postgresql", 2.0, "ms", "note", 5)]
    path.write_text(json.dumps(table.results_dict({"CPU": "x", "cores": "2"}, ["sqlite", "postgresql"],
                                                         rows)))
    return path


def test_the_block_renders_every_backend_and_run_count(tmp_path: Path) -> None:
    text = table.readme_block(results(tmp_path, 1.5))
    assert text.startswith("\n| machine | |\n") and text.endswith("\n\n")
    assert "| wall | poll unchanged | 1.50 | 2.00 | ms | 5 | postgresql: note |" in text
    # a changed number in the results file is a different block (and so a README that differs)
    assert table.readme_block(results(tmp_path, 1.7)) != text
