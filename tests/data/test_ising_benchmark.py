"""The Ising benchmark still runs (``--quick``): it checks each mean energy against Kaufman's exact value before
it prints, so a run is also a correctness check. Nothing here looks at the times."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_ising_runs_and_prints_its_tables():
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_ising.py"), "--quick"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "tau_E metro" in done.stdout and "second call, from the cache" in done.stdout, done.stdout
    assert "load average" in done.stdout
    rows = [line for line in done.stdout.splitlines() if line.strip()[:1].isdigit() and "|" in line]
    assert len(rows) == 20, done.stdout
