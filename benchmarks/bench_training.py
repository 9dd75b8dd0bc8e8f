"""Training from scratch, the full runs of issue 10, with the numbers measured here and now.

* MNIST-1D, the paper's recipe (Adam, lr 0.01, batch 100, 6,000 steps) for logistic regression, the MLP and the
  CNN on plain and shuffled signals, median test accuracy of 3 seeds, seconds per run and per step; then the
  same CNN recipe in PyTorch on this machine (same initial weights, same batches; seed 0, on 2 threads as in
  the issue and on 1) for the time ratio.
* Digits: the 1,370-parameter CNN against an MLP of its size and one ten times bigger, the same recipe:
  parameters, train and test accuracy (the gap), seconds per epoch and per whole run (data, training,
  evaluation), accuracy on test images shifted by one pixel; medians of 3 seeds.
* Edges: one 3×3 convolution fit to Sobel edge maps; the largest difference from Sobel's kernel.

Our training runs with NumPy's BLAS on one thread (``fit``'s default); the load average is printed, since
other work on the machine slows every number here.

Run: ``python benchmarks/bench_training.py [--quick]`` (``--quick``: a few steps of everything, a smoke test).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout, not an installed copy

import numpy as np  # noqa: E402

from tinygrad_cnn import manual_seed  # noqa: E402
from tinygrad_cnn.conv.kernels import SOBEL_X  # noqa: E402
from tinygrad_cnn.models import ARCHITECTURES, build  # noqa: E402
from tinygrad_cnn.train import evaluate, fit  # noqa: E402
from tinygrad_cnn.train.recipes import DIGITS, EDGES, MNIST1D, MNIST1D_REFERENCE, shift  # noqa: E402
from tinygrad_cnn.train.runner import format_table, mnist1d_table  # noqa: E402

try:
    import torch
except ImportError:  # pragma: no cover - depends on the environment
    torch = None


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg()) + f" ({os.cpu_count()} CPUs)"


def mnist1d(seeds: tuple[int, ...], steps: int) -> dict:
    table = mnist1d_table(seeds, steps, progress=False)
    print(format_table(table))
    print("\nper run (ours, BLAS on 1 thread):")
    for name, row in table["rows"].items():
        for key in ("plain", "shuffled"):
            runs = ", ".join(f"{a:.1%}" for a in row[key]["accuracies"])
            print(f"  {name:17} {key:8} test {runs}; {row[key]['seconds']:.1f} s/run, "
                  f"{row[key]['seconds'] / steps * 1000:.2f} ms/step")  # fmt: skip
    return table


def mnist1d_torch(seeds: tuple[int, ...], steps: int) -> dict[int, float]:
    """Seconds per run of the CNN recipe in PyTorch on 2 threads (the issue's setting) and on 1."""
    if torch is None:
        print("PyTorch is not installed: no PyTorch timing")
        return {}
    return {threads: _torch_runs(seeds[:1], steps, threads) for threads in (2, 1)}  # seed 0: it is the time we want


def _torch_runs(seeds: tuple[int, ...], steps: int, threads: int) -> float:
    """The CNN recipe in PyTorch: the same initial weights (to_torch) and the same batches as ours."""
    from tinygrad_cnn.data import DataLoader
    from tinygrad_cnn.train import to_torch

    torch.set_num_threads(threads)
    accuracies, seconds = [], []
    for seed in seeds:
        splits = MNIST1D.load(seed, False)
        model = to_torch(build(ARCHITECTURES["mnist1d_cnn"], generator=np.random.default_rng(seed)))
        optimizer = torch.optim.Adam(model.parameters(), lr=MNIST1D.recipe.lr)
        loader = DataLoader(splits.train, MNIST1D.recipe.batch_size, shuffle=True, seed=seed)
        start, done = time.perf_counter(), 0
        while done < steps:
            for x, y in loader:
                loss = torch.nn.functional.cross_entropy(model(torch.from_numpy(x.data)), torch.from_numpy(y.data))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                done += 1
                if done == steps:
                    break
        seconds.append(time.perf_counter() - start)
        with torch.no_grad():
            predicted = model(torch.from_numpy(splits.test.x)).argmax(1).numpy()
        accuracies.append(float((predicted == splits.test.y).mean()))
    median = statistics.median(seconds)
    print(f"the CNN recipe in PyTorch {torch.__version__} here ({threads} thread{'s' if threads > 1 else ''}, same "
          f"initial weights and batches): test {', '.join(f'{a:.1%}' for a in accuracies)} (median "
          f"{statistics.median(accuracies):.1%}), {median:.1f} s/run ({median / steps * 1000:.2f} ms/step)")
    return median


def digits(seeds: tuple[int, ...], epochs: int) -> None:
    recipe = DIGITS.recipe
    print(f"\nDigits: {recipe.describe()}, {epochs} epochs; medians of seeds {', '.join(map(str, seeds))}")
    columns = ("params", 7), ("train", 7), ("test", 7), ("gap", 5), ("shifted", 8), ("s/epoch", 8), ("s/run", 6)
    header = f"{'model':14} " + " ".join(f"{name:>{width}}" for name, width in columns)
    print(header)
    print("-" * len(header))
    for name in DIGITS.models:
        rows = []
        for seed in seeds:
            start = time.perf_counter()
            splits = DIGITS.load(seed, False)
            manual_seed(seed)
            model = build(ARCHITECTURES[name], generator=np.random.default_rng(seed))
            optimizer = recipe.optimizer(model)
            scheduler = recipe.scheduler(optimizer, epochs)
            history = fit(model, splits.train, splits.val, optimizer=optimizer, epochs=epochs, seed=seed,
                          batch_size=recipe.batch_size, scheduler=scheduler, progress=False)  # fmt: skip
            train, test = evaluate(model, splits.train)["accuracy"], evaluate(model, splits.test)["accuracy"]
            shifted = np.mean([evaluate(model, type(splits.test)(shift(splits.test.x, dy, dx), splits.test.y))[
                "accuracy"] for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0))])  # fmt: skip
            whole = time.perf_counter() - start
            per_epoch = statistics.median(r["seconds"] for r in history.records)
            rows.append((train, test, shifted, per_epoch, whole))
        train, test, shifted, per_epoch, whole = (statistics.median(column) for column in zip(*rows))
        print(f"{name:14} {model.num_parameters():>7,} {train:>7.1%} {test:>7.1%} {100 * (train - test):>5.1f} "
              f"{shifted:>8.1%} {per_epoch:>8.3f} {whole:>6.1f}")  # fmt: skip
        print(f"{'':14} test per seed: {', '.join(f'{r[1]:.1%}' for r in rows)}; s/run: "
              f"{', '.join(f'{r[4]:.1f}' for r in rows)}")  # fmt: skip
    print("gap: train − test accuracy in points; shifted: mean test accuracy with the images moved one pixel right, "
          "left, down or up; s/run: loading, training and evaluating")  # fmt: skip


