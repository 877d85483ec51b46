"""The kelurahan score: shrinkage, monotonicity, bounds, determinism, a worked example."""

from __future__ import annotations

import random

import pytest

from dashboard.scoring import FORMULA, KelurahanCounts, city_rates, rank, score_one


def counts(code: str, n: int, good: float, overdue: float = 0.0, reopen: float = 0.0) -> KelurahanCounts:
    """n reports of which a share ``good`` met every target; ``overdue`` share still open > 7 d."""
    ok = round(n * good)
    late = round(n * overdue)
    closed = n - late
    return KelurahanCounts(code, n, acted_on=n - late, responded_6h=ok, response_due=n,
                           resolved_7d=min(ok, closed), resolution_due=n, overdue_open=late,
                           reopened=round(closed * reopen), ever_closed=closed)


def city_of_average(n_kel: int = 50) -> list[KelurahanCounts]:
    return [counts(f"avg-{i:03d}", 200, 0.6, overdue=0.1, reopen=0.05) for i in range(n_kel)]


def test_three_perfect_reports_do_not_beat_three_thousand_very_good_ones():
    small = counts("small", 3, 1.0)
    big = counts("big", 3000, 0.95, overdue=0.01, reopen=0.01)
    ranked = rank([small, big, *city_of_average()])
    order = [s.code for s in ranked]
    assert order.index("big") < order.index("small")
    assert order[0] == "big"


def test_without_shrinkage_the_small_sample_would_win():
    """Guards the test above: it fails if shrinkage is removed (k=0)."""
    small = counts("small", 3, 1.0)
    big = counts("big", 3000, 0.95, overdue=0.01, reopen=0.01)
    ranked = rank([small, big, *city_of_average()], k=0)
    assert ranked[0].code == "small"


@pytest.mark.parametrize("late", [0, 5, 20, 60, 100])
def test_more_overdue_means_lower_score(late):
    others = city_of_average(10)
    base = KelurahanCounts("x", 100, acted_on=90, responded_6h=70, response_due=100,
                           resolved_7d=60, resolution_due=100, overdue_open=late,
                           reopened=2, ever_closed=80)
    worse = KelurahanCounts(**{**vars(base), "overdue_open": late + 1})
    city = city_rates([base, *others])
    assert score_one(worse, city).score < score_one(base, city).score


def test_scores_and_parts_are_bounded():
    rng = random.Random(7)
    rows = []
    for i in range(300):
        n = rng.randint(0, 500)
        due = rng.randint(0, n)
        rows.append(KelurahanCounts(f"k{i:03d}", n, acted_on=rng.randint(0, n),
                                    responded_6h=rng.randint(0, due), response_due=due,
                                    resolved_7d=rng.randint(0, due), resolution_due=due,
                                    overdue_open=rng.randint(0, n), reopened=rng.randint(0, due),
                                    ever_closed=due))
    ranked = rank(rows)
    assert len(ranked) == sum(1 for r in rows if r.received >= 1)
    for s in ranked:
        assert 0.0 <= s.score <= 100.0
        assert set(s.parts) == {"processed", "response", "resolution", "overdue", "reopen"}
        assert all(0.0 <= v <= 1.0 for v in s.parts.values())


def test_extremes_reach_the_bounds_without_shrinkage():
    perfect = counts("p", 10, 1.0)
    hopeless = KelurahanCounts("h", 10, overdue_open=10, reopened=5, ever_closed=5,
                               response_due=10, resolution_due=10)
    assert rank([perfect], k=0)[0].score == pytest.approx(100.0)
    assert rank([hopeless], k=0)[0].score == pytest.approx(0.0)


def test_ranking_is_deterministic_and_ties_are_broken_by_received_then_code():
    rows = [counts("b", 100, 0.8), counts("a", 100, 0.8), counts("c", 50, 0.8), *city_of_average(5)]
    first = [s.code for s in rank(rows)]
    shuffled = rows[:]
    random.Random(1).shuffle(shuffled)
    assert [s.code for s in rank(shuffled)] == first
    tied = [c for c in first if c in {"a", "b"}]
    assert tied == ["a", "b"]


def test_kelurahan_without_reports_are_not_ranked():
    ranked = rank([counts("a", 10, 0.9), KelurahanCounts("empty", 0)])
    assert [s.code for s in ranked] == ["a"]


def test_hand_computed_example():
    a = KelurahanCounts("A", 10, acted_on=8, responded_6h=6, response_due=10, resolved_7d=5,
                        resolution_due=10, overdue_open=2, reopened=1, ever_closed=5)
    b = KelurahanCounts("B", 30, acted_on=30, responded_6h=27, response_due=30, resolved_7d=24,
                        resolution_due=30, overdue_open=0, reopened=0, ever_closed=25)
    # city: processed 38/40, response 33/40, resolution 29/40, overdue 2/40, reopen 1/30
    # A with K=20: processed (8+19)/30=.9, response (6+16.5)/30=.75, resolution (5+14.5)/30=.65,
    # overdue 1-(2+1)/30=.9, reopen 1-(1+20/30)/25=.9333..
    # score = 100*(.2*.9 + .25*.75 + .25*.65 + .2*.9 + .1*.93333) = 80.3333..
    scores = {s.code: s for s in rank([a, b])}
    assert scores["A"].parts == pytest.approx(
        {"processed": 0.9, "response": 0.75, "resolution": 0.65, "overdue": 0.9, "reopen": 14 / 15})
    assert scores["A"].score == pytest.approx(80.0 + 1 / 3)


def test_formula_is_bilingual_and_names_the_weights():
    assert "Skor" in FORMULA and "Score" in FORMULA
    for weight in ("20%", "25%", "10%"):
        assert weight in FORMULA
