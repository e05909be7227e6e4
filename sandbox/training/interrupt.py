"""Ctrl-C (SIGINT) and SIGTERM as one exception, raised where the loop can clean up.

`on_signals()` turns both into `Interrupted` for the duration of a run. Inside `deferred()` (the
commit of an iteration: a few file renames) a signal is only noted and raised when the block
ends, so the iteration in progress is either committed whole or not at all and the process still
exits within moments. The CLI turns `Interrupted` into one line and exit status 128 + signal
(130 for SIGINT, 143 for SIGTERM).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(Exception):  # noqa: N818 - what happened, not an error of the program
    """The user (or the system) asked the process to stop."""

    def __init__(self, signum: int, message: str = ""):
        super().__init__(message or f"interrupted by {signal.Signals(signum).name}")
        self.signum = signum

    @property
    def exit_status(self) -> int:
        return 128 + self.signum


class _State:
    deferring = 0
    pending: int | None = None


def _handler(signum: int, frame: object) -> None:
    if _State.deferring:
        _State.pending = signum
        return
    raise Interrupted(signum)


def install() -> None:
    """From now on SIGINT and SIGTERM raise Interrupted in the main thread."""
    if threading.current_thread() is threading.main_thread():
        for signum in SIGNALS:
            signal.signal(signum, _handler)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """A signal arriving inside the block is raised when the block ends."""
    _State.deferring += 1
    try:
        yield
    finally:
        _State.deferring -= 1
    if not _State.deferring and _State.pending is not None:
        signum, _State.pending = _State.pending, None
        raise Interrupted(signum)
