"""Self-play: complete legal games, training targets, playout cap, Gumbel, worker processes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from agents.evaluators import UniformEvaluator
from games.game import load
from sandbox.training.records import replay
from sandbox.training.selfplay import play_games


def with_settings(cfg, **sections):
    """cfg with some fields of its sections replaced: with_settings(cfg, mcts={"gumbel": True})."""
    return dataclasses.replace(
        cfg,
        **{
            name: dataclasses.replace(getattr(cfg, name), **fields)
            for name, fields in sections.items()
        },
    )


def test_selfplay_produces_complete_legal_games(smoke_config):
    game = load(smoke_config.game)
    records, stats = play_games(
        game, smoke_config.mcts, smoke_config.selfplay, UniformEvaluator(game), 4, seed=1
    )
    assert [r.index for r in records] == [0, 1, 2, 3] and stats.games == 4
    for record in records:
        state = replay(game, record)  # raises on any illegal action
        assert state.is_terminal() and sum(record.returns) == 0
        assert len(record.policy_targets) == record.length
        assert all(np.isclose(sum(target), 1.0) for target in record.policy_targets)
    assert stats.moves == sum(r.length for r in records)
    assert stats.simulations == stats.moves * smoke_config.mcts.num_simulations


def test_playout_cap_moves_are_played_but_not_recorded_as_targets(smoke_config):
    cfg = with_settings(smoke_config, selfplay={"full_search_fraction": 0.5, "fast_simulations": 2})
    game = load(cfg.game)
    records, stats = play_games(game, cfg.mcts, cfg.selfplay, UniformEvaluator(game), 6, seed=2)
    targets = [t for r in records for t in r.policy_targets]
    full = sum(t is not None for t in targets)
    assert 0 < full < len(targets) and stats.full_searches == full
    assert stats.simulations == full * 8 + (len(targets) - full) * 2
    assert all(np.isclose(sum(t), 1.0) for t in targets if t is not None)


def test_a_game_does_not_depend_on_the_games_beside_it(smoke_config):
    game = load(smoke_config.game)
    evaluator = UniformEvaluator(game)
    together, _ = play_games(game, smoke_config.mcts, smoke_config.selfplay, evaluator, 4, seed=3)
    alone = with_settings(smoke_config, selfplay={"concurrent_games": 1})
    one_by_one, _ = play_games(game, alone.mcts, alone.selfplay, evaluator, 4, seed=3)
    assert [r.actions for r in together] == [r.actions for r in one_by_one]


def off_search_share(records, opening: int) -> float:
    """Share of the searched moves after the opening that were not among the most visited."""
    moves = [
        target[action] < max(target)
        for r in records
        for ply, (action, target) in enumerate(zip(r.actions, r.policy_targets, strict=True))
        if ply >= opening and target is not None
    ]
    return float(np.mean(moves))


def test_random_moves_leave_the_search_after_the_opening_and_keep_its_target(smoke_config):
    """selfplay.random_move_fraction: a share of the moves after the sampled opening are drawn
    at random (still legal, the games still complete), while the recorded target stays the
    search's; at 0 every move after the opening is the search's most visited."""
    cfg = with_settings(smoke_config, mcts={"temperature_moves": 2})
    game = load(cfg.game)
    opening = cfg.mcts.temperature_moves
    plain, _ = play_games(game, cfg.mcts, cfg.selfplay, UniformEvaluator(game), 24, seed=5)
    assert off_search_share(plain, opening) == 0.0
    noisy = with_settings(cfg, selfplay={"random_move_fraction": 0.5})
    records, _ = play_games(game, noisy.mcts, noisy.selfplay, UniformEvaluator(game), 24, seed=5)
    for record in records:
        assert replay(game, record).is_terminal()
        assert all(np.isclose(sum(t), 1.0) for t in record.policy_targets if t is not None)
    # Half the moves are random; a random move is one of the most visited by chance only.
    assert 0.15 < off_search_share(records, opening) <= 0.5
    assert [r.actions[:opening] for r in records] == [r.actions[:opening] for r in plain]


def test_a_weak_side_plays_at_random_on_one_seat_only_and_keeps_its_seat_across_iterations(
    smoke_config,
):
    """selfplay.weak_side_games: in that share of games one seat, the same for the whole game,
    plays at random after the opening while the other keeps the search's moves; the draw of
    the seat depends on the game's index only, so it survives a carry-over."""
    from sandbox.training.selfplay import weak_seat

    cfg = with_settings(
        smoke_config,
        mcts={"temperature_moves": 2},
        selfplay={"weak_side_games": 0.5, "weak_side_random_fraction": 1.0},
    )
    game = load(cfg.game)
    opening = cfg.mcts.temperature_moves
    records, _ = play_games(game, cfg.mcts, cfg.selfplay, UniformEvaluator(game), 24, seed=5)
    seats = [weak_seat(cfg.selfplay, 5, r.index) for r in records]
    assert 4 <= sum(s is None for s in seats) <= 20 and {0, 1} <= set(seats)
    weak_moves = []
    for record, weak in zip(records, seats, strict=True):
        assert replay(game, record).is_terminal()
        for seat in (0, 1):
            off = _seat_moves_off_search(game, record, seat, opening)
            if seat == weak:
                weak_moves += off
            else:
                assert not any(off)  # a like side: the search's most visited, always
    assert np.mean(weak_moves) > 0.3  # uniform over the legal moves: mostly not the search's
    assert weak_seat(with_settings(cfg, selfplay={"weak_side_games": 0.0}).selfplay, 5, 3) is None


