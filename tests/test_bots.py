"""Every agent spec builds a player that OpenSpiel's own tooling can use as a pyspiel.Bot."""

import numpy as np
import pyspiel
import pytest

from agents.bots import as_pyspiel_bot
from games import UserError, load
from sandbox.specs import make_agent, parse_spec


@pytest.mark.parametrize(
    "spec",
    ["random", "policy:model={ckpt}", "mcts:model={ckpt},sims=8", "rollout:sims=50", "solver"],
)
def test_every_agent_plays_through_openspiel_evaluate_bots(spec, tiny_checkpoint):
    game = load("tic-tac-toe")
    agent = make_agent(spec.format(ckpt=tiny_checkpoint("tic-tac-toe")), game)
    bots = [as_pyspiel_bot(agent, seed=1), as_pyspiel_bot(make_agent("random", game), seed=2)]
    returns = pyspiel.evaluate_bots(game.new_state(), bots, 3)
    assert len(returns) == 2 and sum(returns) == 0


def test_a_zoo_model_is_found_by_name():
    game = load("tic-tac-toe")
    agent = make_agent("mcts:model=zoo:tic-tac-toe,sims=16", game)
    state = game.parse_moves("x(0,0) o(1,1) x(0,1)")
    assert agent.select_action(state, np.random.default_rng(0)) == 2  # blocks at x(0,2)


def test_an_unknown_zoo_model_names_what_ships():
    with pytest.raises(UserError, match="no shipped model 'zoo:chess'.*tic-tac-toe"):
        make_agent("policy:model=zoo:chess", load("tic-tac-toe"))


def test_spec_shorthand_and_parameters():
    spec = parse_spec("mcts:zoo:connect4-5x4,sims=200,c_puct=2")
    assert spec.params == {"model": "zoo:connect4-5x4", "sims": 200, "c_puct": 2.0}
    with pytest.raises(UserError, match="sims must be finite and >= 0"):
        parse_spec("mcts:sims=-1")
