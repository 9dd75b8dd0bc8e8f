r"""Exact results for the square-lattice Ising model (J = 1, k_B = 1): the references the Monte Carlo is checked
against.

* Onsager (1944), the infinite lattice: the critical temperature :data:`CRITICAL_TEMPERATURE`
  :math:`T_c = 2/\ln(1+\sqrt2)`, the energy per spin

  .. math:: u(T) = -\coth 2\beta\,\Big[1 + \tfrac{2}{\pi}\,(2\tanh^2 2\beta - 1)\,K(k)\Big],\qquad
            k = \frac{2\sinh 2\beta}{\cosh^2 2\beta},

  with :math:`K` the complete elliptic integral of the first kind, computed from the arithmetic-geometric mean
  :math:`K(k) = \pi / (2\,\mathrm{AGM}(1, \sqrt{1-k^2}))` (exact, quadratically convergent); and Yang's (1952)
  spontaneous magnetisation :math:`M(T) = (1 - \sinh^{-4} 2\beta)^{1/8}` below :math:`T_c`, 0 above.
* Kaufman (1949), a finite :math:`m \times n` torus (``m`` rows, ``n`` columns), exactly:

  .. math:: Z = \tfrac12\,(2\sinh 2\beta)^{mn/2} \sum_{i=1}^4 Z_i,\quad
            Z_{1,2} = \prod_{r=0}^{n-1} 2\cosh, 2\sinh\big(\tfrac m2\gamma_{2r+1}\big),\quad
            Z_{3,4} = \prod_{r=0}^{n-1} 2\cosh, 2\sinh\big(\tfrac m2\gamma_{2r}\big),

  :math:`\cosh\gamma_l = \cosh 2\beta\coth 2\beta - \cos(\pi l/n)` for :math:`l \ge 1` and the signed
  :math:`\gamma_0 = 2\beta + \ln\tanh\beta` (in the form of Beale, PRL 76, 78, 1996). :math:`\gamma_0` changes
  sign at :math:`T_c`: above it :math:`Z_4 < 0`, so the four terms are added as signed log-sum-exp.
  The energy per spin :math:`u = -\frac{1}{mn}\,\partial\ln Z/\partial\beta` is the **analytic** derivative
  (product rule over the factors, also in signed log space), not a finite difference.

:func:`brute_force_energy_per_spin` enumerates all :math:`2^{mn}` states (up to 20 spins): the oracle the tests
hold Kaufman's formula to.

Examples:
    >>> round(CRITICAL_TEMPERATURE, 6)
    2.269185
    >>> print(f"{onsager_energy_per_spin(CRITICAL_TEMPERATURE):.6f}")      # -sqrt(2) at T_c
    -1.414214
    >>> print(f"{onsager_magnetization(1.0):.6f} {onsager_magnetization(3.0):.1f}")
    0.999276 0.0
    >>> print(f"{exact_energy_per_spin(2.0, 4):.12f} {brute_force_energy_per_spin(2.0, 4):.12f}")
    -1.755380288777 -1.755380288777
"""

from __future__ import annotations

import math
from numbers import Integral

import numpy as np

__all__ = [
    "CRITICAL_TEMPERATURE",
    "elliptic_k",
    "onsager_energy_per_spin",
    "onsager_magnetization",
    "kaufman_log_partition",
    "exact_energy_per_spin",
    "brute_force_log_partition",
    "brute_force_energy_per_spin",
]

CRITICAL_TEMPERATURE = 2.0 / math.log(1.0 + math.sqrt(2.0))
"""Onsager's critical temperature of the square lattice, :math:`2/\\ln(1+\\sqrt2) = 2.269185...`"""

_BRUTE_FORCE_MAX_SPINS = 20


def _temperatures(temperature: float | np.ndarray, where: str) -> np.ndarray:
    t = np.asarray(temperature, dtype=np.float64)
    if not np.all(np.isfinite(t)) or np.any(t <= 0):
        raise ValueError(f"{where}: temperatures must be finite and > 0, got {temperature!r}")
    return t


