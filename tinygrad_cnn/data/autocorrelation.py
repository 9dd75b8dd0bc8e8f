r"""Error bars for Markov-chain averages: the integrated autocorrelation time and the error of a mean.

Successive Monte Carlo measurements are correlated, so :math:`n` of them are worth only about
:math:`n/\tau` independent ones, with the integrated autocorrelation time

.. math:: \tau = 1 + 2\sum_{t \ge 1} \rho(t), \qquad \mathrm{Var}(\bar x) \approx \sigma^2\,\tau / n,

(:math:`\rho` the normalised autocorrelation; uncorrelated data has :math:`\tau = 1`). The sum is cut off
with Sokal's automatic window: the smallest :math:`M` with :math:`M \ge c\,\tau(M)`, ``c = 5`` by default,
which keeps the bias (:math:`\sim e^{-c}`) and the noise of the estimate both small. Several independent
chains, as rows of a 2-D array, share one autocorrelation function (averaged over the chains).

Examples:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> print(f"{integrated_autocorrelation_time(rng.normal(size=20_000)):.2f}")   # white noise: 1
    0.98
    >>> mean, error, tau = mean_and_error(rng.normal(size=(4, 5_000)))
    >>> abs(mean) < 3 * error, round(error, 4)
    (True, 0.0071)
"""

from __future__ import annotations

import numpy as np

__all__ = ["autocorrelation", "integrated_autocorrelation_time", "mean_and_error"]


def _chains(series: np.ndarray | list, where: str) -> np.ndarray:
    x = np.asarray(series, dtype=np.float64)
    if x.ndim == 1:
        x = x[None, :]  # (n,) -> (1, n): one chain
    if x.ndim != 2 or x.shape[1] < 2 or x.shape[0] < 1:
        raise ValueError(f"{where}: series must be (n,) or (chains, n) with n >= 2, got shape {np.shape(series)}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{where}: series has non-finite values")
    return x


def autocorrelation(series: np.ndarray | list) -> np.ndarray:
    """The normalised autocorrelation :math:`\\rho(t)`, ``t = 0 .. n-1``, of a series ``(n,)`` or of
    independent chains ``(chains, n)`` (averaged over them), by FFT. A constant series has no measurable
    correlation: it gives ``rho = [1, 0, 0, ...]``."""
    x = _chains(series, "autocorrelation")
    n = x.shape[1]
    centred = x - x.mean(axis=1, keepdims=True)
    size = 1 << (2 * n - 1).bit_length()  # zero-pad to avoid the circular wrap-around
    spectrum = np.fft.rfft(centred, n=size, axis=1)
    covariance = np.fft.irfft(spectrum * np.conj(spectrum), n=size, axis=1)[:, :n].mean(axis=0)
    if covariance[0] <= 0:
        rho = np.zeros(n)
        rho[0] = 1.0
        return rho
    return covariance / covariance[0]


def integrated_autocorrelation_time(series: np.ndarray | list, window_factor: float = 5.0) -> float:
    """:math:`\\tau = 1 + 2\\sum_{t=1}^{M}\\rho(t)` with Sokal's window ``M >= window_factor * tau``, in units of
    the series' steps; 1 for uncorrelated data. ``series`` is ``(n,)`` or ``(chains, n)``."""
    if not window_factor > 0:
        raise ValueError(f"integrated_autocorrelation_time: window_factor must be > 0, got {window_factor!r}")
    rho = autocorrelation(series)
    taus = 2.0 * np.cumsum(rho) - 1.0  # taus[M] = 1 + 2 sum_{t=1..M} rho(t)
    window = np.arange(len(rho)) >= window_factor * taus
    m = int(np.argmax(window)) if window.any() else len(rho) - 1  # no window fits: the series is too short
    return float(max(taus[m], 1e-12))


def mean_and_error(series: np.ndarray | list, window_factor: float = 5.0) -> tuple[float, float, float]:
    """The mean of ``series`` (``(n,)`` or independent chains ``(chains, n)``), its standard error
    ``sqrt(var * max(tau, 1) / N)`` with the measured autocorrelation time (never below the naive error), and
    that ``tau``."""
    x = _chains(series, "mean_and_error")
    tau = integrated_autocorrelation_time(x, window_factor)
    error = np.sqrt(x.var(ddof=1) * max(tau, 1.0) / x.size) if x.size > 1 else float("inf")
    return float(x.mean()), float(error), tau
