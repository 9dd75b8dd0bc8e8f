"""What a subcommand module needs from the command line, with the standard library only: the error that
:func:`tinygrad_cnn.cli.main` prints as one line, and :func:`deferred`, which imports a subcommand's heavy
work only when it runs (so ``tinygrad-cnn --help`` does not load NumPy, SymPy or Matplotlib).

Examples:
    >>> run = deferred("json:dumps")
    >>> run([1, 2])
    '[1, 2]'
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["CommandError", "deferred"]


class CommandError(Exception):
    """A user-facing failure of a subcommand: printed as one line, exit status 1."""


def deferred(target: str) -> Callable[[argparse.Namespace], Any]:
    """A subcommand's ``run`` given as ``"module:function"``, imported only when the subcommand runs."""
    module_name, _, function_name = target.partition(":")

    def run(args: argparse.Namespace) -> Any:
        return getattr(importlib.import_module(module_name), function_name)(args)

    return run
