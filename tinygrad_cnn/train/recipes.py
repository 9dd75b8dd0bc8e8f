"""How each task trains: its data, its models, its default optimizer and budget, what it measures beyond loss
and accuracy, and what it draws. :mod:`tinygrad_cnn.train.tasks` names them for the command line.

* ``digits``: the bundled 8×8 digits, stratified 70/10/20 splits fixed by the seed; AdamW (lr 0.01, weight
  decay 0.05), batch 16, 40 epochs, cosine schedule. Also measured: accuracy on the test images shifted by one
  pixel (mean of the four directions), where the CNN's shared kernels pay off.
* ``mnist1d``: MNIST-1D with the paper's recipe: Adam lr 0.01, batch 100, 6,000 steps, trained on all 4,000
  training signals (no validation split), tested on the 1,000 test signals; ``shuffle_seq`` permutes the 40
  positions of every signal the same way.
* ``edges``: images of shapes and their Sobel maps; one bias-free 3×3 conv fit by mean squared error (Adam lr
  0.05, batch 32, 30 epochs). Also measured: the largest difference between the learned kernel and Sobel's.

Examples:
    >>> DIGITS.models, DIGITS.recipe.batch_size, MNIST1D.recipe.steps
    (('digits_cnn', 'digits_mlp', 'digits_mlp10x'), 16, 6000)
    >>> shift(np.arange(4.0).reshape(1, 1, 1, 4), 0, 1).tolist()     # right by one pixel, zeros come in
    [[[[0.0, 0.0, 1.0, 2.0]]]]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn
from ..conv.kernels import SOBEL_X
from ..data.dataset import Dataset, Splits
from ..data.digits import load_digits
from ..data.edges import load_edges
from ..data.mnist1d_signals import load_mnist1d
from ..optim.lr_scheduler import CosineAnnealingLR, LRScheduler
from ..optim.optimizers import Adam, AdamW, Optimizer
from . import plots
from .loop import evaluate, predict
from .metrics import History, confusion_matrix
from .plots import first_conv

__all__ = ["Recipe", "Task", "DIGITS", "MNIST1D", "EDGES", "MNIST1D_REFERENCE", "shift"]


@dataclass(frozen=True)
class Recipe:
    """A task's default training: Adam (AdamW when ``weight_decay`` > 0) at ``lr``, ``batch_size``, a budget
    of ``epochs`` or ``steps``, and optionally a cosine learning-rate schedule over the epochs."""

    lr: float
    batch_size: int
    epochs: int | None = None
    steps: int | None = None
    weight_decay: float = 0.0
    cosine: bool = False

    def optimizer(self, model: nn.Module) -> Optimizer:
        if self.weight_decay:
            return AdamW(model.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        return Adam(model.parameters(), lr=self.lr)

    def scheduler(self, optimizer: Optimizer, epochs: int) -> LRScheduler | None:
        return CosineAnnealingLR(optimizer, T_max=epochs) if self.cosine else None

    def describe(self) -> str:
        """``AdamW (weight decay 0.05), lr 0.01 (cosine), batch 16``: the budget is said where it is known."""
        optimizer = f"AdamW (weight decay {self.weight_decay})" if self.weight_decay else "Adam"
        return f"{optimizer}, lr {self.lr}{' (cosine)' if self.cosine else ''}, batch {self.batch_size}"


Extras = Callable[[nn.Module, Splits], dict[str, Any]]
Drawings = Callable[[nn.Module, Splits, History, Path, str], list[Path]]


@dataclass(frozen=True)
class Task:
    """A training task: ``load(seed, shuffle_seq)`` gives its :class:`Splits`; ``models`` are architecture
    names (the first is the default); ``extras`` measures more than loss and accuracy; ``draw`` makes its
    plots into a folder."""

    name: str
    title: str
    models: tuple[str, ...]
    recipe: Recipe
    load: Callable[[int, bool], Splits]
    extras: Extras | None = None
    draw: Drawings | None = None
    shuffle_seq: bool = False  # whether --shuffle-seq means something here
    classification: bool = True
    notes: tuple[str, ...] = field(default=())


# ---- what the tasks measure and draw --------------------------------------------------------------------------
def shift(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Images ``(N, C, H, W)`` moved by ``dy`` rows and ``dx`` columns, with zeros coming in."""
    out = np.zeros_like(x)
    h, w = x.shape[-2:]
    rows_to, rows_from = slice(max(dy, 0), h + min(dy, 0)), slice(max(-dy, 0), h + min(-dy, 0))
    cols_to, cols_from = slice(max(dx, 0), w + min(dx, 0)), slice(max(-dx, 0), w + min(-dx, 0))
    out[..., rows_to, cols_to] = x[..., rows_from, cols_from]
    return out


