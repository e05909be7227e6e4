"""The learning claim, end to end: tic-tac-toe from scratch by self-play reaches perfect play."""

import numpy as np
import pytest

from games import load
from sandbox.config import load_config
from sandbox.evaluation.arena import play_match
from sandbox.evaluation.referee import load_positions, score_agent
from sandbox.specs import make_agent
from sandbox.training.loop import train
from sandbox.training.run import RunDir


@pytest.mark.slow
def test_tic_tac_toe_self_play_reaches_perfect_play(tmp_path):
    # A fixed number of iterations (not minutes) makes the outcome independent of machine load.
    cfg = load_config(game="tic-tac-toe", overrides=["train.minutes=0.0", "train.iterations=70"])
    run = RunDir(tmp_path / "run")
    train(cfg, run)
    game = load("tic-tac-toe")
    positions = load_positions("tic_tac_toe")
    system2 = make_agent(f"mcts:model={run.path},sims=64", game)
    system1 = make_agent(f"policy:model={run.path}", game)
    rng = np.random.default_rng(0)
    assert score_agent(system2, game, positions, rng).accuracy >= 0.995
    assert score_agent(system1, game, positions, rng).accuracy >= 0.95
    result = play_match(system2, make_agent("solver", game), game, 20, seed=0)
    assert result.losses == 0
