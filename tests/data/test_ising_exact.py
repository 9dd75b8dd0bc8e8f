"""The exact references: Kaufman's finite torus against enumeration of every state, Onsager's infinite lattice
as its limit, the elliptic integral against quadrature, and the known values at T_c."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tinygrad_cnn.data.ising_exact import (
    CRITICAL_TEMPERATURE,
    brute_force_energy_per_spin,
    brute_force_log_partition,
    elliptic_k,
    exact_energy_per_spin,
    kaufman_log_partition,
    onsager_energy_per_spin,
    onsager_magnetization,
)

TC = CRITICAL_TEMPERATURE
# both phases, T_c itself (where gamma_0 = 0 and the fourth term vanishes), and the extremes
TEMPERATURES = np.array([0.3, 0.8, 1.5, 2.0, 2.2, TC, 2.3, 2.5, 3.0, 5.0, 50.0])


def test_critical_temperature_is_onsagers():
    assert math.isclose(TC, 2.269185314213022, rel_tol=1e-15)
    assert math.isclose(math.sinh(2 / TC), 1.0, rel_tol=1e-15)  # sinh(2 J / T_c) = 1


@pytest.mark.parametrize("shape", [4, 2, 3, (2, 3), (3, 2), (3, 4), (4, 3), (3, 5), (5, 3), (2, 5)])
def test_kaufman_equals_enumeration_of_every_state(shape):
    """ln Z and the energy per spin from Kaufman's four products equal the sums over all 2^N states, on
    square and rectangular, even and odd tori (2^16 states at L = 4)."""
    np.testing.assert_allclose(kaufman_log_partition(TEMPERATURES, shape),
                               brute_force_log_partition(TEMPERATURES, shape), rtol=1e-13, atol=1e-12)  # fmt: skip
    np.testing.assert_allclose(exact_energy_per_spin(TEMPERATURES, shape),
                               brute_force_energy_per_spin(TEMPERATURES, shape), rtol=0, atol=1e-10)  # fmt: skip


def test_the_energy_is_the_derivative_of_ln_z():
    """The analytic derivative agrees with a central difference of ln Z in beta (at a lattice too large to
    enumerate), on both sides of T_c where the fourth term changes sign."""
    L, h = 24, 1e-5
    beta = 1 / np.array([1.5, 2.2, 2.35, 3.0])
    log_z = lambda b: kaufman_log_partition(1 / b, L)  # noqa: E731
    difference = -(log_z(beta + h) - log_z(beta - h)) / (2 * h) / L**2
    np.testing.assert_allclose(exact_energy_per_spin(1 / beta, L), difference, rtol=1e-8)


def test_finite_lattice_approaches_onsager():
    """The largest gap (near T_c) shrinks with L; at T_c it is c / L with a fixed c; away from T_c it vanishes
    exponentially fast in L (below 1e-11 at L = 64)."""
    gaps = [np.abs(exact_energy_per_spin(TEMPERATURES, L) - onsager_energy_per_spin(TEMPERATURES)).max()
            for L in (8, 16, 32, 64, 128)]  # fmt: skip
    assert all(later < 0.7 * earlier for earlier, later in zip(gaps, gaps[1:])), gaps
    scaled = [L * (exact_energy_per_spin(TC, L) + math.sqrt(2)) for L in (64, 128, 256)]
    np.testing.assert_allclose(scaled, -0.6224, atol=1e-4)
    far = np.array([0.8, 1.5, 3.5, 5.0])
    np.testing.assert_allclose(exact_energy_per_spin(far, 64), onsager_energy_per_spin(far), atol=1e-11)


def test_onsager_energy_known_values():
    assert math.isclose(onsager_energy_per_spin(TC), -math.sqrt(2), rel_tol=1e-14)
    np.testing.assert_allclose(onsager_energy_per_spin([TC * (1 - 1e-9), TC * (1 + 1e-9)]), -math.sqrt(2), rtol=1e-7)
    assert math.isclose(onsager_energy_per_spin(0.1), -2.0, rel_tol=1e-15)  # ground state: 2 bonds a spin
    # high-temperature series: ln Z / N = ln 2 + 2 ln cosh(beta) + t^4 + 2 t^6 + O(t^8), t = tanh(beta) (closed
    # loops: N plaquettes, 2N 1x2 rectangles), so u = -2 t - (4 t^3 + 12 t^5)(1 - t^2) + O(t^7)
    t = np.tanh(1 / 100.0)
    series = -2 * t - (4 * t**3 + 12 * t**5) * (1 - t**2)
    assert math.isclose(onsager_energy_per_spin(100.0), series, rel_tol=1e-10)


def test_onsager_energy_is_continuous_and_increasing():
    t = np.linspace(0.5, 5.0, 2001)
    u = onsager_energy_per_spin(t)
    assert np.all(np.diff(u) > 0)


def test_elliptic_k_matches_quadrature():
    theta = (np.arange(200_000) + 0.5) * (np.pi / 2) / 200_000  # midpoint rule, exponentially accurate here
    for k in (0.0, 0.3, 0.7, 0.95):
        quadrature = np.sum(1 / np.sqrt(1 - (k * np.sin(theta)) ** 2)) * (np.pi / 2) / 200_000
        assert math.isclose(elliptic_k(k), quadrature, rel_tol=1e-10), k
    # near k = 1: K ~ ln(4 / k') + O(k'^2 ln k')
    k = 1 - 2.0**-40  # 1 - k is exact in floating point
    k_complement = math.sqrt((1 - k) * (1 + k))
    assert math.isclose(elliptic_k(k), math.log(4 / k_complement), rel_tol=1e-10)


def test_onsager_magnetization():
    assert math.isclose(onsager_magnetization(2.0), 0.9113194, rel_tol=1e-6)  # (1 - sinh(1)^-4)^(1/8)
    x = math.exp(-2 / 0.5)  # low-temperature series: M = 1 - 2 x^4 - 8 x^6 + O(x^8), x = exp(-2 beta)
    assert onsager_magnetization(0.5) == pytest.approx(1 - 2 * x**4 - 8 * x**6, abs=1e-12)
    np.testing.assert_array_equal(onsager_magnetization([TC, 2.5, 10.0]), 0.0)
    below = onsager_magnetization(TC * (1 - 1e-8))
    assert 0 < below < 0.2  # vanishes like (T_c - T)^(1/8): slowly
    m = onsager_magnetization(np.linspace(0.5, TC * 0.999, 500))
    assert np.all(np.diff(m) < 0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: exact_energy_per_spin(0.0, 4), "temperatures must be finite and > 0"),
        (lambda: exact_energy_per_spin([1.0, np.nan], 4), "temperatures must be finite and > 0"),
        (lambda: onsager_energy_per_spin(-1.0), "onsager_energy_per_spin: temperatures"),
        (lambda: onsager_magnetization(np.inf), "onsager_magnetization: temperatures"),
        (lambda: kaufman_log_partition(1.0, 1), "L must be an integer >= 2"),
        (lambda: kaufman_log_partition(1.0, (4,)), "L must be an integer >= 2"),
        (lambda: exact_energy_per_spin(1.0, True), "L must be an integer >= 2"),
        (lambda: exact_energy_per_spin(1.0, 4.0), "L must be an integer >= 2"),
        (lambda: brute_force_energy_per_spin(1.0, 5), "25 spins is more than 20"),
        (lambda: elliptic_k(1.0), "modulus must be in"),
    ],
)
def test_bad_arguments_say_what_is_wrong(call, message):
    with pytest.raises(ValueError, match=message):
        call()
