"""Kill points for the crash tests: `SANDBOX_KILL_AT=replay:3` makes the process SIGKILL itself
the third time it reaches the `replay` write boundary of a commit.

This is how the tests kill a run at every write boundary exactly (a kill at a random moment
rarely lands between two renames); with the variable unset `kill_point` costs one dict lookup.
"""

from __future__ import annotations

import os
import signal

_reached: dict[str, int] = {}


def kill_point(name: str) -> None:
    wanted = os.environ.get("SANDBOX_KILL_AT")
    if not wanted:
        return
    where, _, count = wanted.partition(":")
    if where != name:
        return
    _reached[name] = _reached.get(name, 0) + 1
    if _reached[name] == int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)
