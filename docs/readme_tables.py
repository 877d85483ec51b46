"""README tables rendered from code: ``python -m docs.readme_tables`` rewrites them in
README.md (``make readme``); ``--check`` only reports whether the README differs.

Each table sits between two marker comments, ``<!-- <name>:start -->`` and
``<!-- <name>:end -->``; the text between them is replaced whole by its renderer.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from bench.table import readme_block as bench_table
from dashboard.config import ROOT, settings_table

README = ROOT / "README.md"
#: marker name -> renderer of the text between its markers
TABLES: dict[str, Callable[[], str]] = {"settings": settings_table, "bench": bench_table}


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->\n", f"<!-- {name}:end -->"


def rendered(text: str) -> str:
    """``text`` with every table between its markers rendered afresh (KeyError: a marker is missing)."""
    for name, render in TABLES.items():
        start, end = markers(name)
        head, found, rest = text.partition(start)
        if not found or end not in rest:
            raise KeyError(f"README has no {start.strip()} ... {end} pair")
        text = head + start + render() + rest[rest.index(end):]
    return text


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="exit 1 when the README differs, change nothing")
    p.add_argument("readme", nargs="?", type=Path, default=README)
    args = p.parse_args(argv)
    text = args.readme.read_text(encoding="utf-8")
    new = rendered(text)
    if new == text:
        return 0
    if args.check:
        print(f"{args.readme}: tables differ from the code; run `make readme`", file=sys.stderr)
        return 1
    args.readme.write_text(new, encoding="utf-8")
    print(f"{args.readme}: tables rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
