"""Pictures of a training run, as PNG and SVG (Matplotlib's Agg renderer, no display needed, written
atomically): loss and accuracy curves, the first layer's learned filters, the feature maps of one example,
the confusion matrix; for edge detection, input / true edges / learned output, and the learned kernel next
to Sobel's.

Every function takes a path *stem* and writes ``stem.png`` and ``stem.svg``, returning both paths.

Examples:
    >>> import tempfile, pathlib
    >>> from tinygrad_cnn.train.metrics import History
    >>> history = History()
    >>> for epoch, loss in enumerate([1.0, 0.6, 0.4]):
    ...     history.append(epoch=epoch, train_loss=loss, val_loss=loss + 0.1)
    >>> paths = plot_history(history, pathlib.Path(tempfile.mkdtemp()) / "curves")
    >>> [p.suffix for p in paths], all(p.stat().st_size > 1000 for p in paths)
    (['.png', '.svg'], True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .. import nn
from ..data.dataset import Dataset
from ..engine.autograd import no_grad
from ..engine.tensor import Tensor
from ..files import atomic_open
from .metrics import History

__all__ = ["plot_history", "plot_filters", "plot_feature_maps", "plot_confusion", "plot_edges", "plot_kernels",
           "first_conv", "FORMATS"]  # fmt: skip

FORMATS = ("png", "svg")
PathLike = str | Path
DIVERGING = "RdBu_r"  # weights: red positive, blue negative, white zero


def _save(figure: Figure, stem: PathLike) -> list[Path]:
    stem = Path(stem)
    paths = []
    for fmt in FORMATS:
        path = stem.with_name(f"{stem.name}.{fmt}")
        with atomic_open(path, "wb") as f:
            figure.savefig(f, format=fmt, dpi=110, bbox_inches="tight")
        paths.append(path)
    return paths


# ---- curves and confusion ----------------------------------------------------------------------------------
def plot_history(history: History, stem: PathLike, title: str = "") -> list[Path]:
    """Loss (train and validation) and, when there is one, accuracy, per epoch."""
    epochs = [record["epoch"] + 1 for record in history.records]
    has_accuracy = any(v is not None for v in history.column("train_accuracy") + history.column("val_accuracy"))
    figure = Figure(figsize=(9 if has_accuracy else 4.8, 3.4))
    panels = figure.subplots(1, 2 if has_accuracy else 1, squeeze=False)[0]
    for axis, metric in zip(panels, ("loss", "accuracy")):
        for split, style in (("train", "-"), ("val", "--")):
            values = history.column(f"{split}_{metric}")
            points = [(e, v) for e, v in zip(epochs, values) if v is not None]
            if points:
                axis.plot(*zip(*points), style, marker="o" if len(points) < 30 else None, ms=3, label=split)
        axis.set_xlabel("epoch")
        axis.set_ylabel(metric)
        if metric == "loss" and all(v is None or v > 0 for v in history.column("train_loss")):
            axis.set_yscale("log")
        axis.grid(alpha=0.3)
        axis.legend()
    figure.suptitle(title or "training curves")
    return _save(figure, stem)


def plot_confusion(matrix: np.ndarray, stem: PathLike, classes: Sequence[str] = (), title: str = "") -> list[Path]:
    """The confusion matrix as a heat map with the counts written in (rows: true class, columns: predicted)."""
    matrix = np.asarray(matrix)
    k = len(matrix)
    classes = list(classes) or [str(i) for i in range(k)]
    figure = Figure(figsize=(0.45 * k + 2.2, 0.45 * k + 1.6))
    axis = figure.subplots()
    image = axis.imshow(matrix, cmap="Blues")
    for (row, col), count in np.ndenumerate(matrix):
        if count:
            axis.text(col, row, str(count), ha="center", va="center", fontsize=8,
                      color="white" if count > matrix.max() / 2 else "black")  # fmt: skip
    axis.set_xticks(range(k), classes)
    axis.set_yticks(range(k), classes)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    correct = np.trace(matrix) / max(matrix.sum(), 1)
    axis.set_title(title or f"confusion matrix ({correct:.1%} correct)")
    figure.colorbar(image, ax=axis, shrink=0.8)
    return _save(figure, stem)


# ---- what the first layer learned ----------------------------------------------------------------------------
def first_conv(model: nn.Module) -> tuple[int, nn.Module] | None:
    """The position (in ``model``'s chain of layers) and the module of its first convolution, or ``None``."""
    for index, module in enumerate(_chain(model)):
        if isinstance(module, (nn.Conv1d, nn.Conv2d)):
            return index, module
    return None


def _chain(model: nn.Module) -> list[nn.Module]:
    """The leaf layers of ``model`` in order (nested Sequentials flattened; any other module is one layer)."""
    layers, stack = [], [model]
    while stack:
        module = stack.pop()
        if isinstance(module, nn.Sequential):
            stack.extend(reversed(list(module)))
        else:
            layers.append(module)
    return layers


def _grid(count: int) -> tuple[int, int]:
    cols = min(count, 8)
    return math.ceil(count / cols), cols


def plot_filters(model: nn.Module, stem: PathLike, title: str = "") -> list[Path]:
    """The kernels of the first convolution: images for 2-D kernels (one per output map, input channel 0),
    stem plots for 1-D ones; one shared colour scale, so strengths compare."""
    found = first_conv(model)
    if found is None:
        raise ValueError(f"plot_filters: {type(model).__name__} has no Conv1d or Conv2d layer")
    weight = found[1].weight.numpy()  # (C_out, C_in, *kernel)
    rows, cols = _grid(len(weight))
    figure = Figure(figsize=(1.5 * cols + 0.8, 1.5 * rows + 0.6))
    axes = figure.subplots(rows, cols, squeeze=False)
    bound = float(np.abs(weight).max()) or 1.0
    image = None
    for number, axis in enumerate(axes.flat):
        if number >= len(weight):
            axis.axis("off")
            continue
        kernel = weight[number, 0]
        if kernel.ndim == 2:
            image = axis.imshow(kernel, cmap=DIVERGING, vmin=-bound, vmax=bound)
            axis.set_xticks([])
            axis.set_yticks([])
        else:
            axis.stem(np.arange(len(kernel)), kernel, basefmt="k-")
            axis.set_ylim(-bound * 1.1, bound * 1.1)
            axis.set_xticks(range(len(kernel)))
            axis.tick_params(labelsize=6)
        axis.set_title(f"filter {number}", fontsize=8)
    if image is not None:
        figure.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8)
    channels = weight.shape[1]
    note = f" (input channel 0 of {channels})" if channels > 1 else ""
    figure.suptitle(title or f"learned first-layer filters{note}")
    return _save(figure, stem)


