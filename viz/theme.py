"""Colours, player styles and fonts of the viewer, chosen for a projector in a lit classroom.

A light background survives washed-out projectors better than a dark one. System 1 and System 2
never share a colour or a shape: the network's prior is an orange *wash* over the cells (a
heatmap), the search's visits are teal *numbers in badges*, so the two are told apart at a glance
(users of Lizzie and KaTrain often confuse the prior heatmap with the visit distribution).
"""

from __future__ import annotations

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
HINT: Colour = (191, 54, 12)
HINT_BG: Colour = (255, 236, 224)
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


def font(px: int, mono: bool = False) -> pygame.font.Font:
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
