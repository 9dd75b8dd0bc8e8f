r"""Find the Ising critical temperature with a tiny network (Carrasquilla and Melko, Nature Physics 13, 431, 2017).

A classifier is trained on Monte Carlo configurations at 20 temperatures in [1, 3.5] (:data:`TRAIN_TEMPERATURES`),
labelled ordered (T < T_c) or disordered (T > T_c) with Onsager's :math:`T_c = 2/\ln(1 + \sqrt 2)`. It is then
shown configurations from *fresh* chains (another seed) on a finer grid (:data:`TEST_TEMPERATURES`, step 0.05),
and its mean P(disordered) at each temperature is a curve from 0 to 1: where it crosses ½ estimates T_c
(:func:`crossing_temperature`). With L = 16, 24 and 32 the crossings (the mean over five seeds at each size),
extrapolated linearly in 1/L (:func:`extrapolate_critical_temperature`), estimate the infinite lattice's T_c
(:func:`finite_size_scaling`).

The labels are all the classifier knows of T_c, and they say only that T_c lies between the two training
temperatures around it: the crossing settles in that gap. Where in it depends on what the network measures; the
circular CNN measures local (energy-like) features, and its crossing follows the middle of the gap. So the
training temperatures are evenly spaced with T_c exactly midway between two of them
(:func:`training_temperatures`): on the plain ``linspace(1, 3.5, 20)`` the gap is 2.184..2.316, its middle
2.250, and the five-seed finite-size extrapolation lands at 2.2504 (−0.83 %) instead of within 0.02 %
(``benchmarks/bench_ising_classifier.py`` measures both grids).

The estimate of one run is the mean of every ½-crossing of the measured curve, each linearly interpolated
between the two grid temperatures around it: a clean curve crosses once; a noisy one may cross three times
close together (up, down, up), and their mean is the middle of that crossing region rather than whichever
crossing happens to come first.

Examples:
    >>> crossing_temperature([2.0, 2.2, 2.4], [0.1, 0.3, 0.9])          # 0.3 -> 0.9 passes 0.5 a third of the way
    Crossing(estimate=2.2666666666666666, crossings=(2.2666666666666666,))
    >>> fit = extrapolate_critical_temperature([16, 24, 32], [2.3 + 0.5 / L for L in (16, 24, 32)])
    >>> round(fit.intercept, 12), round(fit.slope, 12)
    (2.3, 0.5)
    >>> [round(t, 4) for t in training_temperatures(4, 2.0, 2.6)]      # T_c = 2.2692 midway between the middle two
    [2.0, 2.1795, 2.3589, 2.5384]
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from .. import nn
from ..data.ising import IsingDataset, generate_ising
from ..data.ising_exact import CRITICAL_TEMPERATURE
from ..engine.rng import manual_seed
from ..models.architectures import build
from ..models.ising import ISING_MODELS, ising_architecture
from ..optim.lr_scheduler import CosineAnnealingLR
from ..optim.optimizers import Adam
from .loop import fit, predict
from .metrics import History

__all__ = [
    "TRAIN_TEMPERATURES", "TEST_TEMPERATURES", "FAR_FROM_CRITICAL", "TEST_SEED_OFFSET", "FSS_SIZES", "FSS_SEEDS",
    "training_temperatures", "IsingRecipe", "IsingRun", "Crossing", "ScalingFit", "ScalingRun",
    "crossing_temperature", "phase_curve", "extrapolate_critical_temperature", "ising_model", "ising_data",
    "train_phase_classifier", "finite_size_scaling",
]  # fmt: skip

def training_temperatures(count: int = 20, low: float = 1.0, high: float = 3.5) -> tuple[float, ...]:
    """``count`` evenly spaced temperatures in ``[low, high]`` with Onsager's T_c exactly midway between two of
    them (``count // 2`` below it): the widest step that fits, so the grid reaches ``low`` or ``high``.

    Examples:
        >>> grid = training_temperatures()
        >>> len(grid), round(grid[0], 4), round(grid[-1], 4), round(grid[1] - grid[0], 4)
        (20, 1.0384, 3.5, 0.1296)
        >>> round((grid[9] + grid[10]) / 2, 6)                 # the two around T_c, and their middle
        2.269185
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 2:
        raise ValueError(f"training_temperatures: count must be an integer >= 2, got {count!r}")
    below = count // 2
    above = count - below
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high))
    if not (numbers and 0 < low < CRITICAL_TEMPERATURE < high < math.inf):
        raise ValueError(f"training_temperatures: needs 0 < low < T_c = {CRITICAL_TEMPERATURE:.6f} < high, got "
                         f"low {low!r}, high {high!r}")  # fmt: skip
    step = min((CRITICAL_TEMPERATURE - low) / (below - 0.5), (high - CRITICAL_TEMPERATURE) / (above - 0.5))
    return tuple(float(CRITICAL_TEMPERATURE + (k + 0.5) * step) for k in range(-below, above))


