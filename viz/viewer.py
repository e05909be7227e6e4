"""The pygame window: turns mouse and key events into `Session` calls and draws each frame.

The loop never waits on an agent: each frame handles every pending event, lets the session think
for a slice of at most `THINK_SLICE` seconds, then redraws. A 1,000-simulation search thus
spreads over many frames while clicks, keys and resizes are still answered.

`render_frame` draws a whole frame onto any surface, so `save_screenshot` needs no display.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pygame

from viz import theme
from viz.board import draw_board
from viz.layout import BoardLayout
from viz.panel import draw_panel
from viz.session import Session

THINK_SLICE = 0.03  # seconds of search per frame: keeps the window at ~30 frames per second
DEFAULT_SIZE = (1280, 800)

KEYS: dict[int, str] = {
    pygame.K_u: "undo",
    pygame.K_BACKSPACE: "undo",
    pygame.K_n: "new",
    pygame.K_x: "swap",
    pygame.K_UP: "sims+",
    pygame.K_EQUALS: "sims+",
    pygame.K_PLUS: "sims+",
    pygame.K_KP_PLUS: "sims+",
    pygame.K_DOWN: "sims-",
    pygame.K_MINUS: "sims-",
    pygame.K_KP_MINUS: "sims-",
    pygame.K_s: "step",
    pygame.K_RIGHT: "sim1",
    pygame.K_RETURN: "play",
    pygame.K_KP_ENTER: "play",
    pygame.K_SPACE: "pause",
    pygame.K_LEFTBRACKET: "slower",
    pygame.K_RIGHTBRACKET: "faster",
    pygame.K_a: "analysis",
    pygame.K_p: "pass",
    pygame.K_c: "png",
    pygame.K_F12: "png",
    pygame.K_h: "help",
    pygame.K_F1: "help",
    pygame.K_SLASH: "help",
    pygame.K_ESCAPE: "escape",
    pygame.K_q: "quit",
}

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
    ("C / F12", "save the screen as PNG"),
    ("H / F1", "this help"),
    ("Esc / Q", "close help / quit"),
]


@dataclass(frozen=True)
class Frame:
    """Where things landed in the last drawn frame, for hit tests."""

    board: BoardLayout
    buttons: list[tuple[str, pygame.Rect]]


def render_frame(surface: pygame.Surface, session: Session, show_help: bool = False) -> Frame:
    """Draws board, status strip, panel (and help) filling `surface`."""
    w, h = surface.get_size()
    surface.fill(theme.BACKGROUND)
    panel_w = int(min(max(0.36 * w, 400), 0.5 * w))
    panel = pygame.Rect(w - panel_w, 0, panel_w, h)
    strip = h * 0.11
    margin = h * 0.02
    legend = h * 0.05 if session.show_analysis and session.thinker is not None else 0.0
    board_rect = (margin, strip, w - panel_w - 2 * margin, h - strip - margin - legend)
    layout = draw_board(surface, board_rect, session.game, session.state, session.overlay())
    if legend:
        legend_rect = pygame.Rect(margin, h - legend - margin, board_rect[2], legend)
        _draw_legend(surface, legend_rect, session.has_network())
    _draw_status(surface, pygame.Rect(0, 0, w - panel_w, strip), session)
    if session.result_text():
        _draw_result(surface, pygame.Rect(board_rect), session.result_text() or "")
    hits = draw_panel(surface, panel, session)
    if show_help:
        _draw_help(surface)
    return Frame(layout, hits)


def _draw_status(surface: pygame.Surface, rect: pygame.Rect, session: Session) -> None:
    """One line saying what is happening, and the latest hint under it."""
    px = rect.height * 0.4
    thinker = session.thinker
    state = session.state
    if state.is_terminal():
        text, colour = f"Game over: {session.result_text()}", theme.TEXT
    else:
        style = session.players[session.mover]
        agent = session.agents[session.mover]
        colour = style.edge if style.fill[0] > 200 and style.fill[1] > 200 else style.fill
        if agent is None:
            text = f"Your move ({style.name}): {_how_to_move(session)}"
            text = text if not session.watch else f"{style.name} to move"
        elif thinker is not None and thinker.can_step and thinker.sims:
            text = f"{style.name} is thinking: {thinker.sims_done}/{thinker.sims} simulations"
            if thinker.done:
                text = f"{style.name} to move: searched {thinker.sims} simulations"
            if session.step_mode and thinker.done:
                text += ", Enter plays"
        elif thinker_done(session):
            text = f"{style.name} to move"
        else:
            text = f"{style.name} is thinking..."
        if session.watch and session.paused:
            text = "Paused: Space resumes, Right plays one move. " + text
        elif session.step_mode and agent is not None and not thinker_done(session):
            text += "  (step mode: Right)"
    image = theme.font(px).render(text, True, colour)
    surface.blit(
        image, image.get_rect(midleft=(rect.left + rect.height * 0.25, rect.top + px * 0.9))
    )
    if session.hint:
        hint = theme.font(px * 0.8).render(session.hint, True, theme.HINT)
        box = hint.get_rect(midleft=(rect.left + rect.height * 0.25, rect.top + px * 2.1))
        pygame.draw.rect(surface, theme.HINT_BG, box.inflate(px * 0.6, px * 0.3), border_radius=6)
        surface.blit(hint, box)


def _how_to_move(session: Session) -> str:
    geometry = session.geometry
    if geometry.kind == "columns":
        return "click a column"
    if not geometry.places_stones:
        return "click a piece, then its square"
    return "click an empty point" if geometry.kind == "go" else "click an empty cell"


def _draw_legend(surface: pygame.Surface, rect: pygame.Rect, has_network: bool) -> None:
    """Says which mark is which system, right under the board."""
    px = rect.height * 0.55
    parts = (
        [("Orange wash", theme.PRIOR, ": network's prior (System 1)     ")] if has_network else []
    )
    parts.append(("Teal numbers", theme.VISITS, ": search visits, Q below (System 2)"))
    images = []
    for bold, colour, rest in parts:
        images += [
            theme.font(px).render(bold, True, colour),
            theme.font(px).render(rest, True, theme.MUTED),
        ]
    x = rect.centerx - sum(i.get_width() for i in images) / 2
    for image in images:
        surface.blit(image, image.get_rect(midleft=(x, rect.centery)))
        x += image.get_width()


def thinker_done(session: Session) -> bool:
    return session.thinker is not None and session.thinker.done


def _draw_result(surface: pygame.Surface, board: pygame.Rect, text: str) -> None:
    """The result on a translucent banner across the lower part of the board."""
    px = min(board.height * 0.1, board.width * 0.08)
    image = theme.font(px * 1.4).render(text, True, (255, 255, 255))
    box = image.get_rect(center=(board.centerx, board.top + board.height * 0.72))
    box = box.inflate(px * 1.5, px * 0.8)
    banner = pygame.Surface(box.size, pygame.SRCALPHA)
    pygame.draw.rect(banner, (30, 30, 30, 200), banner.get_rect(), border_radius=round(px * 0.3))
    surface.blit(banner, box)
    surface.blit(image, image.get_rect(center=box.center))


def _draw_help(surface: pygame.Surface) -> None:
    w, h = surface.get_size()
    shade = pygame.Surface((w, h), pygame.SRCALPHA)
    shade.fill((0, 0, 0, 150))
    surface.blit(shade, (0, 0))
    px = h / (len(HELP) + 5) * 0.8
    card = pygame.Rect(0, 0, min(w * 0.8, px * 30), px * (len(HELP) + 3.2))
    card.center = (w // 2, h // 2)
    pygame.draw.rect(surface, theme.PANEL, card, border_radius=12)
    title = theme.font(px * 1.3).render("Keys  (H closes this help)", True, theme.TEXT)
    surface.blit(title, (card.left + px, card.top + px * 0.6))
    for i, (keys, what) in enumerate(HELP):
        y = card.top + px * (2.2 + i)
        surface.blit(theme.font(px).render(keys, True, theme.VISITS), (card.left + px, y))
        surface.blit(theme.font(px).render(what, True, theme.TEXT), (card.left + px * 10, y))


def save_screenshot(
    session: Session, path: Path | str, size: tuple[int, int] = (1600, 900)
) -> Path:
    """Finishes the analysis of the position on screen, then renders it to a PNG; no display."""
    pygame.font.init()
    session.think(None)
    surface = pygame.Surface(size)
    render_frame(surface, session)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pygame.image.save(surface, str(path))
    return path


class Viewer:
    """The window. `tick` is one frame; `run` loops until the window is closed."""

    def __init__(
        self,
        session: Session,
        size: tuple[int, int] = DEFAULT_SIZE,
        screenshot_dir: Path | str = ".",
    ):
        pygame.display.init()
        pygame.font.init()
        desktops = pygame.display.get_desktop_sizes()
        if desktops and min(desktops[0]) > 0:  # never larger than the screen
            desk_w, desk_h = desktops[0]
            size = (min(size[0], int(desk_w * 0.95)), min(size[1], int(desk_h * 0.9)))
        self.screen = pygame.display.set_mode(size, pygame.RESIZABLE)
        pygame.key.set_repeat(350, 40)  # hold Right in step mode: visits pile up before the class
        mode = "watch" if session.watch else "play"
        pygame.display.set_caption(f"sandbox {mode}: {session.game.spec.display_name}")
        self.session = session
        self.screenshot_dir = Path(screenshot_dir)
        self.show_help = False
        self.running = True
        self.frame: Frame | None = None
        self.saved: list[Path] = []
        self.render()

    def run(self) -> None:
        clock = pygame.time.Clock()
        while self.tick():
            clock.tick(60)
        pygame.display.quit()

    def tick(self, think_slice: float = THINK_SLICE) -> bool:
        """One frame: all pending events, one slice of thinking, one redraw."""
        for event in pygame.event.get():
            self.handle(event)
        if self.running:
            self.session.update(time.monotonic() + think_slice)
            self.render()
        return self.running

    def render(self) -> None:
        self.screen = pygame.display.get_surface() or self.screen
        self.frame = render_frame(self.screen, self.session, self.show_help)
        pygame.display.flip()

    def handle(self, event: pygame.event.Event) -> None:
        if event.type == pygame.QUIT:
            self.running = False
        elif event.type == pygame.KEYDOWN:
            name = KEYS.get(event.key)
            if name is None and getattr(event, "unicode", "") in ("+", "?"):
                name = "sims+" if event.unicode == "+" else "help"
            if name is not None:
                self.command(name, shift=bool(getattr(event, "mod", 0) & pygame.KMOD_SHIFT))
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self.click(event.pos)

    def click(self, pos: tuple[int, int]) -> None:
        if self.show_help:
            self.show_help = False
            return
        if self.frame is None:
            return
        for command, box in self.frame.buttons:
            if box.collidepoint(pos):
                self.command(command)
                return
        cell = self.frame.board.hit(pos)
        if cell is not None:
            self.session.click_cell(cell)

    def command(self, name: str, shift: bool = False) -> None:
        """Runs a named command; keys and buttons both end up here."""
        s = self.session
        if name == "next" and s.watch and not s.paused:
            s.toggle_pause()
        actions = {
            "undo": s.undo,
            "new": s.new_game,
            "swap": s.swap_sides,
            "sims+": lambda: s.change_sims(+1),
            "sims-": lambda: s.change_sims(-1),
            "step": s.toggle_step_mode,
            "sim1": lambda: s.step(10 if shift else 1),
            "next": lambda: s.step(1),
            "play": s.play_now,
            "pause": s.toggle_pause,
            "slower": lambda: s.change_speed(-1),
            "faster": lambda: s.change_speed(+1),
            "analysis": s.toggle_analysis,
            "pass": s.pass_move,
            "png": self.save_png,
            "help": self.toggle_help,
            "escape": self.escape,
            "quit": self.quit,
        }
        actions[name]()

    def toggle_help(self) -> None:
        self.show_help = not self.show_help

    def escape(self) -> None:
        if self.show_help:
            self.show_help = False
        else:
            self.quit()

    def quit(self) -> None:
        self.running = False

    def save_png(self) -> Path:
        """Saves the window as it looks now (without the help card) for slides."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self.screenshot_dir / f"sandbox-{self.session.game.name}-{stamp}.png"
        n = 1
        while path.exists():
            n += 1
            path = path.with_name(f"sandbox-{self.session.game.name}-{stamp}-{n}.png")
        path.parent.mkdir(parents=True, exist_ok=True)
        surface = pygame.Surface(self.screen.get_size())
        render_frame(surface, self.session)
        pygame.image.save(surface, str(path))
        self.saved.append(path)
        self.session.say(f"Saved {path}")
        return path
