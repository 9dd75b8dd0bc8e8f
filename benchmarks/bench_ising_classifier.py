"""The Ising phase classifier against issue 11's targets, end to end (Monte Carlo data generated, not cached).

1. **L = 16, circular CNN (98 parameters)**, 5 seeds: T_c from the ½-crossing of P(disordered) on fresh test
   chains. Targets: every seed within 2 % of Onsager's T_c, the median within 1 %, each run < 30 s on 2 cores.
2. **The Carrasquilla-Melko MLP** (L² → 100 sigmoid → 2, 25,902 parameters) on the same data, 5 seeds: its bias.
3. **Finite-size scaling** with the CNN at L = 16, 24, 32 (one seed), the crossings extrapolated linearly in 1/L.
   Target: within 0.5 % of Onsager's T_c, in < 3 minutes (data included). Then the MLP on the same data.
4. **Where a local-energy classifier must cross**: the training grid's two temperatures around T_c are 2.184
   (ordered) and 2.316 (disordered); a classifier that thresholds the energy halfway between them, on an infinite
   lattice, crosses where Onsager's energy per spin is the mean of its values there. Printed, computed.

Wall-clock seconds on a shared machine are inflated by the other processes; the CPU seconds of this process are
printed beside them, with the load average.

Run: ``python benchmarks/bench_ising_classifier.py [--quick] [--seeds N] [--skip-fss | --fss-only]``.
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
    return parser.parse_args()


ARGS = parse_args()
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")  # before NumPy: tiny models train fastest on one BLAS thread

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # time this checkout, even if not installed
from tinygrad_cnn.data.ising_exact import CRITICAL_TEMPERATURE, onsager_energy_per_spin  # noqa: E402
from tinygrad_cnn.train.ising import (  # noqa: E402
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


def scaling(recipe: IsingRecipe, sizes: tuple[int, ...], models: tuple[str, ...] = ("cnn", "mlp")) -> None:
    """The CNN at every size, timed with its data generated (into an empty cache folder); then the MLP on the
    same configurations, read back from that folder."""
    with tempfile.TemporaryDirectory() as folder:
        for model in models:
            data = "data generated" if model == "cnn" else "the same data, from the cache"
            print(f"\nfinite-size scaling: {model.upper()} at L = {', '.join(map(str, sizes))}, seed {recipe.seed}, "
                  f"{data}")  # fmt: skip
            result, wall, cpu = timed(
                finite_size_scaling, replace(recipe, model=model), sizes, cache_dir=folder,
                report=lambda run: print(f"  L = {run.recipe.L:2d}: T_c(L) = {run.critical_temperature:.4f} "
                                         f"({100 * run.relative_error:+.2f} %), accuracy far from T_c "
                                         f"{100 * run.accuracy_far:.2f} %, {sum(run.seconds.values()):.1f} s",
                                         flush=True),
            )  # fmt: skip
            fit = result.fit
            error = "" if fit.intercept_error is None else f" ± {fit.intercept_error:.4f}"
            print(f"T_c(∞) = {fit.intercept:.4f}{error} ({100 * result.relative_error:+.2f} % from Onsager's "
                  f"{CRITICAL_TEMPERATURE:.6f}), slope {fit.slope:+.3f}; {wall:.1f} s wall, {cpu:.1f} s cpu "
                  f"({load()})")  # fmt: skip


def energy_midpoint() -> None:
    grid = np.asarray(TRAIN_TEMPERATURES)
    below, above = grid[grid < CRITICAL_TEMPERATURE].max(), grid[grid > CRITICAL_TEMPERATURE].min()
    middle = (float(onsager_energy_per_spin(below)) + float(onsager_energy_per_spin(above))) / 2
    low, high = below, above
    for _ in range(60):  # bisection: the energy rises with T
        mid = (low + high) / 2
        low, high = (mid, high) if float(onsager_energy_per_spin(mid)) < middle else (low, mid)
    t = (low + high) / 2
    print(f"\nan energy threshold halfway between the training temperatures {below:.4f} and {above:.4f} "
          f"(infinite lattice) crosses at T = {t:.4f} ({100 * (t / CRITICAL_TEMPERATURE - 1):+.2f} %); halfway in "
          f"T would be {(below + above) / 2:.4f} ({100 * ((below + above) / 2 / CRITICAL_TEMPERATURE - 1):+.2f} %)")


def main() -> None:
    print(load())
    if ARGS.quick:  # the tests' short form: L = 8, 100 configurations per temperature, 8 epochs
        quick = IsingRecipe(L=8, epochs=8, train_samples=100, test_samples=32)
        seeds_table(quick, 1, "circular CNN (quick)")
        scaling(quick, (4, 6), ("cnn",))
        energy_midpoint()
        return
    if not ARGS.fss_only:
        seeds_table(IsingRecipe(), ARGS.seeds, "circular CNN")
        seeds_table(IsingRecipe(model="mlp"), ARGS.seeds, "Carrasquilla-Melko MLP")
    energy_midpoint()
    if not ARGS.skip_fss:
        scaling(IsingRecipe(), (16, 24, 32))


if __name__ == "__main__":
    main()