TRAIN_TEMPERATURES = training_temperatures()
"""The 20 training temperatures: step 0.1296 from 1.038 to 3.5, the two around T_c 2.204 and 2.334."""
TEST_TEMPERATURES = tuple(float(t) for t in np.linspace(1.0, 3.5, 51))
"""The finer test grid: 51 temperatures in [1, 3.5], step 0.05."""
FAR_FROM_CRITICAL = 0.5
"""'Far from T_c' means ``|T - T_c| >= 0.5`` (T <= 1.77 or T >= 2.77) for the accuracy there."""
TEST_SEED_OFFSET = 1000
"""The test configurations come from chains seeded with ``seed + TEST_SEED_OFFSET``: fresh, never trained on."""
FSS_SIZES = (16, 24, 32)
FSS_SEEDS = 5
"""Seeds per lattice size in :func:`finite_size_scaling`: one run's crossing scatters by about 0.3 % between
seeds, and the 1/L extrapolation from 16, 24, 32 doubles that at L → ∞; five bring it to about 0.25 %."""


@dataclass(frozen=True)
class IsingRecipe:
    """What one run trains, on what, and how. ``train_samples`` and ``test_samples`` are per temperature;
    ``lr`` is Adam's, annealed to 0 by a cosine over the epochs. Chosen on the training loss alone, never on
    the test temperatures: at L = 16 the CNN's levels off at about 0.08 by epoch 12 of 20; at lr 0.001 the MLP
    is still underfitted after 20 epochs (training loss 0.3, 97 % accuracy far from T_c)."""

    L: int = 16
    model: str = "cnn"
    seed: int = 0
    epochs: int = 20
    batch_size: int = 64
    lr: float = 0.01
    train_samples: int = 200
    test_samples: int = 256
    train_temperatures: tuple[float, ...] = TRAIN_TEMPERATURES
    test_temperatures: tuple[float, ...] = TEST_TEMPERATURES

    def __post_init__(self) -> None:
        if self.model not in ISING_MODELS:
            raise ValueError(f"IsingRecipe: model must be one of {ISING_MODELS}, got {self.model!r}")
        for name, low in (("L", 4), ("seed", 0), ("epochs", 1), ("batch_size", 1), ("train_samples", 1),
                          ("test_samples", 1)):  # fmt: skip
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(f"IsingRecipe: {name} must be an integer >= {low}, got {value!r}")
        if self.L % 2:
            raise ValueError(f"IsingRecipe: L must be even (the checkerboard Monte Carlo update), got {self.L}")
        if isinstance(self.lr, bool) or not (isinstance(self.lr, (int, float)) and 0 < self.lr < math.inf):
            raise ValueError(f"IsingRecipe: lr must be a positive number, got {self.lr!r}")
        for name in ("train_temperatures", "test_temperatures"):
            values = tuple(float(t) for t in getattr(self, name))
            below = sum(t < CRITICAL_TEMPERATURE for t in values)
            if len(values) < 2 or not all(0 < t < math.inf for t in values) or list(values) != sorted(set(values)):
                raise ValueError(f"IsingRecipe: {name} must be at least two increasing positive temperatures")
            if below in (0, len(values)):
                raise ValueError(f"IsingRecipe: {name} must have temperatures on both sides of T_c = "
                                 f"{CRITICAL_TEMPERATURE:.6f}")  # fmt: skip
            object.__setattr__(self, name, values)


@dataclass(frozen=True)
class Crossing:
    """Where a curve crosses a level: ``estimate`` is the mean of the ``crossings`` (each linearly interpolated)."""

    estimate: float
    crossings: tuple[float, ...]


