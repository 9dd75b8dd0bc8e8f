"""``tinygrad-cnn tour``: registered here with the standard library only, run from :mod:`.build`."""

from __future__ import annotations

import argparse

from ..subcommands import deferred


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "tour", help="run the lecture end to end and write a report (HTML, Markdown, LaTeX, pictures)",
        description="Walk through the lecture in its order, computing every number, table and picture, and write "
                    "DIR/index.html (one page that opens offline), DIR/index.md, DIR/derivations.tex and the "
                    "pictures in DIR/images. An interrupted run leaves the previous report intact.",
    )  # fmt: skip
    parser.add_argument("--out", default="tour-report", metavar="DIR", help="where to write (default tour-report)")
    parser.add_argument("--quick", action="store_true",
                        help="smaller data, fewer steps: under 30 s (the page says so)")
    parser.add_argument("--open", action="store_true", help="open the report in a web browser when it is written")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.set_defaults(run=deferred("tinygrad_cnn.tour.build:run_command"))
