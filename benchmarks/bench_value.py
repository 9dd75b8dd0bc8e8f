"""Time per graph node of our scalar engine (``tinygrad_cnn.Value``) against micrograd's (PyPI).

Two workloads, each run by the *same* code on both engines (only the Value class differs):

* chain: ``y = y * c + d`` repeated, two new nodes per step (the shape of a long recurrence);
* MLP:   micrograd's demo network and loss (ReLU MLP 2-16-16-1, SVM max-margin loss + L2) on 100 points.

For each we time building the graph (forward) and ``backward()``, count the nodes by walking the graph,
and print microseconds per node and the ratio micrograd / ours (> 1 means we are faster). The garbage
collector stays on, as in normal use, so build times include its passes over the new nodes. micrograd's
backward is recursive (at Python's default limit of 1000 frames it fails on a chain of ~1000 ops), so the
side-by-side chain is 2·10^4 ops with a raised recursion limit; our iterative backward is then shown alone
on 10^6 operations.

Run: ``python benchmarks/bench_value.py`` (about 10 s) or ``python benchmarks/bench_value.py --quick`` (1 s).
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # time this checkout, even if not installed
from tinygrad_cnn import Value

try:
    from micrograd.engine import Value as MicrogradValue
except ImportError:  # pragma: no cover - depends on the environment
    MicrogradValue = None


@dataclass
class Timing:
    nodes: int
    build: float  # seconds
    backward: float  # seconds

    @property
    def total(self) -> float:
        return self.build + self.backward


def count_nodes(root: Any) -> int:
    """Number of distinct nodes reachable from ``root`` through ``_prev`` (explicit stack, no recursion)."""
    seen = {id(root)}
    stack = [root]
    while stack:
        for parent in stack.pop()._prev:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen)


def chain(Value: type, steps: int) -> Any:  # noqa: N803 (the engine's class is the parameter)
    """``y = y * c + d``, ``steps`` times: 2·steps operations in one long path."""
    x, c, d = Value(1.0), Value(1.0 + 1e-6), Value(0.5)
    y = x
    for _ in range(steps):
        y = y * c + d
    return y


def mlp_loss(Value: type, n_points: int, sizes: tuple[int, ...] = (2, 16, 16, 1), seed: int = 0) -> Any:  # noqa: N803
    """micrograd's nn.MLP and its demo loss, written once for any Value class (fixed weights and data)."""
    rand = random.Random(seed)
    layers = []
    for i, (nin, nout) in enumerate(zip(sizes[:-1], sizes[1:])):
        neurons = [([Value(rand.uniform(-1, 1)) for _ in range(nin)], Value(0)) for _ in range(nout)]
        layers.append((neurons, i != len(sizes) - 2))
    params = [p for neurons, _ in layers for w, b in neurons for p in w + [b]]

    points = [[rand.uniform(-2, 2) for _ in range(sizes[0])] for _ in range(n_points)]
    labels = [1 if p[0] * p[1] > 0 else -1 for p in points]
    losses = []
    for point, label in zip(points, labels):
        h: list[Any] = [Value(v) for v in point]
        for neurons, nonlin in layers:
            acts = [sum((wi * xi for wi, xi in zip(w, h)), b) for w, b in neurons]
            h = [a.relu() for a in acts] if nonlin else acts
        losses.append((1 + -label * h[0]).relu())
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in params)
    return data_loss + reg_loss


def measure(build: Callable[[], Any], repeats: int) -> tuple[Timing, float]:
    """Best-of-``repeats`` build and backward times; returns them and the root's data (a sanity check)."""
    best: Timing | None = None
    data = float("nan")
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        root = build()
        t1 = time.perf_counter()
        root.backward()
        t2 = time.perf_counter()
        timing = Timing(count_nodes(root), t1 - t0, t2 - t1)
        data = root.data
        if best is None or timing.total < best.total:
            best = timing
        del root
    assert best is not None
    return best, data


def row(workload: str, engine: str, t: Timing, ratio: str = "") -> str:
    per = 1e6 / t.nodes
    return (
        f"{workload:<22} {engine:<10} {t.nodes:>9,} {t.build * per:>10.2f} {t.backward * per:>10.2f} "
        f"{t.total * per:>10.2f} {t.total:>9.3f} {ratio:>8}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat (about a second)")
    args = parser.parse_args(argv)

    quick, full = (10**3, 10**5, 20, 1), (10**4, 5 * 10**5, 100, 3)
    side_steps, long_steps, n_points, repeats = quick if args.quick else full
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * side_steps + 10_000))  # micrograd recurses

    engines: list[tuple[str, type]] = [("ours", Value)]
    if MicrogradValue is None:
        print("micrograd is not installed (pip install micrograd): timing our engine alone.")
    else:
        engines.append(("micrograd", MicrogradValue))

    workloads: list[tuple[str, Callable[[type], Any]]] = [
        (f"chain {2 * side_steps:,} ops", lambda V: chain(V, side_steps)),
        (f"MLP 2-16-16-1 x{n_points}", lambda V: mlp_loss(V, n_points)),
    ]

    header = (
        f"{'workload':<22} {'engine':<10} {'nodes':>9} {'build µs/n':>10} {'bwd µs/n':>10} "
        f"{'total µs/n':>10} {'total s':>9} {'mg/ours':>8}"
    )
    print(f"Python {sys.version.split()[0]}, best of {repeats}; µs per node, ratio = micrograd / ours total")
    print(header)
    print("-" * len(header))
    for name, work in workloads:
        results = {engine: measure(lambda V=V, work=work: work(V), repeats) for engine, V in engines}
        if "micrograd" in results:
            (ours, our_data), (theirs, their_data) = results["ours"], results["micrograd"]
            assert ours.nodes == theirs.nodes, (name, ours.nodes, theirs.nodes)
            assert abs(our_data - their_data) <= 1e-12 * max(1.0, abs(their_data)), (our_data, their_data)
            print(row(name, "ours", ours, f"{theirs.total / ours.total:.2f}x"))
            print(row(name, "micrograd", theirs))
        else:
            print(row(name, "ours", results["ours"][0]))

    long, _ = measure(lambda: chain(Value, long_steps), 1)
    print(row(f"chain {2 * long_steps:,} ops", "ours", long, "n/a"))
    if MicrogradValue is not None:
        print("(micrograd not run on it: its recursive backward needs one Python frame per op)")


if __name__ == "__main__":
    main()