def crossing_temperature(temperatures: Sequence[float], probability: Sequence[float], level: float = 0.5) -> Crossing:
    """Where ``probability`` (sampled at increasing ``temperatures``) crosses ``level``: every crossing is
    interpolated linearly between the two temperatures around it (a point exactly at the level is one), and
    the estimate is their mean. ``ValueError`` when the curve never reaches the level.

    Examples:
        >>> crossing_temperature([1, 2, 3, 4, 5], [0.0, 1.0, 0.0, 1.0, 1.0])        # noisy: three crossings
        Crossing(estimate=2.5, crossings=(1.5, 2.5, 3.5))
        >>> crossing_temperature([1, 2, 3], [0.0, 0.5, 1.0]).estimate
        2.0
    """
    t = np.asarray(temperatures, dtype=np.float64)
    p = np.asarray(probability, dtype=np.float64)
    if t.ndim != 1 or p.shape != t.shape or len(t) < 2:
        raise ValueError(f"crossing_temperature: needs two 1-D arrays of the same length >= 2, got shapes "
                         f"{t.shape} and {p.shape}")  # fmt: skip
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(p)) and np.all(np.diff(t) > 0)):
        raise ValueError("crossing_temperature: temperatures must be finite and increasing, probabilities finite")
    d = p - level
    crossings = [float(t[i]) for i in np.flatnonzero(d == 0)]
    for i in np.flatnonzero(d[:-1] * d[1:] < 0):  # a sign change strictly between t[i] and t[i + 1]
        crossings.append(float(t[i] + d[i] / (d[i] - d[i + 1]) * (t[i + 1] - t[i])))
    if not crossings:
        raise ValueError(f"crossing_temperature: the curve never crosses {level} (it runs from {p[0]:.3g} to "
                         f"{p[-1]:.3g} over T = {t[0]:.3g}..{t[-1]:.3g})")  # fmt: skip
    crossings.sort()
    return Crossing(float(np.mean(crossings)), tuple(crossings))


@dataclass(frozen=True)
class ScalingFit:
    r"""A straight line :math:`T_c(L) = T_c(\infty) + \mathrm{slope}/L` through the crossings, by ordinary least
    squares. ``intercept_error`` is the intercept's standard error: propagated from the crossings' ``errors`` (the
    scatter between seeds) when they are given, else from the fit's residuals (None with only two sizes; with three
    it rests on one degree of freedom)."""

    sizes: tuple[int, ...]
    temperatures: tuple[float, ...]
    intercept: float
    slope: float
    intercept_error: float | None
    errors: tuple[float, ...] | None = None

    def __call__(self, L: float) -> float:
        return self.intercept + self.slope / L

    def crossings_text(self) -> str:
        """The crossings, each with its standard error when known: ``"2.2769 ± 0.0022, 2.2715 ± 0.0021"``."""
        errors = self.errors or (None,) * len(self.temperatures)
        return ", ".join(f"{t:.4f}" + ("" if e is None else f" ± {e:.4f}") for t, e in zip(self.temperatures, errors))


