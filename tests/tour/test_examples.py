"""Every example script runs with its default arguments, and every notebook executes (nbclient) and shows
what it promises: graphs as inline SVG, derivations as rendered math, training pictures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "examples").glob("*.py"))
NOTEBOOKS = sorted((ROOT / "examples" / "notebooks").glob("*.ipynb"))
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]), "MPLBACKEND": "Agg"}


def test_there_are_examples_and_notebooks():
    assert len(SCRIPTS) >= 9 and len(NOTEBOOKS) == 2


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_example_runs(script, tmp_path):
    run = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=ENV, capture_output=True, text=True,
                         timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip() and "Traceback" not in run.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes_and_displays_svg_and_math(path, tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", ENV["PYTHONPATH"])
    notebook = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": str(tmp_path)}}  # the notebook's working folder: its pictures go there
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources=resources).execute()
    kinds = {kind for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])
             for kind in output.get("data", {})}  # fmt: skip
    errors = [o for cell in notebook.cells for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    assert "image/svg+xml" in kinds and "text/latex" in kinds
    if "training" in path.name:
        assert "image/png" in kinds
