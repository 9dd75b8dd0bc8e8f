"""The physics of the generator: its mean energy per spin equals Kaufman's exact value for the same finite
lattice (within 4 sigma, sigma from the measured autocorrelation time), and its |m| follows Onsager's M(T).

The lattices are small (L = 2, 4, 8, 16) and the runs short (about a second in all), seeded, so the tests are
deterministic; each also checks that its error bar is small enough for the comparison to mean something."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_cnn.data import (
    CRITICAL_TEMPERATURE,
    IsingChains,
    exact_energy_per_spin,
    generate_ising,
    mean_and_error,
    onsager_magnetization,
)

TC = CRITICAL_TEMPERATURE
# both phases, T_c, inside and outside the default Wolff window (1.8, 3.0)
SWEEP = [1.5, 1.8, 2.0, 2.2, TC, 2.4, 2.7, 3.0, 4.0]
CHAINS = 32


@pytest.fixture(scope="module")
def sweep_data():
    return generate_ising(8, SWEEP, 32 * 40, thermalization_sweeps=100, decorrelation_sweeps=2,
                          chains_per_temperature=CHAINS, seed=0, cache=False)  # fmt: skip


def per_chain(values: np.ndarray) -> np.ndarray:
    """One temperature's samples as independent chains: sample j comes from chain j % CHAINS, in order."""
    return values.reshape(-1, CHAINS).T  # (rounds * chains,) -> (chains, rounds)


@pytest.mark.parametrize("index", range(len(SWEEP)))
def test_mean_energy_matches_kaufman_within_4_sigma(sweep_data, index):
    temperature = SWEEP[index]
    energy = sweep_data.energy[sweep_data.temperature == temperature]
    mean, error, tau = mean_and_error(per_chain(energy))
    exact = float(exact_energy_per_spin(temperature, 8))
    assert error < 0.012, (temperature, error, tau)  # the comparison has teeth
    assert abs(mean - exact) < 4 * error, (temperature, mean, exact, error, tau)


@pytest.mark.parametrize("temperature", [1.5, 1.8, 2.0])
def test_abs_magnetization_matches_onsager_below_tc(sweep_data, temperature):
    """Below T_c, where the correlation length is a site or two, <|m|> of an 8 x 8 torus is the infinite
    lattice's M(T) up to a finite-size correction below 1e-3 (measured: +5e-4 +- 3e-4 at T = 2, 1e-4 or less at
    T = 1.5 and 1.8, in runs of 128 chains x 2000 sweeps). Tolerance: that 1e-3 plus 4 sigma of this short run.
    Closer to T_c a finite lattice's |m| stays well above M(T), which vanishes there: physics, not an error."""
    magnet = sweep_data.abs_magnetization[sweep_data.temperature == temperature]
    mean, error, _ = mean_and_error(per_chain(magnet))
    assert error < 0.004
    assert abs(mean - float(onsager_magnetization(temperature))) < 1e-3 + 4 * error, (temperature, mean, error)


def test_abs_magnetization_vanishes_like_one_over_l_above_tc(sweep_data):
    """Above T_c, M = 0: a finite lattice's m is a sum of N weakly correlated spins, so <|m|> ~ 1/sqrt(N) = 1/L.
    Doubling L halves it (within 10 %: corrections of order exp(-L / xi), xi ~ 1 at T = 4)."""
    m8 = sweep_data.abs_magnetization[sweep_data.temperature == 4.0].mean()
    m16 = generate_ising(16, [4.0], 32 * 20, thermalization_sweeps=50, decorrelation_sweeps=2,
                         chains_per_temperature=32, seed=1, cache=False).abs_magnetization.mean()  # fmt: skip
    assert 1.8 < m8 / m16 < 2.2, (m8, m16)


def record(chains: IsingChains, sweeps: int, update) -> np.ndarray:
    """The energy per spin of each chain after each update, ``(chains, sweeps)``."""
    energies = np.empty((sweeps, len(chains.spins)))
    for i in range(sweeps):
        update()
        energies[i] = chains.energy_per_spin()
    return energies.T


@pytest.mark.parametrize("L", [4, 6])
def test_metropolis_alone_samples_the_boltzmann_distribution(L):
    """Metropolis without cluster updates, on the smallest tori it accepts, against the exact energies; one
    temperature per group of 16 chains."""
    temperatures = np.array([1.0, 2.0, 2.5, 4.0])
    chains = IsingChains(L, np.repeat(temperatures, 16), np.random.default_rng(3), wolff_window=None)
    chains.sweep(50)
    energies = record(chains, 1000, chains.metropolis_sweep).reshape(len(temperatures), 16, -1)
    for temperature, series in zip(temperatures, energies):
        mean, error, _ = mean_and_error(series)
        assert abs(mean - float(exact_energy_per_spin(temperature, L))) < 4 * error, (L, temperature)


@pytest.mark.parametrize("L", [4, 6])
def test_wolff_alone_samples_the_boltzmann_distribution(L):
    """Wolff cluster flips alone (ergodic on their own) against the exact energies, in and near the window."""
    temperatures = np.array([1.0, 2.0, TC, 3.0])
    chains = IsingChains(L, np.repeat(temperatures, 16), np.random.default_rng(4), wolff_window=(0.5, 5.0))
    chains.sweep(20)
    energies = record(chains, 1000, chains.wolff_update).reshape(len(temperatures), 16, -1)
    for temperature, series in zip(temperatures, energies):
        mean, error, _ = mean_and_error(series)
        assert abs(mean - float(exact_energy_per_spin(temperature, L))) < 4 * error, (L, temperature)


def test_wolff_reduces_the_autocorrelation_time_near_tc():
    """The reason for the cluster updates: at T_c the energy decorrelates several times faster per sweep."""
    from tinygrad_cnn.data import integrated_autocorrelation_time

    taus = []
    for window in (None, (2.0, 2.5)):
        chains = IsingChains(16, np.full(32, TC), np.random.default_rng(5), window)
        chains.sweep(100)
        magnet = np.abs(record_magnetization(chains, 400))
        taus.append(integrated_autocorrelation_time(magnet))
    assert taus[1] < taus[0] / 2, taus


def record_magnetization(chains: IsingChains, sweeps: int) -> np.ndarray:
    values = np.empty((sweeps, len(chains.spins)))
    for i in range(sweeps):
        chains.sweep()
        values[i] = chains.magnetization()
    return values.T
