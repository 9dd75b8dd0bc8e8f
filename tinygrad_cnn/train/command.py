"""``tinygrad-cnn train``: registered here with the standard library only, run from :mod:`.runner`."""

from __future__ import annotations

import argparse

from ..subcommands import deferred
from .ising_command import add_arguments as add_ising_arguments
from .tasks import TASKS

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``train`` to the ``tinygrad-cnn`` command."""
    tasks = "; ".join(f"{name}: {text}" for name, (_, text) in TASKS.items())
    parser = subparsers.add_parser(
        "train", help="train a tiny network from scratch: digits, mnist1d, edges or ising",
        description=f"Train a task's model with its recipe; write metrics.json, checkpoint.npz and plots (PNG, SVG) "
                    f"into --out and print a summary. Tasks: {tasks}.",
    )  # fmt: skip
    parser.add_argument("task", metavar="TASK", help=", ".join(TASKS))
    parser.add_argument("--model", metavar="NAME", help="one of the task's models (default: its first, the CNN)")
    parser.add_argument("--epochs", metavar="N", help="train for N epochs (default: the task's recipe)")
    parser.add_argument("--steps", metavar="N", help="train for N optimizer steps instead of epochs")
    parser.add_argument("--seed", metavar="S", help="seed of the split, the initial weights and the shuffling (0)")
    parser.add_argument("--out", metavar="DIR", help="folder for the results (default: runs/TASK-MODEL-seedS)")
    parser.add_argument("--resume", action="store_true", help="continue the run saved in --out (to a larger budget)")
    parser.add_argument("--shuffle-seq", action="store_true", help="mnist1d: permute the 40 positions of every signal")
    parser.add_argument("--table", action="store_true",
                        help="mnist1d: train the paper's rows (logistic, MLP, CNN × plain/shuffled), print its table")
    parser.add_argument("--repeats", metavar="K", help="with --table: seeds S..S+K-1, report the medians (1); "
                        "ising --fss: seeds per lattice size (5)")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bars on stderr (default: when stderr is a terminal)")  # fmt: skip
    add_ising_arguments(parser)
    parser.set_defaults(run=deferred("tinygrad_cnn.train.runner:run_command"))
