"""Every agent spec builds a player that OpenSpiel's own tooling can use as a pyspiel.Bot; MCTSBot
finds tactics, samples only with a temperature, and answers batches as single positions."""

import numpy as np
import pyspiel
import pytest

from agents.bots import MCTSBot, as_pyspiel_bot
from agents.evaluators import UniformEvaluator
from agents.mcts import MCTSConfig
from games import UserError, load
from sandbox.specs import make_agent, parse_spec


class Recorder:
    """An agent that remembers every position it was asked about and what it answered."""

    def __init__(self, agent):
        self.agent, self.name, self.moves = agent, agent.name, []

    def select_action(self, state, rng):
        action = self.agent.select_action(state, rng)
        self.moves.append((state.history(), action))
        return action


@pytest.mark.parametrize(
    "spec",
    ["random", "policy:model={ckpt}", "mcts:model={ckpt},sims=8", "rollout:sims=50", "solver"],
)
def test_every_agent_plays_through_openspiel_evaluate_bots(spec, tiny_checkpoint):
    """The wrapped agent is asked about the real positions of the game OpenSpiel plays, its
    moves are legal, and evaluate_bots' returns are those of the game those moves make."""
    game = load("tic-tac-toe")
    agents = [Recorder(make_agent(spec.format(ckpt=tiny_checkpoint("tic-tac-toe")), game)),
              Recorder(make_agent("random", game))]  # fmt: skip
    bots = [as_pyspiel_bot(agents[0], seed=1), as_pyspiel_bot(agents[1], seed=2)]
    returns = pyspiel.evaluate_bots(game.new_state(), bots, 3)
    moves = sorted(agents[0].moves + agents[1].moves, key=lambda m: len(m[0]))
    assert [len(history) for history, _ in moves] == list(range(len(moves)))
    assert all(len(h) % 2 == 0 for h, _ in agents[0].moves)  # the first agent is X
    state = game.new_state()
    for history, action in moves:
        assert history == state.history() and action in state.legal_actions()
        state.apply_action(action)
    assert state.is_terminal() and list(returns) == state.returns()
    if spec == "solver":
        assert returns[0] >= 0  # perfect play as X never loses


@pytest.mark.parametrize(
    "moves, expected",
    [
        ("x(0,0) o(1,0) x(0,1) o(1,1)", "x(0,2)"),  # X wins in one (O threatens (1,2))
        ("x(0,0) o(1,1) x(0,1)", "o(0,2)"),  # O blocks the loss in one
    ],
)
def test_mcts_bot_takes_a_win_and_blocks_a_loss_with_a_uniform_evaluator(moves, expected):
    game = load("tic-tac-toe")
    bot = MCTSBot(UniformEvaluator(game), MCTSConfig(), num_simulations=200)
    state = game.parse_moves(moves)
    assert state.action_to_string(bot.select_action(state, np.random.default_rng(0))) == expected


def test_mcts_bot_samples_its_move_only_with_a_temperature():
    game = load("tic-tac-toe")
    state, evaluator = game.new_state(), UniformEvaluator(game)

    def moves(temperature: float) -> set[int]:
        bot = MCTSBot(evaluator, MCTSConfig(), num_simulations=32, temperature=temperature)
        rng = np.random.default_rng(0)
        return {bot.select_action(state, rng) for _ in range(30)}

    assert len(moves(0.0)) == 1
    assert len(moves(1.0)) > 1


def test_mcts_bot_answers_a_batch_as_it_answers_each_position_alone():
    game = load("tic-tac-toe")
    positions = ["", "x(1,1)", "x(0,0) o(1,0) x(0,1) o(1,1)", "x(0,0) o(1,1) x(0,1)",
                 "x(0,0) o(1,1) x(2,2)", "x(0,0) o(1,1) x(2,2) o(0,1) x(2,0)"]  # fmt: skip
    states = [game.parse_moves(m) if m else game.new_state() for m in positions]
    bot = MCTSBot(UniformEvaluator(game), MCTSConfig(), num_simulations=100)
    batched = bot.select_actions(states, np.random.default_rng(0))
    alone = [bot.select_action(s, np.random.default_rng(0)) for s in states]
    assert batched == alone
    assert [states[i].action_to_string(batched[i]) for i in (2, 3, 5)] == [
        "x(0,2)", "o(0,2)", "o(2,1)"
    ]  # fmt: skip


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
