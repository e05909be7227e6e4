"""Viewer and plots. pygame is imported only here and in `sandbox/commands/`.

theme.py     colours, player styles, fonts, text that fits its box
wording.py   how numbers and verdicts read on screen
layout.py    cells <-> pixels, pieces read from a state, move names -> cells
board.py     draw_board: the board of every geometry and the prior wash (pure drawing)
marks.py     visit badges, chosen moves, targets, the winning line over the pieces
outcome.py   the winning cells of a finished game
thinker.py   an agent thinking in time slices (network agents) or a worker thread (others)
oracle.py    the solver's values of the position on screen, in a worker thread
levels.py    the strength dial's level table
session.py   the state machine of a game in the viewer (clicks, undo, sims, step mode); no pygame
readout.py   what the screen reads off a session (overlay, labels, result)
writer.py    a column of text that never spills, and the button grid
panel.py     the analysis panel beside the board
screen.py    one frame: regions of the window, status line, legend, help
review.py    post-game review: every position by System 1, System 2 and the solver
review_screen.py  the review on screen
viewer.py    the pygame window and event loop; headless screenshots
plots.py     matplotlib figures of metrics and experiments
"""

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # keep CLI output to our own lines