def extrapolate_critical_temperature(
    sizes: Sequence[int], temperatures: Sequence[float], errors: Sequence[float] | None = None
) -> ScalingFit:
    """Fit ``T_c(L) = T_c(inf) + a / L`` to the crossings of at least two lattice sizes; ``intercept`` is T_c(inf).
    With ``errors`` (each crossing's standard error) the intercept's error is propagated from them.

    Examples:
        >>> fit = extrapolate_critical_temperature([16, 32], [2.30, 2.285])
        >>> round(fit.intercept, 12), fit.intercept_error
        (2.27, None)
        >>> fit = extrapolate_critical_temperature([16, 32], [2.30, 2.285], errors=[0.003, 0.004])
        >>> round(fit.intercept, 12), round(fit.intercept_error, 4)       # 2·T(32) − T(16): √(4·0.004² + 0.003²)
        (2.27, 0.0085)
    """
    L = np.asarray(sizes, dtype=np.float64)
    tc = np.asarray(temperatures, dtype=np.float64)
    if L.ndim != 1 or tc.shape != L.shape or len(set(L.tolist())) < 2:
        raise ValueError(f"extrapolate_critical_temperature: needs crossings at two or more distinct sizes, got "
                         f"sizes {list(sizes)} and {len(tc)} temperatures")  # fmt: skip
    if not (np.all(L > 0) and np.all(np.isfinite(tc))):
        raise ValueError("extrapolate_critical_temperature: sizes must be positive and temperatures finite")
    sigma = None
    if errors is not None:
        sigma = np.asarray(errors, dtype=np.float64)
        if sigma.shape != L.shape or not np.all(np.isfinite(sigma) & (sigma >= 0)):
            raise ValueError(f"extrapolate_critical_temperature: errors must be {len(L)} finite numbers >= 0, "
                             f"one per size, got {list(errors)[:8]}")  # fmt: skip
    x = 1.0 / L
    x_mean = x.mean()
    sxx = float(((x - x_mean) ** 2).sum())
    slope = float(((x - x_mean) * (tc - tc.mean())).sum() / sxx)
    intercept = float(tc.mean() - slope * x_mean)
    error = None
    if sigma is not None:  # the intercept is linear in the crossings, Σ c_i T_i, so its variance is Σ c_i² σ_i²
        coefficients = 1 / len(L) - x_mean * (x - x_mean) / sxx
        error = float(np.sqrt((coefficients**2 * sigma**2).sum()))
    elif len(L) > 2:
        residual = tc - (intercept + slope * x)
        variance = float((residual**2).sum()) / (len(L) - 2)
        error = math.sqrt(variance * (1 / len(L) + x_mean**2 / sxx))
    return ScalingFit(tuple(int(n) for n in sizes), tuple(float(v) for v in tc), intercept, slope, error,
                      None if sigma is None else tuple(float(v) for v in sigma))  # fmt: skip


def phase_curve(p_disordered: np.ndarray, data: IsingDataset, chains: int = 16) -> tuple[np.ndarray, ...]:
    """Per temperature of ``data``: the temperatures, the mean P(disordered) and its standard error.

    The error comes from the spread between the ``chains`` independent Markov chains (sample ``j`` at a
    temperature comes from chain ``j % chains``), so correlated samples of one chain are not counted as
    independent; with fewer samples than chains, from the samples.
    """
    p = np.asarray(p_disordered, dtype=np.float64)
    temperatures = data.temperatures
    means, errors = np.empty(len(temperatures)), np.empty(len(temperatures))
    for i, t in enumerate(temperatures):
        values = p[data.temperature == t]
        groups = min(chains, len(values))
        chain_means = np.array([values[c::groups].mean() for c in range(groups)])  # (samples,) -> (chains,)
        means[i] = values.mean()
        errors[i] = chain_means.std(ddof=1) / math.sqrt(groups) if groups > 1 else math.nan
    return temperatures, means, errors


def ising_model(kind: str, L: int, seed: int = 0) -> nn.Sequential:
    """The named ``"cnn"`` or ``"mlp"`` classifier for L x L lattices, initialised from ``seed``."""
    return build(ising_architecture(kind, L), generator=np.random.default_rng(seed))


def ising_data(recipe: IsingRecipe, *, cache: bool = True, cache_dir: str | os.PathLike | None = None
               ) -> tuple[IsingDataset, IsingDataset]:  # fmt: skip
    """The training configurations (seed ``recipe.seed``) and the test ones from fresh chains (seed
    ``recipe.seed + TEST_SEED_OFFSET``), with :func:`~tinygrad_cnn.data.generate_ising`'s Monte Carlo defaults."""
    train = generate_ising(recipe.L, recipe.train_temperatures, recipe.train_samples, seed=recipe.seed,
                           cache=cache, cache_dir=cache_dir)  # fmt: skip
    test = generate_ising(recipe.L, recipe.test_temperatures, recipe.test_samples,
                          seed=recipe.seed + TEST_SEED_OFFSET, cache=cache, cache_dir=cache_dir)  # fmt: skip
    return train, test


