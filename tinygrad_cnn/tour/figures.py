"""The tour's own pictures (the training pictures come from :mod:`tinygrad_cnn.train.plots`): a Sobel filter
at work, MNIST-1D signals with and without their positions shuffled, and Ising observables against exact results.

Each function draws with Matplotlib's object API (no global state, no display) and writes one PNG.

Examples:
    >>> import tempfile, pathlib
    >>> image = np.zeros((8, 8)); image[:, 4:] = 1
    >>> path = sobel_figure(image, {"Sobel x": image, "Sobel y": image}, pathlib.Path(tempfile.mkdtemp()) / "s.png")
    >>> path.stat().st_size > 1000
    True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..files import atomic_open

__all__ = ["sobel_figure", "signals_figure", "ising_observables_figure", "save_png"]

DIVERGING = "RdBu_r"


def save_png(figure: Figure, path: Path) -> Path:
    """Write ``figure`` to ``path`` as PNG (atomically) and return the path."""
    with atomic_open(path, "wb") as f:
        figure.savefig(f, format="png", dpi=110, bbox_inches="tight")
    return path


def sobel_figure(image: np.ndarray, responses: Mapping[str, np.ndarray], path: Path) -> Path:
    """An image and what each named kernel makes of it (one diverging colour scale per response)."""
    figure = Figure(figsize=(2.6 * (1 + len(responses)), 2.8))
    axes = figure.subplots(1, 1 + len(responses))
    axes[0].imshow(image, cmap="gray")
    axes[0].set_title("input", fontsize=9)
    for axis, (name, response) in zip(axes[1:], responses.items()):
        bound = float(np.abs(response).max()) or 1.0
        axis.imshow(response, cmap=DIVERGING, vmin=-bound, vmax=bound)
        axis.set_title(name, fontsize=9)
    for axis in axes:
        axis.set_xticks([])
        axis.set_yticks([])
    return save_png(figure, path)


def signals_figure(signals: np.ndarray, shuffled: np.ndarray, labels: Sequence[int], path: Path) -> Path:
    """MNIST-1D signals (``(n, 40)``) on top, the same signals with their positions shuffled below."""
    count = len(signals)
    figure = Figure(figsize=(1.9 * count, 3.6))
    axes = figure.subplots(2, count, squeeze=False, sharey=True)
    for column in range(count):
        for row, (values, name) in enumerate(((signals, "signal"), (shuffled, "shuffled"))):
            axis = axes[row, column]
            axis.plot(values[column], lw=1.2, color="C0" if row == 0 else "C3")
            axis.set_xticks([])
            axis.tick_params(labelsize=6)
            if column == 0:
                axis.set_ylabel(name, fontsize=8)
        axes[0, column].set_title(f"digit {labels[column]}", fontsize=9)
    return save_png(figure, path)


def ising_observables_figure(temperatures: np.ndarray, curves: Mapping[str, Mapping[str, np.ndarray]],
                             critical: float, path: Path) -> Path:  # fmt: skip
    """Panels of measured points (mean ± error) against exact lines, with T_c marked.

    ``curves`` maps a panel's y label to ``{"mean", "error", "exact", "exact_T", "exact_label"}`` arrays.
    """
    figure = Figure(figsize=(4.4 * len(curves), 3.3))
    axes = figure.subplots(1, len(curves), squeeze=False)[0]
    for axis, (label, curve) in zip(axes, curves.items()):
        axis.errorbar(temperatures, curve["mean"], yerr=curve["error"], fmt="o", ms=3, capsize=2,
                      label="Monte Carlo (this run)")  # fmt: skip
        axis.plot(curve["exact_T"], curve["exact"], "-", lw=1.2, label=str(curve["exact_label"]))
        axis.axvline(critical, color="gray", ls=":", lw=1, label=f"T_c = {critical:.4f}")
        axis.set_xlabel("temperature T")
        axis.set_ylabel(label)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7)
    return save_png(figure, path)
