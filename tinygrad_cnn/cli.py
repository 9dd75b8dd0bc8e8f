"""The ``tinygrad-cnn`` command: one subcommand per part of the project, each registering its own arguments.

A subcommand lives in a small module with ``register(subparsers)`` that imports only the standard library;
its work runs through :func:`~tinygrad_cnn.subcommands.deferred`, which imports the heavy modules (NumPy,
SymPy, Matplotlib) only when that subcommand runs, so ``tinygrad-cnn --help`` answers at once. The
project's own subcommands are listed in :data:`BUILTIN_COMMANDS`; other packages (``derivations`` among them)
add theirs through the ``tinygrad_cnn.commands`` entry-point group in their ``pyproject.toml``, so nothing
here names them.

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
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points

from . import __version__
from .subcommands import CommandError, deferred

__all__ = ["main", "build_parser", "deferred", "CommandError", "BUILTIN_COMMANDS", "ENTRY_POINT_GROUP"]

BUILTIN_COMMANDS = ("tinygrad_cnn.tour.command:register", "tinygrad_cnn.graphs.command:register",
                    "tinygrad_cnn.train.command:register")
ENTRY_POINT_GROUP = "tinygrad_cnn.commands"


def _registrars() -> list[Callable[[argparse._SubParsersAction], None]]:
    found = list(BUILTIN_COMMANDS)
    found += [entry.value for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)]
    registrars = []
    for target in dict.fromkeys(found):  # one registration per target, in a stable order
        module_name, _, function_name = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name and module_name.startswith(error.name):
                continue  # that part of the project is not installed; its commands are simply absent
            raise
        registrars.append(getattr(module, function_name))
    return registrars


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinygrad-cnn",
        description="Convolutional networks from first principles: engines, derivations, graphs, training.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in _registrars():
        register(subparsers)
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
