"""README tables rendered from code stay in step with it (``make readme`` rewrites them)."""

import pytest

from dashboard.config import settings_table
from docs import readme_tables


def test_readme_tables_match_the_code():
    text = readme_tables.README.read_text(encoding="utf-8")
    assert readme_tables.rendered(text) == text, "README tables differ from the code: run `make readme`"


def test_settings_table_is_between_its_markers():
    text = readme_tables.README.read_text(encoding="utf-8")
    start, end = readme_tables.markers("settings")
    assert start + settings_table() + end in text


def test_a_changed_help_text_is_caught():
    start, end = readme_tables.markers("settings")
    bench_start, bench_end = readme_tables.markers("bench")
    stale = (f"intro\n{start}{settings_table().replace('Port the web server', 'Port')}{end}\nrest\n"
             f"{bench_start}{bench_end}\n")
    assert readme_tables.rendered(stale) != stale
    assert readme_tables.rendered(readme_tables.rendered(stale)) == readme_tables.rendered(stale)


def test_missing_markers_fail():
    with pytest.raises(KeyError):
        readme_tables.rendered("no markers here\n")
