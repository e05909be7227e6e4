"""The Elo code on synthetic tournaments whose true strengths are known."""

import numpy as np
import pytest

from sandbox.evaluation.elo import Tournament, expected_score, openspiel_ratings, rate

TRUE = {"random": 0.0, "weak": 150.0, "medium": 400.0, "strong": 700.0}


def synthetic(pairs, games_per_pair: int, seed: int = 0, draw_rate: float = 0.2) -> Tournament:
    """Games drawn from the Elo model: P(win) + P(draw)/2 = expected score."""
    rng = np.random.default_rng(seed)
    t = Tournament.empty(list(TRUE))
    for a, b in pairs:
        e = expected_score(TRUE[a], TRUE[b])
        draw = min(draw_rate, 2 * e, 2 * (1 - e))
        probs = [e - draw / 2, draw, 1 - e - draw / 2]
        for outcome in rng.choice(3, size=games_per_pair, p=probs):
            t.add(a, b, (1.0, 0.5, 0.0)[outcome])
    return t


def round_robin():
    names = list(TRUE)
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]


def test_round_robin_recovers_ordering_and_differences_within_uncertainty():
    ratings = rate(synthetic(round_robin(), 300), bootstrap=60, rng=np.random.default_rng(1))
    assert [ratings[n] for n in TRUE] == sorted(ratings[n] for n in TRUE)
    for name, true in TRUE.items():
        low, high = ratings.interval(name)
        assert low - 1e-9 <= ratings[name] <= high + 1e-9
        assert abs(ratings[name] - true) <= max(3 * ratings.stderr[ratings.names.index(name)], 1)


def test_ladder_of_neighbours_only_still_recovers_the_ends():
    names = list(TRUE)
    ladder = list(zip(names, names[1:], strict=False))
    ratings = rate(synthetic(ladder, 400, seed=2), bootstrap=60, rng=np.random.default_rng(3))
    strong = ratings.names.index("strong")
    assert abs(ratings["strong"] - TRUE["strong"]) <= 3 * ratings.stderr[strong]
    assert ratings.stderr[strong] > ratings.stderr[ratings.names.index("weak")]


def test_anchor_is_exactly_zero_and_has_no_uncertainty():
    ratings = rate(synthetic(round_robin(), 20), bootstrap=30)
    assert ratings["random"] == 0.0
    assert ratings.interval("random") == (0.0, 0.0)
    assert ratings.anchor == "random"


def test_clean_sweep_gives_finite_rating_with_nonzero_uncertainty():
    t = Tournament.empty(["random", "bot"])
    for _ in range(10):
        t.add("bot", "random", 1.0)
    ratings = rate(t, bootstrap=100)
    assert 300 < ratings["bot"] < 1000  # one virtual draw: 10.5 - 0.5, about 530 Elo
    assert ratings.stderr[1] > 20


def test_openspiel_is_the_rating_code():
    # OpenSpiel puts its weakest player at 0; 3 wins to 1 is log10(3) * 400 = 191 Elo apart.
    elo = openspiel_ratings(np.array([[0, 300], [100, 0]]), np.zeros((2, 2)))
    assert elo.min() == 0
    assert elo[0] - elo[1] == pytest.approx(400 * np.log10(3), abs=1)


def test_scores_and_draws_are_counted_for_both_players():
    t = Tournament.empty(["a", "b"])
    t.add("a", "b", 1.0)
    t.add("b", "a", 0.5)
    assert t.games("a", "b") == t.games("b", "a") == 2
    assert t.score("a", "b") == 0.75
    assert t.score("b", "a") == 0.25
    with pytest.raises(ValueError):
        t.add("a", "b", 0.3)
