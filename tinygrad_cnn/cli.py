"""The ``tinygrad-cnn`` command: one subcommand per module, each registering its own arguments.

Subcommands live in modules that expose ``register(subparsers)``; :data:`SUBCOMMAND_MODULES` lists them.
The ``derivations`` package registers ``derive`` and ``summary`` the same way: it is named here by a
string and imported with :mod:`importlib`, so the engine has no import of it.

Bad input ends with one readable line on stderr and a non-zero exit status, never a traceback.

Examples:
    >>> main(["--version"])
    tinygrad-cnn 0.1.0
    0
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from . import __version__

__all__ = ["main", "build_parser", "SUBCOMMAND_MODULES", "CommandError"]

SUBCOMMAND_MODULES = (
    "tinygrad_cnn.tour",
    "tinygrad_cnn.graphs.command",
    "derivations.cli",
)


class CommandError(Exception):
    """A user-facing failure of a subcommand: printed as one line, exit status 1."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinygrad-cnn",
        description="Convolutional networks from first principles: engines, derivations, graphs, training.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name and module_name.startswith(error.name):
                continue  # that part of the project is not installed; its commands are simply absent
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        print(f"tinygrad-cnn {__version__}")
        return 0
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except (CommandError, ValueError, TypeError, KeyError, OSError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"tinygrad-cnn {args.command}: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"tinygrad-cnn {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
