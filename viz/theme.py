"""Colours, player styles and fonts of the viewer, chosen for a projector in a lit classroom.

A light background survives washed-out projectors better than a dark one. System 1 and System 2
never share a colour or a shape: the network's prior is an orange *wash* over the cells (a
heatmap), the search's visits are teal *numbers in badges*, so the two are told apart at a glance
(users of Lizzie and KaTrain often confuse the prior heatmap with the visit distribution).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import pygame

Colour = tuple[int, int, int]

BACKGROUND: Colour = (244, 241, 234)
PANEL: Colour = (255, 255, 255)
TEXT: Colour = (33, 33, 33)
MUTED: Colour = (105, 105, 105)
RULE: Colour = (215, 210, 200)
PRIOR: Colour = (244, 81, 30)  # System 1: orange heatmap wash, bars and the "1" badge
VISITS: Colour = (0, 121, 133)  # System 2: teal visit badges, bars and the "2" badge
CHANGED: Colour = (198, 40, 40)  # "search changed the move"
AGREED: Colour = (46, 125, 50)
UNDECIDED: Colour = (120, 110, 90)  # "search is undecided between ..."
HINT: Colour = (191, 54, 12)  # a refused click or a failure
HINT_BG: Colour = (255, 236, 224)
INFO: Colour = (27, 94, 32)  # a done deed ("Saved ..."), not an error
INFO_BG: Colour = (232, 245, 233)
TARGET: Colour = (46, 125, 50)  # where a picked-up piece may go (never a System's colour)
WIN_LINE: Colour = (255, 255, 255)  # the winning line, with a dark edge
BUTTON: Colour = (236, 239, 241)
BUTTON_ON: Colour = (178, 223, 219)
BUTTON_EDGE: Colour = (144, 164, 174)


@dataclass(frozen=True)
class PlayerStyle:
    name: str  # how the viewer names the player: "X", "Red", "Black"
    fill: Colour
    edge: Colour


@dataclass(frozen=True)
class Palette:
    board: Colour  # board body (wood, blue frame, white grid)
    alt: Colour  # second square colour (checkerboard) or hole colour
    line: Colour  # grid lines and outlines
    players: tuple[PlayerStyle, PlayerStyle]  # player 0, player 1


RED = PlayerStyle("Red", (211, 47, 47), (127, 0, 0))
BLUE = PlayerStyle("Blue", (30, 100, 200), (13, 55, 120))
BLACK = PlayerStyle("Black", (30, 30, 30), (0, 0, 0))
WHITE = PlayerStyle("White", (250, 250, 250), (90, 90, 90))

PALETTES: dict[str, Palette] = {
    "tic_tac_toe": Palette(
        (255, 255, 255),
        (255, 255, 255),
        (55, 71, 79),
        (PlayerStyle("X", (211, 47, 47), (127, 0, 0)), PlayerStyle("O", (30, 100, 200), BLUE.edge)),
    ),
    "connect_four": Palette(
        (30, 90, 168),
        (250, 248, 242),
        (15, 50, 100),
        (RED, PlayerStyle("Yellow", (253, 216, 53), (190, 140, 0))),
    ),
    "hex": Palette((245, 235, 220), (245, 235, 220), (120, 95, 80), (RED, BLUE)),
    "go": Palette((220, 179, 92), (220, 179, 92), (40, 30, 20), (BLACK, WHITE)),
    "breakthrough": Palette((240, 217, 181), (181, 136, 99), (90, 60, 40), (BLACK, WHITE)),
}
DEFAULT_PALETTE = Palette(
    (255, 255, 255),
    (255, 255, 255),
    (55, 71, 79),
    (PlayerStyle("First", RED.fill, RED.edge), PlayerStyle("Second", BLUE.fill, BLUE.edge)),
)


def palette(short_name: str) -> Palette:
    """The palette of an OpenSpiel game (its short name, e.g. "connect_four")."""
    return PALETTES.get(short_name, DEFAULT_PALETTE)


def mix(a: Colour, b: Colour, t: float) -> Colour:
    """a blended towards b by t in [0, 1]; cheaper and simpler than per-pixel alpha surfaces."""
    t = min(max(t, 0.0), 1.0)
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def readable_on(fill: Colour) -> Colour:
    """Black or white text, whichever reads better on `fill`."""
    luminance = 0.299 * fill[0] + 0.587 * fill[1] + 0.114 * fill[2]
    return TEXT if luminance > 150 else (255, 255, 255)


_FONTS: dict[tuple[int, bool], pygame.font.Font] = {}


def font(px: float, mono: bool = False) -> pygame.font.Font:
    """pygame's bundled font at about `px` pixels tall, cached; identical on every machine."""
    px = max(10, int(px))
    key = (px, mono)
    if key not in _FONTS:
        if not pygame.font.get_init():
            pygame.font.init()
        if mono:
            _FONTS[key] = pygame.font.SysFont("dejavusansmono,couriernew,monospace", px)
        else:
            _FONTS[key] = pygame.font.Font(None, px)
    return _FONTS[key]


