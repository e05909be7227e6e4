"""How numbers and verdicts read on screen: one place, so panel, board and review agree.

"1 visit" and "2 visits"; Q as "+0.12", "-0.50" and never "-0.00"; visit counts on a badge as
at most four characters ("812", "6.4k", "12k"), so a 6,400-simulation search fits on a disc.
"""

from __future__ import annotations

import math

from agents.verdict import CHANGED, UNDECIDED, Verdict

OUTCOMES = {1: "win", 0: "draw", -1: "loss"}  # a solver value, for the player to move


def plural(n: float, word: str) -> str:
    """ "1 visit", "0 visits", "6,400 simulations"."""
    n = int(n)
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def signed(x: float | None) -> str:
    """A value or Q with its sign, two decimals; "0.00" for anything that rounds to zero."""
    if x is None or math.isnan(x):
        return ""
    return "0.00" if abs(x) < 0.005 else f"{x:+.2f}"


def compact(n: float) -> str:
    """A visit count in at most four characters: 812, 6.4k, 12k, 1.2M."""
    n = int(round(n))
    if n < 1000:
        return str(n)
    if n < 10_000:
        return f"{n / 1000:.1f}k"
    if n < 1_000_000:
        return f"{n // 1000}k"
    return f"{n / 1e6:.1f}M"


def outcome(value: int) -> str:
    return OUTCOMES.get(int(value), "?")


def verdict_line(verdict: Verdict, name) -> str:
    """The banner's words; `name(action)` spells a move."""
    first, second = name(verdict.system1), name(verdict.system2)
    if verdict.kind == CHANGED:
        return "SEARCH CHANGED THE MOVE"
    if verdict.kind == UNDECIDED:
        return f"Search is undecided between {second} and {first}"
    if verdict.is_mirror:
        return f"Search agrees: {second} mirrors {first}"
    return "Search agrees with the network"


def verdict_reason(verdict: Verdict) -> str:
    """Why, in numbers: the Q gap against the noise of the visit counts."""
    if verdict.kind == CHANGED:
        gap, noise, share = verdict.gap, verdict.noise, verdict.share
        return f"Q better by {gap:.2f} (noise {noise:.2f}), {share:.0%} of the visits"
    if verdict.kind == UNDECIDED and not math.isnan(verdict.gap):
        if verdict.share <= 0.5:
            return f"its move has only {verdict.share:.0%} of the visits"
        return f"Q gap {verdict.gap:.2f} is within the noise ({verdict.noise:.2f})"
    return ""
