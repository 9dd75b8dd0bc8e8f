"""The benchmark scripts still run (``--quick``, small sizes): they check that our results agree with the
peers' before timing, so a run is also a correctness check. Nothing here looks at the times."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("script", "columns"),
    [
        ("bench_value.py", ["workload", "engine", "build µs/n", "bwd µs/n", "mg/ours"]),
        ("bench_conv.py", ["workload", "pass", "ours", "torch", "naive", "ours/torch", "naive/ours"]),
    ],
)
def test_benchmark_runs_and_prints_its_table(script, columns):
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--quick"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    header = next(line for line in done.stdout.splitlines() if line.startswith("workload"))
    assert all(column in header for column in columns), header
    rows = [line for line in done.stdout.splitlines() if line[:6] in ("chain ", "MLP 2-", "conv2d", "max_po")]
    assert len(rows) >= 4, done.stdout
    if importlib.util.find_spec("torch"):  # CI installs it; without it the torch column is nan
        assert not any("nan" in row.split() for row in rows), done.stdout