@dataclass
class IsingRun:
    """One trained classifier and what it found. ``p_disordered`` and ``p_error`` are per test temperature;
    ``seconds`` splits the wall-clock time into ``data``, ``train`` and ``test``."""

    recipe: IsingRecipe
    model: nn.Module
    history: History
    temperatures: np.ndarray
    p_disordered: np.ndarray
    p_error: np.ndarray
    crossing: Crossing
    accuracy: float
    accuracy_far: float
    train_accuracy: float
    seconds: dict[str, float] = field(default_factory=dict)
    test: IsingDataset | None = None

    @property
    def critical_temperature(self) -> float:
        return self.crossing.estimate

    @property
    def relative_error(self) -> float:
        """(estimate - Onsager's T_c) / T_c."""
        return self.crossing.estimate / CRITICAL_TEMPERATURE - 1

    @property
    def parameters(self) -> int:
        return self.model.num_parameters()

    def metrics(self) -> dict[str, Any]:
        """JSON-ready: the recipe, the estimate and its error, accuracies, the curve, the history, times."""
        return {
            "task": "ising",
            **{key: value for key, value in asdict(self.recipe).items() if not key.endswith("temperatures")},
            "architecture": ising_architecture(self.recipe.model, self.recipe.L).name,
            "parameters": self.parameters,
            "critical_temperature": self.critical_temperature,
            "onsager_critical_temperature": CRITICAL_TEMPERATURE,
            "relative_error": self.relative_error,
            "crossings": list(self.crossing.crossings),
            "test_accuracy": self.accuracy,
            "test_accuracy_far": self.accuracy_far,
            "far_from_critical": FAR_FROM_CRITICAL,
            "train_accuracy": self.train_accuracy,
            "train_temperatures": list(self.recipe.train_temperatures),
            "curve": {"temperature": self.temperatures.tolist(), "p_disordered": self.p_disordered.tolist(),
                      "p_error": self.p_error.tolist()},  # fmt: skip
            "history": self.history.to_dict(),
            "seconds": self.seconds,
        }


