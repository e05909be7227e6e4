"""One frame of the viewer: where the status line, board, legend and panel go, and drawing them.

The regions depend on the window's size alone, never on what the analysis holds at the moment,
so the board keeps its size between moves and at game over. A landscape window puts the panel
on the right; a portrait one (narrower than tall) puts it under the board. Every text goes
through `theme.draw_text` with its region as the box, so nothing is cut at an odd window size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pygame

from viz import theme
from viz.board import draw_board
from viz.layout import BoardLayout, board_aspect
from viz.panel import draw_panel
from viz.readout import overlay, passed, result_text
from viz.session import Session

HELP = [
    ("Click", "play a move (Breakthrough: your piece, then its square)"),
    ("U / Backspace", "undo your last move"),
    ("N", "new game"),
    ("X", "swap sides with the agent"),
    ("Up / Down, + / -", "more / fewer simulations (0 = System 1 alone)"),
    ("S", "step mode: the search waits for you"),
    ("Right", "step mode: one more simulation (Shift: ten)"),
    ("Enter", "finish the search and play its move"),
    ("Space", "watch: pause / resume"),
    ("Right (paused)", "watch: next move"),
    ("[ / ]", "watch: slower / faster"),
    ("A", "show / hide the analysis"),
    ("P", "pass (Go)"),
    ("R", "review the game: value curve, mistakes, every move"),
    ("Left / Right", "review: previous / next position (Home / End)"),
    ("G", "save the game for `sandbox review`"),
    ("C / F12", "save the screen as PNG"),
    ("H / F1", "this help"),
    ("Esc / Q", "close help, leave the review, quit (asks first)"),
]


@dataclass(frozen=True)
class Regions:
    """Where each part of a frame goes in a window of one size."""

    status: pygame.Rect
    board: pygame.Rect
    legend: pygame.Rect
    panel: pygame.Rect


@dataclass(frozen=True)
class Frame:
    """Where things landed in the last drawn frame, for hit tests."""

    board: BoardLayout | None
    buttons: list[tuple[str, pygame.Rect]]
    moves: list[tuple[int, pygame.Rect]] = field(default_factory=list)  # review: (ply, rect)


def regions(size: tuple[int, int], aspect: float = 1.0) -> Regions:
    """Status strip and board (with its legend) beside the panel, or above it when portrait.

    `aspect` (the board's height over width, `layout.board_aspect`) lets a portrait window give
    the panel what a wide, low board does not need; it never changes between frames of a game.
    """
    w, h = size
    if w < h:
        wanted = (w * 0.96) * aspect / 0.82  # the board at full width plus strip and legend
        top = round(min(max(wanted, h * 0.4), h * 0.6))
        panel = pygame.Rect(0, top, w, h - top)
        area_w, area_h = w, panel.top
    else:
        panel_w = int(min(max(0.36 * w, 400), 0.5 * w))
        panel = pygame.Rect(w - panel_w, 0, panel_w, h)
        area_w, area_h = w - panel_w, h
    strip = round(area_h * 0.11)
    legend = round(area_h * 0.05)
    margin = round(area_h * 0.02)
    status = pygame.Rect(0, 0, area_w, strip)
    board = pygame.Rect(margin, strip, area_w - 2 * margin, area_h - strip - legend - margin)
    return Regions(status, board, pygame.Rect(margin, board.bottom, board.width, legend), panel)


def render_frame(
    surface: pygame.Surface, session: Session, show_help: bool = False, asking: str = ""
) -> Frame:
    """Draws board, status strip, legend, panel (and help, or a question) filling `surface`."""
    surface.fill(theme.BACKGROUND)
    where = regions(surface.get_size(), board_aspect(session.geometry))
    layout = draw_board(surface, tuple(where.board), session.game, session.state, overlay(session))
    if session.show_analysis:  # what the legend says depends on the seats, not the moment
        networks = any(getattr(agent, "has_network", False) for agent in session.agents)
        draw_legend(surface, where.legend, networks, not session.geometry.places_stones)
    draw_status(surface, where.status, session)
    hits = draw_panel(surface, where.panel, session)
    if show_help:
        draw_help(surface)
    if asking:
        draw_question(surface, asking)
    return Frame(layout, hits)


def status_lines(session: Session) -> tuple[str, theme.Colour, str]:
    """(what is happening, its colour, a second line) for the strip above the board."""
    state = session.state
    second = ""
    if state.is_terminal():
        return (
            f"Game over: {result_text(session)}",
            theme.TEXT,
            "R reviews the game, N starts a new one",
        )
    style = session.players[session.mover]
    agent = session.agents[session.mover]
    colour = style.edge if style.fill[0] > 200 and style.fill[1] > 200 else style.fill
    thinker = session.thinker
    if agent is None:
        text = f"Your move ({style.name}): {_how_to_move(session)}"
        text = text if not session.watch else f"{style.name} to move"
    elif thinker is not None and thinker.can_step and thinker.sims:
        text = f"{style.name} is thinking: {thinker.sims_done:,}/{thinker.sims:,} simulations"
        if thinker.done:
            text = f"{style.name} to move: searched {thinker.sims:,} simulations"
            second = "Enter plays" if session.step_mode else ""
        elif session.step_mode:
            second = "Step mode: Right adds a simulation, Enter finishes"
    elif thinker is not None and thinker.done:
        text = f"{style.name} to move"
    else:
        text = f"{style.name} is thinking..."
    if session.watch and session.paused:
        text, second = f"Paused: {text}", "Space resumes, Right plays one move"
    return text, colour, second or passed(session)


def draw_status(surface: pygame.Surface, rect: pygame.Rect, session: Session) -> None:
    """The line saying what is happening, and the hint (or a second line) under it."""
    text, colour, second = status_lines(session)
    pad = round(rect.height * 0.25)
    inner = rect.inflate(-2 * pad, 0)
    top = pygame.Rect(
        inner.left, rect.top + round(rect.height * 0.08), inner.width, round(rect.height * 0.45)
    )
    theme.draw_text(surface, text, rect.height * 0.4, colour, top, midleft=top.midleft)
    low = pygame.Rect(inner.left, top.bottom, inner.width, rect.bottom - top.bottom)
    px = rect.height * 0.3
    if session.hint:
        face = theme.fitting_font(session.hint, px, low.width - px * 0.6)
        box = pygame.Rect(
            (0, 0), face.size(theme.shorten(session.hint, face, low.width - px * 0.6))
        )
        box.midleft = (low.left + round(px * 0.3), low.centery)
        back = box.inflate(round(px * 0.6), round(px * 0.3)).clip(low)
        ink, fill = (
            (theme.HINT, theme.HINT_BG) if session.hint_is_error else (theme.INFO, theme.INFO_BG)
        )
        pygame.draw.rect(surface, fill, back, border_radius=6)
        theme.draw_text(
            surface, session.hint, px, ink, back.inflate(-round(px * 0.4), 0), center=back.center
        )
    elif second:
        theme.draw_text(surface, second, px, theme.MUTED, low, midleft=(low.left, low.centery))


def _how_to_move(session: Session) -> str:
    geometry = session.geometry
    if geometry.kind == "columns":
        return "click a column"
    if not geometry.places_stones:
        return "click a piece, then its square"
    return "click an empty point" if geometry.kind == "go" else "click an empty cell"


def draw_legend(
    surface: pygame.Surface, rect: pygame.Rect, has_network: bool, is_piece_game: bool
) -> None:
    """Says which mark is which system, right under the board; shrinks to fit its strip."""
    parts = (
        [("Orange wash", theme.PRIOR, ": network's prior (System 1)     ")] if has_network else []
    )
    if is_piece_game:
        parts.append(
            ("Teal numbers", theme.VISITS, ": each move's visits, on its piece's side (System 2)")
        )
    else:
        parts.append(("Teal numbers", theme.VISITS, ": search visits, Q below (System 2)"))
    words: list[tuple[str, theme.Colour]] = []
    for bold, colour, rest in parts:
        words += [(bold, colour), (rest, theme.MUTED)]
    joined = "".join(text for text, _ in words)
    size = theme.fitting_size(joined, rect.height * 0.55, rect.width)
    face = theme.font(size)
    x = rect.centerx - face.size(joined)[0] / 2
    for text, colour in words:
        box = pygame.Rect(round(x), rect.top, max(1, rect.right - round(x)), rect.height)
        drawn = theme.draw_text(
            surface, text, size, colour, box.clip(rect), midleft=(round(x), rect.centery)
        )
        x = drawn.right


def draw_help(surface: pygame.Surface) -> None:
    """The keys on a card over a shaded window; sized from both width and height."""
    w, h = surface.get_size()
    shade = pygame.Surface((w, h), pygame.SRCALPHA)
    shade.fill((0, 0, 0, 150))
    surface.blit(shade, (0, 0))
    px = min(h / (len(HELP) + 5) * 0.8, w / 34)
    card = pygame.Rect(0, 0, round(min(w * 0.94, px * 34)), round(px * (len(HELP) + 3.2)))
    card.center = (w // 2, h // 2)
    pygame.draw.rect(surface, theme.PANEL, card, border_radius=12)
    inner = card.inflate(-round(px * 1.6), -round(px * 0.8))
    title = pygame.Rect(inner.left, inner.top, inner.width, round(px * 1.5))
    theme.draw_text(
        surface, "Keys  (H closes this help)", px * 1.3, theme.TEXT, title, midleft=title.midleft
    )
    keys_w = round(inner.width * 0.3)
    for i, (keys, what) in enumerate(HELP):
        y = round(card.top + px * (2.2 + i))
        left = pygame.Rect(inner.left, y, keys_w - round(px * 0.4), round(px))
        right = pygame.Rect(inner.left + keys_w, y, inner.width - keys_w, round(px))
        theme.draw_text(surface, keys, px, theme.VISITS, left, topleft=left.topleft)
        theme.draw_text(surface, what, px, theme.TEXT, right, topleft=right.topleft)


def draw_question(surface: pygame.Surface, question: str) -> None:
    """A small card in the middle: "Quit the viewer?" and how to answer."""
    w, h = surface.get_size()
    px = min(h / 16, w / 22)
    card = pygame.Rect(0, 0, round(min(w * 0.9, px * 20)), round(px * 3.6))
    card.center = (w // 2, h // 2)
    pygame.draw.rect(surface, theme.PANEL, card, border_radius=12)
    pygame.draw.rect(surface, theme.CHANGED, card, 3, border_radius=12)
    inner = card.inflate(-round(px), -round(px * 0.6))
    top, low = inner.copy(), inner.copy()
    top.height = low.height = inner.height // 2
    low.top = top.bottom
    theme.draw_text(surface, question, px * 1.2, theme.TEXT, top, center=top.center)
    answer = "Esc or Q again quits; any other key goes back"
    theme.draw_text(surface, answer, px * 0.8, theme.MUTED, low, center=low.center)