def _shifted_accuracy(model: nn.Module, splits: Splits) -> dict[str, Any]:
    test = splits.test
    scores = {f"{dy},{dx}": evaluate(model, Dataset(shift(test.x, dy, dx), test.y))["accuracy"]
              for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0))}  # fmt: skip
    return {"shifted_test_accuracy": float(np.mean(list(scores.values()))), "shifted_test_accuracy_by_shift": scores}


def _kernel_error(model: nn.Module, splits: Splits) -> dict[str, Any]:
    found = first_conv(model)
    if found is None:
        return {}
    kernel = found[1].weight.numpy()[0, 0]
    return {"learned_kernel": kernel.tolist(), "max_abs_error_vs_sobel": float(np.abs(kernel - SOBEL_X).max())}


def _classification_plots(model: nn.Module, splits: Splits, history: History, out: Path, label: str) -> list[Path]:
    paths = plots.plot_history(history, out / "curves", f"{label}: training curves")
    outputs = predict(model, splits.test)
    matrix = confusion_matrix(splits.test.y, outputs.argmax(axis=1), len(splits.test.classes) or None)
    paths += plots.plot_confusion(matrix, out / "confusion", splits.test.classes, f"{label}: test confusion matrix "
                                  f"({np.trace(matrix) / matrix.sum():.1%} correct)")  # fmt: skip
    if first_conv(model) is not None:
        paths += plots.plot_filters(model, out / "filters", f"{label}: learned first-layer filters")
        title = f"{label}: feature maps of test example 0 (class {splits.test.y[0]})"
        paths += plots.plot_feature_maps(model, splits.test.x[0], out / "feature_maps", title)
    return paths


def _edge_plots(model: nn.Module, splits: Splits, history: History, out: Path, label: str) -> list[Path]:
    paths = plots.plot_history(history, out / "curves", f"{label}: training curves")
    paths += plots.plot_edges(model, splits.test, out / "edges", title=f"{label}: input, Sobel's edges, learned")
    found = first_conv(model)
    if found is not None:
        paths += plots.plot_kernels(found[1].weight.numpy()[0, 0], SOBEL_X, out / "kernel", ("learned", "Sobel x"))
    return paths


# ---- the tasks -----------------------------------------------------------------------------------------------
# PyTorch 2.13, 2 threads, the paper's recipe, median of 3 seeds; and the paper's Table (plain, shuffled).
MNIST1D_REFERENCE: Mapping[str, Mapping[str, float]] = {
    "mnist1d_logistic": {"pytorch": 0.313, "paper": 0.32, "paper_shuffled": 0.32},
    "mnist1d_mlp": {"pytorch": 0.650, "paper": 0.68, "paper_shuffled": 0.68},
    "mnist1d_cnn": {"pytorch": 0.933, "paper": 0.94, "paper_shuffled": 0.56, "pytorch_seconds": 13.7},
}

DIGITS = Task(
    "digits", "handwritten digits 8×8", ("digits_cnn", "digits_mlp", "digits_mlp10x"),
    Recipe(lr=0.01, batch_size=16, epochs=40, weight_decay=0.05, cosine=True),
    lambda seed, shuffle_seq: load_digits(seed),
    extras=_shifted_accuracy, draw=_classification_plots,
)  # fmt: skip

MNIST1D = Task(
    "mnist1d", "MNIST-1D", ("mnist1d_cnn", "mnist1d_mlp", "mnist1d_logistic"),
    Recipe(lr=0.01, batch_size=100, steps=6000),
    lambda seed, shuffle_seq: load_mnist1d(seed, shuffle_seq=shuffle_seq, val_fraction=0.0),
    draw=_classification_plots, shuffle_seq=True,
    notes=("The paper trains on all 4,000 training signals, so there is no validation split.",),
)  # fmt: skip

EDGES = Task(
    "edges", "edge detection", ("edges_conv",),
    Recipe(lr=0.05, batch_size=32, epochs=30),
    lambda seed, shuffle_seq: load_edges(seed),
    extras=_kernel_error, draw=_edge_plots, classification=False,
)  # fmt: skip


def epochs_for(recipe_steps: int, batches_per_epoch: int) -> int:
    """The number of (possibly partial) epochs a step budget spans."""
    return math.ceil(recipe_steps / batches_per_epoch)
