"""The sweep: budgets read off one search, accuracy, search changes, schedule, end to end."""

import csv

import numpy as np
import pytest

from agents.bots import MCTSBot
from games.game import load
from sandbox.config import MCTSConfig
from sandbox.evaluation.position_sweep import (
    PositionSearch,
    accuracy_of,
    changes_by_sims,
    examples_that_mattered,
    random_accuracy,
    search_positions,
)
from sandbox.evaluation.referee import Position, load_positions, subsample
from sandbox.evaluation.sweep import Contender, SweepConfig, run_sweep, schedule
from sandbox.specs import load_model


def position(actions=(), optimal=(0,), optimal_wdl=(0,), legal=(0, 1, 2), value=1):
    return Position("tic_tac_toe", tuple(actions), value, frozenset(optimal),
                    frozenset(optimal_wdl), frozenset(legal))  # fmt: skip


@pytest.fixture
def ttt_states(tiny_checkpoint):
    game = load("tic-tac-toe")
    positions = subsample(load_positions("tic-tac-toe"), 8)
    evaluator, _ = load_model(str(tiny_checkpoint("tic-tac-toe")), game)
    return game, positions, [game.state_from_actions(p.actions) for p in positions], evaluator


@pytest.mark.parametrize("gumbel, leaves", [(False, 1), (True, 1), (False, 4)])
def test_each_budget_read_off_one_search_equals_a_fresh_search_of_that_budget(
    ttt_states, gumbel, leaves
):
    game, _, states, evaluator = ttt_states
    player = MCTSBot(evaluator, MCTSConfig(gumbel=gumbel, leaves_per_step=leaves))
    ps = search_positions(player, states, (0, 1, 3, 8, 20), np.random.default_rng(0))
    for k, sims in enumerate(ps.sims):
        bot = MCTSBot(evaluator, player.cfg, num_simulations=sims)
        fresh = [bot.select_action(s, np.random.default_rng(1)) for s in states]
        assert list(ps.actions[k]) == fresh, f"sims={sims}"
    assert np.allclose(ps.visits.sum(axis=1), 20)


def test_one_simulation_plays_system_ones_move(ttt_states):
    _, _, states, evaluator = ttt_states
    player = MCTSBot(evaluator, MCTSConfig())
    ps = search_positions(player, states, (0, 1), np.random.default_rng(0))
    assert list(ps.actions[0]) == list(ps.actions[1]) == list(np.argmax(ps.prior, axis=1))


def test_accuracy_counts_value_preserving_and_strict_moves_and_informative_subset():
    positions = [
        position(optimal=(0,), optimal_wdl=(0, 1)),  # 1: keeps value, not fastest
        position(optimal=(2,), optimal_wdl=(2,)),  # 2: strictly optimal
        position(optimal=(0,), optimal_wdl=(0, 1, 2)),  # 0: every move keeps it (uninformative)
        position(optimal=(1,), optimal_wdl=(1,)),  # 0: loses the value
    ]
    overall, informative = accuracy_of(np.array([1, 2, 0, 0]), positions)
    assert (overall.n, overall.correct, overall.correct_strict) == (4, 3, 2)
    assert (informative.n, informative.correct) == (3, 2)
    low, high = overall.interval
    assert low < overall.accuracy < high


def test_random_accuracy_is_the_expected_fraction_of_good_moves():
    positions = [position(optimal_wdl=(0,), legal=(0, 1)), position(optimal_wdl=(0, 1, 2))]
    assert random_accuracy(positions)[0] == pytest.approx((0.5 + 1.0) / 2)


def synthetic_search(actions_by_sims, prior, verdicts=None):
    """Verdicts default to "changed" wherever search's move is not the network's argmax."""
    sims = tuple(sorted(actions_by_sims))
    actions = np.array([actions_by_sims[s] for s in sims])
    n, a = np.asarray(prior).shape
    if verdicts is None:
        system1 = np.argmax(prior, axis=1)
        verdicts = np.where(actions != system1, "changed", "agrees").astype(object)
        verdicts[np.array(sims) == 0] = ""
    ones, zeros = np.ones((n, a)), np.zeros((n, a))
    return PositionSearch("net", sims, actions, np.asarray(prior, float), ones, zeros,
                          np.asarray(verdicts, object))  # fmt: skip


def test_search_changes_separate_fixed_errors_from_errors_made():
    positions = [position(optimal_wdl=(1,))] * 2 + [position(optimal_wdl=(0,))] * 2
    prior = [[0.9, 0.1, 0], [0.6, 0.4, 0], [0.9, 0.1, 0], [0.5, 0.2, 0.3]]
    # System 1 plays 0 everywhere: wrong in the first two positions, right in the last two.
    ps = synthetic_search({0: [0, 0, 0, 0], 16: [1, 1, 1, 0]}, prior)
    [change] = changes_by_sims(ps, positions)
    assert (change.sims, change.changed, change.fixed, change.broken) == (16, 3, 2, 1)
    assert change.cells() == {"changed": 0.75, "fixed": 0.5, "broken": 0.25}
    examples = examples_that_mattered(ps, positions, 3)
    assert [(e["kind"], e["index"]) for e in examples] == [
        ("fixed", 0),  # the network was surest (0.9) of its wrong move here
        ("fixed", 1),
        ("error made", 2),
    ]
    assert examples[0]["system1"] == 0 and examples[0]["system2"] == 1


