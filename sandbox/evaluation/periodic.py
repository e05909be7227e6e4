"""The evaluation a training run is handed: System 1 and System 2 of the current weights,
every `train.eval_every` iterations, for the curves of strength against training time.

- accuracy on the game's solver-labelled positions (`train.eval_positions` of them, spread over
  the file), where the project ships a file for the game: the steadiest signal, and the one the
  zoo's model cards report;
- the score against a random player, `train.eval_games` games from both seats;
- with `train.eval_rollout_sims` > 0, the score against OpenSpiel's rollout MCTS at that budget:
  a fixed anchor that a strong network of a drawn game still separates from;
- System 2's score against System 2 of the weights of the previous evaluation (same budget,
  random 2-ply openings from both seats): above 0.5 while training still improves the network.
"""

from __future__ import annotations

import copy

import numpy as np

from agents.bots import MCTSBot, PolicyBot, RandomBot, RolloutBot
from agents.evaluators import NetworkEvaluator
from games.errors import UserError
from games.game import Game
from sandbox.config import Config
from sandbox.evaluation.arena import play_match
from sandbox.evaluation.referee import load_positions, score_agent, subsample
from sandbox.training.loop import Evaluation


def labelled_positions(game: Game, limit: int) -> list:
    """The game's shipped labelled positions (at most `limit`), or none."""
    if limit <= 0:
        return []
    try:
        return subsample(load_positions(game.name), limit)
    except UserError:  # no shipped file for this game
        return []


def against_random(game: Game, cfg: Config) -> Evaluation:
    """Accuracy on labelled positions and scores against fixed opponents (see the module)."""
    positions = labelled_positions(game, cfg.train.eval_positions)
    previous: list[MCTSBot] = []  # System 2 of the last evaluation's weights

    def evaluate(iteration: int, evaluator: NetworkEvaluator) -> dict[str, float]:
        players = {
            "policy": PolicyBot(evaluator),
            "mcts": MCTSBot(evaluator, cfg.mcts, num_simulations=cfg.train.eval_simulations),
        }
        opponents = {"random": RandomBot(game)}
        if cfg.train.eval_rollout_sims:
            opponents["rollout"] = RolloutBot(game, cfg.train.eval_rollout_sims, seed=iteration)
        out = {}
        for label, agent in players.items():
            rng = np.random.default_rng([cfg.train.seed, iteration, 99])
            if positions:
                report = score_agent(agent, game, positions, rng)
                out[f"eval/{label}_accuracy"] = float(report.accuracy)
            for name, opponent in opponents.items():
                result = play_match(agent, opponent, game, cfg.train.eval_games, rng)
                out[f"eval/{label}_vs_{name}_score"] = float(result.score)
        if previous:
            rng = np.random.default_rng([cfg.train.seed, iteration, 98])
            result = play_match(players["mcts"], previous[0], game, cfg.train.eval_games, rng,
                                opening_plies=2)  # fmt: skip
            out["eval/mcts_vs_previous_score"] = float(result.score)
        frozen = NetworkEvaluator(game, copy.deepcopy(evaluator.net), evaluator.device)
        previous[:] = [MCTSBot(frozen, cfg.mcts, num_simulations=cfg.train.eval_simulations)]
        return out

    return evaluate
