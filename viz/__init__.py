"""Viewer: pygame board drawing, analysis panel and event loop (see viz/README or DESIGN.md)."""

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # keep CLI output to our own lines
