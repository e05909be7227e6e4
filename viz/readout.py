"""What the screen reads off a `Session`: the board overlay, seat labels, the result, move names.

Kept apart from the state machine (`session.py`) so the session holds only what changes when
the user does something, and everything here is a pure reading of it.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import TYPE_CHECKING

from agents.base import greedy_action
from games.game import Action, Player, State
from viz.board import Overlay
from viz.outcome import winner, winning_cells

if TYPE_CHECKING:
    from viz.session import Session

DROP_SECONDS = 0.35  # connect four: time a disc takes to fall


def overlay(session: Session) -> Overlay:
    """The board overlay of the position on screen."""
    now = session.clock()
    last = session.history[-1] if session.history else None
    drop = None
    if last is not None and session.geometry.kind == "columns":
        drop = (last, min(1.0, (now - session.last_move_time) / DROP_SECONDS))
    state = session.state
    base = Overlay(
        last_move=last,
        selected=session.selected,
        targets=session.targets(),
        refused=session.refused if session.hint else None,
        drop=drop,
        winning=winning_cells(session.game, state) if state.is_terminal() else (),
    )
    analysis = session.analysis() if session.show_analysis else None
    if analysis is None or analysis.prior is None and analysis.visits is None:
        return base
    searched = analysis.visits is not None and analysis.visits.sum() > 0
    # Without a network the prior is uniform: a flat heatmap would only hide the board.
    prior = analysis.prior if session.has_network() else None
    return dataclasses.replace(
        base,
        prior=prior,
        visits=analysis.visits,
        q=analysis.q,
        system1=greedy_action(prior) if prior is not None else None,
        system2=analysis.action if searched else None,
    )


def result_text(session: Session) -> str | None:
    """ "Draw", "Red wins", "You win (Red)!"; None while the game goes on."""
    if not session.state.is_terminal():
        return None
    player = winner(session.state)
    if player is None:
        return "Draw"
    name = session.players[player].name
    humans = [p for p, agent in enumerate(session.agents) if agent is None]
    if not session.watch and len(humans) == 1:
        return f"You win ({name})!" if player in humans else f"You lose: {name} wins"
    return f"{name} wins"


def passed(session: Session) -> str:
    """ "White passed" right after a pass in Go, else ""."""
    if session.geometry.kind != "go" or not session.history:
        return ""
    if session.history[-1] != session.game.num_actions - 1:
        return ""
    return f"{session.players[session.movers[-1]].name} passed"


def seat_label(session: Session, player: Player) -> str:
    """ "You", or what the agent is in the class's words with its current search budget."""
    from viz.session import uses_network

    agent = session.agents[player]
    if agent is None:
        return "You" if not session.watch else "Human"
    if not uses_network(agent):
        return agent.name
    sims = session.sims_for(agent)
    if session.level is not None and sims == session.level.sims:
        return session.level.label()
    model = re.search(r"model=([^,]+)", agent.name)
    source = f" ({Path(model.group(1)).stem if model else agent.name})"
    if not sims:
        return "System 1, network alone" + source
    return f"System 2, {sims:,} sims" + source


def move_name(session: Session, action: Action, state: State | None = None) -> str:
    """OpenSpiel's name of a move without Go's colour prefix ("B d4" -> "d4")."""
    state = state or session.state
    return spell(state, action, session.geometry.kind == "go")


def spell(state: State, action: Action, is_go: bool = False) -> str:
    """A move's name in `state` ("x3", "c3", "d4", "PASS" for Go's pass)."""
    player = max(state.current_player(), 0)
    name = state.action_to_string(player, action)
    return name.split(" ", 1)[1] if is_go and " " in name else name