def _shape(L: int | tuple[int, int], where: str) -> tuple[int, int]:
    shape = (L, L) if isinstance(L, Integral) and not isinstance(L, bool) else L
    ok = isinstance(shape, tuple) and len(shape) == 2
    if not ok or not all(isinstance(n, Integral) and not isinstance(n, bool) and n >= 2 for n in shape):
        raise ValueError(f"{where}: L must be an integer >= 2 or a pair (rows, cols) of them, got {L!r}")
    return int(shape[0]), int(shape[1])


def elliptic_k(k: float | np.ndarray) -> np.ndarray:
    """The complete elliptic integral of the first kind :math:`K(k) = \\int_0^{\\pi/2} d\\theta /
    \\sqrt{1 - k^2\\sin^2\\theta}` (modulus ``k``, ``0 <= k < 1``), from the arithmetic-geometric mean.

    Examples:
        >>> print(f"{elliptic_k(0.0):.12f} {elliptic_k(0.5):.12f}")            # pi/2, and K(1/2)
        1.570796326795 1.685750354813
    """
    k = np.asarray(k, dtype=np.float64)
    if np.any(~np.isfinite(k)) or np.any((k < 0) | (k >= 1)):
        raise ValueError(f"elliptic_k: the modulus must be in [0, 1), got {k!r}")
    return _elliptic_k_from_complement(np.sqrt((1.0 - k) * (1.0 + k)))


def _elliptic_k_from_complement(k_complement: np.ndarray) -> np.ndarray:
    """:math:`K` from the complementary modulus :math:`k' = \\sqrt{1-k^2} > 0` (accurate as k -> 1)."""
    a, b = np.ones_like(k_complement), np.asarray(k_complement, dtype=np.float64)
    for _ in range(64):  # quadratic convergence: 6 steps for k' ~ 1e-3, a few more as k' -> 1e-300
        if np.all(np.abs(a - b) <= 4 * np.finfo(np.float64).eps * a):
            break
        a, b = 0.5 * (a + b), np.sqrt(a * b)
    return np.pi / (a + b)  # pi / (2 AGM)


def onsager_energy_per_spin(temperature: float | np.ndarray) -> np.ndarray:
    """Onsager's exact energy per spin of the infinite square lattice (J = 1); ``-sqrt(2)`` at T_c."""
    t = _temperatures(temperature, "onsager_energy_per_spin")
    two_beta = 2.0 / t
    s, c = np.sinh(two_beta), np.cosh(two_beta)
    k_complement = np.abs(1.0 - s * s) / (c * c)  # sqrt(1 - k^2), written without cancellation
    prefactor = 2.0 * np.tanh(two_beta) ** 2 - 1.0  # 0 at T_c, where K(k) diverges (logarithmically)
    at_tc = k_complement == 0
    elliptic = _elliptic_k_from_complement(np.where(at_tc, 1.0, k_complement))
    bracket = 1.0 + (2.0 / np.pi) * np.where(at_tc, 0.0, prefactor * elliptic)
    return -bracket / np.tanh(two_beta)


def onsager_magnetization(temperature: float | np.ndarray) -> np.ndarray:
    """The spontaneous magnetisation per spin of the infinite lattice: ``(1 - sinh(2/T)^-4)^(1/8)`` below
    T_c, 0 at and above it."""
    t = _temperatures(temperature, "onsager_magnetization")
    inner = 1.0 - np.sinh(2.0 / t) ** -4.0
    return np.where(t < CRITICAL_TEMPERATURE, np.clip(inner, 0.0, None) ** 0.125, 0.0)


def _log_2cosh(x: np.ndarray) -> np.ndarray:
    a = np.abs(x)
    return a + np.log1p(np.exp(-2.0 * a))


def _log_abs_2sinh(x: np.ndarray) -> np.ndarray:
    a = np.abs(x)
    with np.errstate(divide="ignore"):  # sinh(0) = 0: log 0 = -inf is the right answer
        return a + np.log(-np.expm1(-2.0 * a))


