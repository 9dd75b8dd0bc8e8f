"""The ``derive`` and ``summary`` subcommands of ``tinygrad-cnn`` (registered by :mod:`derivations.command`).

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
    derivations.cli.CliError: --set 'n=abc': the value must be an integer written with digits 0-9
    >>> parse_input_shape("1x32x32")
    (1, 32, 32)
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Sequence

from tinygrad_cnn.engine.sizes import shown
from tinygrad_cnn.files import write_text
from tinygrad_cnn.models.architectures import ARCHITECTURES, MAX_SIZE
from tinygrad_cnn.serialization import LOAD_LIMIT
from tinygrad_cnn.subcommands import CommandError, printable

from . import registry
from .core import Derivation
from .render import latex_document, to_markdown, to_text
from .summary import format_table, summarize_checkpoint, summary
from .vocabulary import DerivationError

__all__ = ["run_derive", "run_summary", "parse_settings", "parse_input_shape", "write_atomically",
           "CliError"]  # fmt: skip

FORMATS = ("text", "md", "latex")
MAX_DIGITS = 100  # --set values longer than this are refused (SymPy would print them, Python refuses > 4,300)


class CliError(CommandError, ValueError):
    """A failure reported as one line on stderr, exit status 1. It is a ``ValueError`` too, so the main catches
    it even when ``tinygrad_cnn.cli`` runs as ``__main__`` (``python -m``) and its ``CommandError`` is a
    different class from the one imported here."""


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
        if not equals or not re.fullmatch(r"[A-Za-z_]\w*", name, flags=re.ASCII):
            raise CliError(f"--set {printable(shown(item))}: expected NAME=VALUE, e.g. --set n=32")
        digits = value.strip()
        if not re.fullmatch(r"[+-]?[0-9]+", digits, flags=re.ASCII):
            raise CliError(f"--set {printable(shown(item))}: the value must be an integer written with digits 0-9")
        if len(digits.lstrip("+-")) > MAX_DIGITS:
            raise CliError(f"--set {name}=...: the value has {len(digits.lstrip('+-')):,} digits; at most {MAX_DIGITS}")
        number = int(digits)
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
    """Write ``text`` to ``path`` atomically (:func:`tinygrad_cnn.files.write_text`); a missing folder is a
    one-line error."""
    directory = os.path.dirname(os.path.abspath(os.fspath(path)))
    if not os.path.isdir(directory):
        raise CliError(f"--out {os.fspath(path)}: the directory {directory} does not exist")
    write_text(path, text)


# ---- summary ----------------------------------------------------------------------------------------------
def run_summary(args: argparse.Namespace) -> int:
    if args.model == "list":
        width = max(map(len, ARCHITECTURES))
        print("\n".join(f"{name:<{width}}  {arch.title}" for name, arch in ARCHITECTURES.items()))
        return 0
    shape = parse_input_shape(args.input) if args.input is not None else None
    try:
        if args.model in ARCHITECTURES:
            result = summary(args.model, shape)
        elif os.path.exists(args.model):
            limit = LOAD_LIMIT if args.max_bytes is None else args.max_bytes
            if limit < 0:
                raise CliError(f"--max-bytes must be a non-negative number of bytes, got {limit}")
            result = summarize_checkpoint(args.model, shape, limit)
        else:
            raise CliError(f"unknown model {shown(args.model)}: give one of {', '.join(ARCHITECTURES)}, "
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
    valid = all(re.fullmatch(r"[0-9]{1,10}", p.strip(), flags=re.ASCII) for p in parts)
    shape = tuple(int(p) for p in parts) if valid else ()
    if len(shape) != 3 or min(shape) < 1 or max(shape) > MAX_SIZE:
        raise CliError(f"--input must be C×H×W with three positive integers of at most {MAX_SIZE:,}, e.g. "
                       f"3x224x224; got {printable(shown(text))}")  # fmt: skip
    return shape  # type: ignore[return-value]
