"""The generator's contract: layout, labels, determinism, the Z2 flip, the cold start, argument errors."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_cnn.data import CRITICAL_TEMPERATURE, Dataset, IsingChains, IsingDataset, generate_ising
from tinygrad_cnn.data.ising import energy_per_spin, magnetization

SMALL = dict(thermalization_sweeps=20, decorrelation_sweeps=1, chains_per_temperature=4, cache=False)


def test_layout_labels_and_measurements():
    temperatures = [3.0, 1.0, CRITICAL_TEMPERATURE, 2.3]  # the order given is kept
    data = generate_ising(6, temperatures, 5, seed=2, **SMALL)  # 5 is not a multiple of the 4 chains
    assert isinstance(data, IsingDataset) and isinstance(data, Dataset)
    assert data.x.shape == (20, 1, 6, 6) and data.x.dtype == np.float32
    assert set(np.unique(data.x)) == {-1.0, 1.0}
    assert data.y.dtype == np.int64 and data.classes == ("ordered", "disordered") and data.name == "ising-L6"
    np.testing.assert_array_equal(data.temperature, np.repeat(temperatures, 5))
    np.testing.assert_array_equal(data.y, np.repeat([1, 0, 0, 1], 5))  # T_c itself is ordered: T > T_c is not
    np.testing.assert_array_equal(data.temperatures, temperatures)
    np.testing.assert_array_equal(data.energy, energy_per_spin(data.x[:, 0]))
    np.testing.assert_array_equal(data.magnetization, data.x.mean(axis=(1, 2, 3), dtype=np.float64))
    np.testing.assert_array_equal(data.abs_magnetization, np.abs(data.magnetization))
    assert data.L == 6


def test_subset_keeps_the_measurements():
    data = generate_ising(4, [1.0, 4.0], 4, seed=0, **SMALL)
    part = data.subset([7, 0])
    assert isinstance(part, IsingDataset)
    np.testing.assert_array_equal(part.temperature, [4.0, 1.0])
    np.testing.assert_array_equal(part.energy, data.energy[[7, 0]])
    np.testing.assert_array_equal(part.x, data.x[[7, 0]])


def test_measurement_helpers_on_known_configurations():
    up = np.ones((4, 4), np.int8)
    checkerboard = np.indices((4, 4)).sum(0) % 2 * 2 - 1
    stripes = np.tile([1, 1, -1, -1], (4, 1))  # columns + + - -: vertical bonds all satisfied, horizontal half
    assert energy_per_spin(up) == -2.0 and energy_per_spin(checkerboard) == 2.0 and energy_per_spin(stripes) == -1.0
    assert magnetization(up) == 1.0 and magnetization(checkerboard) == 0.0
    np.testing.assert_array_equal(energy_per_spin(np.stack([up, -up])), [-2.0, -2.0])


def test_same_seed_same_data_other_seed_other_data():
    first = generate_ising(6, [2.0, 2.5], 8, seed=11, **SMALL)
    again = generate_ising(6, [2.0, 2.5], 8, seed=11, **SMALL)
    other = generate_ising(6, [2.0, 2.5], 8, seed=12, **SMALL)
    np.testing.assert_array_equal(first.x, again.x)
    assert not np.array_equal(first.x, other.x)


def test_random_global_flip_gives_both_signs():
    """In the ordered phase |m| ~ 1, yet the signs of m are fair coin flips (the Z2 symmetry): mean m ~ 0."""
    data = generate_ising(8, [1.5], 400, seed=0, **SMALL)
    m = data.magnetization
    assert np.all(data.abs_magnetization > 0.8)
    positive = np.mean(m > 0)
    assert abs(positive - 0.5) < 4 * np.sqrt(0.25 / len(m)), positive  # binomial: 4 sigma
    assert abs(m.mean()) < 4 * m.std() / np.sqrt(len(m))


def test_cold_start():
    """Chains start with every spin +1: at T = 1, one sweep later every lattice is still almost aligned (a hot,
    random start would still be full of domains)."""
    chains = IsingChains(8, [1.0, 5.0], rng=np.random.default_rng(0))
    np.testing.assert_array_equal(chains.spins, 1)
    data = generate_ising(16, [1.0], 8, thermalization_sweeps=0, decorrelation_sweeps=1,
                          chains_per_temperature=8, seed=0, cache=False)  # fmt: skip
    assert np.all(data.abs_magnetization[:8] > 0.95)


def test_without_wolff_window_it_still_samples():
    data = generate_ising(4, [CRITICAL_TEMPERATURE], 4, wolff_window=None, seed=0, **SMALL)
    assert len(data) == 4


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"L": 1}, "L must be an even integer >= 4"),
        ({"L": 2}, "L must be an even integer >= 4"),
        ({"L": 7}, "L must be an even integer >= 4"),
        ({"L": 8.0}, "L must be an even integer >= 4"),
        ({"L": True}, "L must be an even integer >= 4"),
        ({"temperatures": []}, "temperatures must be a non-empty 1-D list"),
        ({"temperatures": [[1.0, 2.0]]}, "temperatures must be a non-empty 1-D list"),
        ({"temperatures": [1.0, 0.0]}, r"temperatures must be finite and > 0, got \[1.0, 0.0\]"),
        ({"temperatures": [-2.0]}, "temperatures must be finite and > 0"),
        ({"temperatures": [np.nan]}, "temperatures must be finite and > 0"),
        ({"temperatures": ["hot"]}, "temperatures must be a list of numbers"),
        ({"samples_per_temperature": 0}, "samples_per_temperature must be an integer >= 1, got 0"),
        ({"samples_per_temperature": 2.5}, "samples_per_temperature must be an integer >= 1"),
        ({"thermalization_sweeps": -1}, "thermalization_sweeps must be an integer >= 0"),
        ({"decorrelation_sweeps": 0}, "decorrelation_sweeps must be an integer >= 1"),
        ({"chains_per_temperature": 0}, "chains_per_temperature must be an integer >= 1"),
        ({"seed": -1}, "seed must be an integer >= 0"),
        ({"seed": None}, "seed must be an integer >= 0"),
        ({"wolff_window": (3.0, 2.0)}, "wolff_window must be None or a pair"),
        ({"wolff_window": 2.5}, "wolff_window must be None or a pair"),
    ],
)
def test_bad_arguments_say_what_is_wrong(changes, message):
    arguments = dict(L=4, temperatures=[2.0], samples_per_temperature=2, cache=False) | changes
    with pytest.raises(ValueError, match=message) as raised:
        generate_ising(**arguments)
    assert str(raised.value).startswith("generate_ising: ")