def test_a_different_move_counts_as_changed_only_when_the_verdict_says_so():
    positions = [position(optimal_wdl=(1,))] * 3
    prior = [[0.9, 0.1, 0], [0.5, 0.5, 0], [0.45, 0.55, 0]]
    # Search plays 1 in all three, but only the first is a clear change (mirror, near-tie).
    verdicts = np.array([["", "", ""], ["changed", "agrees", "undecided"]], dtype=object)
    ps = synthetic_search({0: [0, 0, 1], 16: [1, 1, 1]}, prior, verdicts)
    [change] = changes_by_sims(ps, positions)
    assert (change.changed, change.fixed, change.broken) == (1, 1, 0)
    assert [e["index"] for e in examples_that_mattered(ps, positions, 3)] == [0]


def test_each_budgets_verdict_is_the_rule_applied_to_that_budgets_search(ttt_states):
    from agents.verdict import judge
    from games.symmetries import symmetries

    game, _, states, evaluator = ttt_states
    player = MCTSBot(evaluator, MCTSConfig())
    ps = search_positions(player, states, (0, 1, 12), np.random.default_rng(0))
    assert list(ps.verdicts[0]) == [""] * len(states)
    assert list(ps.verdicts[1]) == ["agrees"] * len(states)  # one simulation: System 1's move
    results = MCTSBot(evaluator, MCTSConfig(), num_simulations=12).search_many(states)
    syms = symmetries(game)
    pairs = zip(results, states, strict=True)
    expected = [judge(r.prior, r.visits, r.q, syms, s).kind for r, s in pairs]
    assert list(ps.verdicts[2]) == expected


def test_schedule_links_consecutive_budgets_equal_budgets_of_two_models_and_anchors():
    a, b = Contender("a", "x"), Contender("b", "y")
    rows = {f"{c.label} sims={s}": {"sims": s, "accuracy": s / 10 + (c.label == "b"),
                                    "kind": "network"}
            for c in (a, b) for s in (0, 1, 4)}  # fmt: skip
    rows["random"] = {"accuracy": 0.0, "kind": "anchor"}
    rows["rollout:sims=64"] = {"accuracy": 0.99, "kind": "anchor"}
    pairs = {frozenset(p) for p in schedule(rows, [a, b], (0, 1, 4), width=1)}
    assert frozenset(("a sims=0", "a sims=1")) in pairs
    assert frozenset(("a sims=4", "b sims=4")) in pairs
    assert frozenset(("random", "a sims=0")) in pairs  # the ladder's first rung
    assert frozenset(("random", "rollout:sims=64")) in pairs  # the anchors' own ladder
    assert frozenset(("a sims=0", "rollout:sims=64")) in pairs  # the common yardstick
    players = {name for pair in pairs for name in pair}
    assert players == set(rows)
    all_pairs = schedule(rows, [a, b], (0, 1, 4), width=0)
    assert len(all_pairs) == 8 * 7 // 2


@pytest.mark.slow
def test_small_sweep_rows_are_complete_and_the_csv_matches_them(tiny_checkpoint, tmp_path):
    from sandbox.evaluation.report import CSV_COLUMNS, save_sweep

    game = load("tic-tac-toe")
    positions = subsample(load_positions("tic-tac-toe"), 12)
    cfg = SweepConfig(sims=(0, 2, 8), games_per_pair=2, anchors=("random", "rollout:sims=8"),
                      ladder_width=2, think_positions=2, bootstrap=10, examples=2)  # fmt: skip
    contender = Contender("tiny", str(tiny_checkpoint("tic-tac-toe")))
    result = run_sweep(game, [contender], positions, cfg)
    by_player = {r["player"]: r for r in result.rows}
    assert set(by_player) == {"tiny sims=0", "tiny sims=2", "tiny sims=8", "random",
                              "rollout:sims=8"}  # fmt: skip
    assert by_player["random"]["elo"] == 0.0
    for row in result.rows:
        assert row["games"] > 0 and row["elo_low"] <= row["elo"] <= row["elo_high"]
        if row["kind"] == "network":
            assert row["accuracy_low"] <= row["accuracy"] <= row["accuracy_high"]
            assert row["think_ms"] > 0 and row["positions"] == 12
    save_sweep(result, tmp_path)
    with open(tmp_path / "results.csv") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == CSV_COLUMNS
        written = {r["player"]: r for r in reader}
    for name, row in by_player.items():
        assert float(written[name]["elo"]) == pytest.approx(row["elo"])
        if "accuracy" in row:
            assert float(written[name]["accuracy"]) == pytest.approx(row["accuracy"])
