"""The analysis panel beside (or under) the board: System 1 against System 2 for the position.

Top to bottom: the players; the move each system picks and the verdict (`agents.verdict`): a
red "search changed the move" banner only when the search's evidence is clear, "agrees" for the
same or a mirror-image move, "undecided between ..." for a near-tie, and nothing until the
budget is spent (the counts update live, the mark waits); the solver's word where it knows the
position; a value gauge for the network and for the search; the candidate moves with the
network's prior (orange bars, the heatmap's colour) beside the search's visits (teal bars) and
Q; the principal variation; the last move; the controls. A panel much wider than tall (a
portrait window puts it under the board) lays the same blocks out in two columns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pygame

from agents.base import Analysis, greedy_action
from agents.verdict import CHANGED, UNDECIDED
from games.game import Action
from viz import theme
from viz.readout import move_name, result_text, seat_label
from viz.session import WATCH_DELAYS, Session, uses_network
from viz.wording import outcome, plural, signed, verdict_line, verdict_reason
from viz.writer import Writer, draw_buttons


@dataclass(frozen=True)
class MoveRow:
    """One candidate move as the panel lists it."""

    action: Action
    name: str
    prior: float | None  # System 1's probability (None: no network)
    visits: int | None  # System 2's visit count
    q: float | None  # System 2's Q from the mover's view (None when unvisited)

    def cells(self) -> tuple[str, str, str, str]:
        """The row's text exactly as drawn: move, prior %, visits, Q."""
        prior = "-" if self.prior is None else f"{100 * self.prior:.0f}%"
        visits = "-" if self.visits is None else f"{self.visits:,}"
        return (self.name, prior, visits, "" if self.q is None else signed(self.q))


def move_rows(session: Session, analysis: Analysis, limit: int = 6) -> list[MoveRow]:
    """The most visited moves (then the likeliest under the prior), best first."""
    legal = session.state.legal_actions()
    prior = analysis.prior
    visits = analysis.visits

    def key(a: int) -> tuple[float, float]:
        return (visits[a] if visits is not None else 0.0, prior[a] if prior is not None else 0.0)

    rows = []
    for a in sorted(legal, key=key, reverse=True)[:limit]:
        q = None
        if analysis.q is not None and not math.isnan(analysis.q[a]):
            q = float(analysis.q[a])
        rows.append(
            MoveRow(
                a,
                move_name(session, a),
                None if prior is None or not session.has_network() else float(prior[a]),
                None if visits is None else int(visits[a]),
                q,
            )
        )
    return rows


def buttons(session: Session) -> list[tuple[str, str]]:
    """(command, label) of the clickable buttons; commands are those of `viewer.KEYS`."""
    items = [("undo", "Undo"), ("new", "New game")]
    items += (
        [("pause", "Resume" if session.paused else "Pause"), ("next", "Next move")]
        if session.watch
        else [("swap", "Swap sides")]
    )
    if session.geometry.kind == "go" and not session.watch:
        items.append(("pass", "Pass"))
    items += [
        ("sims-", "Sims -"),
        ("sims+", "Sims +"),
        ("step", "Step mode"),
        ("sim1", "+1 sim"),
        ("analysis", "Analysis"),
        ("png", "Save PNG"),
        ("record", "Save game"),
        ("review", "Review"),
        ("help", "Help"),
    ]
    return items


