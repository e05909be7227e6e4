"""Viewer and plots. pygame is imported only here and in `sandbox/commands/play.py`.

theme.py    colours, player styles, fonts (System 1 orange wash vs System 2 teal numbers)
layout.py   cells <-> pixels, pieces read from a state, move names -> cells
board.py    draw_board: the board of every geometry and its analysis overlay (pure drawing)
thinker.py  an agent thinking in time slices (network agents) or a worker thread (others)
session.py  the state machine of a game in the viewer (clicks, undo, sims, step mode); no pygame
panel.py    the analysis panel beside the board
viewer.py   the pygame window and event loop; headless screenshots
plots.py    matplotlib figures of metrics and experiments
"""

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # keep CLI output to our own lines
