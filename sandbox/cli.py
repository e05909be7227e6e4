"""`sandbox` command line: one argparse entry point, one subcommand per job.

Each subcommand lives beside the code it drives and registers itself through a
`register(subparsers)` function listed in COMMAND_MODULES; this file only dispatches and turns a
UserError into one line on stderr with exit status 2 (never a traceback). Ctrl-C and SIGTERM
are caught from the first line of `main`, before the heavy imports (torch, pyspiel), so a
signal at any moment ends the process with one line and exit status 130 or 143.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from sandbox.training import interrupt

COMMAND_MODULES = [
    "sandbox.commands.games",
    "sandbox.commands.play",
    "sandbox.commands.review",
    "sandbox.commands.referee",
    "sandbox.commands.match",
    "sandbox.commands.train",
    "sandbox.commands.demo",
    "sandbox.commands.export",
    "sandbox.commands.plot",
    "sandbox.commands.sweep",
    "sandbox.commands.report",
    "sandbox.commands.bench",
]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own errors: one line, exit 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sandbox",
        description="Board-game sandbox: System 1 (network) vs System 2 (network + MCTS).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _one_torch_thread() -> None:
    """Search and play call the network on small batches, where one intra-op thread is fastest;
    two threads on a 2-core machine with anything else running spin-wait and can be 10x slower
    (measured here). OMP_NUM_THREADS, when set, wins."""
    import os

    if "OMP_NUM_THREADS" not in os.environ:
        import torch

        torch.set_num_threads(1)


def main(argv: list[str] | None = None) -> int:
    interrupt.install()
    try:
        from games.errors import UserError

        try:
            parser = build_parser()
            args = parser.parse_args(argv)
            logging.basicConfig(
                level=logging.DEBUG if args.verbose else logging.INFO,
                format="%(levelname)s %(name)s: %(message)s",
            )
            if args.command != "train":  # training sets its own threads from its config
                _one_torch_thread()
            return int(args.func(args) or 0)
        except UserError as err:
            line = " ".join(str(err).split())  # one line, even if the message has newlines
            print(f"sandbox: error: {line}", file=sys.stderr)
            return 2
    except (interrupt.Interrupted, KeyboardInterrupt) as err:
        signum = getattr(err, "signum", interrupt.signal.SIGINT)
        print(f"sandbox: {err or 'interrupted'}", file=sys.stderr)
        return 128 + int(signum)


if __name__ == "__main__":
    sys.exit(main())