def edges(seeds: tuple[int, ...], epochs: int) -> None:
    errors, seconds = [], []
    for seed in seeds:
        start = time.perf_counter()
        splits = EDGES.load(seed, False)
        model = build(ARCHITECTURES["edges_conv"], generator=np.random.default_rng(seed))
        fit(model, splits.train, optimizer=EDGES.recipe.optimizer(model), epochs=epochs,
            batch_size=EDGES.recipe.batch_size, seed=seed, progress=False)  # fmt: skip
        seconds.append(time.perf_counter() - start)
        errors.append(float(np.abs(model[0].weight.numpy()[0, 0] - SOBEL_X).max()))
    print(f"\nEdges: one 3×3 conv, {EDGES.recipe.describe()}, {epochs} epochs: max |learned − Sobel| = "
          f"{', '.join(f'{e:.1e}' for e in errors)} (seeds {', '.join(map(str, seeds))}); "
          f"{statistics.median(seconds):.1f} s/run")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few steps of everything (smoke test)")
    args = parser.parse_args()
    seeds = (0,) if args.quick else (0, 1, 2)
    steps = 60 if args.quick else MNIST1D.recipe.steps
    print(f"bench_training: load average {_load()}; numpy {np.__version__}, BLAS on 1 thread while training; "
          f"torch {torch.__version__ if torch else 'absent'}\n")  # fmt: skip
    start = time.perf_counter()
    table = mnist1d(seeds, steps)
    print()
    reference = mnist1d_torch(seeds, steps)
    ours = table["rows"]["mnist1d_cnn"]["plain"]["seconds"]
    issue = MNIST1D_REFERENCE["mnist1d_cnn"]["pytorch_seconds"] * steps / MNIST1D.recipe.steps
    ratios = [f"PyTorch here on {threads} thread{'s' if threads > 1 else ''}: {ours / seconds:.2f}×"
              for threads, seconds in reference.items()]  # fmt: skip
    print(f"CNN time per run, ours / the issue's PyTorch figure ({issue:.1f} s): {ours / issue:.2f}×; ours / "
          + "; ".join(ratios))
    digits(seeds, 2 if args.quick else DIGITS.recipe.epochs)
    edges(seeds, 2 if args.quick else EDGES.recipe.epochs)
    print(f"\nload average at the end: {_load()}; {time.perf_counter() - start:.0f} s in all")


if __name__ == "__main__":
    main()
