"""The review on screen: the board at one position of the game, with the review panel beside it.

The panel shows the value curve of the game (System 1 orange, System 2 teal, the solver's value
as grey steps where it knows), the position on the board (the move played there, what each
system would have played, how much value it lost), the biggest mistakes and the list of moves.
A click on the curve, a mistake or a move jumps to that position with its analysis on the
board; Left and Right step through the game.
"""

from __future__ import annotations

import dataclasses
import math

import pygame

from agents.verdict import CHANGED, UNDECIDED
from games.geometry import board_geometry
from viz import theme
from viz.board import Overlay, draw_board
from viz.layout import board_aspect
from viz.outcome import winner, winning_cells
from viz.readout import spell
from viz.review import GameReview, MoveReview
from viz.screen import Frame, draw_legend, regions
from viz.theme import palette
from viz.wording import outcome, plural, signed, verdict_line
from viz.writer import Writer, draw_buttons

BUTTONS = [("first", "|<"), ("prev", "< Prev"), ("next", "Next >"), ("last", ">|"),
           ("back", "Back"), ("png", "Save PNG")]  # fmt: skip
LIST_ROWS = 8  # moves listed at once, around the current one


@dataclasses.dataclass
class ReviewScreen:
    """Which position of a reviewed game is on the board."""

    review: GameReview
    ply: int = 0
    can_go_back: bool = True  # "Back" returns to a game (else it quits, as `sandbox review`)

    def go(self, ply: int) -> None:
        self.ply = max(0, min(len(self.review.actions), ply))

    def step(self, delta: int) -> None:
        self.go(self.ply + delta)

    @property
    def is_go(self) -> bool:
        return self.review.game.spec.geometry == "go"

    def name(self, ply: int) -> str:
        """The name of the move played in position `ply`."""
        return spell(self.review.state(ply), self.review.actions[ply], self.is_go)

    def overlay(self) -> Overlay:
        """The position's analysis on the board, and the move that led to it."""
        position = self.review.positions[self.ply]
        state = self.review.state(self.ply)
        last = self.review.actions[self.ply - 1] if self.ply else None
        base = Overlay(last_move=last, winning=winning_cells(self.review.game, state))
        a = position.analysis
        if a is None:
            return base
        searched = a.visits is not None and a.visits.sum() > 0
        prior = a.prior if self.review.has_network else None
        return dataclasses.replace(
            base, prior=prior, visits=a.visits if searched else None, q=a.q,
            system1=a.network_action if prior is not None else None,
            system2=a.action if searched else None,
        )  # fmt: skip


def render_review(surface: pygame.Surface, screen: ReviewScreen) -> Frame:
    """Draws the board at the screen's position and the review panel."""
    review = screen.review
    surface.fill(theme.BACKGROUND)
    where = regions(surface.get_size(), board_aspect(board_geometry(review.game)))
    state = review.state(screen.ply)
    layout = draw_board(surface, tuple(where.board), review.game, state, screen.overlay())
    draw_legend(
        surface, where.legend, review.has_network, not board_geometry(review.game).places_stones
    )
    _draw_status(surface, where.status, screen)
    panel = where.panel
    pygame.draw.rect(surface, theme.PANEL, panel)
    one, two = min(panel.height / 34, panel.width / 20), min(panel.height / 19, panel.width / 40)
    is_wide = two > one  # two columns where they give the larger text (a panel under the board)
    px = max(one, two)
    inner = panel.inflate(-round(px * 1.4), -round(px * 0.8))
    per_row = len(BUTTONS) if is_wide else 3
    rows = math.ceil(len(BUTTONS) / per_row)
    controls = round(inner.bottom - rows * px * 1.75 - px * 1.6)
    if is_wide:
        half = round((inner.width - px) / 2)
        left = pygame.Rect(inner.left, inner.top, half, controls - inner.top)
        right = pygame.Rect(inner.right - half, inner.top, half, left.height)
    else:
        left = right = pygame.Rect(inner.left, inner.top, inner.width, controls - inner.top)
    hits: list[tuple[int, pygame.Rect]] = []
    out = Writer(surface, left, px)
    out.text(f"Review: {review.game.spec.display_name}", scale=1.3)
    out.text(_summary(review), theme.MUTED, scale=0.8)
    hits += _draw_chart(out, screen)
    _draw_position(out, screen)
    more = out if right == left else Writer(surface, right, px)
    hits += _draw_mistakes(more, screen)
    hits += _draw_moves(more, screen)
    labels = [(c, "Quit" if c == "back" and not screen.can_go_back else t) for c, t in BUTTONS]
    buttons = draw_buttons(surface, inner, controls, px, labels, per_row, set())
    return Frame(layout, buttons, hits)


