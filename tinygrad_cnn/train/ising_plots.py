"""Pictures of the Ising phase classifier (PNG and SVG, Matplotlib's Agg renderer, written atomically):
sample configurations at low / critical / high temperature, P(ordered) against T with the estimate and
Onsager's T_c, the CNN's learned 3×3 filters with what each one votes for, and the finite-size fit.

Every function takes a path *stem* and writes ``stem.png`` and ``stem.svg``, returning both paths.

Examples:
    >>> import tempfile, pathlib
    >>> from tinygrad_cnn.train.ising import extrapolate_critical_temperature
    >>> fit = extrapolate_critical_temperature([16, 24, 32], [2.31, 2.295, 2.289])
    >>> paths = plot_finite_size_scaling(fit, pathlib.Path(tempfile.mkdtemp()) / "fss")
    >>> [p.suffix for p in paths], all(p.stat().st_size > 1000 for p in paths)
    (['.png', '.svg'], True)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .. import nn
from ..data.ising import IsingDataset
from ..data.ising_exact import CRITICAL_TEMPERATURE
from .ising import FAR_FROM_CRITICAL, IsingRun, ScalingFit
from .plots import DIVERGING, first_conv
from .plots import _save as save_figure

__all__ = ["plot_configurations", "plot_phase_curve", "plot_ising_filters", "plot_finite_size_scaling"]

PathLike = str | Path
SPINS = "gray"  # spin up white, spin down black


def plot_configurations(data: IsingDataset, stem: PathLike, temperatures: Sequence[float] | None = None,
                        per_temperature: int = 2) -> list[Path]:  # fmt: skip
    """``per_temperature`` configurations at each of ``temperatures`` (default: the data's lowest, the one
    nearest T_c, and its highest), with each one's energy and magnetisation per spin."""
    available = data.temperatures
    if temperatures is None:
        nearest = available[np.argmin(np.abs(available - CRITICAL_TEMPERATURE))]
        temperatures = [available.min(), nearest, available.max()]
    chosen = [available[np.argmin(np.abs(available - t))] for t in temperatures]
    figure = Figure(figsize=(2.1 * len(chosen), 2.3 * per_temperature + 0.5))
    axes = figure.subplots(per_temperature, len(chosen), squeeze=False)
    for column, t in enumerate(chosen):
        indices = np.flatnonzero(data.temperature == t)[:per_temperature]
        for row in range(per_temperature):
            axis = axes[row, column]
            axis.set_xticks([])
            axis.set_yticks([])
            if row >= len(indices):
                axis.axis("off")
                continue
            i = indices[row]
            axis.imshow(data.x[i, 0], cmap=SPINS, vmin=-1, vmax=1, interpolation="nearest")
            phase = "ordered" if t < CRITICAL_TEMPERATURE else "disordered"
            title = f"T = {t:.3f} ({phase})\n" if row == 0 else ""
            axis.set_title(f"{title}E/N = {data.energy[i]:.2f}, m = {data.magnetization[i]:+.2f}", fontsize=8)
    figure.suptitle(f"{data.L}×{data.L} Ising configurations (white +1, black −1; T_c = {CRITICAL_TEMPERATURE:.4f})")
    return save_figure(figure, stem)


def plot_phase_curve(runs: IsingRun | Sequence[IsingRun], stem: PathLike, title: str = "") -> list[Path]:
    """P(ordered) = 1 − P(disordered) against T for one run or several (e.g. the lattice sizes), with error
    bars from the spread between Markov chains, each run's T_c estimate (dotted) and Onsager's (solid)."""
    runs = [runs] if isinstance(runs, IsingRun) else list(runs)
    figure = Figure(figsize=(6.4, 4.2))
    axis = figure.subplots()
    for run, colour in zip(runs, _colours(len(runs))):
        r = run.recipe
        label = (f"{r.model.upper()}, L = {r.L}, seed {r.seed}: T_c ≈ {run.critical_temperature:.4f} "
                 f"({100 * run.relative_error:+.2f} %)")  # fmt: skip
        axis.errorbar(run.temperatures, 1 - run.p_disordered, yerr=run.p_error, fmt="o-", ms=3, lw=1, capsize=2,
                      color=colour, label=label)  # fmt: skip
        axis.axvline(run.critical_temperature, color=colour, ls=":", lw=1.2)
    axis.axvline(CRITICAL_TEMPERATURE, color="k", lw=1.2, label=f"Onsager T_c = {CRITICAL_TEMPERATURE:.4f}")
    axis.axhline(0.5, color="0.5", lw=0.8, ls="--")
    for side in (-1, 1):
        axis.axvspan(*sorted((CRITICAL_TEMPERATURE + side * FAR_FROM_CRITICAL, CRITICAL_TEMPERATURE)),
                     color="0.93", zorder=0)  # fmt: skip
    axis.set_xlabel("temperature T (J / k_B)")
    axis.set_ylabel("P(ordered), mean over test configurations")
    axis.set_ylim(-0.03, 1.03)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=7, loc="lower left")
    axis.set_title(title or "where the classifier's output crosses ½ estimates T_c (shaded: near T_c)", fontsize=9)
    return save_figure(figure, stem)


