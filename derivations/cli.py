"""The ``derive`` and ``summary`` subcommands of ``tinygrad-cnn`` (registered by :func:`register`).

``tinygrad-cnn derive list`` names the derivations; ``tinygrad-cnn derive NAME`` prints one as text,
Markdown or a standalone LaTeX document, ``--set n=32 --set k=5`` puts numbers in (parsed with ``int``
only: nothing the user types is ever evaluated), ``--check`` checks every step and verifies the result
against the engine, and ``--out FILE`` writes the file atomically. ``tinygrad-cnn derive all --format latex
--out derivations.tex`` writes every derivation into one document. ``tinygrad-cnn summary MODEL`` prints a
model's table (parameters, connections, MACs, receptive field per layer) for a named architecture or a
checkpoint. Errors raise :class:`CliError`, which the main prints as one line.

Examples:
    >>> parse_settings(["n=32", "k=5"])
    {'n': 32, 'k': 5}
    >>> parse_settings(["n=abc"])
    Traceback (most recent call last):
    ...
    derivations.cli.CliError: n=abc: value must be an integer
    >>> parse_input_shape("1x32x32")
    (1, 32, 32)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import tempfile
from collections.abc import Sequence

from tinygrad_cnn.architectures import ARCHITECTURES
from tinygrad_cnn.cli import CommandError

from . import registry
from .core import Derivation, DerivationError
from .render import latex_document, to_markdown, to_text
from .summary import format_table, summarize_checkpoint, summary

__all__ = ["register", "run_derive", "run_summary", "parse_settings", "parse_input_shape", "write_atomically",
           "CliError"]  # fmt: skip

FORMATS = ("text", "md", "latex")


class CliError(CommandError, ValueError):
    """A failure reported as one line on stderr, exit status 1. It is a ``ValueError`` too, so the main catches
    it even when ``tinygrad_cnn.cli`` runs as ``__main__`` (``python -m``) and its ``CommandError`` is a
    different class from the one imported here."""


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
    derive.set_defaults(run=run_derive)

    model = subparsers.add_parser(
        "summary", help="a model's layers: shapes, parameters, connections, MACs, receptive fields",
        description="Count a model layer by layer by formula, without allocating weights. MODEL is "
                    f"{', '.join(ARCHITECTURES)} or a checkpoint file saved with tinygrad_cnn.save.",
    )  # fmt: skip
    model.add_argument("model", metavar="MODEL", help=f"{', '.join(ARCHITECTURES)}, or a checkpoint path")
    model.add_argument("--input", metavar="CxHxW", help="input shape, e.g. 3x224x224 (default: the paper's)")
    model.set_defaults(run=run_summary)


# ---- derive -----------------------------------------------------------------------------------------------
def run_derive(args: argparse.Namespace) -> int:
    if args.format not in FORMATS:
        raise CliError(f"--format must be one of {', '.join(FORMATS)}, got {args.format!r}")
    values = parse_settings(args.settings)
    if args.name == "list":
        if values or args.check:
            raise CliError("'derive list' takes no --set or --check")
        width = max(map(len, registry.names()))
        return _emit("\n".join(f"{d.name:<{width}}  {d.title}" for d in registry.all()) + "\n", args.out)
    if args.name == "all":
        if values:
            raise CliError("--set applies to one derivation: give its name instead of 'all'")
        chosen = list(registry.all())
    else:
        try:
            chosen = [registry.get(args.name)]
        except KeyError as error:
            raise CliError(error.args[0]) from None
        if values:
            try:
                chosen = [chosen[0].substitute(values)]
            except ValueError as error:
                raise CliError(str(error)) from None
    text = _render(chosen, args.format)
    if args.check:
        report = "\n".join(_checked(d) for d in chosen)
        prefix = {"latex": "% ", "md": "    ", "text": ""}[args.format]
        text += "\n" + "\n".join(prefix + line for line in report.splitlines()) + "\n"
    return _emit(text, args.out)


def parse_settings(settings: Sequence[str]) -> dict[str, int]:
    """``["n=32", "k=5"]`` -> ``{"n": 32, "k": 5}``; values go through ``int()`` and nothing else."""
    values: dict[str, int] = {}
    for item in settings:
        name, equals, value = item.partition("=")
        name = name.strip()
        if not equals or not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise CliError(f"--set {item!r}: expected NAME=VALUE, e.g. --set n=32")
        try:
            number = int(value.strip())
        except ValueError:
            raise CliError(f"{item}: value must be an integer") from None
        if name in values:
            raise CliError(f"--set {name} is given twice")
        values[name] = number
    return values


def _render(chosen: list[Derivation], fmt: str) -> str:
    if fmt == "latex":
        title = chosen[0].title if len(chosen) == 1 else "Convolutional networks: the lecture's formulas, derived"
        return latex_document(chosen, title=title)
    if fmt == "md":
        return "\n".join(to_markdown(d) for d in chosen)
    return "\n\n".join(to_text(d) for d in chosen) + "\n"


def _checked(derivation: Derivation) -> str:
    """``check()`` and ``verify()``, as text; a failure becomes one user-facing line."""
    try:
        return f"{derivation.check()}\n{derivation.verify()}"
    except (DerivationError, AssertionError) as error:
        raise CliError("check failed: " + "; ".join(line.strip() for line in str(error).splitlines())) from None


def _emit(text: str, out: str | None) -> int:
    if out is None:
        print(text, end="")
        return 0
    write_atomically(out, text)
    print(f"wrote {out} ({len(text.splitlines())} lines)")
    return 0


def write_atomically(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory and ``os.replace``: readers
    see the old file or the new one, never part of one, and a failure leaves no temporary file behind."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise CliError(f"--out {path}: the directory {directory} does not exist")
    fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


# ---- summary ----------------------------------------------------------------------------------------------
def run_summary(args: argparse.Namespace) -> int:
    shape = parse_input_shape(args.input) if args.input is not None else None
    try:
        if args.model in ARCHITECTURES:
            result = summary(args.model, shape)
        elif os.path.isfile(args.model):
            result = summarize_checkpoint(args.model, shape)
        else:
            raise CliError(f"unknown model {args.model!r}: give one of {', '.join(ARCHITECTURES)}, "
                             "or the path of a checkpoint file")  # fmt: skip
    except (ValueError, KeyError, TypeError) as error:
        if isinstance(error, CliError):
            raise
        message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
        raise CliError(" ".join(str(message).split())) from None
    print(format_table(result))
    return 0


def parse_input_shape(text: str) -> tuple[int, int, int]:
    """``"3x224x224"`` (or ``3×224×224``, ``3,224,224``) -> ``(3, 224, 224)``, with ``int()`` only."""
    parts = re.split(r"[x×,]", text.strip().lower())
    try:
        shape = tuple(int(p) for p in parts)
    except ValueError:
        shape = ()
    if len(shape) != 3 or min(shape) < 1:
        raise CliError(f"--input must be C×H×W with three positive integers, e.g. 3x224x224; got {text!r}")
    return shape  # type: ignore[return-value]