def test_a_weak_side_game_carried_over_keeps_its_weak_seat_in_the_next_iteration(smoke_config):
    """A game stopped part-way (selfplay.carry_over) and played on by the next iteration keeps
    the seat that plays at random: after the carry-over that seat's moves are still mostly
    not the search's, and the other seat's always are."""
    from sandbox.training.selfplay import GameInProgress, play_queue, weak_seat

    cfg = with_settings(
        smoke_config,
        mcts={"temperature_moves": 2},
        selfplay={"weak_side_games": 1.0, "weak_side_random_fraction": 1.0, "concurrent_games": 16},
    )
    game, sp = load(cfg.game), cfg.selfplay
    queue = [GameInProgress.new(6, i) for i in range(64)]
    _, _, left = play_queue(game, cfg.mcts, sp, UniformEvaluator(game), queue, 32)
    carried = {g.index: len(g.actions) for g in left if g.actions}
    assert len(carried) >= 8
    later, _, _ = play_queue(game, cfg.mcts, sp, UniformEvaluator(game), left, len(left))
    weak_moves = []
    for record in later:
        if record.index not in carried:
            continue
        weak = weak_seat(sp, 6, record.index)
        after = max(cfg.mcts.temperature_moves, carried[record.index])  # this iteration's moves
        for seat in (0, 1):
            off = _seat_moves_off_search(game, record, seat, after)
            if seat == weak:
                weak_moves += off
            else:
                assert not any(off)
    assert len(weak_moves) >= 5 and np.mean(weak_moves) > 0.3


def _seat_moves_off_search(game, record, seat, opening):
    state, off = game.new_state(), []
    for ply, (action, target) in enumerate(zip(record.actions, record.policy_targets, strict=True)):
        if ply >= opening and target is not None and state.current_player() == seat:
            off.append(target[action] < max(target))
        state.apply_action(action)
    return off


class CountingEvaluator(UniformEvaluator):
    """Records how many positions each call asks for: the batch the network would see."""

    def __init__(self, game):
        super().__init__(game)
        self.batches: list[int] = []

    def evaluate(self, states):
        self.batches.append(len(states))
        return super().evaluate(states)


