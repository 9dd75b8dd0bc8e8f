"""The folders are the bands of the architecture: each module imports only from its own band or the bands
below it, read statically from every import (including those inside functions and under TYPE_CHECKING);
the engine never imports ``derivations`` (only the apps, the tour and the command line, sit above it and show
its results); and the command line starts without NumPy or SymPy."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tinygrad_cnn"

# Lowest first. A module may import from its own band and any band listed before it.
BANDS = [
    {"_lazy", "dims", "files", "shapes", "subcommands"},
    {"engine"},
    {"conv"},
    {"nn", "functional"},
    {"optim"},
    {"serialization"},
    {"models"},
    {"data"},
    {"graphs", "train"},
    {"tour"},
    {"cli", "__main__", "__init__"},
]
RANK = {name: rank for rank, names in enumerate(BANDS) for name in names}


def _band(module: str) -> str:
    """``tinygrad_cnn.conv.pooling`` -> ``conv``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _is_module(name: str, root: Path) -> bool:
    path = root.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imports(path: Path, root: Path = ROOT) -> list[str]:
    """Absolute names of every ``tinygrad_cnn`` / ``derivations`` module imported by ``path``."""
    module = ".".join(path.relative_to(root).with_suffix("").parts)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            found += [f"{target}.{alias.name}" if _is_module(f"{target}.{alias.name}", root) else target
                      for alias in node.names]
    return [name for name in found if name.split(".")[0] in ("tinygrad_cnn", "derivations")]


MODULES = sorted(PACKAGE.rglob("*.py"))


def violations(path: Path, root: Path = ROOT) -> list[str]:
    """Every import of ``path`` that reaches up a band, into ``derivations``, or through the package root."""
    here = _band(".".join(path.relative_to(root).with_suffix("").parts))
    if here not in RANK:
        return [f"{path}: band {here!r} is not in the layout; add it to BANDS"]
    found = []
    for name in _imports(path, root):
        there = _band(name)
        if name.startswith("derivations") and RANK[here] < RANK["tour"]:
            found.append(f"{path} imports {name}: the engine never imports derivations (only the apps do)")
        elif name.startswith("derivations"):
            continue
        elif there == "__init__" and RANK[here] < RANK["__init__"]:
            found.append(f"{path} imports the package root ({name}); import the module that defines it")
        elif RANK.get(there, len(BANDS)) > RANK[here]:
            found.append(f"{path} ({here}) imports {name} ({there}), a band above it")
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_module_imports_only_from_its_band_or_below(path):
    assert violations(path) == []


def test_the_rule_catches_upward_imports_and_derivations(tmp_path):
    package = tmp_path / "tinygrad_cnn"
    for folder in ("engine", "train"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    probe = package / "engine" / "probe.py"
    probe.write_text("from ..train import fit\nimport derivations.core\nfrom . import probe2\n")
    found = violations(probe, tmp_path)
    assert len(found) == 2 and "band above it" in found[0] and "never imports derivations" in found[1]


def test_help_loads_neither_numpy_nor_sympy():
    code = ("import sys; from tinygrad_cnn.cli import build_parser; build_parser().format_help(); "
            "print(sorted(m for m in ('numpy', 'sympy', 'matplotlib') if m in sys.modules))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
