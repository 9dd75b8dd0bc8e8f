"""The options only ``tinygrad-cnn train ising`` takes, added to the ``train`` command's parser with the standard
library only; the task itself runs in :mod:`tinygrad_cnn.train.ising_cli`.

Like the ``train`` command's other options they are read as text and checked when the task runs, so a bad
value is one line naming the option.
"""

from __future__ import annotations

import argparse

__all__ = ["add_arguments", "ising_options_given", "ISING_OPTIONS"]

ISING_OPTIONS = {"L": "--L", "fss": "--fss", "sizes": "--sizes", "jobs": "--jobs", "samples": "--samples",
                 "test_samples": "--test-samples", "no_cache": "--no-cache"}  # fmt: skip
"""Each option's attribute on the parsed arguments and its flag."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the Ising task's options to ``parser`` (the ``train`` command's), as one group."""
    group = parser.add_argument_group("ising", "options of the ising task (the 2-D Ising critical temperature)")
    group.add_argument("--L", metavar="L", help="ising: lattice size, even, ≥ 4 (16)")
    group.add_argument("--fss", action="store_true",
                       help="ising: finite-size scaling: train at every size of --sizes with seeds S..S+K-1 "
                            "(--repeats K, default 5), extrapolate T_c in 1/L")
    group.add_argument("--sizes", metavar="L,L,...", help="ising: the lattice sizes of --fss (16,24,32)")
    group.add_argument("--jobs", metavar="N", help="ising: --fss runs at once, in N processes (the CPU count)")
    group.add_argument("--samples", metavar="N", help="ising: training configurations per temperature (200)")
    group.add_argument("--test-samples", metavar="N", help="ising: test configurations per temperature (256)")
    group.add_argument("--no-cache", action="store_true", help="ising: regenerate the Monte Carlo data, cache nothing")


def ising_options_given(args: argparse.Namespace) -> list[str]:
    """The Ising-only flags given on the command line (for refusing them with another task)."""
    return [flag for attribute, flag in ISING_OPTIONS.items() if getattr(args, attribute, None) not in (None, False)]
