"""``tinygrad-cnn tour``: registered here with the standard library only, run from :mod:`.lecture`."""

from __future__ import annotations

import argparse

from ..subcommands import deferred


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("tour", help="walk through the lecture, running every claim")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.set_defaults(run=deferred("tinygrad_cnn.tour.lecture:run_command"))
