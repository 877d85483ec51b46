"""The wall map's vocabulary (layouts.geo): letters of the open statuses per language, the
targets, and the shading's scale as the legend prints it."""

from __future__ import annotations

from dashboard.i18n import gettext
from dashboard.models import OPEN, RESOLVE_TARGET, RESPOND_TARGET
from layouts import geo


def test_vocabulary_letters_are_the_open_statuses_in_the_pages_language():
    id_, en = geo.map_vocabulary(gettext("id")), geo.map_vocabulary(gettext("en"))
    assert id_["letters"] == {"menunggu": "M", "koordinasi": "K", "disposisi": "D", "proses": "P"}
    assert set(en["letters"]) == {s.value for s in OPEN} and en["letters"]["menunggu"] == "W"
    assert id_["targets"] == [RESPOND_TARGET.total_seconds(), RESOLVE_TARGET.total_seconds()]


def test_backlog_scale_labels_each_class_by_where_it_starts():
    assert geo.backlog_scale((1, 10, 100), ("#0", "#1", "#2", "#3")) == [("#1", "1"), ("#2", "10"), ("#3", "100+")]
    assert len(geo.backlog_scale()) == len(geo.BACKLOG_BINS) == len(geo.BACKLOG_COLOURS) - 1
