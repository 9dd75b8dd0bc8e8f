"""``tinygrad-cnn train ising``: the task's arguments, with the standard library only; the work runs in
:mod:`tinygrad_cnn.train.ising_cli`.

:func:`add_arguments` fills a ``train ising`` parser (for the ``train`` command's task registry);
:func:`register` adds a ``train`` command with ``ising`` as its only task, for as long as there is no
``train`` command to plug into.
"""

from __future__ import annotations

import argparse

from ..subcommands import deferred

__all__ = ["add_arguments", "register", "RUN"]

RUN = "tinygrad_cnn.train.ising_cli:run"
MODELS = ("cnn", "mlp")


def _count(low: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer >= {low}, got {text[:40]!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"expected an integer >= {low}, got {value}")
        return value

    parse.__name__ = "integer"
    return parse


def _lattice(text: str) -> int:
    value = _count(4)(text)
    if value % 2:
        raise argparse.ArgumentTypeError(f"L must be even (the checkerboard Monte Carlo update), got {value}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``train ising``."""
    parser.add_argument("--L", type=_lattice, default=None, metavar="L",
                        help="lattice size, even, >= 4 (default 16)")
    parser.add_argument("--model", choices=MODELS, default="cnn",
                        help="cnn: the 98-parameter circular CNN (default); mlp: Carrasquilla-Melko's L²→100→2")
    parser.add_argument("--seed", type=_count(0), default=0,
                        help="seeds the training chains and the weights; the test chains use seed + 1000 (default 0)")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="where metrics.json, the checkpoint(s) and the plots go (default runs/ising-…)")
    parser.add_argument("--fss", action="store_true",
                        help="finite-size scaling: train at L = 16, 24 and 32 and extrapolate T_c in 1/L")
    parser.add_argument("--epochs", type=_count(1), default=None, help="training epochs (default 20)")
    parser.add_argument("--samples", type=_count(1), default=None,
                        help="training configurations per temperature (default 200)")
    parser.add_argument("--test-samples", type=_count(1), default=None,
                        help="test configurations per temperature (default 256)")
    parser.add_argument("--no-cache", action="store_true", help="regenerate the Monte Carlo data, do not cache it")
    parser.set_defaults(run=deferred(RUN))


def register(subparsers: argparse._SubParsersAction) -> None:
    """A ``train`` command whose one task is ``ising`` (until the ``train`` command takes it as a task)."""
    parser = subparsers.add_parser("train", help="train a tiny network from scratch (tasks: ising)")
    tasks = parser.add_subparsers(dest="task", metavar="TASK", required=True)
    add_arguments(tasks.add_parser("ising", help="find the 2-D Ising critical temperature with a tiny CNN"))