def plot_feature_maps(model: nn.Module, example: np.ndarray, stem: PathLike, title: str = "") -> list[Path]:
    """One example (``(C, H, W)`` or ``(C, L)``) and what the first convolution (with the activation after
    it) makes of it: one map per filter."""
    found = first_conv(model)
    if found is None:
        raise ValueError(f"plot_feature_maps: {type(model).__name__} has no Conv1d or Conv2d layer")
    layers = _chain(model)
    index = found[0]
    if index + 1 < len(layers) and isinstance(layers[index + 1], (nn.ReLU, nn.Tanh, nn.Sigmoid)):
        index += 1
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            x = Tensor(np.asarray(example, dtype=np.float32)[None])  # (C, ...) -> (1, C, ...)
            for layer in layers[: index + 1]:
                x = layer(x)
    finally:
        model.train(was_training)
    maps = x.numpy()[0]  # (C_out, ...)
    rows, cols = _grid(len(maps) + 1)
    figure = Figure(figsize=(1.7 * cols + 0.4, 1.6 * rows + 0.6))
    axes = figure.subplots(rows, cols, squeeze=False)
    panels = [("input", np.asarray(example)[0])] + [(f"map {i}", m) for i, m in enumerate(maps)]
    for number, axis in enumerate(axes.flat):
        if number >= len(panels):
            axis.axis("off")
            continue
        name, values = panels[number]
        if values.ndim == 2:
            axis.imshow(values, cmap="gray" if number == 0 else "viridis")
            axis.set_xticks([])
            axis.set_yticks([])
        else:
            axis.plot(values, lw=1)
            axis.tick_params(labelsize=6)
        axis.set_title(name, fontsize=8)
    figure.suptitle(title or f"feature maps of one example after {type(layers[index]).__name__}")
    return _save(figure, stem)


# ---- edges -------------------------------------------------------------------------------------------------------
def plot_edges(model: nn.Module, data: Dataset, stem: PathLike, count: int = 3, title: str = "") -> list[Path]:
    """For ``count`` examples: the input, the true edge map, and the model's output, on one colour scale
    per row."""
    count = min(count, len(data))
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            outputs = model(Tensor(data.x[:count])).numpy()
    finally:
        model.train(was_training)
    figure = Figure(figsize=(7.5, 2.4 * count + 0.4))
    axes = figure.subplots(count, 3, squeeze=False)
    for row in range(count):
        bound = float(np.abs(data.y[row, 0]).max()) or 1.0
        panels = [("input", data.x[row, 0], "gray", None), ("true edges (Sobel)", data.y[row, 0], DIVERGING, bound),
                  ("learned filter's output", outputs[row, 0], DIVERGING, bound)]  # fmt: skip
        for axis, (name, values, cmap, scale) in zip(axes[row], panels):
            axis.imshow(values, cmap=cmap, vmin=None if scale is None else -scale, vmax=scale)
            axis.set_xticks([])
            axis.set_yticks([])
            if row == 0:
                axis.set_title(name, fontsize=9)
    figure.suptitle(title or "edge detection: input, target, learned")
    return _save(figure, stem)


def plot_kernels(learned: np.ndarray, reference: np.ndarray, stem: PathLike, names: Sequence[str] = ("learned",
                 "Sobel"), title: str = "") -> list[Path]:  # fmt: skip
    """Two kernels side by side with their values written in, and their largest difference."""
    learned, reference = np.asarray(learned, dtype=float), np.asarray(reference, dtype=float)
    bound = float(max(np.abs(learned).max(), np.abs(reference).max())) or 1.0
    figure = Figure(figsize=(7, 3.4))
    axes = figure.subplots(1, 2)
    for axis, kernel, name in zip(axes, (learned, reference), names):
        image = axis.imshow(kernel, cmap=DIVERGING, vmin=-bound, vmax=bound)
        for (row, col), value in np.ndenumerate(kernel):
            axis.text(col, row, f"{value:+.3f}", ha="center", va="center", fontsize=9)
        axis.set_xticks([])
        axis.set_yticks([])
        axis.set_title(name)
    figure.colorbar(image, ax=list(axes), shrink=0.8)
    error = float(np.abs(learned - reference).max())
    figure.suptitle(title or f"learned kernel vs {names[1]}: max |difference| = {error:.4f}")
    return _save(figure, stem)
