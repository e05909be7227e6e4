"""The viewer's state machine: whose turn, what was clicked, who is thinking. No pygame here.

Everything a user can do is a method (click a cell, undo, new game, swap sides, change the
number of simulations, step the search, pause a watched game), and `update` lets the agents
think in time slices. The pygame front end (`viewer.py`) only turns events into these calls and
draws what the session holds, so the whole game logic is testable without a display.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from agents.base import Agent, Analysis
from agents.verdict import Verdict, judge
from games.game import Action, Game, Player, State
from games.geometry import board_geometry
from games.symmetries import symmetries
from viz.layout import Cell, piece_moves, read_pieces
from viz.levels import Level
from viz.oracle import SolverWatch
from viz.readout import seat_label
from viz.theme import palette
from viz.thinker import Thinker, can_step, default_sims, start_thinking

SIMS_LADDER = (0, 1, 2, 5, 10, 20, 50, 100, 200, 400, 800, 1000, 1600, 3200, 6400)
WATCH_DELAYS = (0.0, 0.2, 0.5, 1.0, 2.0, 4.0)  # seconds between moves in `sandbox watch`
HINT_SECONDS = 3.0


@dataclass(frozen=True)
class Decision:
    """An agent's move and the analysis it was chosen from, kept for the "last move" line."""

    player: Player
    action: Action
    analysis: Analysis | None
    sims: int
    has_network: bool  # System 1 is a real network (else there is no network move to overrule)
    verdict: Verdict | None = None  # did search change the network's move (`agents.verdict`)


def uses_network(agent: Agent) -> bool:
    """Whether the simulations control applies: the agent is searched by the viewer itself."""
    return can_step(agent)


