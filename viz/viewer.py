"""The pygame window: turns mouse and key events into `Session` calls and draws each frame.

The loop never waits on an agent: each frame handles every pending event, lets the session think
for a slice of at most `THINK_SLICE` seconds, then redraws. A 1,000-simulation search thus
spreads over many frames while clicks, keys and resizes are still answered. The post-game
review (R) is computed the same way, a slice per frame, then shown in place of the game until
Esc. Esc and Q ask before quitting; closing the window quits at once.

`screen.render_frame` (and `review_screen.render_review`) draw a whole frame onto any surface,
so `save_screenshot` needs no display.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pygame

from agents.solver import SolverBot
from games.errors import UserError
from games.game import Game
from viz import theme
from viz.review import ReviewJob
from viz.review_screen import ReviewScreen, render_review
from viz.screen import Frame, render_frame
from viz.session import Session
from viz.thinker import can_step

THINK_SLICE = 0.03  # seconds of search per frame: keeps the window at ~30 frames per second
DEFAULT_SIZE = (1280, 800)
REVIEW_SIMS = 200  # the review's search budget when the game was played against System 1
QUIT_QUESTION = "Quit the viewer?"

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
    pygame.K_r: "review",
    pygame.K_g: "record",
    pygame.K_c: "png",
    pygame.K_F12: "png",
    pygame.K_h: "help",
    pygame.K_F1: "help",
    pygame.K_SLASH: "help",
    pygame.K_ESCAPE: "escape",
    pygame.K_q: "quit",
}
REVIEW_KEYS: dict[int, str] = {
    pygame.K_LEFT: "prev",
    pygame.K_UP: "prev",
    pygame.K_RIGHT: "next",
    pygame.K_DOWN: "next",
    pygame.K_HOME: "first",
    pygame.K_END: "last",
    pygame.K_ESCAPE: "back",
    pygame.K_BACKSPACE: "back",
    pygame.K_r: "back",
    pygame.K_c: "png",
    pygame.K_F12: "png",
    pygame.K_q: "quit",
}


def solver_for(game: Game) -> SolverBot | None:
    """The exact solver where the board is small enough, else None (no solver marks)."""
    try:
        return SolverBot(game)
    except UserError:
        return None


def save_screenshot(
    session: Session,
    path: Path | str,
    size: tuple[int, int] = (1600, 900),
    review: ReviewScreen | None = None,
) -> Path:
    """Finishes the analysis of the position on screen, then renders it to a PNG; no display."""
    pygame.font.init()
    surface = pygame.Surface(size)
    if review is not None:
        render_review(surface, review)
    else:
        session.think(None)
        render_frame(surface, session)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pygame.image.save(surface, str(path))
    return path


class Viewer:
    """The window. `tick` is one frame; `run` loops until the window is closed.

    Args:
        save_game: writes the session's game to a record file and returns its path (the CLI
            passes one: records are `sandbox.training.records`, a layer above this one).
        review: start on this review (`sandbox review`); Back then quits.
    """

    def __init__(
        self,
        session: Session,
        size: tuple[int, int] = DEFAULT_SIZE,
        screenshot_dir: Path | str = ".",
        save_game: Callable[[Session], Path] | None = None,
        review: ReviewScreen | None = None,
    ):
        pygame.display.init()
        pygame.font.init()
        desktops = pygame.display.get_desktop_sizes()
        if desktops and min(desktops[0]) > 0:  # never larger than the screen
            desk_w, desk_h = desktops[0]
            size = (min(size[0], int(desk_w * 0.95)), min(size[1], int(desk_h * 0.9)))
        self.screen = pygame.display.set_mode(size, pygame.RESIZABLE)
        pygame.key.set_repeat(350, 40)  # hold Right in step mode: visits pile up before the class
        mode = "review" if review is not None else "watch" if session.watch else "play"
        pygame.display.set_caption(f"sandbox {mode}: {session.game.spec.display_name}")
        self.session = session
        self.screenshot_dir = Path(screenshot_dir)
        self.save_game = save_game
        self.review = review
        self.show_review = review is not None
        self.job: ReviewJob | None = None
        self.show_help = False
        self.asking = ""  # a question on screen ("Quit the viewer?"); the next key answers it
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
        """One frame: all pending events, one slice of thinking (or reviewing), one redraw."""
        for event in pygame.event.get():
            self.handle(event)
        if self.running:
            if self.job is not None:
                self._advance_review(time.monotonic() + think_slice)
            elif not self.show_review:
                self.session.update(time.monotonic() + think_slice)
            self.render()
        return self.running

    def draw(self, surface: pygame.Surface, extras: bool = True) -> Frame:
        """The current screen onto `surface` (`extras`: help, question and progress cards)."""
        if self.show_review and self.review is not None:
            frame = render_review(surface, self.review)
            if extras and self.show_help:
                from viz.screen import draw_help

                draw_help(surface)
        else:
            frame = render_frame(surface, self.session, self.show_help and extras)
        if extras and self.job is not None:
            _draw_progress(surface, self.job)
        if extras and self.asking:
            from viz.screen import draw_question

            draw_question(surface, self.asking)
        return frame

    def render(self) -> None:
        self.screen = pygame.display.get_surface() or self.screen
        self.frame = self.draw(self.screen)
        pygame.display.flip()

    def handle(self, event: pygame.event.Event) -> None:
        if event.type == pygame.QUIT:
            self.running = False
        elif event.type == pygame.KEYDOWN:
            if self.asking:  # any key answers: Esc / Q / Y quits, anything else goes back
                self.asking = ""
                if event.key in (pygame.K_ESCAPE, pygame.K_q, pygame.K_y):
                    self.quit()
                return
            keys = REVIEW_KEYS if self.show_review else KEYS
            name = keys.get(event.key)
            if name is None and self.show_review and event.key in (pygame.K_h, pygame.K_F1):
                name = "help"
            if name is None and getattr(event, "unicode", "") in ("+", "?"):
                name = "sims+" if event.unicode == "+" else "help"
            if name is not None:
                self.command(name, shift=bool(getattr(event, "mod", 0) & pygame.KMOD_SHIFT))
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self.click(event.pos)

    def click(self, pos: tuple[int, int]) -> None:
        if self.asking or self.show_help:
            self.asking, self.show_help = "", False
            return
        if self.frame is None:
            return
        for command, box in self.frame.buttons:
            if box.collidepoint(pos):
                self.command(command)
                return
        if self.show_review and self.review is not None:
            for ply, box in self.frame.moves:
                if box.collidepoint(pos):
                    self.review.go(ply)
                    return
            return
        cell = self.frame.board.hit(pos) if self.frame.board is not None else None
        if cell is not None:
            self.session.click_cell(cell)

    def command(self, name: str, shift: bool = False) -> None:
        """Runs a named command; keys and buttons both end up here."""
        if self.show_review:
            self._review_command(name)
            return
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
            "review": self.open_review,
            "record": self.record,
            "png": self.save_png,
            "help": self.toggle_help,
            "escape": self.escape,
            "quit": self.ask_quit,
        }
        if name != "escape" and self.job is not None:
            self.job = None  # any other command cancels a review in the making
            s.say("Review cancelled.", is_error=False)
        actions[name]()

    def _review_command(self, name: str) -> None:
        review = self.review
        assert review is not None
        if self.show_help and name in ("back", "help"):
            self.show_help = False
            return
        moves = {"prev": -1, "next": +1}
        if name in moves:
            review.step(moves[name])
        elif name == "first":
            review.go(0)
        elif name == "last":
            review.go(len(review.review.actions))
        elif name == "back":
            if review.can_go_back:
                self.show_review = False
            else:
                self.ask_quit()
        elif name == "png":
            self.save_png()
        elif name == "help":
            self.toggle_help()
        elif name == "quit":
            self.ask_quit()

    def open_review(self) -> None:
        """R: the review of the game so far, computed first if the game has changed since."""
        s = self.session
        if not s.history:
            s.say("Nothing to review yet: play a move first.")
            return
        if self.review is not None and self.review.review.actions == tuple(s.history):
            self.show_review = True
            return
        agent = next((a for a in s.agents if a is not None and can_step(a)), None)
        if agent is None:
            s.say("The review needs a network agent (an mcts: or policy: spec).")
            return
        sims = s.sims_for(agent) or REVIEW_SIMS
        self.job = ReviewJob(s.game, s.history, agent, sims, solver_for(s.game), seed=s.seed)

    def _advance_review(self, deadline: float) -> None:
        job = self.job
        assert job is not None
        job.advance(deadline)
        if job.done:
            self.review = ReviewScreen(job.result(), 0, can_go_back=True)
            self.show_review, self.job = True, None

    def record(self) -> Path | None:
        """G: the game so far into a record file that `sandbox review` opens."""
        if self.save_game is None:
            self.session.say("Saving games is for `sandbox play` and `sandbox watch`.")
            return None
        path = self.save_game(self.session)
        self.session.say(f"Saved the game: sandbox review {path}", is_error=False)
        return path

    def toggle_help(self) -> None:
        self.show_help = not self.show_help

    def escape(self) -> None:
        """Esc closes what is open (help, a review in the making), else asks before quitting."""
        if self.show_help:
            self.show_help = False
        elif self.job is not None:
            self.job = None
        else:
            self.ask_quit()

    def ask_quit(self) -> None:
        self.asking = QUIT_QUESTION

    def quit(self) -> None:
        self.running = False

    def save_png(self) -> Path:
        """Saves the window as it looks now (without help or question cards) for slides."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        name = self.session.game.name
        path = self.screenshot_dir / f"sandbox-{name}-{stamp}.png"
        n = 1
        while path.exists():
            n += 1
            path = path.with_name(f"sandbox-{name}-{stamp}-{n}.png")
        path.parent.mkdir(parents=True, exist_ok=True)
        surface = pygame.Surface(self.screen.get_size())
        self.draw(surface, extras=False)
        pygame.image.save(surface, str(path))
        self.saved.append(path)
        self.session.say(f"Saved {path}", is_error=False)
        return path


def _draw_progress(surface: pygame.Surface, job: ReviewJob) -> None:
    """A card saying how far the review has come."""
    w, h = surface.get_size()
    px = min(h / 18, w / 26)
    card = pygame.Rect(0, 0, round(min(w * 0.9, px * 18)), round(px * 2.4))
    card.center = (w // 2, h // 2)
    pygame.draw.rect(surface, theme.PANEL, card, border_radius=12)
    pygame.draw.rect(surface, theme.VISITS, card, 3, border_radius=12)
    text = f"Reviewing the game: {job.progress:.0%}  (Esc cancels)"
    theme.draw_text(surface, text, px, theme.TEXT, card.inflate(-round(px), 0), center=card.center)
