r"""Monte Carlo spin configurations of the 2-D Ising model, labelled ordered / disordered.

The model: spins :math:`s_i = \pm 1` on an L x L square lattice with periodic boundaries (a torus),
:math:`E = -J\sum_{\langle ij\rangle} s_i s_j` over the 2L² nearest-neighbour bonds, J = 1, k_B = 1, sampled
from :math:`e^{-E/T}`. Every chain, at every temperature, is updated at once with NumPy:

* **checkerboard Metropolis**: a sweep updates the four (row parity, column parity) sub-lattices in turn; no
  two sites updated together are neighbours, so each quarter update is exact single-spin Metropolis,
  acceptance :math:`\min(1, e^{-\Delta E/T})` looked up per chain. L must be even for this colouring, and at
  least 4: on the 2 x 2 torus (every bond doubled) the stripe configurations have :math:`\Delta E = 0` at every
  site, are flipped deterministically and cycle among themselves, so the sweep is not ergodic there.
* **Wolff cluster updates** for the chains whose temperature lies in ``wolff_window`` (around T_c, where
  Metropolis suffers critical slowing down): from a random seed, add aligned neighbours with probability
  :math:`1 - e^{-2/T}` per bond, flip the cluster. All those chains grow their clusters together, breadth-first
  over boolean frontiers (a site reached over k bonds joins with probability :math:`1 - e^{-2k/T}`).
* a **random global flip** of each chain before each sample (the Z2 symmetry :math:`s \to -s`, also a valid
  Monte Carlo move), so ordered samples come in both signs.

One *sweep* is a Metropolis sweep of all chains plus one Wolff cluster per chain in the window. Chains start
cold (all spins +1), are thermalised, then sampled every ``decorrelation_sweeps``; the sample order is
temperature-major. Results are cached on disk (``.npz``, keyed by a hash of every parameter), so a second
call is instant.

Examples:
    >>> import tempfile
    >>> data = generate_ising(4, [1.0, 5.0], samples_per_temperature=3, thermalization_sweeps=20,
    ...                       decorrelation_sweeps=2, seed=0, cache_dir=tempfile.mkdtemp())
    >>> data.x.shape, data.x.dtype, data.y.tolist()
    ((6, 1, 4, 4), dtype('float32'), [0, 0, 0, 1, 1, 1])
    >>> data.temperature.tolist(), data.classes
    ([1.0, 1.0, 1.0, 5.0, 5.0, 5.0], ('ordered', 'disordered'))
    >>> bool(np.all(data.abs_magnetization[:3] == 1.0))                 # at T = 1 a 4 x 4 lattice is aligned
    True
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from numbers import Integral, Real
from pathlib import Path

import numpy as np

from ..files import atomic_open
from .cache import cache_dir as resolve_cache_dir
from .dataset import Dataset
from .ising_exact import CRITICAL_TEMPERATURE

__all__ = ["IsingDataset", "IsingChains", "generate_ising", "ising_cache_path", "energy_per_spin", "magnetization"]

FORMAT_VERSION = 1
"""Part of every cache key: bump it when the algorithm or the file layout changes, so old files are not used."""
CLASSES = ("ordered", "disordered")
DEFAULT_WOLFF_WINDOW = (1.8, 3.0)


def _empty() -> np.ndarray:
    return np.zeros(0)


@dataclass(frozen=True)
class IsingDataset(Dataset):
    """Ising configurations as a :class:`Dataset`: ``x`` float32 spins ``(N, 1, L, L)`` in {-1, +1}, ``y`` int64
    labels (1 = disordered, T > T_c), plus per sample its ``temperature``, ``energy`` per spin and signed
    ``magnetization`` per spin (float64, ``(N,)``)."""

    temperature: np.ndarray = field(default_factory=_empty)
    energy: np.ndarray = field(default_factory=_empty)
    magnetization: np.ndarray = field(default_factory=_empty)

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("temperature", "energy", "magnetization"):
            values = np.asarray(getattr(self, name), dtype=np.float64)
            if values.shape != (len(self.x),):
                raise ValueError(f"IsingDataset: {name} must have shape ({len(self.x)},), got {values.shape}")
            object.__setattr__(self, name, values)

    @property
    def L(self) -> int:
        """The lattice size."""
        return int(self.x.shape[-1])

    @property
    def abs_magnetization(self) -> np.ndarray:
        """|m| per sample, the order parameter (a finite lattice's m averages to 0 by symmetry)."""
        return np.abs(self.magnetization)

    @property
    def temperatures(self) -> np.ndarray:
        """The distinct temperatures, in the order they were sampled."""
        values, first = np.unique(self.temperature, return_index=True)
        return values[np.argsort(first)]

    def subset(self, indices: Sequence[int] | np.ndarray) -> IsingDataset:
        """The samples at ``indices``, in that order, with their temperatures, energies and magnetisations."""
        i = np.asarray(indices, dtype=np.int64)
        return IsingDataset(
            self.x[i], self.y[i], self.name, self.classes, self.temperature[i], self.energy[i], self.magnetization[i]
        )


def energy_per_spin(spins: np.ndarray) -> np.ndarray:
    """The energy per spin ``-sum_<ij> s_i s_j / L^2`` of each configuration in ``spins`` ``(..., L, L)``."""
    s = np.asarray(spins)
    bonds = s * (np.roll(s, 1, axis=-1) + np.roll(s, 1, axis=-2))  # each bond once: right and down neighbours
    return -bonds.sum(axis=(-2, -1), dtype=np.int64) / (s.shape[-1] * s.shape[-2])


def magnetization(spins: np.ndarray) -> np.ndarray:
    """The magnetisation per spin ``sum_i s_i / L^2`` of each configuration in ``spins`` ``(..., L, L)``."""
    s = np.asarray(spins)
    return s.sum(axis=(-2, -1), dtype=np.int64) / (s.shape[-1] * s.shape[-2])


class IsingChains:
    """Independent Markov chains of L x L Ising lattices, one temperature per chain, updated all at once.

    ``spins`` is int8 ``(chains, L, L)``, cold-started at +1. :meth:`sweep` does Metropolis sweeps of every
    chain, each followed by a Wolff cluster update of the chains whose temperature is in ``wolff_window``
    (``None``: no cluster updates).

    Examples:
        >>> chains = IsingChains(8, [1.0, 2.3, 10.0], rng=np.random.default_rng(0))
        >>> chains.spins.shape, chains.energy_per_spin().tolist()              # cold start: all aligned
        ((3, 8, 8), [-2.0, -2.0, -2.0])
        >>> chains.sweep(50)
        >>> bool(chains.energy_per_spin()[2] > -1.0)                           # T = 10: nearly random
        True
    """

    def __init__(
        self,
        L: int,
        temperatures: Sequence[float] | np.ndarray,
        rng: np.random.Generator,
        wolff_window: tuple[float, float] | None = DEFAULT_WOLFF_WINDOW,
    ) -> None:
        self.L = _check_lattice_size(L, "IsingChains")
        self.temperatures = _check_temperatures(temperatures, "IsingChains")
        self.wolff_window = _check_window(wolff_window, "IsingChains")
        self.rng = rng
        self.spins = np.ones((len(self.temperatures), L, L), dtype=np.int8)
        beta = 1.0 / self.temperatures
        # acceptance of a flip indexed by (s_i * sum of neighbours + 4) / 2 = 0..4: dE = 2 s_i h_i = -8..8
        self._accept = np.minimum(1.0, np.exp(-2.0 * beta[:, None] * np.arange(-4, 5, 2))).reshape(-1)  # (chains*5,)
        self._accept_offset = 5 * np.arange(len(beta), dtype=np.int32)[:, None, None]  # row starts in _accept
        low, high = self.wolff_window or (math.inf, -math.inf)
        self._wolff_chains = np.flatnonzero((self.temperatures >= low) & (self.temperatures <= high))
        self._join = -np.expm1(-2.0 * beta[self._wolff_chains])  # Wolff's bond probability 1 - exp(-2 / T)

    def sweep(self, n: int = 1) -> None:
        """``n`` sweeps: each a Metropolis sweep of all chains, then one Wolff cluster per chain in the window."""
        for _ in range(n):
            self.metropolis_sweep()
            if len(self._wolff_chains):
                self.wolff_update()

    def metropolis_sweep(self) -> None:
        """One checkerboard Metropolis sweep: the four (row, column)-parity quarters of the lattice in turn."""
        for a, b in ((0, 0), (1, 1), (0, 1), (1, 0)):
            quarter = self.spins[:, a::2, b::2]  # a view (chains, L/2, L/2): the sites (2i + a, 2j + b)
            # the neighbours (2i + a -/+ 1, 2j + b) live in the quarter of the other row parity, at i and i -/+ 1
            vertical = _plus_rolled(self.spins[:, 1 - a :: 2, b::2], 1 if a == 0 else -1, axis=1)
            horizontal = _plus_rolled(self.spins[:, a::2, 1 - b :: 2], 1 if b == 0 else -1, axis=2)
            index = self._accept_offset + ((quarter * (vertical + horizontal) + 4) >> 1)  # s_i h_i + 4 -> 0..4
            flip = self.rng.random(quarter.shape) < np.take(self._accept, index)
            np.negative(quarter, out=quarter, where=flip)

    def wolff_update(self) -> None:
        """One Wolff cluster flip in each chain of the window, all clusters grown together breadth-first.

        Each bond from a site newly added to a cluster to an aligned site outside it is tried exactly once,
        with probability ``1 - exp(-2 / T)``; the work is proportional to the clusters' sizes.
        """
        chains, L = self._wolff_chains, self.L
        k, n = len(chains), L * L
        spins = self.spins[chains].reshape(k * n)  # (K, L, L) -> (K*L*L,), a copy
        seeds = np.arange(k) * n + self.rng.integers(n, size=k)  # flat indices
        aligned = (spins.reshape(k, n) == spins[seeds][:, None]).reshape(k * n)
        free = aligned.copy()  # aligned with the seed and not (yet) in the cluster
        free[seeds] = False
        slot = np.full(k * n, -1, dtype=np.int64)  # to drop repeated sites without sorting
        frontier = seeds
        while frontier.size:
            chain, site = np.divmod(frontier, n)
            row, col = np.divmod(site, L)
            base = chain * n
            neighbours = np.concatenate([
                base + ((row + 1) % L) * L + col, base + ((row - 1) % L) * L + col,
                base + row * L + (col + 1) % L, base + row * L + (col - 1) % L,
            ])  # fmt: skip
            neighbours = neighbours[free[neighbours]]  # one trial per bond to an aligned site outside
            joined = neighbours[self.rng.random(neighbours.size) < self._join[neighbours // n]]
            position = np.arange(joined.size)
            slot[joined] = position  # repeats of a site all read back the one position that was stored last
            frontier = joined[slot[joined] == position]
            free[frontier] = False
        cluster = aligned & ~free
        np.negative(spins, out=spins, where=cluster)
        self.spins[chains] = spins.reshape(k, L, L)  # (K*L*L,) -> (K, L, L)

    def flip_randomly(self) -> None:
        """Flip every spin of each chain with probability 1/2 (the global Z2 symmetry)."""
        flip = self.rng.random(len(self.spins)) < 0.5
        self.spins[flip] *= -1

    def energy_per_spin(self) -> np.ndarray:
        """The energy per spin of each chain, ``(chains,)``."""
        return energy_per_spin(self.spins)

    def magnetization(self) -> np.ndarray:
        """The magnetisation per spin of each chain, ``(chains,)``."""
        return magnetization(self.spins)


def _plus_rolled(x: np.ndarray, shift: int, axis: int) -> np.ndarray:
    """``x + np.roll(x, shift, axis)`` for shift +-1 along axis 1 or 2 of a 3-D array, by slicing (no np.roll)."""
    out = np.empty(x.shape, dtype=x.dtype)
    head, tail = [slice(None)] * 3, [slice(None)] * 3
    if shift == 1:  # out[i] = x[i] + x[i - 1]
        head[axis], tail[axis] = slice(1, None), slice(None, -1)
        edge = (0, -1)
    else:  # out[i] = x[i] + x[i + 1]
        head[axis], tail[axis] = slice(None, -1), slice(1, None)
        edge = (-1, 0)
    np.add(x[tuple(head)], x[tuple(tail)], out=out[tuple(head)])
    first, second = [slice(None)] * 3, [slice(None)] * 3
    first[axis], second[axis] = edge
    np.add(x[tuple(first)], x[tuple(second)], out=out[tuple(first)])
    return out


def _is_int(value: object) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _check_lattice_size(L: object, where: str) -> int:
    if not _is_int(L) or L < 4 or L % 2:
        raise ValueError(f"{where}: L must be an even integer >= 4 (the checkerboard update), got {L!r}")
    return int(L)


def _check_temperatures(temperatures: object, where: str) -> np.ndarray:
    try:
        t = np.asarray(temperatures, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: temperatures must be a list of numbers, got {temperatures!r}") from None
    if t.ndim != 1 or len(t) == 0:
        raise ValueError(f"{where}: temperatures must be a non-empty 1-D list, got shape {t.shape}")
    if not np.all(np.isfinite(t)) or np.any(t <= 0):
        raise ValueError(f"{where}: temperatures must be finite and > 0, got {t.tolist()}")
    return t


def _check_window(window: object, where: str) -> tuple[float, float] | None:
    if window is None:
        return None
    ok = isinstance(window, Sequence) and len(window) == 2 and all(isinstance(w, Real) for w in window)
    if not ok or not window[0] <= window[1]:
        raise ValueError(f"{where}: wolff_window must be None or a pair (low, high) with low <= high, got {window!r}")
    return float(window[0]), float(window[1])


def _check_count(value: object, name: str, minimum: int) -> int:
    if not _is_int(value) or value < minimum:
        raise ValueError(f"generate_ising: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _parameters(
    L: int,
    temperatures: np.ndarray,
    samples: int,
    thermalization: int,
    decorrelation: int,
    chains: int,
    wolff_window: tuple[float, float] | None,
    seed: int,
) -> dict:
    return {
        "format": FORMAT_VERSION,
        "L": L,
        "temperatures": [float(t).hex() for t in temperatures],  # exact, not rounded by repr
        "samples_per_temperature": samples,
        "thermalization_sweeps": thermalization,
        "decorrelation_sweeps": decorrelation,
        "chains_per_temperature": chains,
        "wolff_window": None if wolff_window is None else [float(w).hex() for w in wolff_window],
        "seed": seed,
    }


def _key(parameters: dict) -> str:
    return hashlib.sha256(json.dumps(parameters, sort_keys=True).encode()).hexdigest()[:24]


def ising_cache_path(
    L: int,
    temperatures: Sequence[float],
    samples_per_temperature: int,
    *,
    thermalization_sweeps: int = 200,
    decorrelation_sweeps: int = 5,
    chains_per_temperature: int = 16,
    wolff_window: tuple[float, float] | None = DEFAULT_WOLFF_WINDOW,
    seed: int = 0,
    cache_dir: str | os.PathLike | None = None,
) -> Path:
    """The cache file :func:`generate_ising` reads and writes for these parameters."""
    parameters = _validated(
        L, temperatures, samples_per_temperature, thermalization_sweeps, decorrelation_sweeps,
        chains_per_temperature, wolff_window, seed,
    )  # fmt: skip
    return _cache_path(parameters, cache_dir)


def _cache_path(parameters: dict, cache_dir: str | os.PathLike | None) -> Path:
    return resolve_cache_dir(cache_dir) / f"ising-L{parameters['L']}-{_key(parameters)}.npz"


def _validated(L, temperatures, samples, thermalization, decorrelation, chains, wolff_window, seed) -> dict:
    return _parameters(
        _check_lattice_size(L, "generate_ising"),
        _check_temperatures(temperatures, "generate_ising"),
        _check_count(samples, "samples_per_temperature", 1),
        _check_count(thermalization, "thermalization_sweeps", 0),
        _check_count(decorrelation, "decorrelation_sweeps", 1),
        _check_count(chains, "chains_per_temperature", 1),
        _check_window(wolff_window, "generate_ising"),
        _check_count(seed, "seed", 0),
    )


def generate_ising(
    L: int,
    temperatures: Sequence[float],
    samples_per_temperature: int,
    *,
    thermalization_sweeps: int = 200,
    decorrelation_sweeps: int = 5,
    chains_per_temperature: int = 16,
    wolff_window: tuple[float, float] | None = DEFAULT_WOLFF_WINDOW,
    seed: int = 0,
    cache: bool = True,
    cache_dir: str | os.PathLike | None = None,
) -> IsingDataset:
    """``samples_per_temperature`` Monte Carlo configurations of the L x L Ising model at each temperature.

    Each temperature runs ``chains_per_temperature`` independent chains from a cold start:
    ``thermalization_sweeps`` sweeps, then a sample every ``decorrelation_sweeps`` sweeps (after a random global
    flip), round-robin over the chains: at each temperature, sample ``j`` comes from chain ``j % chains`` at
    round ``j // chains``. Deterministic for a given ``seed``. With ``cache``, the result is stored in
    ``cache_dir`` (default ``$TINYGRAD_CNN_CACHE`` or ``~/.cache/tinygrad_cnn``) and read back, validated, on
    the next call with the same parameters; a damaged file is regenerated (with a warning).

    The defaults come from measured integrated autocorrelation times (``benchmarks/bench_ising.py``, in sweeps,
    at 20 temperatures in [1, 3.5]): with Wolff clusters in ``wolff_window`` = (1.8, 3.0) the slowest
    observable, |m| near T_c, has tau <= 3.6 at L = 16 and <= 5.3 at L = 32 (Metropolis alone: up to 15 and
    54), and tau <= 3 outside the window. So ``decorrelation_sweeps = 5`` spaces samples by about 1.5 tau or
    more, and ``thermalization_sweeps = 200`` is over 35 tau.
    """
    parameters = _validated(
        L, temperatures, samples_per_temperature, thermalization_sweeps, decorrelation_sweeps,
        chains_per_temperature, wolff_window, seed,
    )  # fmt: skip
    temperatures = _check_temperatures(temperatures, "generate_ising")
    path = _cache_path(parameters, cache_dir) if cache else None
    if path is not None and path.exists():
        cached = _read(path, parameters, L, temperatures, samples_per_temperature)
        if cached is not None:
            return cached
    spins = _simulate(
        L, temperatures, samples_per_temperature, thermalization_sweeps, decorrelation_sweeps,
        chains_per_temperature, wolff_window, seed,
    )  # fmt: skip
    if path is not None:
        _write(path, parameters, spins)
    return _dataset(spins, np.repeat(temperatures, samples_per_temperature))


def _simulate(L, temperatures, samples, thermalization, decorrelation, chains, wolff_window, seed) -> np.ndarray:
    """The sampled spins, int8 ``(len(temperatures) * samples, L, L)``, temperature-major."""
    rng = np.random.default_rng(seed)
    n_t = len(temperatures)
    simulation = IsingChains(L, np.repeat(temperatures, chains), rng, wolff_window)
    simulation.sweep(thermalization)
    rounds = -(-samples // chains)
    taken = np.empty((rounds, n_t, chains, L, L), dtype=np.int8)
    for r in range(rounds):
        simulation.sweep(decorrelation)
        simulation.flip_randomly()
        taken[r] = simulation.spins.reshape(n_t, chains, L, L)  # (T*c, L, L) -> (T, c, L, L)
    by_temperature = taken.transpose(1, 0, 2, 3, 4).reshape(n_t, rounds * chains, L, L)  # (T, rounds*c, L, L)
    return by_temperature[:, :samples].reshape(n_t * samples, L, L)


def _dataset(spins: np.ndarray, temperature: np.ndarray) -> IsingDataset:
    L = spins.shape[-1]
    return IsingDataset(
        spins.astype(np.float32)[:, None],  # (N, L, L) -> (N, 1, L, L)
        (temperature > CRITICAL_TEMPERATURE).astype(np.int64),
        f"ising-L{L}",
        CLASSES,
        temperature,
        energy_per_spin(spins),
        magnetization(spins),
    )


def _write(path: Path, parameters: dict, spins: np.ndarray) -> None:
    with atomic_open(path, "wb") as f:
        np.savez(
            f,
            key=np.array(json.dumps(parameters, sort_keys=True)),
            bits=np.packbits(spins.reshape(-1) > 0),  # (N, L, L) int8 -> (N*L*L/8,) uint8, 1 bit a spin
            energy=energy_per_spin(spins),
            magnetization=magnetization(spins),
        )


def _read(path: Path, parameters: dict, L: int, temperatures: np.ndarray, samples: int) -> IsingDataset | None:
    """The cached dataset, or None (with a warning) if the file is not exactly what these parameters make."""
    n = len(temperatures) * samples
    n_bytes = -(-n * L * L // 8)
    try:
        if path.stat().st_size > 2 * (n_bytes + 16 * n) + 65536:
            raise ValueError("larger than these parameters can make")
        with np.load(path, allow_pickle=False) as stored:
            if sorted(stored.files) != ["bits", "energy", "key", "magnetization"]:
                raise ValueError("unexpected arrays")
            key, bits = stored["key"], stored["bits"]
            energy, magnet = stored["energy"], stored["magnetization"]
        if key.shape != () or key.dtype.kind != "U" or str(key) != json.dumps(parameters, sort_keys=True):
            raise ValueError("parameters differ")
        if bits.dtype != np.uint8 or bits.shape != (n_bytes,):
            raise ValueError("bad spin array")
        for values in (energy, magnet):
            if values.dtype != np.float64 or values.shape != (n,):
                raise ValueError("bad measurement array")
        spins = np.unpackbits(bits, count=n * L * L).reshape(n, L, L).astype(np.int8) * 2 - 1  # 1 bit -> +-1
        if not (np.array_equal(energy, energy_per_spin(spins)) and np.array_equal(magnet, magnetization(spins))):
            raise ValueError("spins and measurements disagree")
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        message = f"generate_ising: the cache file {path.name} is damaged ({error}); regenerating it"
        warnings.warn(message, stacklevel=3)
        return None
    return _dataset(spins, np.repeat(temperatures, samples))
