"""The benchmark scripts still run (``--quick``, small sizes): they check that our results agree with the
peers' before timing, so a run is also a correctness check. Nothing here looks at the times."""

from __future__ import annotations

import importlib.util
import json
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


def test_the_runner_checks_times_and_writes_markdown_and_json(tmp_path):
    """``run.py --quick`` over the tensor, memory and scalar sections: every engine agreed before it was timed
    (else the run fails), and the results name the issue's targets."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--repeats", "1", "--threads", "1",
         "--only", "conv,pool,steps,memory,value",
         "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "results-quick.json").read_text(encoding="utf-8"))
    assert set(results["sections"]) == {"conv", "pool", "steps", "memory", "value"}
    assert len(results["sections"]["conv"]["rows"]) == 8
    assert {t["target"] for t in results["targets"]} >= {"conv_geomean", "pool", "lenet", "tiny", "value", "memory"}
    memory = results["sections"]["memory"]  # the LeNet-5 step's and a digits epoch's peak RSS, per engine
    assert set(memory["workloads"]) == {"lenet5", "digits-epoch"}
    for engines in memory["workloads"].values():
        assert "ours" in engines and all(r["peak_rss_mib"] >= r["peak_rss_mib_setup"] > 0 for r in engines.values())
    markdown = (tmp_path / "results-quick.md").read_text(encoding="utf-8")
    assert "## Issue 13's targets" in markdown and "load" in markdown and "digits-CNN epoch (1 epoch)" in markdown
