"""The analysis panel beside the board: System 1 against System 2 for the position on screen.

Top to bottom: the players; the move each system picks, with a red "search changed the move"
banner when they differ; a value gauge for the network and for the search; the candidate moves
with the network's prior (orange bars, the heatmap's colour) beside the search's visits (teal
bars, the badges' colour) and Q; the principal variation; the last move; the controls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pygame

from agents.base import Analysis, greedy_action
from games.game import Action
from viz import theme
from viz.session import WATCH_DELAYS, Session, uses_network


@dataclass(frozen=True)
class MoveRow:
    """One candidate move as the panel lists it."""

    action: Action
    name: str
    prior: float | None  # System 1's probability
    visits: int | None  # System 2's visit count
    q: float | None  # System 2's Q from the mover's view (None when unvisited)

    def cells(self) -> tuple[str, str, str, str]:
        """The row's text exactly as drawn: move, prior %, visits, Q."""
        prior = "-" if self.prior is None else f"{100 * self.prior:.0f}%"
        visits = "-" if self.visits is None else str(self.visits)
        q = "" if self.q is None else f"{self.q:+.2f}"
        return (self.name, prior, visits, q)


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
                session.move_name(a),
                None if prior is None else float(prior[a]),
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
        if (session.watch)
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
        ("help", "Help"),
    ]
    return items


class _Writer:
    """Lays text out top to bottom in a column."""

    def __init__(self, surface: pygame.Surface, rect: pygame.Rect, px: float):
        self.surface, self.rect, self.px = surface, rect, px
        self.y = rect.top + px * 0.6

    def text(
        self, text: str, colour=theme.TEXT, scale: float = 1.0, x: float = 0, advance: bool = True
    ) -> pygame.Rect:
        font = theme.font(self.px * scale)
        room = self.rect.width - x
        if font.size(text)[0] > room:  # long agent specs and lines: cut with an ellipsis
            while len(text) > 1 and font.size(text + "...")[0] > room:
                text = text[:-1]
            text += "..."
        image = font.render(text, True, colour)
        box = self.surface.blit(image, (self.rect.left + x, self.y))
        if advance:
            self.y += image.get_height() + self.px * 0.2
        return box

    def rule(self) -> None:
        self.y += self.px * 0.25
        pygame.draw.line(
            self.surface, theme.RULE, (self.rect.left, self.y), (self.rect.right, self.y), 2
        )
        self.y += self.px * 0.45


def draw_panel(
    surface: pygame.Surface, rect: pygame.Rect, session: Session
) -> list[tuple[str, pygame.Rect]]:
    """Draws the panel into `rect`; returns the buttons' (command, rect) for hit tests."""
    pygame.draw.rect(surface, theme.PANEL, rect)
    px = min(rect.height / 27, rect.width / 17)
    inner = rect.inflate(-px * 1.4, -px * 0.8)
    out = _Writer(surface, inner, px)
    out.text(session.game.spec.display_name, scale=1.45)
    for player in (0, 1):
        style = session.players[player]
        turn = not session.state.is_terminal() and session.mover == player
        y = out.y + px * 0.32
        pygame.draw.circle(surface, style.fill, (inner.left + px * 0.35, y), px * 0.32)
        pygame.draw.circle(surface, style.edge, (inner.left + px * 0.35, y), px * 0.32, 2)
        name = f"{style.name} (to move)" if turn else style.name
        out.text(f"{name}: {session.seat_label(player)}", scale=0.9, x=px * 0.95)
    out.rule()
    analysis = session.analysis() if session.show_analysis else None
    if analysis is None:
        note = "Analysis hidden (A shows it)" if not session.show_analysis else "No analysis"
        note = "Thinking..." if session.show_analysis and session.thinker is not None else note
        out.text(note if not session.state.is_terminal() else "Game over", theme.MUTED)
    else:
        _draw_systems(out, session, analysis)
        out.rule()
        if _draw_values(out, session, analysis):
            out.rule()
        _draw_table(out, session, analysis)
        if analysis.pv:
            out.text("Best line: " + _line(session, analysis.pv), scale=0.85)
    _draw_last_move(out, session)
    return _draw_controls(surface, inner, out, session)


