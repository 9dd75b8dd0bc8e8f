"""``tinygrad-cnn tour``: run the lecture's sections in order and write the report.

Everything is written into a hidden staging folder inside ``DIR`` first; only when every section has run are
the files moved into place, pictures first and ``index.html`` last, each by an atomic rename. So an
interrupted or failed run leaves the previous report as it was. A run replaces only its own files: those it
writes, and those the previous run listed in ``DIR/.tour-files.json`` and this one no longer makes.

Examples:
    >>> names = [key for key, _, _ in SECTIONS]
    >>> names
    ['problem', 'locality', 'convolution', 'edges', 'cnn', 'physics', 'history']
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
import time
import webbrowser
from collections.abc import Callable
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

import derivations
from derivations.render import latex_document

from ..files import write_text
from ..subcommands import CommandError
from .context import FULL, QUICK, Context
from .experiments import cnn, physics
from .report import Code, Paragraph, Report, Section, to_html, to_markdown
from .sections import convolution, edge_detection, history, locality_and_sharing, problem

__all__ = ["SECTIONS", "build_report", "write_report", "run_command", "MANIFEST", "OUTPUTS"]

SECTIONS: list[tuple[str, str, Callable[[Context], Section]]] = [
    ("problem", "The problem", problem),
    ("locality", "Locality and sharing", locality_and_sharing),
    ("convolution", "Convolution", convolution),
    ("edges", "Edge detection", edge_detection),
    ("cnn", "A CNN model", cnn),
    ("physics", "Physics", physics),
    ("history", "A bit of history", history),
]
MANIFEST = ".tour-files.json"
OUTPUTS = ("index.html", "index.md", "derivations.tex")
TITLE = "Machine Learning in Physics: Convolutional Neural Networks"


def _version() -> str:
    """The installed distribution's version (the package root, which defines it, is a band above)."""
    try:
        return version("tinygrad-cnn")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def build_report(folder: Path, *, quick: bool = False, seed: int = 0, progress: bool | None = None,
                 log: Callable[[str], None] = lambda line: None) -> Report:  # fmt: skip
    """Run every section (pictures go into ``folder/images``) and return the report."""
    context = Context(Path(folder), QUICK if quick else FULL, seed, progress)
    start, sections = time.perf_counter(), []
    for number, (_, label, make) in enumerate(SECTIONS, 1):
        log(f"[{number}/{len(SECTIONS)}] {label} ...")
        began = time.perf_counter()
        section = make(context)
        section.seconds = time.perf_counter() - began
        log(f"[{number}/{len(SECTIONS)}] {label}: done in {section.seconds:.1f} s")
        sections.append(section)
    seconds = time.perf_counter() - start
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    mode = (Paragraph("Quick mode (", Code("--quick"), "): smaller data and fewer training steps, so the "
                      "accuracies below are lower than a full run's. Run ", Code("tinygrad-cnn tour"),
                      " without --quick for the full tour.", kind="note") if quick else
            Paragraph("Full tour: every model trained with the budget stated beside its numbers."))  # fmt: skip
    intro = [
        Paragraph("The lecture's argument, run end to end: every number, table and picture on this page was "
                  f"computed by tinygrad_cnn {_version()} in this run ({seconds:.0f} s, seed {seed}, {when}). "
                  "Every derivation is checked step by step with SymPy; all of them are also in ",
                  Code("derivations.tex"), " beside this page."),
        mode,
    ]  # fmt: skip
    timings = ", ".join(f"{s.title.split(':')[0]} {s.seconds:.1f} s" for s in sections)
    footer = [f"tinygrad_cnn {_version()}, Python {platform.python_version()}, NumPy {np.__version__}, "
              f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs; mode {context.budget.name}.",
              f"Time per section: {timings}."]  # fmt: skip
    return Report(TITLE, sections, intro, footer)


def write_report(out: str | os.PathLike, *, quick: bool = False, seed: int = 0, progress: bool | None = None,
                 log: Callable[[str], None] = lambda line: None) -> tuple[Report, Path]:  # fmt: skip
    """Build the report in a staging folder inside ``out``, then move its files into ``out``; return the
    report and the path of ``index.html``."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tour-partial-", dir=out))
    try:
        report = build_report(staging, quick=quick, seed=seed, progress=progress, log=log)
        write_text(staging / "index.html", to_html(report))
        write_text(staging / "index.md", to_markdown(report))
        write_text(staging / "derivations.tex", latex_document(derivations.all(), title=TITLE))
        _publish(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report, out / "index.html"


def _files(folder: Path) -> list[str]:
    """Every file under ``folder``, as POSIX paths relative to it, sorted."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def _previous(out: Path) -> list[str]:
    """The files the last run wrote, from its manifest; nothing if it is missing or not ours."""
    try:
        names = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(names, list):
        return []
    safe = []
    for name in names[:10_000]:
        path = Path(name) if isinstance(name, str) else None
        if path is not None and not path.is_absolute() and ".." not in path.parts and path.parts:
            safe.append(name)
    return safe


def _publish(staging: Path, out: Path) -> None:
    """Move the staged files into ``out`` (pictures first, the pages last), drop the previous run's files that
    this run did not make, and write the new manifest."""
    names = _files(staging)
    pages = [n for n in names if n in OUTPUTS]
    for name in [n for n in names if n not in OUTPUTS] + sorted(pages, key=OUTPUTS.index, reverse=True):
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / name, target)
    for name in set(_previous(out)) - set(names):
        (out / name).unlink(missing_ok=True)
    write_text(out / MANIFEST, json.dumps(names, indent=1) + "\n")


def run_command(args) -> int:
    """``tinygrad-cnn tour [--out DIR] [--quick] [--open] [--seed S]``."""
    mode = "quick" if args.quick else "full"
    print(f"tinygrad-cnn tour ({mode}): writing the report to {args.out}/", file=sys.stderr)

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    report, page = write_report(args.out, quick=args.quick, seed=args.seed, log=log)
    pictures = len(list((Path(args.out) / "images").glob("*")))
    print(f"Report: {page} ({len(report.sections)} sections, {pictures} pictures), also index.md and "
          "derivations.tex")  # fmt: skip
    if args.open:
        webbrowser.open(page.resolve().as_uri())
    return 0
