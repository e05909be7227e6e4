"""Text laid out top to bottom in a column that never spills: the panel's and the review's pen.

Every line goes through `theme.draw_text` with the column as its box, so a long line shrinks or
is cut with "..." rather than running past the edge, and a line that would pass the column's
bottom is not drawn at all (`fits` lets a caller skip a whole block). The button grid pinned to
a panel's bottom is here too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pygame

from viz import theme
from viz.theme import Colour

LINE = 0.2  # gap under each line, in px


class Writer:
    """A pen moving down `rect` with font size `px`."""

    def __init__(self, surface: pygame.Surface, rect: pygame.Rect, px: float):
        self.surface, self.rect, self.px = surface, pygame.Rect(rect), px
        self.y = rect.top + px * 0.6

    def height(self, scale: float = 1.0) -> float:
        return theme.font(self.px * scale).get_height()

    def fits(self, height: float) -> bool:
        """Whether `height` more pixels fit above the column's bottom."""
        return self.y + height <= self.rect.bottom

    def text(
        self,
        text: str,
        colour: Colour = theme.TEXT,
        scale: float = 1.0,
        x: float = 0,
        advance: bool = True,
    ) -> pygame.Rect | None:
        """One line at the pen, `x` pixels in; None (and nothing drawn) when it does not fit."""
        height = self.height(scale)
        if not self.fits(height):
            return None
        box = pygame.Rect(
            round(self.rect.left + x),
            round(self.y),
            round(self.rect.width - x),
            math.ceil(height) + 1,
        )
        box = box.clip(self.rect)
        if box.width <= 0 or box.height <= 0:
            return None
        rect = theme.draw_text(
            self.surface, text, self.px * scale, colour, box, topleft=box.topleft
        )
        if advance:
            self.y += height + self.px * LINE
        return rect

    def cells(
        self, cells: Sequence[tuple[str, Colour, float]], scale: float = 1.0, pad: float = 0
    ) -> None:
        """One table row: (text, colour, left edge as a fraction of the width) per cell."""
        height = self.height(scale)
        if not self.fits(height):
            return
        lefts = [frac * self.rect.width for _, _, frac in cells] + [self.rect.width]
        for (text, colour, _), left, right in zip(cells, lefts, lefts[1:], strict=False):
            box = pygame.Rect(
                round(self.rect.left + left + pad),
                round(self.y),
                max(1, round(right - left - pad)),
                math.ceil(height) + 1,
            ).clip(self.rect)
            if box.width > 0 and box.height > 0:
                theme.draw_text(
                    self.surface, text, self.px * scale, colour, box, topleft=box.topleft
                )
        self.y += max(height + self.px * LINE, self.px * 0.95)

    def banner(self, text: str, fill: Colour) -> None:
        """White text on a coloured pill (the verdict "SEARCH CHANGED THE MOVE")."""
        height = self.height() + self.px * 0.4
        if not self.fits(height):
            return
        face = theme.fitting_font(text, self.px, self.rect.width - self.px * 0.8)
        width = min(self.rect.width, face.size(text)[0] + self.px * 0.8)
        box = pygame.Rect(self.rect.left, round(self.y), round(width), round(height))
        pygame.draw.rect(self.surface, fill, box, border_radius=round(self.px * 0.3))
        inside = box.inflate(-round(self.px * 0.4), 0)
        theme.draw_text(self.surface, text, self.px, (255, 255, 255), inside, center=box.center)
        self.y = box.bottom + self.px * 0.3

    def rule(self) -> None:
        if not self.fits(self.px * 0.7):
            return
        self.y += self.px * 0.25
        pygame.draw.line(
            self.surface, theme.RULE, (self.rect.left, self.y), (self.rect.right, self.y), 2
        )
        self.y += self.px * 0.45


def draw_buttons(
    surface: pygame.Surface,
    inner: pygame.Rect,
    top: float,
    px: float,
    items: Sequence[tuple[str, str]],
    per_row: int,
    active: set[str],
) -> list[tuple[str, pygame.Rect]]:
    """A grid of (command, label) buttons from `top` + a line down; returns their rects."""
    height = px * 1.5
    grid_top = top + px * 1.6
    width = (inner.width - (per_row - 1) * px * 0.3) / per_row
    hits = []
    for i, (command, text) in enumerate(items):
        r, c = divmod(i, per_row)
        box = pygame.Rect(
            round(inner.left + c * (width + px * 0.3)),
            round(grid_top + r * (height + px * 0.25)),
            round(width),
            round(height),
        )
        fill = theme.BUTTON_ON if command in active else theme.BUTTON
        pygame.draw.rect(surface, fill, box, border_radius=6)
        pygame.draw.rect(surface, theme.BUTTON_EDGE, box, 2, border_radius=6)
        label = box.inflate(-round(px * 0.3), -2)
        theme.draw_text(surface, text, px * 0.82, theme.TEXT, label, center=box.center)
        hits.append((command, box))
    return hits