def _draw_systems(out: _Writer, session: Session, analysis: Analysis) -> None:
    thinker = session.thinker
    has_network = session.has_network()
    if analysis.prior is not None and has_network:
        first = greedy_action(analysis.prior)
        out.text("System 1 (network alone)", theme.PRIOR, scale=0.9)
        out.text(
            f"plays {session.move_name(first)}   prior {100 * analysis.prior[first]:.0f}%",
            x=out.px * 0.8,
        )
    elif analysis.prior is not None:
        out.text("System 1: no network (uniform prior)", theme.PRIOR, scale=0.9)
    if thinker is not None and thinker.can_step:
        sims, done = thinker.sims, thinker.sims_done
    else:  # a black-box agent: its analysis says how much it searched
        sims = done = int(analysis.visits.sum()) if analysis.visits is not None else 0
    if analysis.visits is None or sims == 0 and has_network:
        out.text("System 2 (search): off at 0 simulations", theme.MUTED, scale=0.9)
        return
    progress = f"{done}/{sims}" if done < sims else f"{sims}"
    what = "network + search" if has_network else "search"
    out.text(f"System 2 ({what}, {progress} sims)", theme.VISITS, scale=0.9)
    second = analysis.action
    q = analysis.q[second] if analysis.q is not None else math.nan
    q_text = "" if math.isnan(q) else f"   Q {q:+.2f}"
    out.text(
        f"plays {session.move_name(second)}   {int(analysis.visits[second])} visits{q_text}",
        x=out.px * 0.8,
    )
    if analysis.prior is None or done == 0 or not has_network:
        return
    changed = second != greedy_action(analysis.prior)
    colour = theme.CHANGED if changed else theme.AGREED
    text = "SEARCH CHANGED THE MOVE" if changed else "Search agrees with the network"
    image = theme.font(out.px * 1.0).render(text, True, (255, 255, 255))
    box = image.get_rect(topleft=(out.rect.left, out.y)).inflate(out.px * 0.8, out.px * 0.4)
    box.topleft = (out.rect.left, out.y)
    pygame.draw.rect(out.surface, colour, box, border_radius=round(out.px * 0.3))
    out.surface.blit(image, image.get_rect(center=box.center))
    out.y = box.bottom + out.px * 0.3


def _draw_values(out: _Writer, session: Session, analysis: Analysis) -> bool:
    """Tug-of-war bars: player 0's colour from the left, player 1's from the right.

    Returns whether anything was drawn (no network and no search: nothing to say)."""
    gauges = [("Network", analysis.network_value, theme.PRIOR)] if session.has_network() else []
    if analysis.visits is not None and analysis.visits.sum() > 0:
        gauges.append(("Search", analysis.value, theme.VISITS))
    if not any(value is not None for _, value, _ in gauges):
        return False
    out.text("Who is ahead (value, -1 to +1)", theme.MUTED, scale=0.8)
    for label, value, colour in gauges:
        if value is None:
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
    return True


def _draw_table(out: _Writer, session: Session, analysis: Analysis) -> None:
    px = out.px
    columns = [0.0, 0.3, 0.62, 0.88]  # fractions of the width: move, prior, visits, Q
    heads = [
        ("Move", theme.MUTED),
        ("Prior (S1)", theme.PRIOR),
        ("Visits (S2)", theme.VISITS),
        ("Q", theme.MUTED),
    ]
    for (text, colour), frac in zip(heads, columns, strict=True):
        out.text(text, colour, scale=0.8, x=frac * out.rect.width, advance=False)
    out.y += px * 0.85
    rows = move_rows(session, analysis)
    max_visits = max((r.visits or 0 for r in rows), default=0)
    max_prior = max((r.prior or 0.0 for r in rows), default=0.0)
    bar_w = out.rect.width * 0.25
    for row in rows:
        cells = row.cells()
        y = out.y + px * 0.12
        if row.prior is not None and max_prior > 0:
            w = bar_w * row.prior / max_prior
            pygame.draw.rect(
                out.surface,
                theme.mix(theme.PANEL, theme.PRIOR, 0.45),
                (out.rect.left + columns[1] * out.rect.width, y, w, px * 0.72),
            )
        if row.visits is not None and max_visits > 0:
            w = bar_w * row.visits / max_visits
            pygame.draw.rect(
                out.surface,
                theme.mix(theme.PANEL, theme.VISITS, 0.4),
                (out.rect.left + columns[2] * out.rect.width, y, w, px * 0.72),
            )
        for text, frac in zip(cells, columns, strict=True):
            out.text(text, scale=0.85, x=frac * out.rect.width + px * 0.15, advance=False)
        out.y += px * 0.95