@dataclass(frozen=True)
class DrawnText:
    """One piece of text as drawn: where it landed and the box it had to stay in."""

    text: str
    rect: pygame.Rect
    box: pygame.Rect | None  # None: the whole surface
    is_cut: bool = False  # shortened with "..." because even the smallest font was too wide


_RECORD: list[DrawnText] | None = None


@contextlib.contextmanager
def recording_text() -> Iterator[list[DrawnText]]:
    """Collects every `draw_text` call made inside the block (tests measure the layout)."""
    global _RECORD
    saved, _RECORD = _RECORD, []
    try:
        yield _RECORD
    finally:
        _RECORD = saved


def fitting_size(
    text: str, px: float, width: float, min_px: float = 11, mono: bool = False
) -> float:
    """The largest font size up to `px` at which `text` is at most `width` wide (or `min_px`)."""
    size = max(min_px, px)
    while font(size, mono).size(text)[0] > width and size > min_px:
        size = max(min_px, size * 0.92)
    return size


def fitting_font(
    text: str, px: float, width: float, min_px: float = 11, mono: bool = False
) -> pygame.font.Font:
    """The font of `fitting_size`."""
    return font(fitting_size(text, px, width, min_px, mono), mono)


def shorten(text: str, face: pygame.font.Font, width: float) -> str:
    """`text` cut with "..." to fit `width`, at a word boundary where one is near."""
    if face.size(text)[0] <= width:
        return text
    cut = text
    while len(cut) > 1 and face.size(cut + "...")[0] > width:
        cut = cut[:-1]
    space = cut.rfind(" ")
    if space > len(cut) * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "..."


def wrap(text: str, face: pygame.font.Font, width: float) -> list[str]:
    """Words of `text` in lines at most `width` wide (a word longer than that stands alone)."""
    lines: list[str] = []
    for word in text.split():
        if lines and face.size(f"{lines[-1]} {word}")[0] <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def draw_text(
    surface: pygame.Surface,
    text: str,
    px: float,
    colour: Colour,
    box: pygame.Rect | None = None,
    *,
    min_px: float = 11,
    mono: bool = False,
    **anchor: object,
) -> pygame.Rect:
    """Draws one line of text placed by a pygame anchor (topleft=(x, y), center=..., ...).

    The text shrinks (to `min_px`) and is then cut with "..." so it is no wider than `box`, and
    is moved inside `box` if the anchor put it partly outside: text never leaves its box.
    Returns the rectangle it covers.
    """
    box = surface.get_rect() if box is None else pygame.Rect(box)
    face = fitting_font(text, px, box.width, min_px, mono)
    whole, text = text, shorten(text, face, box.width)
    image = face.render(text, True, colour)
    rect = image.get_rect(**anchor) if anchor else image.get_rect(topleft=box.topleft)
    if rect.width > box.width or rect.height > box.height:  # a tiny box: clip the image
        size = (min(rect.width, box.width), min(rect.height, box.height))
        image = image.subsurface(pygame.Rect((0, 0), size))
        rect.size = size
    rect.clamp_ip(box)
    surface.blit(image, rect)
    if _RECORD is not None:
        _RECORD.append(DrawnText(text, rect.copy(), box.copy(), text != whole))
    return rect
