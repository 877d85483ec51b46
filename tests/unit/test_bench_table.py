"""The README's benchmark tables are the rendering of the committed results file
(``bench/results.json``, written by ``python -m bench``): numbers are never pasted by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import table
from bench.common import Row


def test_readme_block_is_the_rendering_of_the_results_file() -> None:
    readme = table.README.read_text(encoding="utf-8")
    found = table.block(readme)
    assert found is not None, f"README.md has no {table.START} ... {table.END} block"
    assert found == table.render(*table.load(table.RESULTS)), (
        "README's benchmark table differs from bench/results.json: run `python -m bench.table --write`")


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


def test_check_fails_when_the_readme_drifts(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Pantau\n\n## Benchmarks\n\n{table.START}\nold\n{table.END}\n\n## Next\n")
    path = results(tmp_path, 1.5)
    assert table.main(["--results", str(path), "--readme", str(readme), "--check"]) == 1
    assert table.main(["--results", str(path), "--readme", str(readme), "--write"]) == 0
    assert table.main(["--results", str(path), "--readme", str(readme), "--check"]) == 0
    text = readme.read_text()
    assert text.startswith("# Pantau\n\n## Benchmarks\n\n") and text.endswith("\n\n## Next\n")
    assert "| wall | poll unchanged | 1.50 | 2.00 | ms | 5 | postgresql: note |" in text
    # a changed number in the results file, or in the README, is a difference
    assert table.main(["--results", str(results(tmp_path, 1.7)), "--readme", str(readme), "--check"]) == 1


def test_no_block_is_an_error(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Pantau\n")
    with pytest.raises(ValueError):
        table.main(["--results", str(results(tmp_path, 1.0)), "--readme", str(readme), "--write"])
    assert table.main(["--results", str(results(tmp_path, 1.0)), "--readme", str(readme), "--check"]) == 1