def _signed_logsumexp(logs: np.ndarray, signs: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """``log|sum_i s_i e^{a_i}|`` and its sign along ``axis``, for logs ``a_i`` (may be -inf) and signs s_i."""
    top = np.max(logs, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    total = np.sum(signs * np.exp(logs - top), axis=axis)
    with np.errstate(divide="ignore"):
        return np.log(np.abs(total)) + np.squeeze(top, axis), np.sign(total)


def _excluding_each(values: np.ndarray, combine: np.ufunc, identity: float) -> np.ndarray:
    """For each position l along the last axis, ``combine`` of all the other entries (prefix x suffix), safe
    where an entry is 0 or -inf (no division, no inf - inf)."""
    ones = np.full(values.shape[:-1] + (1,), identity)
    prefix = combine.accumulate(np.concatenate([ones, values[..., :-1]], axis=-1), axis=-1)
    suffix = combine.accumulate(np.concatenate([ones, values[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return combine(prefix, suffix)


def _kaufman(beta: np.ndarray, rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """``ln Z`` and ``d ln Z / d beta`` of the rows x cols torus at inverse temperatures ``beta`` (any shape)."""
    b = beta[..., None]  # (...) -> (..., 1): broadcast against the 2n indices l
    s2, c2 = np.sinh(2 * b), np.cosh(2 * b)
    index = np.arange(2 * cols)  # l = 0 .. 2n-1
    half_angle_sin = np.sin(np.pi * index / (2 * cols))
    x_minus_1 = (1 - s2) ** 2 / s2 + 2 * half_angle_sin**2  # cosh(gamma_l) - 1, without cancellation
    sinh_gamma = np.sqrt(x_minus_1 * (x_minus_1 + 2))
    gamma = np.log1p(x_minus_1 + sinh_gamma)  # arccosh, for l >= 1
    d_gamma = 2 * c2 * (s2 * s2 - 1) / (s2 * s2) / np.where(index == 0, 1.0, sinh_gamma)  # (d cosh gamma/d beta)/sinh
    gamma0 = 2 * b[..., 0] + np.log(np.tanh(b[..., 0]))  # signed: > 0 below T_c, < 0 above
    gamma = np.concatenate([gamma0[..., None], gamma[..., 1:]], axis=-1)
    d_gamma = np.concatenate([(2 + 2 / s2[..., 0])[..., None], d_gamma[..., 1:]], axis=-1)

    x = 0.5 * rows * gamma  # (..., 2n): the arguments of the 2cosh / 2sinh factors
    log_cosh, log_sinh = _log_2cosh(x), _log_abs_2sinh(x)
    with np.errstate(divide="ignore"):
        log_dx = np.log(np.abs(0.5 * rows * d_gamma))  # log|dx/dbeta|
    sign_x, sign_dx = np.sign(x), np.sign(d_gamma)
    # d(2cosh x) = 2 sinh x dx ; d(2sinh x) = 2 cosh x dx
    factors = {  # name: (log|f|, sign f, log|f'|, sign f')
        "cosh": (log_cosh, np.ones_like(x), log_sinh + log_dx, sign_x * sign_dx),
        "sinh": (log_sinh, sign_x, log_cosh + log_dx, sign_dx),
    }
    term_logs, term_signs, deriv_logs, deriv_signs = [], [], [], []
    for parity in (1, 0):  # odd gammas (Z1, Z2), then even gammas (Z3, Z4)
        for kind in ("cosh", "sinh"):
            log_f, sign_f, log_df, sign_df = (a[..., parity::2] for a in factors[kind])
            term_logs.append(np.sum(log_f, axis=-1))
            term_signs.append(np.prod(sign_f, axis=-1))
            # dZ_i = sum_l (prod_{j != l} f_j) f'_l, each term in signed log space
            others_log = _excluding_each(log_f, np.add, 0.0)
            others_sign = _excluding_each(sign_f, np.multiply, 1.0)
            log_d, sign_d = _signed_logsumexp(others_log + log_df, others_sign * sign_df, axis=-1)
            deriv_logs.append(log_d)
            deriv_signs.append(sign_d)
    log_sum, sign_sum = _signed_logsumexp(np.stack(term_logs, -1), np.stack(term_signs, -1), axis=-1)
    log_dsum, sign_dsum = _signed_logsumexp(np.stack(deriv_logs, -1), np.stack(deriv_signs, -1), axis=-1)
    if np.any(sign_sum <= 0):
        raise FloatingPointError("kaufman: the sum of the four terms is not positive (precision lost)")
    n_spins = rows * cols
    log_z = -np.log(2.0) + 0.5 * n_spins * np.log(2 * np.sinh(2 * beta)) + log_sum
    d_log_z = n_spins / np.tanh(2 * beta) + sign_dsum * np.exp(log_dsum - log_sum)
    return log_z, d_log_z


def kaufman_log_partition(temperature: float | np.ndarray, L: int | tuple[int, int]) -> np.ndarray:
    """Kaufman's exact ``ln Z`` of the Ising model on an L x L torus (or ``L = (rows, cols)``), J = 1.

    Examples:
        >>> print(f"{kaufman_log_partition(1e6, 3):.6f} {9 * np.log(2):.6f}")   # T -> inf: 2^9 states
        6.238325 6.238325
    """
    rows, cols = _shape(L, "kaufman_log_partition")
    t = _temperatures(temperature, "kaufman_log_partition")
    return _kaufman(1.0 / t, rows, cols)[0]


def exact_energy_per_spin(temperature: float | np.ndarray, L: int | tuple[int, int]) -> np.ndarray:
    """The exact mean energy per spin of the finite L x L torus (or ``L = (rows, cols)``), J = 1:
    ``-(1/N) d ln Z / d beta`` from Kaufman's partition function, differentiated analytically."""
    rows, cols = _shape(L, "exact_energy_per_spin")
    t = _temperatures(temperature, "exact_energy_per_spin")
    return -_kaufman(1.0 / t, rows, cols)[1] / (rows * cols)


def _energy_histogram(rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """All 2^(rows*cols) states: the distinct total energies and how many states have each."""
    n = rows * cols
    states = np.arange(2**n, dtype=np.int64)
    bits = (states[:, None] >> np.arange(n)) & 1  # (2^n,) -> (2^n, n)
    spins = (1 - 2 * bits).astype(np.int8).reshape(-1, rows, cols)  # (2^n, n) -> (2^n, rows, cols)
    bonds = spins * (np.roll(spins, 1, axis=1) + np.roll(spins, 1, axis=2))
    energy = -bonds.reshape(len(states), -1).sum(axis=1, dtype=np.int64)
    values, counts = np.unique(energy, return_counts=True)
    return values.astype(np.float64), counts.astype(np.float64)


def _brute_force(temperature: float | np.ndarray, L: int | tuple[int, int], where: str) -> tuple[np.ndarray, ...]:
    """``ln Z`` and the mean energy per spin by enumeration, for at most 20 spins."""
    rows, cols = _shape(L, where)
    if rows * cols > _BRUTE_FORCE_MAX_SPINS:
        raise ValueError(
            f"{where}: {rows} x {cols} = {rows * cols} spins is more than {_BRUTE_FORCE_MAX_SPINS} (2^N states)"
        )
    t = _temperatures(temperature, where)
    energies, counts = _energy_histogram(rows, cols)
    exponent = -energies / t[..., None] + np.log(counts)  # (...) -> (..., levels): ln(g(E) e^{-E/T})
    top = exponent.max(axis=-1, keepdims=True)
    weights = np.exp(exponent - top)
    log_z = np.log(weights.sum(-1)) + top[..., 0]
    return log_z, (weights * energies).sum(-1) / weights.sum(-1) / (rows * cols)


def brute_force_log_partition(temperature: float | np.ndarray, L: int | tuple[int, int]) -> np.ndarray:
    """``ln Z`` of the L x L torus (or ``L = (rows, cols)``) by summing over all 2^N states (N <= 20)."""
    return _brute_force(temperature, L, "brute_force_log_partition")[0]


def brute_force_energy_per_spin(temperature: float | np.ndarray, L: int | tuple[int, int]) -> np.ndarray:
    """The mean energy per spin of the L x L torus (or ``L = (rows, cols)``) by enumerating all states:
    the naive oracle for :func:`exact_energy_per_spin` (at most 20 spins, e.g. 4 x 4 or 4 x 5)."""
    return _brute_force(temperature, L, "brute_force_energy_per_spin")[1]
