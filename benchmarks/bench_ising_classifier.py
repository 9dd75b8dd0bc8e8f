"""The Ising phase classifier against issue 11's targets, end to end (Monte Carlo data generated, not cached).

1. **L = 16, circular CNN (98 parameters)**, 5 seeds: T_c from the ½-crossing of P(disordered) on fresh test
   chains. Targets: every seed within 2 % of Onsager's T_c, the median within 1 %, each run < 30 s on 2 cores.
2. **The Carrasquilla-Melko MLP** (L² → 100 sigmoid → 2, 25,902 parameters) on the same data, 5 seeds: its bias.
3. **Finite-size scaling** with the CNN at L = 16, 24, 32 (five seeds at each size, the mean crossing per size
   extrapolated linearly in 1/L). Target: within 0.5 % of Onsager's T_c, in < 3 minutes (data included). Then
   the MLP on the same data.
4. **The crossing follows the label gap**: the labels say only that T_c lies between the two training temperatures
   around it. For both grids — the package's (T_c midway between two temperatures) and the plain
   ``linspace(1, 3.5, 20)`` (gap 2.184..2.316) — the temperatures where a threshold on the energy halfway between
   the gap's ends, or halfway in T, would cross on an infinite lattice (computed from Onsager's energy); with
   ``--grids``, the finite-size scaling is also run on the plain grid.

Wall-clock seconds on a shared machine are inflated by the other processes; the CPU seconds of this process are
printed beside them, with the load average (with ``--workers`` above 1 the scaling runs in worker processes,
whose CPU time this process does not see: there only the wall time counts).

Run: ``python benchmarks/bench_ising_classifier.py [--quick] [--seeds N] [--skip-fss | --fss-only] [--grids]
[--workers N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="L = 8, few samples and epochs (a smoke test)")
    parser.add_argument("--seeds", type=int, default=5, help="seeds for the L = 16 runs (default 5)")
    parser.add_argument("--skip-fss", action="store_true", help="leave out the finite-size scaling")
    parser.add_argument("--fss-only", action="store_true", help="only the finite-size scaling")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="processes for the finite-size scaling runs (default: the CPU count)")
    parser.add_argument("--grids", action="store_true",
                        help="also the finite-size scaling on the plain linspace(1, 3.5, 20) training grid")
    return parser.parse_args()


ARGS = parse_args()
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")  # before NumPy: tiny models train fastest on one BLAS thread

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # time this checkout, even if not installed
from tinygrad_cnn.data.ising_exact import CRITICAL_TEMPERATURE, onsager_energy_per_spin  # noqa: E402

PLAIN_GRID = tuple(float(t) for t in np.linspace(1.0, 3.5, 20))
from tinygrad_cnn.train.ising import (  # noqa: E402
    FSS_SEEDS,
    TRAIN_TEMPERATURES,
    IsingRecipe,
    finite_size_scaling,
    train_phase_classifier,
)


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f} (1, 5, 15 min), {} cores".format(*os.getloadavg(), os.cpu_count())


def timed(function, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def seeds_table(recipe: IsingRecipe, seeds: int, title: str) -> None:
    print(f"\n{title}: L = {recipe.L}, {recipe.epochs} epochs, {recipe.train_samples} training and "
          f"{recipe.test_samples} test configurations per temperature, data generated (no cache)")  # fmt: skip
    print(f"{'seed':>4} {'T_c':>8} {'error %':>8} {'acc far %':>9} {'acc %':>6} {'wall s':>7} {'cpu s':>6}  "
          "(data / train / test wall s)")  # fmt: skip
    errors, walls, cpus = [], [], []
    for seed in range(seeds):
        with tempfile.TemporaryDirectory() as folder:
            run, wall, cpu = timed(train_phase_classifier, replace(recipe, seed=seed),
                                   cache=False, cache_dir=folder)  # fmt: skip
        errors.append(100 * run.relative_error)
        walls.append(wall)
        cpus.append(cpu)
        parts = " / ".join(f"{run.seconds[k]:.1f}" for k in ("data", "train", "test"))
        print(f"{seed:4d} {run.critical_temperature:8.4f} {errors[-1]:+8.2f} {100 * run.accuracy_far:9.2f} "
              f"{100 * run.accuracy:6.1f} {wall:7.1f} {cpu:6.1f}  ({parts})", flush=True)  # fmt: skip
    print(f"{run.parameters:,} parameters; median error {statistics.median(errors):+.2f} %, largest |error| "
          f"{max(map(abs, errors)):.2f} %; wall s per run: median {statistics.median(walls):.1f}, max "
          f"{max(walls):.1f}; cpu s per run: median {statistics.median(cpus):.1f} ({load()})")  # fmt: skip


def scaling(recipe: IsingRecipe, sizes: tuple[int, ...], seeds: tuple[int, ...],
            models: tuple[str, ...] = ("cnn", "mlp"), grid: str = "the package's") -> None:  # fmt: skip
    """The CNN at every size and seed, timed with its data generated (into an empty cache folder); then the MLP on
    the same configurations, read back from that folder."""
    with tempfile.TemporaryDirectory() as folder:
        for model in models:
            data = "data generated" if model == "cnn" else "the same data, from the cache"
            print(f"\nfinite-size scaling: {model.upper()} at L = {', '.join(map(str, sizes))}, seeds "
                  f"{seeds[0]}..{seeds[-1]}, {grid} training grid, {data}, {ARGS.workers} processes")  # fmt: skip
            result, wall, cpu = timed(
                finite_size_scaling, replace(recipe, model=model), sizes, seeds, cache_dir=folder,
                workers=ARGS.workers,
                report=lambda run: print(f"  L = {run.recipe.L:2d} seed {run.recipe.seed}: T_c(L) = "
                                         f"{run.critical_temperature:.4f} ({100 * run.relative_error:+.2f} %), "
                                         f"accuracy far from T_c {100 * run.accuracy_far:.2f} %, "
                                         f"{sum(run.seconds.values()):.1f} s", flush=True),
            )  # fmt: skip
            fit = result.fit
            error = "" if fit.intercept_error is None else f" ± {fit.intercept_error:.4f}"
            print(f"T_c(L) = {fit.crossings_text()}; T_c(∞) = {fit.intercept:.4f}{error} "
                  f"({100 * result.relative_error:+.2f} % from Onsager's {CRITICAL_TEMPERATURE:.6f}), slope "
                  f"{fit.slope:+.3f}; {wall:.1f} s wall, {cpu:.1f} s cpu in this process ({load()})")  # fmt: skip


def gap_middles(name: str, grid) -> None:
    grid = np.asarray(grid)
    below, above = grid[grid < CRITICAL_TEMPERATURE].max(), grid[grid > CRITICAL_TEMPERATURE].min()
    middle = (float(onsager_energy_per_spin(below)) + float(onsager_energy_per_spin(above))) / 2
    low, high = below, above
    for _ in range(60):  # bisection: the energy rises with T
        mid = (low + high) / 2
        low, high = (mid, high) if float(onsager_energy_per_spin(mid)) < middle else (low, mid)
    t, halfway = (low + high) / 2, (below + above) / 2
    print(f"{name} training grid: gap {below:.4f}..{above:.4f}; an energy threshold halfway between its ends "
          f"(infinite lattice) crosses at T = {t:.4f} ({100 * (t / CRITICAL_TEMPERATURE - 1):+.2f} %); halfway in "
          f"T is {halfway:.4f} ({100 * (halfway / CRITICAL_TEMPERATURE - 1):+.2f} %)")


def the_gap() -> None:
    print()
    gap_middles("the package's", TRAIN_TEMPERATURES)
    gap_middles("the plain linspace(1, 3.5, 20)", PLAIN_GRID)


def main() -> None:
    print(load())
    if ARGS.quick:  # the tests' short form: L = 8, 100 configurations per temperature, 8 epochs
        quick = IsingRecipe(L=8, epochs=8, train_samples=100, test_samples=32)
        seeds_table(quick, 1, "circular CNN (quick)")
        scaling(quick, (4, 6), (0, 1), ("cnn",))
        the_gap()
        return
    if not ARGS.fss_only:
        seeds_table(IsingRecipe(), ARGS.seeds, "circular CNN")
        seeds_table(IsingRecipe(model="mlp"), ARGS.seeds, "Carrasquilla-Melko MLP")
    the_gap()
    if not ARGS.skip_fss:
        seeds = tuple(range(FSS_SEEDS))
        scaling(IsingRecipe(), (16, 24, 32), seeds)
        if ARGS.grids:
            scaling(IsingRecipe(train_temperatures=PLAIN_GRID), (16, 24, 32), seeds, ("cnn",), "the plain")


if __name__ == "__main__":
    main()