def mixed_budgets(cfg):
    """16 games at once, a quarter of the moves searched with 32 simulations, the rest with 4."""
    return with_settings(
        cfg,
        mcts={"num_simulations": 32},
        selfplay={"concurrent_games": 16, "full_search_fraction": 0.25, "fast_simulations": 4},
    )


def test_mixed_budgets_keep_the_batch_near_the_number_of_concurrent_games(smoke_config):
    """Playout cap randomization (32 or 4 simulations): a game whose search is done plays its
    move and searches the next one at once, rather than waiting for the longer searches."""
    cfg = mixed_budgets(smoke_config)
    game = load(cfg.game)
    evaluator = CountingEvaluator(game)
    records, _ = play_games(game, cfg.mcts, cfg.selfplay, evaluator, 96, seed=4)
    assert len(records) == 96
    mean_batch = np.mean(evaluator.batches)
    # Moves in lockstep gave 4.4 here (about (0.25 * 32 + 0.75 * 4) / 32 * 16 = 5.5, less the
    # leaves that are terminal and need no network); refilled searches give 10.4.
    assert mean_batch > 9, mean_batch


def test_gumbel_selfplay_plays_complete_games(smoke_config):
    cfg = with_settings(smoke_config, mcts={"gumbel": True, "gumbel_considered": 4})
    game = load(cfg.game)
    records, _ = play_games(game, cfg.mcts, cfg.selfplay, UniformEvaluator(game), 3, seed=4)
    for record in records:
        assert replay(game, record).is_terminal()


def test_gumbel_policy_target_improves_on_the_prior():
    """With a uniform prior, 16 simulations already move the target towards the winning move
    (x completes the top row at x(0,2)): softmax(logits + sigma(completed Q)), not the prior."""
    from agents.mcts import MCTSConfig, run_search

    game = load("tic-tac-toe")
    state = game.parse_moves("x(0,0) o(1,0) x(0,1) o(1,1)")
    win = game.parse_moves("x(0,0) o(1,0) x(0,1) o(1,1) x(0,2)").history()[-1]
    cfg = MCTSConfig(gumbel=True, gumbel_considered=5)
    [result] = run_search([state], UniformEvaluator(game), cfg, np.random.default_rng(0), 16,
                          is_noisy=True)  # fmt: skip
    target, prior = result.policy_target, result.prior
    assert np.isclose(target.sum(), 1.0) and np.all(target[prior == 0] == 0)
    assert int(np.argmax(target)) == win
    assert target[win] > 2 * prior[win]


@pytest.mark.slow
def test_selfplay_in_worker_processes_returns_the_requested_games(smoke_config):
    cfg = with_settings(smoke_config, selfplay={"workers": 2})
    game = load(cfg.game)
    records, stats = play_games(
        game, cfg.mcts, cfg.selfplay, UniformEvaluator(game), 5, seed=5, first_index=10
    )
    assert [r.index for r in records] == [10, 11, 12, 13, 14] and stats.games == 5
    single, _ = play_games(
        game,
        smoke_config.mcts,
        smoke_config.selfplay,
        UniformEvaluator(game),
        5,
        seed=5,
        first_index=10,
    )
    assert [r.actions for r in records] == [r.actions for r in single]