def plot_ising_filters(model: nn.Module, stem: PathLike, title: str = "") -> list[Path]:
    """The CNN's 3×3 kernels on one colour scale, each titled with its bias and its vote: the last linear
    layer's weight to 'disordered' minus to 'ordered' (positive: this map's average says 'hot')."""
    found = first_conv(model)
    if found is None:
        raise ValueError(f"plot_ising_filters: {type(model).__name__} has no convolution (the MLP has no filters)")
    conv = found[1]
    weight = conv.weight.numpy()[:, 0]  # (C_out, 1, 3, 3) -> (C_out, 3, 3)
    bias = conv.bias.numpy() if conv.bias is not None else np.zeros(len(weight))
    linear = [m for m in model.modules() if isinstance(m, nn.Linear)]
    votes = None
    if linear and linear[-1].weight.shape == (2, len(weight)):
        w = linear[-1].weight.numpy()
        votes = w[1] - w[0]
    cols = min(len(weight), 4)
    rows = -(-len(weight) // cols)
    figure = Figure(figsize=(2.0 * cols + 0.9, 2.1 * rows + 0.6))
    axes = figure.subplots(rows, cols, squeeze=False)
    bound = float(np.abs(weight).max()) or 1.0
    image = None
    for number, axis in enumerate(axes.flat):
        axis.set_xticks([])
        axis.set_yticks([])
        if number >= len(weight):
            axis.axis("off")
            continue
        image = axis.imshow(weight[number], cmap=DIVERGING, vmin=-bound, vmax=bound)
        vote = "" if votes is None else f", vote {votes[number]:+.2f}"
        axis.set_title(f"map {number}\nb = {bias[number]:+.2f}{vote}", fontsize=7)
    if image is not None:
        figure.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8)
    figure.suptitle(title or "learned 3×3 filters (vote > 0: the map's average says disordered)", fontsize=9)
    return save_figure(figure, stem)


def plot_finite_size_scaling(fit: ScalingFit, stem: PathLike, spread: Sequence[Sequence[float]] | None = None,
                             title: str = "") -> list[Path]:  # fmt: skip
    """The crossings T_c(L) against 1/L, the fitted line extended to 1/L = 0, and Onsager's T_c there;
    ``spread`` (per size, the crossings of each seed) adds the single runs as small points."""
    x = 1.0 / np.asarray(fit.sizes, dtype=np.float64)
    figure = Figure(figsize=(6.0, 4.0))
    axis = figure.subplots()
    if spread is not None:
        for i, (xi, values) in enumerate(zip(x, spread)):
            axis.plot([xi] * len(values), values, ".", color="0.6", ms=5, label=None if i else "one seed's crossing")
    mean = "crossing T_c(L)" if spread is None or max(map(len, spread)) < 2 else "mean crossing T_c(L) ± s.e."
    axis.errorbar(x, fit.temperatures, yerr=fit.errors, fmt="o", color="C0", ms=7, capsize=3, label=mean)
    for xi, L in zip(x, fit.sizes):
        axis.annotate(f"L = {L}", (xi, fit(L)), textcoords="offset points", xytext=(4, -12), fontsize=8)
    line = np.linspace(0, x.max() * 1.08, 50)
    spread_of_intercept = "" if fit.intercept_error is None else f" ± {fit.intercept_error:.4f}"
    if fit.intercept_error is not None and fit.errors is None:
        spread_of_intercept += " (residuals)"
    axis.plot(line, fit.intercept + fit.slope * line, "-", color="C0", lw=1,
              label=f"fit: T_c(∞) = {fit.intercept:.4f}{spread_of_intercept}, slope {fit.slope:+.3f}")
    axis.plot([0], [CRITICAL_TEMPERATURE], "k*", ms=11, label=f"Onsager T_c = {CRITICAL_TEMPERATURE:.4f}")
    error = 100 * (fit.intercept / CRITICAL_TEMPERATURE - 1)
    axis.set_xlabel("1 / L")
    axis.set_ylabel("T_c estimate")
    axis.set_xlim(-0.002, x.max() * 1.1)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    axis.set_title(title or f"finite-size scaling: extrapolated T_c is {error:+.2f} % from Onsager's", fontsize=9)
    return save_figure(figure, stem)


def _colours(count: int) -> list[str]:
    return [f"C{i % 10}" for i in range(count)]
