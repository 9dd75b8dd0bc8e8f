"""Registers ``tinygrad-cnn derive`` and ``tinygrad-cnn summary`` (through the ``tinygrad_cnn.commands`` entry
point in ``pyproject.toml``) with the standard library only; the work is in :mod:`derivations.cli`."""

from __future__ import annotations

import argparse

from tinygrad_cnn.subcommands import deferred

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``derive`` and ``summary`` to the ``tinygrad-cnn`` command."""
    derive = subparsers.add_parser(
        "derive", help="derive, check and render the lecture's formulas",
        description="Derive a formula step by step, check every step, and render it. NAME is a derivation "
                    "(see 'derive list'), 'list', or 'all'.",
    )  # fmt: skip
    derive.add_argument("name", metavar="NAME", help="a derivation, 'list' or 'all'")
    derive.add_argument("--format", default="text", help="text (default), md or latex (a standalone document)")
    derive.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="settings",
                        help="put an integer in for a variable, e.g. --set n=32 (repeatable)")  # fmt: skip
    derive.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of standard output")
    derive.add_argument("--check", action="store_true", help="also check every step and verify against the engine")
    derive.set_defaults(run=deferred("derivations.cli:run_derive"))

    model = subparsers.add_parser(
        "summary", help="a model's layers: shapes, parameters, connections, MACs, receptive fields",
        description="Count a model layer by layer by formula, without allocating weights. MODEL is a named "
                    "architecture ('summary list' names them) or a checkpoint file saved with tinygrad_cnn.save.",
    )  # fmt: skip
    model.add_argument("model", metavar="MODEL", help="a named architecture, 'list', or a checkpoint path")
    model.add_argument("--input", metavar="CxHxW", help="input shape, e.g. 3x224x224 (default: the paper's)")
    model.add_argument("--max-bytes", type=int, default=None, metavar="BYTES",
                       help="read a checkpoint only if its arrays unpack to at most BYTES (default: 1 GiB, "
                            "tinygrad_cnn.serialization.LOAD_LIMIT)")  # fmt: skip
    model.set_defaults(run=deferred("derivations.cli:run_summary"))
