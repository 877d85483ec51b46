"""Landing page callback: live counts from the wall snapshot (one row read per tick)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from dash import Dash, Input, Output, State

from callbacks.deps import Deps

from dashboard.store.snapshots import read_snapshot
from dashboard.wall import WIDGET
from layouts import ids, index


def register(app: Dash, deps: Deps) -> None:
    @app.callback(Output(ids.INDEX_COUNTS, "children"), Input(ids.INDEX_TICK, "n_intervals"),
                  State(ids.URL, "search"))
    def show_counts(_n: int | None, search: str | None) -> Any:
        saved = read_snapshot(deps.engine, WIDGET, deps.redis)
        lang = parse_qs((search or "").lstrip("?")).get("lang", [None])[0]
        return index.counts(saved[0].get("kpis", {}) if saved else {}, lang)
