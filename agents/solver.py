"""Exact play for small boards: alpha-beta negamax over OpenSpiel states with a transposition table.

The solver is the sandbox's ground truth: tests check agents against it, the referee labels agree
with it, and the arena uses it as the perfect-play anchor. OpenSpiel owns the rules; the solver
only walks `legal_actions`, `child`, `is_terminal` and `returns`.

Score (Pascal Pons' idea, generalised to any game length): 0 is a draw, and a game that ends after
move m (1-based, counted from the initial state) scores sign(returns[p]) * (L + 1 - m) for player
p, where L = max_game_length. Wins are positive, losses negative, and a faster win or a slower
loss scores higher, so maximising the score plays the fastest win and the slowest loss. Only the
sign of the returns counts: the solver plays for win/draw/loss, not for the margin.

Perspective: every score is from the view of the player to move at the state searched. Crossing
an edge converts by comparing players, never by blind negation, so a game where one player moves
twice in a row is still solved correctly (a child with the same mover keeps the sign).

Transposition table: key = (mover, move number, str(state)); entry = (flag, score, best action)
with flag EXACT, LOWER (score is a lower bound) or UPPER. Scores are absolute (they depend on the
move number, which is part of the key), so entries are valid wherever the position recurs. The
table lives as long as the Solver, so a bot that solves one position after another (a game, the
referee's positions) reuses everything it has learnt.
"""

from __future__ import annotations

import math

import numpy as np

from agents.base import Analysis, OneAtATime
from games.errors import UserError
from games.game import Action, Game, State

# Longest game the Python solver accepts: connect four 5x4 (20 plies) solves in seconds, 6x5
# (30 plies) would take hours. Tic-tac-toe (9), connect four 4x4 (16) and hex 4x4 (16, about
# 3 s) fit.
MAX_SOLVABLE_LENGTH = 20

_EXACT, _LOWER, _UPPER = 0, 1, 2

Key = tuple[int, int, str]


def check_solvable(game: Game, max_length: int = MAX_SOLVABLE_LENGTH) -> None:
    """Raises UserError when the game is too long for an exact search in Python."""
    if game.max_game_length > max_length:
        raise UserError(
            f"solver: {game.name} is too big to solve exactly here (games last up to "
            f"{game.max_game_length} moves; the solver takes at most {max_length}, "
            "e.g. tic-tac-toe or connect4-5x4)"
        )


