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
    """Rows and columns for ``count`` panels: at most 8 a row, the rows evenly filled."""
    rows = math.ceil(count / 8)
    return rows, math.ceil(count / rows)


def plot_filters(model: nn.Module, stem: PathLike, title: str = "") -> list[Path]:
    """The kernels of the first convolution on one shared colour scale, so strengths compare: an image per
    filter for 2-D kernels (input channel 0), one row per filter of a single image for 1-D kernels."""
    found = first_conv(model)
    if found is None:
        raise ValueError(f"plot_filters: {type(model).__name__} has no Conv1d or Conv2d layer")
    weight = found[1].weight.numpy()  # (C_out, C_in, *kernel)
    bound = float(np.abs(weight).max()) or 1.0
    channels = weight.shape[1]
    note = f" (input channel 0 of {channels})" if channels > 1 else ""
    if weight.ndim == 3:  # 1-D kernels: filters as rows
        figure = Figure(figsize=(0.5 * weight.shape[2] + 2.5, 0.22 * len(weight) + 1.2))
        axis = figure.subplots()
        image = axis.imshow(weight[:, 0], cmap=DIVERGING, vmin=-bound, vmax=bound, aspect="auto")
        axis.set_xlabel("tap")
        axis.set_ylabel("filter")
        axis.set_xticks(range(weight.shape[2]))
        figure.colorbar(image, ax=axis)
    else:
        rows, cols = _grid(len(weight))
        figure = Figure(figsize=(1.5 * cols + 0.8, 1.5 * rows + 0.6))
        axes = figure.subplots(rows, cols, squeeze=False)
        for number, axis in enumerate(axes.flat):
            axis.set_xticks([])
            axis.set_yticks([])
            if number >= len(weight):
                axis.axis("off")
                continue
            image = axis.imshow(weight[number, 0], cmap=DIVERGING, vmin=-bound, vmax=bound)
            axis.set_title(f"filter {number}", fontsize=8)
        figure.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8)
    figure.suptitle(title or f"learned first-layer filters{note}")
    return _save(figure, stem)


def plot_feature_maps(model: nn.Module, example: np.ndarray, stem: PathLike, title: str = "") -> list[Path]:
    """One example (``(C, H, W)`` or ``(C, L)``) and what the first convolution (with the activation after
    it) makes of it: an image per map for images; for signals the input as a curve above the maps as rows."""
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
    maps, signal = x.numpy()[0], np.asarray(example)[0]  # (C_out, ...), the input's channel 0
    if maps.ndim == 2:
        figure = Figure(figsize=(7, 0.15 * len(maps) + 3))
        top, bottom = figure.subplots(2, 1, height_ratios=(1, 2.5))
        top.plot(signal, lw=1.2)
        top.set_xlim(-0.5, len(signal) - 0.5)
        top.set_title("input", fontsize=9)
        image = bottom.imshow(maps, aspect="auto", cmap="viridis")
        bottom.set_xlabel("output position")
        bottom.set_ylabel("map")
        figure.colorbar(image, ax=bottom)
    else:
        rows, cols = _grid(len(maps) + 1)
        figure = Figure(figsize=(1.7 * cols + 0.4, 1.6 * rows + 0.6))
        axes = figure.subplots(rows, cols, squeeze=False)
        panels = [("input", signal)] + [(f"map {i}", m) for i, m in enumerate(maps)]
        for number, axis in enumerate(axes.flat):
            axis.set_xticks([])
            axis.set_yticks([])
            if number >= len(panels):
                axis.axis("off")
                continue
            axis.imshow(panels[number][1], cmap="gray" if number == 0 else "viridis")
            axis.set_title(panels[number][0], fontsize=8)
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
    figure.suptitle(title or f"learned kernel vs {names[1]}: max |difference| = {error:.2g}")
    return _save(figure, stem)
