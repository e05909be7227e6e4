"""The evaluation a training run is handed: System 1 and System 2 of the current weights
against fixed opponents, every `train.eval_every` iterations, for the curves."""

from __future__ import annotations

import numpy as np

from agents.bots import MCTSBot, PolicyBot, RandomBot
from agents.evaluators import NetworkEvaluator
from games.game import Game
from sandbox.config import Config
from sandbox.evaluation.arena import play_match
from sandbox.training.loop import Evaluation


def against_random(game: Game, cfg: Config) -> Evaluation:
    """Scores System 1 and System 2 (at `train.eval_simulations`) against a random player,
    `train.eval_games` games each from both seats."""

    def evaluate(iteration: int, evaluator: NetworkEvaluator) -> dict[str, float]:
        players = {
            "policy": PolicyBot(evaluator),
            "mcts": MCTSBot(evaluator, cfg.mcts, num_simulations=cfg.train.eval_simulations),
        }
        out = {}
        for label, agent in players.items():
            rng = np.random.default_rng([cfg.train.seed, iteration, 99])
            result = play_match(agent, RandomBot(game), game, cfg.train.eval_games, rng)
            out[f"eval/{label}_vs_random_score"] = float(result.score)
        return out

    return evaluate