def _line(session: Session, actions: tuple[Action, ...]) -> str:
    state = session.state.clone()
    names = []
    for action in actions[:8]:
        if state.is_terminal() or action not in state.legal_actions():
            break
        names.append(session.move_name(action, state))
        state.apply_action(action)
    return " ".join(names)


def _draw_last_move(out: _Writer, session: Session) -> None:
    decision = session.last_decision()
    if decision is None or decision.analysis is None:
        return
    out.rule()
    before = session.game.state_from_actions(session.history[:-1])
    name = session.move_name(decision.action, before)
    who = session.players[decision.player].name
    prior = decision.analysis.prior
    searched = decision.analysis.visits is not None and decision.sims > 0
    if not decision.has_network:
        out.text(f"Last move: {who} {name} ({session.seat_label(decision.player)})", scale=0.85)
    elif prior is not None and searched and greedy_action(prior) != decision.action:
        wanted = session.move_name(greedy_action(prior), before)
        out.text(f"Last move: {who} {name}: search overruled", theme.CHANGED, scale=0.85)
        out.text(f"the network, which wanted {wanted}", theme.CHANGED, scale=0.85)
    else:
        how = f"search, {decision.sims} sims" if searched else "network alone"
        out.text(f"Last move: {who} {name} ({how})", scale=0.85)


def _draw_controls(
    surface, inner: pygame.Rect, out: _Writer, session: Session
) -> list[tuple[str, pygame.Rect]]:
    """Simulation count, mode line and a grid of buttons, pinned to the panel's bottom."""
    px = out.px
    items = buttons(session)
    per_row = 4
    rows = math.ceil(len(items) / per_row)
    height = px * 1.5
    top = inner.bottom - rows * (height + px * 0.25) - px * 0.2
    coach = session.coach()
    if coach is not None and not uses_network(coach):
        sims = "fixed by the agent"
    else:
        sims = "as in the agent specs" if session.sims is None else str(session.sims)
    modes = [f"Simulations: {sims}"]
    if session.step_mode:
        modes.append("step mode")
    if session.watch:
        modes.append(f"{WATCH_DELAYS[session.delay_index]:.1f} s/move")
    label = theme.font(px * 1.0).render("   ".join(modes), True, theme.TEXT)
    surface.blit(label, (inner.left, top - label.get_height() - px * 0.35))
    width = (inner.width - (per_row - 1) * px * 0.3) / per_row
    hits = []
    for i, (command, text) in enumerate(items):
        r, c = divmod(i, per_row)
        box = pygame.Rect(
            round(inner.left + c * (width + px * 0.3)),
            round(top + r * (height + px * 0.25)),
            round(width),
            round(height),
        )
        active = (
            (command == "step" and session.step_mode)
            or (command == "analysis" and session.show_analysis)
            or (command == "pause" and session.paused)
        )
        pygame.draw.rect(surface, theme.BUTTON_ON if active else theme.BUTTON, box, border_radius=6)
        pygame.draw.rect(surface, theme.BUTTON_EDGE, box, 2, border_radius=6)
        image = theme.font(px * 0.82).render(text, True, theme.TEXT)
        surface.blit(image, image.get_rect(center=box.center))
        hits.append((command, box))
    return hits