class Solver:
    """Game-theoretic values and exact scores of positions of one game.

    Args:
        game: a two-player zero-sum game of at most `max_length` moves.
        max_length: raise it only to solve late positions of a longer game (Hex 5x5 after its
            ninth move: seconds each), never its start.
    """

    def __init__(self, game: Game, max_length: int = MAX_SOLVABLE_LENGTH):
        check_solvable(game, max_length)
        self.game = game
        self.length = game.max_game_length
        self.infinity = self.length + 1  # above every score
        self.nodes = 0  # positions searched, for measuring the search
        self._table: dict[Key, tuple[int, int, Action]] = {}
        middle = (game.num_actions - 1) / 2
        # Centre first: for connect four the middle columns take part in most lines.
        self._order = sorted(range(game.num_actions), key=lambda a: (abs(a - middle), a))

    def score(self, state: State) -> int:
        """Exact score of a non-terminal `state` for its mover (see the module docstring)."""
        return self._negamax(state, -self.infinity, self.infinity)

    def value(self, state: State) -> int:
        """Game-theoretic value for the mover: 1 win, 0 draw, -1 loss."""
        # A null window around the draw decides win/draw/loss without the exact distance.
        return _sign(self._negamax(state, -1, 1))

    def action_values(self, state: State) -> dict[Action, int]:
        """Value (1, 0, -1) of each legal action, from the view of the mover at `state`."""
        return {a: _sign(self._child_score(state, a, -1, 1)) for a in state.legal_actions()}

    def action_scores(self, state: State) -> dict[Action, int]:
        """Exact score of each legal action, from the view of the mover at `state`."""
        scores = {}
        for action, value in self.action_values(state).items():
            if value == 0:
                scores[action] = 0  # a draw's score is exactly 0: nothing more to search
            else:  # search only on the side of 0 the value has already settled
                low, high = (0, self.infinity) if value > 0 else (-self.infinity, 0)
                scores[action] = self._child_score(state, action, low, high)
        return scores

    def principal_variation(self, state: State, first: Action) -> tuple[Action, ...]:
        """`first`, then the best moves the table has proved exactly (may stop early)."""
        pv = [first]
        state = state.child(first)
        while not state.is_terminal():
            entry = self._table.get(self._key(state))
            if entry is None or entry[0] != _EXACT or entry[2] < 0:
                break
            pv.append(entry[2])
            state = state.child(entry[2])
        return tuple(pv)

    def _key(self, state: State) -> Key:
        return (state.current_player(), state.move_number(), str(state))

    def _terminal_score(self, state: State, player: int) -> int:
        return _sign(state.returns()[player]) * (self.length + 1 - state.move_number())

    def _child_score(self, state: State, action: Action, alpha: int, beta: int) -> int:
        """Score of `action` at `state` for the mover at `state`, searched in (alpha, beta)."""
        player = state.current_player()
        child = state.child(action)
        if child.is_terminal():
            return self._terminal_score(child, player)
        if child.current_player() == player:
            return self._negamax(child, alpha, beta)
        return -self._negamax(child, -beta, -alpha)

    def _negamax(self, state: State, alpha: int, beta: int) -> int:
        """Fail-soft alpha-beta: exact inside (alpha, beta); else a bound on the wrong side.

        Returns the score of non-terminal `state` for its mover.
        """
        self.nodes += 1
        player = state.current_player()
        key = self._key(state)
        entry = self._table.get(key)
        tt_action = -1
        if entry is not None:
            flag, stored, tt_action = entry
            if flag == _EXACT:
                return stored
            if flag == _LOWER and stored >= beta:
                return stored
            if flag == _UPPER and stored <= alpha:
                return stored
            if flag == _LOWER:
                alpha = max(alpha, stored)
            else:
                beta = min(beta, stored)
        original_alpha = alpha

        # Children once: terminal ones are scored now, and a win on this move ends the search.
        legal = set(state.legal_actions())
        order = [a for a in self._order if a in legal]
        if tt_action in legal:
            order.remove(tt_action)
            order.insert(0, tt_action)
        children = []
        best, best_action = -self.infinity, -1
        for action in order:
            child = state.child(action)
            if child.is_terminal():
                score = self._terminal_score(child, player)
                if score > best:
                    best, best_action = score, action
            else:
                children.append((action, child))
        # Bounds before searching: the terminal children give a floor, and no later move can
        # beat a win on the move after this one.
        upper = self.length - state.move_number() - 1
        if best >= upper or not children:
            self._table[key] = (_EXACT, best, best_action)
            return best
        if upper <= alpha:
            self._table[key] = (_UPPER, upper, best_action)
            return upper
        if best >= beta:
            self._table[key] = (_LOWER, best, best_action)
            return best
        alpha = max(alpha, best)
        beta = min(beta, upper)

        for action, child in children:
            if child.current_player() == player:
                score = self._negamax(child, alpha, beta)
            else:
                score = -self._negamax(child, -beta, -alpha)
            if score > best:
                best, best_action = score, action
                alpha = max(alpha, score)
                if alpha >= beta:
                    break

        if best <= original_alpha:
            flag = _UPPER
        elif best >= beta and best < upper:
            flag = _LOWER
        else:
            flag = _EXACT
        self._table[key] = (flag, best, best_action)
        return best


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


class SolverBot(OneAtATime):
    """Perfect play: a value-optimal move, preferring the fastest win and the slowest loss."""

    def __init__(self, game: Game):
        self.game = game
        self.name = "solver"
        self.solver = Solver(game)

    def optimal_actions(self, state: State) -> list[Action]:
        """The legal actions tied for the best exact score (strictly optimal moves)."""
        scores = self.solver.action_scores(state)
        best = max(scores.values())
        return [a for a, s in scores.items() if s == best]

    def select_action(self, state: State, rng: np.random.Generator) -> Action:
        optimal = self.optimal_actions(state)
        return int(optimal[rng.integers(len(optimal))])

    def analyse(self, state: State) -> Analysis:
        values = self.solver.action_values(state)
        q = np.full(self.game.num_actions, math.nan)
        for action, value in values.items():
            q[action] = value
        action = min(self.optimal_actions(state))
        return Analysis(
            action=action,
            q=q,
            value=float(max(values.values())),
            pv=self.solver.principal_variation(state, action),
        )
