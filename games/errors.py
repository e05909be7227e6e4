"""The one exception type that means "the user asked for something we cannot do".

The CLI turns a `UserError` into one line on stderr and exit status 2, never a traceback.
Everything else that goes wrong is a bug and keeps its traceback.
"""


class UserError(ValueError):
    """Bad input from the user: an unknown game, a malformed spec, a checkpoint of another game."""