def draw_panel(
    surface: pygame.Surface, rect: pygame.Rect, session: Session
) -> list[tuple[str, pygame.Rect]]:
    """Draws the panel into `rect`; returns the buttons' (command, rect) for hit tests."""
    pygame.draw.rect(surface, theme.PANEL, rect)
    one, two = min(rect.height / 28, rect.width / 17), min(rect.height / 17, rect.width / 36)
    is_wide = two > one  # two columns where they give the larger text (a panel under the board)
    px = max(one, two)
    inner = rect.inflate(-round(px * 1.4), -round(px * 0.8))
    items = buttons(session)
    per_row = math.ceil(len(items) / (2 if is_wide else 3))
    controls_top = _controls_top(inner, px, len(items), per_row)
    if is_wide:
        half = (inner.width - px) / 2
        left = pygame.Rect(inner.left, inner.top, round(half), controls_top - inner.top)
        right = pygame.Rect(round(inner.right - half), inner.top, round(half), left.height)
        first, second = Writer(surface, left, px), Writer(surface, right, px)
    else:
        column = pygame.Rect(inner.left, inner.top, inner.width, controls_top - inner.top)
        first = second = Writer(surface, column, px)
    _draw_seats(first, session)
    analysis = session.analysis() if session.show_analysis else None
    if analysis is None:
        note = "Analysis hidden (A shows it)" if not session.show_analysis else "No analysis"
        note = "Thinking..." if session.show_analysis and session.thinker is not None else note
        if session.state.is_terminal():
            first.text(f"Game over: {result_text(session)}", theme.TEXT)
            first.text("R (or Review) shows the value curve, the mistakes", theme.MUTED, 0.8)
            first.text("and what each system would have played at every move", theme.MUTED, 0.8)
        else:
            first.text(note, theme.MUTED)
    else:
        _draw_systems(first, session, analysis)
        _draw_solver(first, session)
        if second is not first:
            second.y = second.rect.top + px * 0.2
        else:
            second.rule()
        _draw_values(second, session, analysis)
        second.rule()
        _draw_table(second, session, analysis)
        if analysis.pv:
            second.text("Best line: " + _line(session, analysis.pv), scale=0.85)
    _draw_last_move(second, session)
    _draw_sims_line(surface, inner, controls_top, px, session)
    return draw_buttons(surface, inner, controls_top, px, items, per_row, _active(session))


def _controls_top(inner: pygame.Rect, px: float, count: int, per_row: int) -> int:
    """Top of the simulations line above the button grid pinned to the panel's bottom."""
    rows = math.ceil(count / per_row)
    return round(inner.bottom - rows * px * 1.75 - px * 1.6)


def _active(session: Session) -> set[str]:
    active = {"analysis"} if session.show_analysis else set()
    if session.step_mode:
        active.add("step")
    if session.paused:
        active.add("pause")
    return active


def _draw_seats(out: Writer, session: Session) -> None:
    out.text(session.game.spec.display_name, scale=1.45)
    for player in (0, 1):
        style = session.players[player]
        turn = not session.state.is_terminal() and session.mover == player
        y = out.y + out.px * 0.32
        if out.fits(out.px * 0.9):
            pygame.draw.circle(
                out.surface, style.fill, (out.rect.left + out.px * 0.35, y), out.px * 0.32
            )
            pygame.draw.circle(
                out.surface, style.edge, (out.rect.left + out.px * 0.35, y), out.px * 0.32, 2
            )
        name = f"{style.name} (to move)" if turn else style.name
        out.text(f"{name}: {seat_label(session, player)}", scale=0.9, x=out.px * 0.95)
    out.rule()