@pytest.mark.slow
def test_worker_processes_stop_together_when_the_iterations_games_have_finished(smoke_config):
    """Two workers count their finished games together: the iteration ends at its target (one
    over at most, when both finish a game at the same moment), not when each has its half. The
    first worker's share is carried games two moves from the end, so it finishes most of the
    target while the other plays whole games (a target per worker would take 3 from each),
    and every game of the queue is either a record or handed back, once."""
    from sandbox.training.selfplay import GameInProgress, play_queue

    cfg = with_settings(smoke_config, selfplay={"workers": 2, "concurrent_games": 4})
    game = load(cfg.game)
    near_end = [0, 4, 1, 2, 6, 3, 5]  # x o x o x o x: not over, two cells left
    assert not game.state_from_actions(near_end).is_terminal()
    # Both processes running before the measured call: a worker still starting (seconds on a
    # loaded box) would leave the other's whole games to fill the target.
    play_queue(game, cfg.mcts, cfg.selfplay, UniformEvaluator(game), [GameInProgress.new(9, 0),
               GameInProgress.new(9, 1)], 2)  # fmt: skip
    queue = [
        GameInProgress(3, i, None, list(near_end), [None] * 7, [0.0] * 7) for i in range(12)
    ] + [GameInProgress.new(3, i) for i in range(12, 24)]
    records, stats, left = play_queue(
        game, cfg.mcts, cfg.selfplay, UniformEvaluator(game), queue, 6
    )
    assert 6 <= len(records) <= 7 and stats.games == len(records)
    assert sum(r.index < 12 for r in records) >= 4  # a target per worker: exactly 3
    assert sorted([r.index for r in records] + [g.index for g in left]) == list(range(24))


def test_carried_games_keep_every_slot_busy_and_finish_in_the_next_iteration(smoke_config):
    """With a queue one game per slot longer than the target (selfplay.carry_over), no slot
    idles while the last games play out: the games still going when the target is reached
    are returned as they stand, and the next iteration plays them to the end."""
    from sandbox.training.selfplay import GameInProgress, play_queue

    cfg = mixed_budgets(smoke_config)
    game = load(cfg.game)
    drained = CountingEvaluator(game)
    fresh = [GameInProgress.new(4, i) for i in range(16)]
    records, _, left = play_queue(game, cfg.mcts, cfg.selfplay, drained, fresh, 16)
    assert len(records) == 16 and left == []

    carrying = CountingEvaluator(game)
    queue = [GameInProgress.new(4, i) for i in range(32)]
    first, _, left = play_queue(game, cfg.mcts, cfg.selfplay, carrying, queue, 16)
    assert len(first) == 16 and len(left) == 16
    started = {g.index: list(g.actions) for g in left if g.actions}
    assert started  # some games stopped part-way
    # Playing the last games out ends in calls of one or two positions (8.2 a call on average
    # here); carried, no call after the first (the shared root) has fewer than half the slots
    # (terminal leaves need no network): 12.3 a call.
    assert min(carrying.batches[1:]) >= 8 and min(drained.batches[1:]) <= 2
    assert np.mean(carrying.batches) > np.mean(drained.batches) + 3
    queue = left + [GameInProgress.new(4, i) for i in range(32, 32 + 16)]
    second, _, _ = play_queue(game, cfg.mcts, cfg.selfplay, carrying, queue, 16)
    indices = [r.index for r in first + second]
    assert len(indices) == len(set(indices)) == 32
    for record in second:
        if record.index in started:  # played on from where it stopped
            assert record.actions[: len(started[record.index])] == started[record.index]
        assert replay(game, record).is_terminal()
        assert len(record.policy_targets) == len(record.root_values) == record.length
    assert set(started) & {r.index for r in second}


def test_random_self_play_moves_pass_at_the_configured_share_where_the_game_has_a_pass():
    from sandbox.training.selfplay import random_move

    go, hex5 = load("go5"), load("hex5")
    rng = np.random.default_rng(0)
    state = go.state_from_actions([12])
    passes = sum(random_move(go, state, 0.5, rng) == go.pass_action for _ in range(400))
    assert 160 < passes < 250  # half of them, plus the uniform draw's 1 in 25
    assert all(random_move(go, state, 1.0, rng) == go.pass_action for _ in range(20))
    uniform = sum(random_move(go, state, 0.0, rng) == go.pass_action for _ in range(400))
    assert uniform < 60
    legal = hex5.new_state().legal_actions()  # no pass in Hex: the share changes nothing
    assert all(random_move(hex5, hex5.new_state(), 1.0, rng) in legal for _ in range(20))
