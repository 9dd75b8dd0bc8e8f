"""benchmarks/bench_training.py still runs (``--quick``: a few steps of every run) and prints every section.
Nothing here looks at the times or the accuracies of so short a run."""

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_training_benchmark_runs_and_prints_its_sections():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_training.py"), "--quick"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    for line in ("MNIST-1D test accuracy, seed 0", "CNN (3 conv1d)", "Digits: AdamW", "digits_mlp10x",
                 "Edges: one 3×3 conv", "load average at the end"):  # fmt: skip
        assert line in out, line
    if importlib.util.find_spec("torch"):  # CI installs it
        assert "the CNN recipe in PyTorch" in out and "ours / PyTorch here on 1 thread" in out