def _draw_systems(out: Writer, session: Session, analysis: Analysis) -> None:
    thinker = session.thinker
    has_network = session.has_network()
    if analysis.prior is not None and has_network:
        first = greedy_action(analysis.prior)
        out.text("System 1 (network alone)", theme.PRIOR, scale=0.9)
        prior = f"prior {100 * analysis.prior[first]:.0f}%"
        out.text(f"plays {move_name(session, first)}   {prior}", x=out.px * 0.8)
    elif analysis.prior is not None:
        out.text("System 1: no network (uniform prior)", theme.PRIOR, scale=0.9)
    if thinker is not None and thinker.can_step:
        sims, done = thinker.sims, thinker.sims_done
    else:  # a black-box agent: its analysis says how much it searched
        sims = done = int(analysis.visits.sum()) if analysis.visits is not None else 0
    if analysis.visits is None or sims == 0 and has_network:
        out.text("System 2 (search): off at 0 simulations", theme.MUTED, scale=0.9)
        return
    progress = f"{done:,}/{sims:,}" if done < sims else f"{sims:,}"
    what = "network + search" if has_network else "search"
    out.text(f"System 2 ({what}, {progress} sims)", theme.VISITS, scale=0.9)
    second = analysis.action
    q = analysis.q[second] if analysis.q is not None else math.nan
    q_text = "" if math.isnan(q) else f"   Q {signed(q)}"
    visits = plural(analysis.visits[second], "visit")
    out.text(f"plays {move_name(session, second)}   {visits}{q_text}", x=out.px * 0.8)
    if analysis.prior is None or done == 0 or not has_network:
        return
    verdict = session.verdict()
    if verdict is None:
        out.text(f"Verdict when the search is done ({done:,}/{sims:,})", theme.MUTED, scale=0.8)
        return
    text = verdict_line(verdict, lambda a: move_name(session, a))
    if verdict.kind == CHANGED:
        out.banner(text, theme.CHANGED)
    else:
        out.text(text, theme.UNDECIDED if verdict.kind == UNDECIDED else theme.AGREED, scale=0.9)
    reason = verdict_reason(verdict)
    if reason:
        out.text(reason, theme.MUTED, scale=0.75, x=out.px * 0.8)


def _draw_solver(out: Writer, session: Session) -> None:
    """ "Solver: x3 keeps the draw; the network's x4 loses" where the solver knows."""
    values = session.solver_values()
    if not values:
        if session.solver is not None and not session.state.is_terminal():
            out.text("Solver: working it out...", theme.MUTED, scale=0.8)
        return
    best = max(values.values())
    keepers = [move_name(session, a) for a, v in sorted(values.items()) if v == best]
    verb = "keeps" if len(keepers) == 1 else "keep"
    text = f"Solver: {', '.join(keepers)} {verb} the {outcome(best)}"
    analysis = session.analysis()
    if analysis is not None and analysis.prior is not None and session.has_network():
        first = greedy_action(analysis.prior)
        if values.get(first, best) < best:
            text += f"; the network's {move_name(session, first)} gets a {outcome(values[first])}"
    out.text(text, theme.TEXT, scale=0.8)


def _draw_values(out: Writer, session: Session, analysis: Analysis) -> None:
    """Tug-of-war bars: player 0's colour from the left, player 1's from the right."""
    gauges = [("Network", analysis.network_value, theme.PRIOR)] if session.has_network() else []
    if analysis.visits is not None and analysis.visits.sum() > 0:
        gauges.append(("Search", analysis.value, theme.VISITS))
    if not any(value is not None for _, value, _ in gauges):
        return
    out.text("Who is ahead (value, -1 to +1)", theme.MUTED, scale=0.8)
    for label, value, colour in gauges:
        if value is None or not out.fits(out.px * 0.9):
            continue
        v0 = value if session.mover == 0 else -value
        leader = session.players[0 if v0 >= 0 else 1].name
        out.text(label, colour, scale=0.85, advance=False)
        left = out.rect.left + out.px * 4.2
        width = out.rect.width - out.px * 9.0
        bar = pygame.Rect(
            round(left), round(out.y + out.px * 0.1), round(width), round(out.px * 0.6)
        )
        split = bar.left + bar.width * (1 + v0) / 2
        one, two = session.players
        pygame.draw.rect(out.surface, one.fill, (bar.left, bar.top, split - bar.left, bar.height))
        pygame.draw.rect(out.surface, two.fill, (split, bar.top, bar.right - split, bar.height))
        pygame.draw.rect(out.surface, theme.TEXT, bar, 2)
        pygame.draw.line(
            out.surface, theme.MUTED, (bar.centerx, bar.top - 4), (bar.centerx, bar.bottom + 4), 2
        )
        out.text(f"{leader} {abs(v0):.2f}", x=width + out.px * 4.6, scale=0.85)


