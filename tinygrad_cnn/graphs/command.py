"""``tinygrad-cnn graph``: draw an example graph, or a saved model, to SVG, PNG, PDF or DOT.

Only the standard library is imported at the top, so ``tinygrad-cnn --help`` stays fast; the drawing
code is imported when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["register", "run"]

FORMATS = ("svg", "png", "pdf", "dot")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "graph",
        help="draw a computation graph: a neuron, the lecture's convolutions, the tiny CNN, LeNet-5, a checkpoint",
        description="Draw an example graph (`graph list` names them) or a saved model (--checkpoint) through "
        "Graphviz. With --format dot and no --out, the DOT text goes to standard output.",
    )
    parser.add_argument("example", nargs="?", help="an example name, or `list`")
    parser.add_argument("--format", help="svg (default), png, pdf or dot; default: the extension of --out")
    parser.add_argument("--out", help="the file to write (default: EXAMPLE.FORMAT in the current folder)")
    parser.add_argument("--expand", action="store_true", help="models: every tensor op instead of one node per layer")
    parser.add_argument("--grads", action="store_true",
                        help="show gradients: each edge's share of a shared weight's gradient (scalar graphs), "
                        "gradient norms after a backward pass (models)")  # fmt: skip
    parser.add_argument("--checkpoint", metavar="FILE", help="draw the model saved in FILE (tinygrad_cnn.save, "
                        "with its architecture in the metadata)")  # fmt: skip
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..subcommands import CommandError
    from .examples import EXAMPLES

    if args.example == "list":
        width = max(map(len, EXAMPLES))
        for name, example in EXAMPLES.items():
            print(f"{name.ljust(width)}  {example.description}")
        return 0
    if args.checkpoint is not None and args.example is not None:
        raise CommandError("give an example name or --checkpoint FILE, not both")
    if args.checkpoint is None and args.example is None:
        raise CommandError(f"name an example ({', '.join(EXAMPLES)}), `list`, or --checkpoint FILE")
    if args.example is not None and args.example not in EXAMPLES:
        shown = args.example if args.example.isprintable() and len(args.example) <= 40 else "that name"
        raise CommandError(f"unknown example {shown!r}; known: {', '.join(EXAMPLES)} (or `list`)")
    fmt = _format(args, CommandError)
    if args.expand and args.example is not None and not EXAMPLES[args.example].expandable:
        models = ", ".join(n for n, e in EXAMPLES.items() if e.expandable)
        raise CommandError(f"--expand applies to the models ({models} and --checkpoint); this example is already "
                           "drawn op by op")  # fmt: skip

    if args.checkpoint is not None:
        from .examples import model_dot, model_from_checkpoint

        model, input_shape, title = model_from_checkpoint(args.checkpoint)
        source = model_dot(model, input_shape, title=title, expand=args.expand, grads=args.grads)
        stem = Path(args.checkpoint).stem
    else:
        source = EXAMPLES[args.example].build(expand=args.expand, grads=args.grads)
        stem = args.example

    if fmt == "dot" and args.out is None:
        sys.stdout.write(source)
        return 0
    from .render import render_to

    out = Path(args.out) if args.out is not None else Path(f"{stem}.{fmt}")
    written = render_to(source, out, fmt)
    print(f"wrote {written}")
    return 0


def _format(args: argparse.Namespace, error: type[Exception]) -> str:
    """The format from --format and --out's extension, which must agree."""
    suffix = Path(args.out).suffix.lower().lstrip(".") if args.out else ""
    if args.format is not None and args.format not in FORMATS:
        shown = args.format if args.format.isprintable() and len(args.format) <= 20 else "that"
        raise error(f"unknown format {shown!r}; choose one of {', '.join(FORMATS)}")
    if args.format is not None:
        if suffix in FORMATS and suffix != args.format:
            raise error(f"--format {args.format} but --out ends in .{suffix}")
        return args.format
    if suffix and suffix not in FORMATS:
        raise error(f"cannot tell the format from --out's extension .{suffix[:10]}; give --format "
                    f"({', '.join(FORMATS)})")  # fmt: skip
    return suffix or "svg"
