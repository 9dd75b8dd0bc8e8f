"""Convolution and pooling speed: our tensor engine against PyTorch (CPU) and a naive NumPy loop.

For each workload, side by side in one run: forward time and forward+backward time of

* ``ours``  — ``tinygrad_cnn.functional`` (windows × one shared weight matrix, NumPy matmul),
* ``torch`` — ``torch.nn.functional`` on the CPU with the same number of threads (if torch is installed),
* ``naive`` — the plain-loop oracle ``tinygrad_cnn.conv.reference`` (forward only: it has no backward),

and the ratios ours/torch (how many times slower than PyTorch) and naive/ours (how much the vectorised
windows buy over loops). All in float32 except the naive loops (float64, as the oracle computes). Before
timing a workload, the three forward results are compared; a disagreement stops the run.

Run: ``python benchmarks/bench_conv.py [--quick] [--threads N]``. The thread count is fixed for NumPy's
BLAS (``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS``, set before NumPy loads) and for torch alike.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat (a smoke test)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="threads for BLAS and torch")
    return parser.parse_args()


ARGS = parse_args()
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = str(ARGS.threads)  # must precede the NumPy import to take effect

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # time this checkout, even if not installed
import tinygrad_cnn.functional as F  # noqa: E402
from tinygrad_cnn import Tensor  # noqa: E402
from tinygrad_cnn.conv import reference  # noqa: E402

try:
    import torch
    import torch.nn.functional as TF

    torch.set_num_threads(ARGS.threads)
except ImportError:  # pragma: no cover - depends on the environment
    torch = None


def best_time(fn: Callable[[], object], repeats: int) -> float:
    """Best wall-clock seconds of ``repeats`` runs after one warm-up run."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def conv_workload(n, c_in, c_out, size, k, stride=1, padding=0, groups=1):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c_in, size, size)).astype(np.float32)
    w = rng.standard_normal((c_out, c_in // groups, k, k)).astype(np.float32)
    name = f"conv2d {n}×{c_in}×{size}² → {c_out}, k={k} s={stride} p={padding}" + (f" g={groups}" if groups > 1 else "")

    def ours(backward: bool):
        xt, wt = Tensor(x, requires_grad=backward), Tensor(w, requires_grad=backward)
        out = F.conv2d(xt, wt, stride=stride, padding=padding, groups=groups)
        if backward:
            out.sum().backward()
        return out.numpy()

    def theirs(backward: bool):
        xt, wt = torch.tensor(x, requires_grad=backward), torch.tensor(w, requires_grad=backward)
        out = TF.conv2d(xt, wt, stride=stride, padding=padding, groups=groups)
        if backward:
            out.sum().backward()
        return out.detach().numpy()

    def naive():
        return reference.conv2d_reference(x, w, stride=stride, padding=padding, groups=groups)

    return name, ours, theirs, naive


def pool_workload(n, c, size, k):
    x = np.random.default_rng(0).standard_normal((n, c, size, size)).astype(np.float32)
    name = f"max_pool2d {n}×{c}×{size}², k={k}"

    def ours(backward: bool):
        xt = Tensor(x, requires_grad=backward)
        out = F.max_pool2d(xt, k)
        if backward:
            out.sum().backward()
        return out.numpy()

    def theirs(backward: bool):
        xt = torch.tensor(x, requires_grad=backward)
        out = TF.max_pool2d(xt, k)
        if backward:
            out.sum().backward()
        return out.detach().numpy()

    def naive():
        return reference.max_pool2d_reference(x, k)

    return name, ours, theirs, naive


def main() -> None:
    quick = ARGS.quick
    repeats = 1 if quick else 5
    workloads = [
        conv_workload(4 if quick else 32, 1, 8, 28, 5),
        conv_workload(4 if quick else 32, 8, 16, 12, 3, padding=1),
        conv_workload(2 if quick else 8, 3, 16, 32, 3, stride=2, padding=1),
        conv_workload(2 if quick else 8, 64, 64, 16, 3, padding=1, groups=64),  # depthwise
        conv_workload(2 if quick else 8, 32, 32, 16, 3, padding=1, groups=4),
        pool_workload(4 if quick else 32, 8, 24, 2),
    ]
    print(f"threads: {ARGS.threads}; times in ms, best of {repeats}; torch: {torch.__version__ if torch else 'absent'}")
    header = f"{'workload':44} {'pass':>8} {'ours':>9} {'torch':>9} {'naive':>9} {'ours/torch':>11} {'naive/ours':>11}"
    print(header)
    print("-" * len(header))
    for name, ours, theirs, naive in workloads:
        expected = naive()  # a fast wrong answer is no result: all three must agree before anything is timed
        np.testing.assert_allclose(ours(False), expected, rtol=1e-4, atol=1e-4, err_msg=f"ours vs naive: {name}")
        if torch:
            np.testing.assert_allclose(theirs(False), expected, rtol=1e-4, atol=1e-4, err_msg=f"torch: {name}")
        naive_ms = best_time(naive, 1) * 1e3
        for backward in (False, True):
            ours_ms = best_time(lambda fn=ours, b=backward: fn(b), repeats) * 1e3
            torch_ms = best_time(lambda fn=theirs, b=backward: fn(b), repeats) * 1e3 if torch else float("nan")
            label = "fwd+bwd" if backward else "forward"
            naive_col = f"{naive_ms:9.1f}" if not backward else f"{'—':>9}"
            naive_ratio = f"{naive_ms / ours_ms:10.1f}×" if not backward else f"{'—':>11}"
            print(f"{name:44} {label:>8} {ours_ms:9.2f} {torch_ms:9.2f} {naive_col} "
                  f"{ours_ms / torch_ms:10.1f}× {naive_ratio}")  # fmt: skip


if __name__ == "__main__":
    main()