def _draw_table(out: Writer, session: Session, analysis: Analysis) -> None:
    px = out.px
    columns = [0.0, 0.3, 0.62, 0.86]  # fractions of the width: move, prior, visits, Q
    has_prior = session.has_network() and analysis.prior is not None
    heads = [
        ("Move", theme.MUTED),
        ("Prior (S1)" if has_prior else "Prior: none", theme.PRIOR),
        ("Visits (S2)", theme.VISITS),
        ("Q", theme.MUTED),
    ]
    if not out.fits(px * 0.85):
        return
    out.cells(
        [(text, colour, frac) for (text, colour), frac in zip(heads, columns, strict=True)], 0.8
    )
    rows = move_rows(session, analysis)
    total = sum(r.visits or 0 for r in rows) or 1
    if analysis.visits is not None:
        total = max(1.0, float(analysis.visits.sum()))
    bar_w = out.rect.width * 0.24
    for row in rows:
        if not out.fits(px * 0.95):
            break
        y = out.y + px * 0.12
        # Bars are absolute shares (prior, fraction of all visits): a 20% prior is a fifth of a
        # bar, so a flat prior never looks like a confident one.
        if row.prior is not None:
            colour = theme.mix(theme.PANEL, theme.PRIOR, 0.45)
            x = out.rect.left + columns[1] * out.rect.width
            pygame.draw.rect(out.surface, colour, (x, y, bar_w * row.prior, px * 0.72))
        if row.visits:
            colour = theme.mix(theme.PANEL, theme.VISITS, 0.4)
            x = out.rect.left + columns[2] * out.rect.width
            pygame.draw.rect(out.surface, colour, (x, y, bar_w * row.visits / total, px * 0.72))
        texts = row.cells()
        out.cells(
            [(t, theme.TEXT, f) for t, f in zip(texts, columns, strict=True)], 0.85, px * 0.15
        )


def _line(session: Session, actions: tuple[Action, ...]) -> str:
    state = session.state.clone()
    names = []
    for action in actions[:8]:
        if state.is_terminal() or action not in state.legal_actions():
            break
        names.append(move_name(session, action, state))
        state.apply_action(action)
    return " ".join(names)


def _draw_last_move(out: Writer, session: Session) -> None:
    decision = session.last_decision()
    if decision is None or decision.analysis is None:
        return
    out.rule()
    before = session.game.state_from_actions(session.history[:-1])
    name = move_name(session, decision.action, before)
    who = session.players[decision.player].name
    searched = decision.analysis.visits is not None and decision.sims > 0
    verdict = decision.verdict
    if not decision.has_network:
        out.text(f"Last move: {who} {name} ({seat_label(session, decision.player)})", scale=0.85)
    elif verdict is not None and verdict.kind == CHANGED and verdict.system2 == decision.action:
        wanted = move_name(session, verdict.system1, before)
        out.text(f"Last move: {who} {name}: search overruled", theme.CHANGED, scale=0.85)
        out.text(f"the network, which wanted {wanted}", theme.CHANGED, scale=0.85)
    elif verdict is not None and verdict.kind == UNDECIDED:
        other = move_name(session, verdict.system1, before)
        out.text(f"Last move: {who} {name} (search, {decision.sims:,} sims)", scale=0.85)
        out.text(f"undecided against the network's {other}", theme.UNDECIDED, scale=0.8)
    else:
        how = f"search, {decision.sims:,} sims" if searched else "network alone"
        out.text(f"Last move: {who} {name} ({how})", scale=0.85)


def _draw_sims_line(surface, inner: pygame.Rect, top: int, px: float, session: Session) -> None:
    coach = session.coach()
    if coach is not None and not uses_network(coach):
        sims = "fixed by the agent"
    else:
        sims = "as in the agent specs" if session.sims is None else f"{session.sims:,}"
    modes = [f"Simulations: {sims}"]
    if session.step_mode:
        modes.append("step mode")
    if session.watch:
        modes.append(f"{WATCH_DELAYS[session.delay_index]:.1f} s/move")
    box = pygame.Rect(inner.left, top, inner.width, round(px * 1.3))
    theme.draw_text(surface, "   ".join(modes), px, theme.TEXT, box, midleft=box.midleft)
