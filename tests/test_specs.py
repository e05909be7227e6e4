"""One way to build a player: spec keys map to MCTSConfig fields through one table, and a model
is played with the search settings saved in its checkpoint unless a spec key overrides one."""

from __future__ import annotations

import dataclasses
import typing

import numpy as np
import pytest
import torch

from agents.bots import MCTSBot, PolicyBot
from agents.mcts import MCTSConfig
from agents.network import NetworkConfig, build_network
from games import UserError, load
from sandbox.config import Config
from sandbox.specs import MCTS_KEYS, make_agent, parse_spec, search_player
from sandbox.training.checkpoint import make_payload, save_checkpoint


@pytest.fixture
def trained_with(tmp_path):
    """game, mcts settings -> path of a checkpoint whose config carries those settings."""

    def make(mcts: MCTSConfig, game_name: str = "tic-tac-toe"):
        game = load(game_name)
        cfg = Config(game=game.name, network=NetworkConfig(8, 1, 8), mcts=mcts)
        torch.manual_seed(0)
        net = build_network(cfg.network, game)
        path = tmp_path / "model.pt"
        save_checkpoint(path, make_payload(cfg, game, net, None, step=1, iteration=1))
        return str(path)

    return make


def test_a_checkpoints_own_search_settings_play_the_model(trained_with):
    path = trained_with(MCTSConfig(num_simulations=40, c_puct=2.5, gumbel=True))
    agent = make_agent(f"mcts:model={path}", load("tic-tac-toe"))
    assert isinstance(agent, MCTSBot)
    assert agent.cfg.c_puct == 2.5 and agent.cfg.gumbel and agent.num_simulations == 40


def test_a_spec_key_overrides_one_setting_and_keeps_the_others(trained_with):
    path = trained_with(MCTSConfig(c_puct=2.5, gumbel_considered=4))
    agent = make_agent(f"mcts:model={path},sims=7,c_puct=0.5", load("tic-tac-toe"))
    assert agent.num_simulations == 7 and agent.cfg.c_puct == 0.5
    assert agent.cfg.gumbel_considered == 4


def test_every_spec_key_names_an_mcts_field_of_the_same_type():
    types = typing.get_type_hints(MCTSConfig)
    fields = {f.name for f in dataclasses.fields(MCTSConfig)}
    assert set(MCTS_KEYS.values()) <= fields
    for key, name in MCTS_KEYS.items():
        assert parse_spec(f"mcts:{key}=1").params[key] == types[name](1)


def test_mcts_temperature_samples_and_zero_is_argmax(trained_with):
    game = load("tic-tac-toe")
    path = trained_with(MCTSConfig())
    hot = make_agent(f"mcts:model={path},sims=8,temperature=1", game)
    cold = make_agent(f"mcts:model={path},sims=8", game)
    rng = np.random.default_rng(0)
    state = game.new_state()
    assert len({hot.select_action(state, rng) for _ in range(40)}) > 1
    assert len({cold.select_action(state, rng) for _ in range(10)}) == 1


def test_a_policy_spec_searches_with_the_models_own_settings(trained_with):
    path = trained_with(MCTSConfig(num_simulations=12, c_puct=3.0))
    game = load("tic-tac-toe")
    assert isinstance(make_agent(f"policy:model={path}", game), PolicyBot)
    player = search_player(f"policy:model={path}", game)
    assert player.cfg.c_puct == 3.0 and player.num_simulations == 12


@pytest.mark.parametrize(
    "text, message",
    [
        ("mcts:sims=-5", "sims must be finite and >= 0"),
        ("mcts:c_puct=nan", "c_puct must be finite and > 0"),
        ("mcts:c_puct=0", "c_puct must be finite and > 0"),
        ("mcts:temperature=nan", "temperature must be finite"),
        ("mcts:leaves=0", "leaves must be finite and >= 1"),
        ("mcts:gumbel=2", "gumbel=2 is not 0 or 1"),
        ("rollout:uct_c=nan", "uct_c must be finite and > 0"),
        ("rollout:sims=0", "rollout needs sims >= 1"),
        ("policy:temperature=-1", "temperature must be finite and >= 0"),
        ("mcts:dirichlet_fraction=0.5", "unknown key 'dirichlet_fraction'"),
    ],
)
def test_out_of_range_spec_values_are_refused_with_the_key_named(text, message):
    with pytest.raises(UserError, match=message):
        parse_spec(text)