def _summary(review: GameReview) -> str:
    final = review.state(len(review.actions))
    player = winner(final)
    names = palette(review.game.openspiel.get_type().short_name).players
    result = "unfinished" if not final.is_terminal() else "draw"
    if player is not None:
        result = f"{names[player].name} wins"
    solver = ", solver-checked" if review.has_solver else ""
    search = f"System 2 at {review.sims:,} sims" if review.sims else "System 1 only"
    return f"{plural(len(review.actions), 'move')}, {result}; {search}{solver}"


def _draw_status(surface: pygame.Surface, rect: pygame.Rect, screen: ReviewScreen) -> None:
    n = len(screen.review.actions)
    text = "Start of the game" if screen.ply == 0 else f"After move {screen.ply} of {n}"
    if screen.ply < n:
        player = screen.review.moves[screen.ply].player
        names = palette(screen.review.game.openspiel.get_type().short_name).players
        text += f": {names[player].name} to play"
    elif n:
        text = f"Final position (move {n})"
    pad = round(rect.height * 0.25)
    top = pygame.Rect(
        pad, rect.top + round(rect.height * 0.08), rect.width - 2 * pad, round(rect.height * 0.45)
    )
    theme.draw_text(surface, text, rect.height * 0.4, theme.TEXT, top, midleft=top.midleft)
    low = pygame.Rect(pad, top.bottom, top.width, rect.bottom - top.bottom)
    hint = "Left / Right step, click a move or the curve, Esc goes back"
    theme.draw_text(surface, hint, rect.height * 0.28, theme.MUTED, low, midleft=low.midleft)


def _draw_chart(out: Writer, screen: ReviewScreen) -> list[tuple[int, pygame.Rect]]:
    """The value curve for player 0: +1 at the top; one clickable column per position."""
    review = screen.review
    height = out.rect.height * 0.24
    if not out.fits(height + out.px):
        return []
    names = palette(review.game.openspiel.get_type().short_name).players
    label = f"Value for {names[0].name} (+1) against {names[1].name} (-1)"
    out.text(label, theme.MUTED, scale=0.75)
    box = pygame.Rect(out.rect.left, round(out.y), out.rect.width, round(height))
    pygame.draw.rect(out.surface, theme.BACKGROUND, box)
    pygame.draw.line(out.surface, theme.RULE, box.midleft, box.midright, 2)
    count = len(review.positions)
    xs = [box.left + box.width * (i + 0.5) / count for i in range(count)]

    def y_of(v: float) -> float:
        return box.centery - v * (box.height / 2 - 3)

    if review.has_solver:
        solved = [p.solver for p in review.positions]
        for i, values in enumerate(solved):
            if values:
                v = max(values.values()) * (1 if review.positions[i].mover == 0 else -1)
                pygame.draw.rect(out.surface, theme.RULE, (xs[i] - 3, y_of(v) - 3, 7, 7))
    for system, colour in ((1, theme.PRIOR), (2, theme.VISITS)):
        if system == 1 and not review.has_network:
            continue
        points = [(xs[i], y_of(v)) for i, v in enumerate(review.curve(system)) if v is not None]
        if len(points) > 1:
            pygame.draw.lines(out.surface, colour, False, points, 3)
    x = xs[screen.ply]
    pygame.draw.line(out.surface, theme.TEXT, (x, box.top), (x, box.bottom), 2)
    pygame.draw.rect(out.surface, theme.RULE, box, 1)
    out.y = box.bottom + out.px * 0.3
    out.text("orange System 1, teal System 2" + (", grey solver" if review.has_solver else ""),
             theme.MUTED, scale=0.7)  # fmt: skip
    edges = [box.left + box.width * i / count for i in range(count + 1)]
    widths = [max(1, round(edges[i + 1] - edges[i])) for i in range(count)]
    return [(i, pygame.Rect(round(edges[i]), box.top, widths[i], box.height)) for i in range(count)]


