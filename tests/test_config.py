"""Config: presets, --set overrides, and clear refusals of unknown keys and wrong types."""

import tomllib

import pytest

from games import UserError
from sandbox.config import Config, dump_toml, from_dict, load_config


def test_defaults_then_preset_then_overrides():
    cfg = load_config(game="tic-tac-toe", overrides=["mcts.c_puct=2.5", "train.seed=7"])
    assert cfg.game == "tic-tac-toe"
    assert cfg.network.channels == 32  # from configs/tic-tac-toe.toml
    assert cfg.mcts.c_puct == 2.5 and cfg.train.seed == 7


def test_ints_are_accepted_for_float_fields():
    assert load_config(overrides=["mcts.c_puct=2"]).mcts.c_puct == 2.0


@pytest.mark.parametrize(
    "override, message",
    [
        ("mcts.num_simulatons=10", "unknown config key 'mcts.num_simulatons'"),
        ("nonsense.key=1", "unknown config key 'nonsense'"),
        ('mcts.num_simulations="many"', "must be int, got str"),
        ("mcts.num_simulations=1.5", "must be int, got float"),
        ("replay.augment=3", "must be bool"),
        ("mcts=3", "must be a table"),
        ("no_equals_sign", "section.key=value"),
    ],
)
def test_bad_overrides_are_refused_with_the_key_named(override, message):
    with pytest.raises(UserError, match=message):
        load_config(overrides=[override])


def test_unknown_key_in_a_config_file_is_refused(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[learner]\nlearning_rat = 0.1\n")
    with pytest.raises(UserError, match="learner.learning_rat"):
        load_config(path)


def test_resolved_config_round_trips_through_toml():
    cfg = load_config(game="connect4-5x4", overrides=["train.device=cpu"])
    assert from_dict(tomllib.loads(dump_toml(cfg))) == cfg
    assert isinstance(cfg, Config)


def test_every_preset_has_a_recipe_whose_network_fits_its_board():
    """`sandbox train NAME` starts from a documented recipe on every preset, not the defaults."""
    import torch

    from agents.network import build_network
    from games.catalogue import GAMES
    from games.encoding import encode
    from games.game import load
    from sandbox.config import PRESET_DIR

    assert sorted(p.stem for p in PRESET_DIR.glob("*.toml")) == sorted(GAMES)
    for name in GAMES:
        cfg, game = load_config(game=name), load(name)
        assert cfg.game == name and (PRESET_DIR / f"{name}.toml").read_text().startswith("#")
        net = build_network(cfg.network, game).eval()
        state = game.new_state()
        with torch.no_grad():
            logits, value = net(torch.from_numpy(encode(game, state))[None])
        assert logits.shape == (1, game.num_actions) and -1 <= float(value) <= 1
        assert cfg.mcts.num_simulations > cfg.selfplay.fast_simulations