def _softmax_disordered(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e[:, 1] / e.sum(axis=1)


def train_phase_classifier(
    recipe: IsingRecipe = IsingRecipe(),
    *,
    data: tuple[IsingDataset, IsingDataset] | None = None,
    checkpoint: str | os.PathLike | None = None,
    resume: bool = False,
    cache: bool = True,
    cache_dir: str | os.PathLike | None = None,
    progress: bool | None = False,
) -> IsingRun:
    """Generate (or take) the data, train the recipe's model from scratch, and read T_c off its test curve.

    ``checkpoint`` is written after every epoch (:func:`~tinygrad_cnn.train.fit`'s), with the task's recipe in
    its metadata; ``resume`` continues the run saved there to ``recipe.epochs``.
    """
    start = time.perf_counter()
    train, test = data if data is not None else ising_data(recipe, cache=cache, cache_dir=cache_dir)
    for name, part, temperatures in (("training", train, recipe.train_temperatures),
                                     ("test", test, recipe.test_temperatures)):  # fmt: skip
        if part.L != recipe.L or not np.allclose(part.temperatures, temperatures):
            raise ValueError(f"train_phase_classifier: the {name} data are not the recipe's (L = {part.L}, "
                             f"{len(part.temperatures)} temperatures)")  # fmt: skip
    generated = time.perf_counter()
    manual_seed(recipe.seed)
    model = ising_model(recipe.model, recipe.L, recipe.seed)
    optimizer = Adam(model.parameters(), lr=float(recipe.lr))
    scheduler = CosineAnnealingLR(optimizer, T_max=recipe.epochs)
    metadata = {"task": "ising", "recipe": {k: v for k, v in asdict(recipe).items() if k != "test_temperatures"}}
    history = fit(model, train, None, optimizer=optimizer, scheduler=scheduler, epochs=recipe.epochs,
                  batch_size=recipe.batch_size, seed=recipe.seed, checkpoint=checkpoint, resume=resume,
                  metadata=metadata, progress=progress)  # fmt: skip
    trained = time.perf_counter()
    p = _softmax_disordered(predict(model, test))
    temperatures, curve, error = phase_curve(p, test)
    right = (p > 0.5) == (test.y == 1)
    far = np.abs(test.temperature - CRITICAL_TEMPERATURE) >= FAR_FROM_CRITICAL
    done = time.perf_counter()
    return IsingRun(
        recipe, model, history, temperatures, curve, error, crossing_temperature(temperatures, curve),
        float(right.mean()), float(right[far].mean()), float(history.last["train_accuracy"]),
        {"data": generated - start, "train": trained - generated, "test": done - trained}, test,
    )  # fmt: skip


@dataclass
class ScalingRun:
    """Finite-size scaling: the runs at each lattice size (one per seed) and the fit through the per-size
    crossings (the mean over the seeds at each size, with its standard error when there are several)."""

    runs: dict[int, list[IsingRun]]
    fit: ScalingFit

    @property
    def critical_temperature(self) -> float:
        return self.fit.intercept

    @property
    def relative_error(self) -> float:
        return self.fit.intercept / CRITICAL_TEMPERATURE - 1

    def metrics(self) -> dict[str, Any]:
        return {
            "task": "ising-fss",
            "critical_temperature": self.fit.intercept,
            "critical_temperature_error": self.fit.intercept_error,
            "slope": self.fit.slope,
            "onsager_critical_temperature": CRITICAL_TEMPERATURE,
            "relative_error": self.relative_error,
            "sizes": list(self.fit.sizes),
            "seeds": [run.recipe.seed for run in next(iter(self.runs.values()))],
            "crossings": list(self.fit.temperatures),
            "crossing_errors": None if self.fit.errors is None else list(self.fit.errors),
            "runs": {str(L): [run.metrics() for run in runs] for L, runs in self.runs.items()},
        }


def finite_size_scaling(
    recipe: IsingRecipe = IsingRecipe(),
    sizes: Sequence[int] = FSS_SIZES,
    seeds: Sequence[int] | None = None,
    *,
    checkpoint: Callable[[int, int], str | os.PathLike | None] | None = None,
    cache: bool = True,
    cache_dir: str | os.PathLike | None = None,
    progress: bool | None = False,
    report: Callable[[IsingRun], None] | None = None,
    workers: int = 1,
) -> ScalingRun:
    """Train the recipe at every lattice size and seed, take each crossing, and extrapolate in 1/L.

    ``seeds`` default to :data:`FSS_SEEDS` of them from the recipe's seed on; the crossing at a size is their
    mean, with its standard error (the seeds' scatter / √seeds) when there are several. ``checkpoint(L, seed)``
    names each run's checkpoint; ``report(run)`` is called after each run (e.g. to print a line). With
    ``workers`` > 1 the runs (each seeded, independent) go to that many processes, largest lattices first, and
    the result is the same as with one; ``report`` then sees them as they finish and ``progress`` is off. The
    processes are started afresh (``spawn``), so a script that calls this must guard its top level with
    ``if __name__ == "__main__":``, as for any Python multiprocessing.
    """
    sizes = tuple(sizes)
    if len(set(sizes)) < 2:
        raise ValueError(f"finite_size_scaling: needs at least two distinct lattice sizes, got {sizes}")
    seeds = tuple(range(recipe.seed, recipe.seed + FSS_SEEDS)) if seeds is None else tuple(seeds)
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"finite_size_scaling: needs one or more distinct seeds, got {seeds}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"finite_size_scaling: workers must be an integer >= 1, got {workers!r}")
    jobs = {(L, seed): (replace(recipe, L=L, seed=seed), None if checkpoint is None else checkpoint(L, seed))
            for L in sizes for seed in seeds}  # fmt: skip
    done: dict[tuple[int, int], IsingRun] = {}
    if workers == 1:
        for key, (one, path) in jobs.items():
            done[key] = train_phase_classifier(one, checkpoint=path, cache=cache, cache_dir=cache_dir,
                                               progress=progress)  # fmt: skip
            if report is not None:
                report(done[key])
    else:
        order = sorted(jobs, key=lambda key: -key[0])  # the longest runs first, so none is left alone at the end
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no forked BLAS threads or locks
        pool = ProcessPoolExecutor(max_workers=min(workers, len(order)), mp_context=context)
        try:
            futures = {}
            for key in order:
                one, path = jobs[key]
                future = pool.submit(train_phase_classifier, one, checkpoint=path, cache=cache, cache_dir=cache_dir)
                futures[future] = key
            for future in as_completed(futures):
                done[futures[future]] = future.result()
                if report is not None:
                    report(done[futures[future]])
        except BaseException:  # an interrupt or a failed run: start nothing more, and do not wait for the rest
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    runs = {L: [done[L, seed] for seed in seeds] for L in sizes}
    crossings = [[run.critical_temperature for run in runs[L]] for L in sizes]
    means = [float(np.mean(values)) for values in crossings]
    errors = [float(np.std(values, ddof=1) / math.sqrt(len(values))) for values in crossings]  # (seeds,) -> SEM
    return ScalingRun(runs, extrapolate_critical_temperature(sizes, means, errors if len(seeds) > 1 else None))