class Session:
    """One game in the viewer: seats (an Agent, or None for a human), history and thinking."""

    def __init__(
        self,
        game: Game,
        agents: Sequence[Agent | None],
        *,
        watch: bool = False,
        sims: int | None = None,
        start: Sequence[Action] = (),
        move_delay: float = 0.5,
        seed: int = 0,
        clock: Callable[[], float] = time.monotonic,
        level: Level | None = None,
        solver: SolverWatch | None = None,
    ):
        self.game = game
        self.geometry = board_geometry(game)
        self.symmetries = symmetries(game)
        self.level = level  # the strength dial's level of the agent, if it was picked by one
        self.solver = solver  # the solver's line in the panel (small boards only)
        self.agents = list(agents)
        self.watch = watch
        self.players = palette(game.openspiel.get_type().short_name).players
        robots = [a for a in self.agents if a is not None]
        self.sims: int | None = (
            sims if sims is not None or watch else (default_sims(robots[0]) if robots else 0)
        )
        self.move_delay = move_delay
        self.delay_index = 2
        self.seed = seed
        self.clock = clock
        self.step_mode = False
        self.paused = False
        self.show_analysis = True
        self.hint = ""
        self.hint_is_error = False  # a refusal (red) or a done deed ("Saved ...", green)
        self._hint_until = 0.0
        self.refused: Cell | None = None
        self._reset(list(start))

    # ----- position -------------------------------------------------------------------------

    def _reset(self, history: list[Action]) -> None:
        self.history = history
        self.state: State = self.game.state_from_actions(history)
        self.movers: list[Player] = []
        replay = self.game.new_state()
        for action in history:
            self.movers.append(replay.current_player())
            replay.apply_action(action)
        self.decisions: dict[int, Decision] = {}
        self._cancel()
        self.last_move_time = -1e9

    def _cancel(self) -> None:
        self.thinker: Thinker | None = None
        self.selected: Cell | None = None
        self._release = False

    def _play(self, action: Action, decision: Decision | None = None) -> None:
        if decision is not None:
            self.decisions[len(self.history)] = decision
        self.movers.append(self.state.current_player())
        self.history.append(action)
        self.state.apply_action(action)
        self._cancel()
        self.refused = None
        self.last_move_time = self.clock()

    @property
    def mover(self) -> Player:
        return self.state.current_player()

    def is_human_turn(self) -> bool:
        return not self.state.is_terminal() and self.agents[self.mover] is None

    def coach(self) -> Agent | None:
        """Who analyses the position on screen: the agent to move, else the first agent seated."""
        if self.state.is_terminal():
            return None
        agent = self.agents[self.mover]
        return agent if agent is not None else next((a for a in self.agents if a), None)

    def sims_for(self, agent: Agent) -> int:
        return self.sims if self.sims is not None else default_sims(agent)

    # ----- user actions ---------------------------------------------------------------------

    def say(self, message: str, cell: Cell | None = None, is_error: bool = True) -> None:
        """Shows a hint for a few seconds (a refused click outlines `cell`); nothing else.
        `is_error=False` for news that is not a refusal ("Saved ...")."""
        self.hint = message
        self.hint_is_error = is_error
        self._hint_until = self.clock() + HINT_SECONDS
        self.refused = cell

    def click_cell(self, cell: Cell) -> bool:
        """A click on a board cell: plays, picks up a piece, or refuses with a hint."""
        if self.state.is_terminal():
            self.say("The game is over: press N for a new game.")
            return False
        if not self.is_human_turn():
            self.say(
                f"Not your turn: {seat_label(self, self.mover)} is thinking."
                if not self.watch
                else "Watching: the agents play both sides."
            )
            return False
        if self.geometry.kind == "none":
            self.say("This game has no clickable board.")
            return False
        if not self.geometry.places_stones:
            return self._click_piece(cell)
        action = self.geometry.cell_action(*cell)
        if action is not None and action in self.state.legal_actions():
            self._play(action)
            return True
        pieces = read_pieces(self.game, self.state)
        if self.geometry.kind == "columns":
            self.say(f"Column {cell[1]} is full: pick another.", (self.geometry.rows - 1, cell[1]))
        elif cell[0] >= 0 and pieces[cell] >= 0:
            self.say("That cell is taken: pick an empty one.", cell)
        else:
            self.say("That move is against the rules here.", cell)
        return False

    def _click_piece(self, cell: Cell) -> bool:
        """Breakthrough: the first click picks a piece, the second its destination."""
        moves = piece_moves(self.state, self.geometry)
        if self.selected is not None and (self.selected, cell) in moves:
            self._play(moves[(self.selected, cell)])
            return True
        if any(start == cell for start, _ in moves):
            self.selected = cell
            return False
        if self.selected is not None:
            self.say("That piece cannot move there: pick a highlighted square.", cell)
        else:
            self.say("Click one of your own pieces that can move.", cell)
        return False

    def targets(self) -> tuple[Cell, ...]:
        if self.selected is None or self.geometry.places_stones:
            return ()
        moves = piece_moves(self.state, self.geometry)
        return tuple(end for start, end in moves if start == self.selected)

    def pass_move(self) -> bool:
        """Go's pass (the last action), for a human whose turn it is."""
        passing = self.game.num_actions - 1
        if self.geometry.kind != "go" or not self.is_human_turn():
            self.say("Passing is only for Go, on your turn.")
            return False
        self._play(passing)
        return True

    def undo(self) -> None:
        """Takes back moves until it is a human's turn again (one move while watching)."""
        if not self.history:
            self.say("Nothing to undo.")
            return
        history, movers = list(self.history), list(self.movers)
        removed_human = False
        while history:
            history.pop()
            removed_human |= self.agents[movers.pop()] is None
            if self.watch or (removed_human and self.agents[self._mover_after(history)] is None):
                break
        self.paused = self.paused or self.watch
        decisions = {k: v for k, v in self.decisions.items() if k < len(history)}
        self._reset(history)
        self.decisions = decisions

    def _mover_after(self, history: list[Action]) -> Player:
        return self.game.state_from_actions(history).current_player()

    def new_game(self) -> None:
        self._reset([])
        self.hint = ""

    def swap_sides(self) -> None:
        """The human takes the other colour; the agent moves at once if it is now its turn."""
        self.agents.reverse()
        self._cancel()
        humans = [self.players[i].name for i, a in enumerate(self.agents) if a is None]
        if humans and not self.watch:
            self.say(f"You now play {humans[0]}.", is_error=False)

    def change_sims(self, direction: int) -> None:
        """Moves the search budget one rung along SIMS_LADDER (0 = System 1 alone)."""
        agent = self.coach()
        if agent is not None and not uses_network(agent):
            self.say(f"{agent.name} searches as its spec says; the control is for network agents.")
            return
        current = self.sims
        if current is None:
            current = self.sims_for(agent) if agent is not None else 0
        if direction > 0:
            self.sims = next((s for s in SIMS_LADDER if s > current), SIMS_LADDER[-1])
        else:
            self.sims = next((s for s in reversed(SIMS_LADDER) if s < current), 0)
        if self.thinker is not None and not self.thinker.extend(self.sims):
            self._cancel()

    def toggle_step_mode(self) -> None:
        self.step_mode = not self.step_mode
        if self.step_mode:
            msg = "Step mode: Right adds one simulation, Shift+Right ten, Enter plays."
            self.say(msg, is_error=False)

    def step(self, n: int = 1) -> None:
        """Step mode: `n` more simulations. Paused watch: let the agent to move play once."""
        if self.step_mode and self.thinker is not None and self.thinker.can_step:
            self.thinker.add(n)
        elif self.watch and self.paused:
            self._release = True

    def play_now(self) -> None:
        """Enter: finish the current search (without blocking) and let the agent play it."""
        self._release = True

    def toggle_pause(self) -> None:
        self.paused = not self.paused

    def change_speed(self, direction: int) -> None:
        """Watch mode: shorter (direction > 0) or longer pause between moves."""
        self.delay_index = int(np.clip(self.delay_index - direction, 0, len(WATCH_DELAYS) - 1))

    def toggle_analysis(self) -> None:
        self.show_analysis = not self.show_analysis

    # ----- time -----------------------------------------------------------------------------

    def think(self, deadline: float | None) -> None:
        """Starts or advances the analysis of the position on screen until `deadline`
        (time.monotonic; None: to the end, even in step mode). Plays no move."""
        if self.state.is_terminal():
            return
        coach = self.coach()
        wanted = self.agents[self.mover] is not None or self.show_analysis
        if self.thinker is None and coach is not None and wanted:
            sims = self.sims_for(coach)
            self.thinker = start_thinking(coach, self.state, sims, self.seed + len(self.history))
        if self.thinker is not None and (not self.step_mode or self._release or deadline is None):
            self.thinker.advance(deadline)

    def update(self, deadline: float | None = None) -> None:
        """Thinks until `deadline` (see `think`), then plays the agent's move once allowed."""
        now = self.clock()
        if self.hint and now >= self._hint_until:
            self.hint, self.refused = "", None
        self.think(deadline)
        thinker = self.thinker
        if thinker is None or self.state.is_terminal():
            return
        if thinker.error is not None:
            coach = self.coach()
            self.say(f"{coach.name if coach else 'agent'} failed: {thinker.error}")
            self.paused = True
            return
        if self.agents[self.mover] is None or not thinker.done or not self._may_move(now):
            return
        move = thinker.move()
        if move is not None:
            decision = Decision(
                self.mover, move, thinker.analysis(), thinker.sims, thinker.has_network,
                self.verdict(),
            )  # fmt: skip
            self._play(move, decision)

    def _may_move(self, now: float) -> bool:
        if self._release:
            return True
        if self.step_mode:
            return False
        if self.watch:
            return not self.paused and now - self.last_move_time >= WATCH_DELAYS[self.delay_index]
        return now - self.last_move_time >= self.move_delay

    # ----- what to show ---------------------------------------------------------------------

    def has_network(self) -> bool:
        """Whether the analysis on screen comes from a network (else System 1 is uniform)."""
        return self.thinker is not None and self.thinker.has_network

    def analysis(self) -> Analysis | None:
        return self.thinker.analysis() if self.thinker is not None else None

    def verdict(self) -> Verdict | None:
        """Did search change the network's move? None until the budget is spent: a partial
        search's favourite can still change, so the mark waits (the counts keep updating)."""
        thinker = self.thinker
        if thinker is None or not thinker.done or not thinker.has_network or not thinker.sims:
            return None
        a = thinker.analysis()
        if a is None or a.prior is None or a.visits is None or a.q is None or a.visits.sum() == 0:
            return None
        return judge(a.prior, a.visits, a.q, self.symmetries, self.state, a.action)

    def solver_values(self) -> dict[Action, int] | None:
        """The solver's value of each move here, once known (None: no solver, or not yet)."""
        if self.solver is None or self.state.is_terminal():
            return None
        return self.solver.values(self.state)

    def last_decision(self) -> Decision | None:
        return self.decisions.get(len(self.history) - 1)
