r"""What a subcommand module needs from the command line, with the standard library only: the error that
:func:`tinygrad_cnn.cli.main` prints as one line, :func:`deferred`, which imports a subcommand's heavy
work only when it runs (so ``tinygrad-cnn --help`` does not load NumPy, SymPy or Matplotlib), and
:func:`printable`, which every text from a file or an argument goes through before it reaches a terminal.

Examples:
    >>> run = deferred("json:dumps")
    >>> run([1, 2])
    '[1, 2]'
    >>> print(printable("C1" + chr(27) + "[2J all checks passed" + chr(10)))  # shown, not obeyed
    C1\x1b[2J all checks passed\n
"""

from __future__ import annotations

import argparse
import importlib
import unicodedata
from collections.abc import Callable
from typing import Any

__all__ = ["CommandError", "deferred", "printable"]


class CommandError(Exception):
    """A user-facing failure of a subcommand: printed as one line, exit status 1."""


def deferred(target: str) -> Callable[[argparse.Namespace], Any]:
    """A subcommand's ``run`` given as ``"module:function"``, imported only when the subcommand runs."""
    module_name, _, function_name = target.partition(":")

    def run(args: argparse.Namespace) -> Any:
        return getattr(importlib.import_module(module_name), function_name)(args)

    return run


def printable(text: str) -> str:
    """``text`` with every control or format character (escape sequences, newlines, carriage returns,
    bidirectional overrides, zero-width marks) written as its escape (``\\x1b``, ``\\u202e``), so text read from
    a file or typed by someone else can neither move the cursor, clear the screen nor forge a line."""
    return "".join(
        c if c == " " or unicodedata.category(c)[0] not in "CZ" else c.encode("unicode_escape").decode("ascii")
        for c in str(text)
    )
