"""The Ising classifier benchmark still runs (``--quick``: the tests' short recipe, one seed, and a two-size
fit) and prints every part of its report. Nothing here looks at the times."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_ising_classifier_runs_and_prints_its_report():
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_ising_classifier.py"), "--quick"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "load average" in out and "median error" in out and "cpu s per run" in out, out
    assert re.search(r"T_c\(∞\) = 2\.\d{4}", out) and "crosses at T = 2.2596 (-0.42 %)" in out, out
    assert "gap 2.2044..2.3340; an energy threshold halfway between its ends (infinite lattice) crosses at T = 2.2692" \
        in out, out
    rows = [line for line in out.splitlines() if re.match(r"\s+0\s+2\.\d{4}\s+[+-]\d", line)]
    assert len(rows) == 1, out
