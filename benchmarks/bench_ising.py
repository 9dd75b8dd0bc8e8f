"""Ising Monte Carlo: autocorrelation times that justify the sweep counts, and the time to generate the phase
classifier's data (``tinygrad_cnn.data.generate_ising``).

1. **Autocorrelation.** For each lattice size, chains at the classifier's 20 temperatures in [1, 3.5] are
   thermalised, then the energy and |m| are recorded after every sweep; the integrated autocorrelation time
   ``tau`` (in sweeps, Sokal's window) is printed per temperature for Metropolis alone and for Metropolis plus
   Wolff clusters in the default window, with the milliseconds per sweep. ``decorrelation_sweeps`` should be
   about ``2 tau`` or more of the slowest observable where the network looks (|m| near T_c).
2. **Generation.** Wall-clock seconds of ``generate_ising`` with its defaults (no cache) at L = 16 (the
   classifier) and L = 16, 24, 32 (finite-size scaling), then a second, cached call.

Both runs check the physics they time: each mean energy per spin is compared with Kaufman's exact finite-lattice
value (the run stops if one is more than 5 sigma away). The machine's load average is printed with the times.

Run: ``python benchmarks/bench_ising.py [--quick] [--threads N]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small lattices, short runs (a smoke test)")
    parser.add_argument("--threads", type=int, default=1, help="threads for NumPy's BLAS (unused by the sweeps)")
    return parser.parse_args()


ARGS = parse_args()
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = str(ARGS.threads)  # must precede the NumPy import to take effect

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # time this checkout, even if not installed
from tinygrad_cnn.data import (  # noqa: E402
    IsingChains,
    exact_energy_per_spin,
    generate_ising,
    integrated_autocorrelation_time,
    mean_and_error,
)
from tinygrad_cnn.data.ising import DEFAULT_WOLFF_WINDOW  # noqa: E402

TEMPERATURES = np.linspace(1.0, 3.5, 20)


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f} (1, 5, 15 min), {} cores".format(*os.getloadavg(), os.cpu_count())


def check_energy(series: np.ndarray, temperature: float, L: int, what: str) -> None:
    """Stop the run if the mean energy of ``series`` (chains, n) is more than 5 sigma from the exact value."""
    mean, error, _ = mean_and_error(series)
    exact = float(exact_energy_per_spin(temperature, L))
    if abs(mean - exact) > 5 * error:
        sys.exit(f"{what}: L={L} T={temperature:.3f}: <E>/N = {mean:.5f} +- {error:.5f}, exact {exact:.5f}")


def autocorrelation_table(L: int, chains: int, sweeps: int) -> None:
    print(f"\nL = {L}: {chains} chains per temperature, {sweeps} recorded sweeps after 200 thermalisation sweeps")
    print(f"{'T':>6} | {'tau_E metro':>11} {'tau_|m| metro':>13} | {'tau_E +wolff':>12} {'tau_|m| +wolff':>14}")
    columns, costs = [], []
    for window in (None, DEFAULT_WOLFF_WINDOW):
        simulation = IsingChains(L, np.repeat(TEMPERATURES, chains), np.random.default_rng(1), window)
        simulation.sweep(200)
        energy, magnet = np.empty((sweeps, simulation.spins.shape[0])), np.empty((sweeps, simulation.spins.shape[0]))
        start = time.perf_counter()
        for i in range(sweeps):
            simulation.sweep()
            energy[i], magnet[i] = simulation.energy_per_spin(), np.abs(simulation.magnetization())
        costs.append(1e3 * (time.perf_counter() - start) / sweeps)
        energy = energy.T.reshape(len(TEMPERATURES), chains, sweeps)  # (sweeps, T*c) -> (T, c, sweeps)
        magnet = magnet.T.reshape(len(TEMPERATURES), chains, sweeps)
        for t, e in zip(TEMPERATURES, energy):
            check_energy(e, t, L, f"window {window}")
        columns.append([(integrated_autocorrelation_time(e), integrated_autocorrelation_time(m))
                        for e, m in zip(energy, magnet)])  # fmt: skip
    for t, (metro_e, metro_m), (wolff_e, wolff_m) in zip(TEMPERATURES, *columns):
        print(f"{t:6.3f} | {metro_e:11.1f} {metro_m:13.1f} | {wolff_e:12.1f} {wolff_m:14.1f}")
    print(f"ms per sweep of all {len(TEMPERATURES) * chains} chains: Metropolis {costs[0]:.1f}, "
          f"with Wolff in {DEFAULT_WOLFF_WINDOW} {costs[1]:.1f}")  # fmt: skip


def generation_times(sizes: tuple[int, ...], samples: int) -> None:
    print(f"\ngenerate_ising(L, 20 temperatures in [1, 3.5], {samples} per temperature), defaults, no cache")
    print(f"{'L':>4} {'samples':>8} {'seconds':>8}")
    total = 0.0
    for L in sizes:
        start = time.perf_counter()
        data = generate_ising(L, TEMPERATURES, samples, cache=False)
        seconds = time.perf_counter() - start
        total += seconds
        print(f"{L:4d} {len(data):8d} {seconds:8.2f}")
    print(f"total {total:.2f} s ({load()})")
    with tempfile.TemporaryDirectory() as folder:
        generate_ising(sizes[0], TEMPERATURES, samples, cache_dir=folder)
        start = time.perf_counter()
        generate_ising(sizes[0], TEMPERATURES, samples, cache_dir=folder)
        print(f"second call, from the cache: {time.perf_counter() - start:.3f} s")


def main() -> None:
    print(load())
    if ARGS.quick:
        autocorrelation_table(8, chains=4, sweeps=100)
        generation_times((8,), samples=20)
        return
    for L in (16, 32):
        autocorrelation_table(L, chains=8, sweeps=1000)
    generation_times((16,), samples=300)
    generation_times((16, 24, 32), samples=300)


if __name__ == "__main__":
    main()
