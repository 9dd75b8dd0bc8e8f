"""A dataset is a pair of NumPy arrays: inputs ``x`` and targets ``y``, plus a name and class names.

Inputs are float32 in PyTorch's layout, ``(N, C, L)`` for signals and ``(N, C, H, W)`` for images; targets
are int64 class indices ``(N,)`` for classification or float32 arrays for regression. :class:`Splits`
holds the fixed train / validation / test parts of one task.

Examples:
    >>> import numpy as np
    >>> data = Dataset(np.zeros((4, 1, 8, 8), np.float32), np.array([0, 1, 0, 1]), name="toy")
    >>> len(data), data.x.shape, data.y.dtype
    (4, (4, 1, 8, 8), dtype('int64'))
    >>> x, y = data                     # unpacks like a pair
    >>> data.subset([0, 2]).y.tolist()
    [0, 0]
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Dataset", "Splits"]


@dataclass(frozen=True)
class Dataset:
    """Inputs ``x`` (float32, N first) and targets ``y`` (N first); ``classes`` names the labels."""

    x: np.ndarray
    y: np.ndarray
    name: str = ""
    classes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        x, y = np.asarray(self.x), np.asarray(self.y)
        if x.ndim < 1 or y.ndim < 1:
            raise ValueError(f"Dataset {self.name!r}: x and y need a sample axis, got shapes {x.shape}, {y.shape}")
        if len(x) != len(y):
            raise ValueError(f"Dataset {self.name!r}: x has {len(x)} samples but y has {len(y)}")
        if x.dtype.kind == "f" and x.dtype != np.float32:
            x = x.astype(np.float32)
        if y.dtype.kind in "iu" and y.dtype != np.int64:
            y = y.astype(np.int64)
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "classes", tuple(self.classes))

    def __len__(self) -> int:
        return len(self.x)

    def __iter__(self) -> Iterator[np.ndarray]:
        yield self.x
        yield self.y

    def subset(self, indices: Sequence[int] | np.ndarray) -> Dataset:
        """The samples at ``indices``, in that order."""
        indices = np.asarray(indices, dtype=np.int64)
        return Dataset(self.x[indices], self.y[indices], self.name, self.classes)


@dataclass(frozen=True)
class Splits:
    """The fixed parts of one task: ``train`` to fit, ``val`` to choose (early stopping), ``test`` to report."""

    train: Dataset
    val: Dataset
    test: Dataset
