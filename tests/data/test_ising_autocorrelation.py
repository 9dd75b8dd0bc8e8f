"""The error bars: on an AR(1) process x_t = phi x_{t-1} + noise the autocorrelation is phi^t, so the integrated
autocorrelation time is exactly tau = (1 + phi) / (1 - phi)."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_cnn.data.autocorrelation import autocorrelation, integrated_autocorrelation_time, mean_and_error


def ar1(phi: float, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Stationary AR(1) series with unit variance along the last axis."""
    noise = rng.normal(size=shape) * np.sqrt(1 - phi**2)
    x = np.empty(shape)
    x[..., 0] = rng.normal(size=shape[:-1])
    for t in range(1, shape[-1]):
        x[..., t] = phi * x[..., t - 1] + noise[..., t]
    return x


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.8, 0.95])
def test_tau_of_ar1_is_one_plus_phi_over_one_minus_phi(phi, rng):
    exact = (1 + phi) / (1 - phi)
    series = ar1(phi, (8, 25_000), rng)  # 8 independent chains
    assert integrated_autocorrelation_time(series) == pytest.approx(exact, rel=0.08)
    assert integrated_autocorrelation_time(series[0]) == pytest.approx(exact, rel=0.2)  # one chain: noisier


def test_autocorrelation_of_ar1_decays_like_phi_to_the_t(rng):
    rho = autocorrelation(ar1(0.7, (8, 20_000), rng))
    np.testing.assert_allclose(rho[:6], 0.7 ** np.arange(6), atol=0.02)


def test_error_bars_cover_the_truth_at_the_stated_rate(rng):
    """Over 300 independent runs, (mean - 0) / error is standard normal: the error is neither too small (a
    naive sqrt(var / n) would be 3 times too small here) nor too large."""
    runs = ar1(0.8, (300, 4_000), rng)
    z = np.array([mean_and_error(run)[0] / mean_and_error(run)[1] for run in runs])
    assert 0.85 < z.std() < 1.15
    naive = np.array([run.mean() / (run.std() / np.sqrt(run.size)) for run in runs])
    assert naive.std() > 2.5


def test_constant_series_has_tau_one_and_zero_error():
    assert integrated_autocorrelation_time(np.ones(100)) == 1.0
    assert mean_and_error(np.full((3, 50), 2.0)) == (2.0, 0.0, 1.0)


@pytest.mark.parametrize(
    ("series", "message"),
    [
        ([1.0], "n >= 2"),
        (np.zeros((2, 2, 2)), "shape"),
        ([1.0, np.nan, 2.0], "non-finite"),
    ],
)
def test_bad_series_say_what_is_wrong(series, message):
    with pytest.raises(ValueError, match=message):
        integrated_autocorrelation_time(series)
    with pytest.raises(ValueError, match=message):
        mean_and_error(series)
