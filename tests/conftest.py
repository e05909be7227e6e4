"""Shared fixtures: tiny configs and checkpoints that train or load in well under a second."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402
import torch  # noqa: E402

from sandbox.config import load_config  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture
def smoke_config():
    """A training config for tic-tac-toe small enough for a test: seconds, not minutes."""
    return load_config(
        overrides=[
            'game="tic-tac-toe"',
            "network.channels=8",
            "network.blocks=1",
            "network.value_hidden=8",
            "mcts.num_simulations=8",
            "selfplay.games_per_iteration=8",
            "selfplay.concurrent_games=8",
            "learner.batch_size=16",
            "learner.steps_per_iteration=2",
            "learner.min_buffer=1",
            "train.iterations=2",
            "train.eval_every=0",
            "train.threads=1",
            'train.device="cpu"',
        ]
    )


@pytest.fixture
def tiny_checkpoint(tmp_path_factory):
    """Returns a function game_name -> path of an untrained checkpoint for that game."""
    from agents.network import build_network
    from games.game import load
    from sandbox.config import Config, NetworkConfig
    from sandbox.training.checkpoint import make_payload, save_checkpoint

    def make(game_name: str = "tic-tac-toe"):
        game = load(game_name)
        cfg = Config(game=game.name, network=NetworkConfig(channels=8, blocks=1, value_hidden=8))
        torch.manual_seed(0)
        net = build_network(cfg.network, game)
        path = tmp_path_factory.mktemp("ckpt") / f"{game.name}.pt"
        save_checkpoint(path, make_payload(cfg, game, net, None, step=3, iteration=1))
        return path

    return make
