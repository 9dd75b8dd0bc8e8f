"""Print the README's layout table: each part of the project, its folder, and how many lines it has.

    python scripts/line_counts.py          # the Markdown table
Lines are counted as ``wc -l`` counts them (docstrings and comments included: they are part of the reading).
``tests/test_readme.py`` checks that the README's table stays within 15 % of these numbers.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (what it is, the paths it covers): the bands of the package, lowest first, then the apps and the rest.
PARTS = [
    ("leaves: output-size and count formulas, atomic files, lazy imports, per-dims names",
     ["tinygrad_cnn/shapes.py", "tinygrad_cnn/files.py", "tinygrad_cnn/_lazy.py", "tinygrad_cnn/dims.py",
      "tinygrad_cnn/subcommands.py"]),
    ("engine: backward walk, `Value`, `Tensor`, primitives and rules, gradcheck", ["tinygrad_cnn/engine"]),
    ("conv: window geometry, convolution, pooling, scalar conv, loop oracles", ["tinygrad_cnn/conv"]),
    ("nn: `Module`, layers, functional, losses, init", ["tinygrad_cnn/nn", "tinygrad_cnn/functional.py"]),
    ("optim: SGD, Adam, AdamW, schedules", ["tinygrad_cnn/optim"]),
    ("checkpoints", ["tinygrad_cnn/serialization.py"]),
    ("models: named architectures, counted without allocating", ["tinygrad_cnn/models"]),
    ("data: datasets and loader", ["tinygrad_cnn/data"]),
    ("graphs: trace, DOT, rendering", ["tinygrad_cnn/graphs"]),
    ("train: fit, checkpoints, plots, PyTorch bridge", ["tinygrad_cnn/train"]),
    ("apps: the command line and the tour", ["tinygrad_cnn/cli.py", "tinygrad_cnn/__main__.py",
                                             "tinygrad_cnn/__init__.py", "tinygrad_cnn/tour"]),
    ("derivations: vocabulary, core, checks, rendering, registry", ["derivations/*.py"]),
    ("derivations: the twelve results", ["derivations/results"]),
    ("examples", ["examples"]),
    ("tests", ["tests"]),
    ("benchmarks", ["benchmarks"]),
]


def count(patterns: list[str]) -> tuple[int, int]:
    """(files, lines) of the Python files the patterns name (a folder means every .py file below it)."""
    files: set[Path] = set()
    for pattern in patterns:
        for path in ROOT.glob(pattern):
            files |= set(path.rglob("*.py")) if path.is_dir() else {path}
    return len(files), sum(len(f.read_text(encoding="utf-8").splitlines()) for f in files)


def table() -> str:
    rows = ["| part | where | files | lines |", "|---|---|---|---|"]
    for what, patterns in PARTS:
        files, lines = count(patterns)
        if files:
            where = ", ".join(f"`{p}`" for p in patterns)
            rows.append(f"| {what} | {where} | {files} | {lines:,} |")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.stdout.write(table() + "\n")
