"""The README's promises: its first lines give the two set-up commands, they exist, CI runs the second,
and its Python example runs as printed."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_first_lines_give_the_two_commands_and_they_exist():
    top = "\n".join(README.splitlines()[:6])
    assert "bash scripts/tour.sh" in top and "bash scripts/test.sh" in top
    for script in ("scripts/tour.sh", "scripts/test.sh", "scripts/_setup.sh"):
        assert (ROOT / script).is_file(), script
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_the_python_example_runs():
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)
    assert blocks, "the README has a Python example"
    for block in blocks:
        namespace: dict = {}
        exec(compile(block, "README.md", "exec"), namespace)  # our own README, not user input
        if "x" in namespace and hasattr(namespace["x"], "grad"):
            assert namespace["x"].grad == 27.0


def test_the_layout_table_is_current():
    """Each part's line count in the README is within 15 % of what ``scripts/line_counts.py`` counts now."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("line_counts", ROOT / "scripts" / "line_counts.py")
    line_counts = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(line_counts)
    stale = []
    for row in line_counts.table().splitlines()[2:]:
        what, _, _, lines = [cell.strip() for cell in row.strip("|").split("|")]
        match = re.search(r"\| " + re.escape(what) + r" \|[^\n]*\| ([\d,]+) \|", README)
        assert match, f"the README's layout table has no row for {what!r} (run scripts/line_counts.py)"
        written, actual = int(match.group(1).replace(",", "")), int(lines.replace(",", ""))
        if abs(written - actual) > 0.15 * actual:
            stale.append(f"{what}: README says {written:,}, counted {actual:,}")
    assert not stale, "update the README's layout table (scripts/line_counts.py): " + "; ".join(stale)