def _draw_position(out: Writer, screen: ReviewScreen) -> None:
    """The move played in the position on the board and what each system makes of it."""
    review = screen.review
    out.rule()
    names = palette(review.game.openspiel.get_type().short_name).players
    if screen.ply == len(review.actions):
        out.text("Final position", scale=0.9)
        return
    move = review.moves[screen.ply]
    position = review.positions[screen.ply]
    name = screen.name(screen.ply)
    out.text(f"Move {screen.ply + 1}: {names[move.player].name} played {name}", scale=0.9)
    out.text(_loss_text(move), theme.CHANGED if move.is_mistake else theme.MUTED, scale=0.8)
    a = position.analysis
    state = review.state(screen.ply)
    if move.system1 is not None and a is not None and a.prior is not None:
        prior = f"{100 * a.prior[move.system1]:.0f}%"
        out.text(f"System 1 would play {spell(state, move.system1, screen.is_go)} ({prior})",
                 theme.PRIOR, scale=0.8)  # fmt: skip
    if move.system2 is not None and a is not None and a.visits is not None:
        visits = plural(a.visits[move.system2], "visit")
        out.text(f"System 2 would play {spell(state, move.system2, screen.is_go)} ({visits}, "
                 f"value {signed(a.value)})", theme.VISITS, scale=0.8)  # fmt: skip
    verdict = position.verdict
    if verdict is not None:
        colour = {CHANGED: theme.CHANGED, UNDECIDED: theme.UNDECIDED}.get(
            verdict.kind, theme.AGREED
        )
        out.text(verdict_line(verdict, lambda m: spell(state, m, screen.is_go)), colour, scale=0.8)
    if position.solver:
        best = max(position.solver.values())
        keep = [
            spell(state, m, screen.is_go) for m, v in sorted(position.solver.items()) if v == best
        ]
        verb = "keeps" if len(keep) == 1 else "keep"
        out.text(f"Solver: {', '.join(keep)} {verb} the {outcome(best)}", scale=0.8)


def _loss_text(move: MoveReview) -> str:
    parts = []
    if move.loss is not None:
        parts.append(f"lost {move.loss:.2f} of value" if move.loss > 0.005 else "lost no value")
    if move.solver_loss is not None:
        before, after = outcome(move.solver_before or 0), outcome(move.solver_after or 0)
        parts.append(
            f"solver: {before} -> {after}" if move.solver_loss else f"solver: keeps the {before}"
        )
    return "; ".join(parts) or "no analysis"


def _draw_mistakes(out: Writer, screen: ReviewScreen) -> list[tuple[int, pygame.Rect]]:
    review = screen.review
    out.rule()
    mistakes = review.mistakes()
    out.text("Biggest mistakes" if mistakes else "No mistakes found", theme.MUTED, scale=0.8)
    names = palette(review.game.openspiel.get_type().short_name).players
    hits = []
    for move in mistakes:
        who = f"{names[move.player].name} {screen.name(move.ply)}"
        text = f"Move {move.ply + 1} {who}: {_loss_text(move)}"
        rect = out.text(text, theme.CHANGED, scale=0.8, x=out.px * 0.5)
        if rect is not None:
            hits.append(
                (move.ply, pygame.Rect(out.rect.left, rect.top, out.rect.width, rect.height))
            )
    return hits


def _draw_moves(out: Writer, screen: ReviewScreen) -> list[tuple[int, pygame.Rect]]:
    """A window of the move list around the position on the board; each row is clickable."""
    review = screen.review
    out.rule()
    columns = [0.0, 0.12, 0.42, 0.6, 0.78]
    heads = ["#", "Played", "S1", "S2", "Lost"]
    out.cells([(h, theme.MUTED, f) for h, f in zip(heads, columns, strict=True)], 0.75)
    n = len(review.moves)
    start = max(0, min(screen.ply - LIST_ROWS // 2, n - LIST_ROWS))
    hits = []
    for move in review.moves[start : start + LIST_ROWS]:
        if not out.fits(out.px * 0.95):
            break
        top = round(out.y)
        if move.ply == screen.ply:
            pygame.draw.rect(
                out.surface,
                theme.BUTTON_ON,
                (out.rect.left, top, out.rect.width, round(out.px * 0.9)),
            )
        state = review.state(move.ply)
        s1 = "-" if move.system1 is None else spell(state, move.system1, screen.is_go)
        s2 = "-" if move.system2 is None else spell(state, move.system2, screen.is_go)
        lost = "" if move.loss is None else f"{max(0.0, move.loss):.2f}"
        if move.solver_loss:
            lost += " !" * move.solver_loss
        colour = theme.CHANGED if move.is_mistake else theme.TEXT
        row = [str(move.ply + 1), screen.name(move.ply), s1, s2, lost]
        out.cells([(t, colour, f) for t, f in zip(row, columns, strict=True)], 0.8)
        hits.append((move.ply, pygame.Rect(out.rect.left, top, out.rect.width, round(out.y) - top)))
    return hits
