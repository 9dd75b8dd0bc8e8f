"""Batches of a :class:`~tinygrad_cnn.data.Dataset` as Tensors, shuffled by seed.

Each pass over a :class:`DataLoader` yields ``(x, y)`` pairs of Tensors: ``x`` float32 in PyTorch's layout
``(B, C, L)`` or ``(B, C, H, W)``, ``y`` int64 class indices ``(B,)`` (or float32 regression targets). With
``shuffle=True`` the order of epoch ``e`` is a permutation drawn from a generator seeded by ``(seed, e)``
alone, so it does not depend on what ran before: a run resumed at epoch ``e`` (``set_epoch(e)``) sees the
batches the uninterrupted run saw. Each pass uses the next epoch's order, as PyTorch's loader reshuffles on
every pass.

Examples:
    >>> import numpy as np
    >>> from tinygrad_cnn.data import Dataset
    >>> data = Dataset(np.arange(10, dtype=np.float32).reshape(10, 1, 1), np.arange(10))
    >>> loader = DataLoader(data, batch_size=4)
    >>> len(loader), [y.tolist() for _, y in loader]
    (3, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
    >>> shuffled = DataLoader(data, batch_size=4, shuffle=True, seed=1, drop_last=True)
    >>> first = [y.tolist() for _, y in shuffled]       # epoch 0
    >>> second = [y.tolist() for _, y in shuffled]      # epoch 1: another order
    >>> shuffled.set_epoch(0)
    >>> [y.tolist() for _, y in shuffled] == first, first == second, len(shuffled)
    (True, False, 2)
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..engine.tensor import Tensor
from .dataset import Dataset

__all__ = ["DataLoader"]


def _count(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"DataLoader: {name} must be an integer ≥ {low}, got {value!r}")
    return int(value)


class DataLoader:
    """Batches of ``dataset`` (``batch_size`` samples each; the last one smaller unless ``drop_last``).

    Args:
        dataset: a :class:`~tinygrad_cnn.data.Dataset` (or anything with array attributes ``x`` and ``y``).
        batch_size: samples per batch.
        shuffle: draw a new order every epoch from ``(seed, epoch)``; otherwise the dataset's order.
        seed: the shuffling seed.
        drop_last: leave out the last batch when it would be smaller than ``batch_size``.
    """

    def __init__(self, dataset: Dataset, batch_size: int, shuffle: bool = False, seed: int = 0,
                 drop_last: bool = False) -> None:  # fmt: skip
        if not isinstance(dataset, Dataset):
            if not (hasattr(dataset, "x") and hasattr(dataset, "y")):
                raise TypeError(f"DataLoader: dataset must be a Dataset, got {type(dataset).__name__}")
            dataset = Dataset(np.asarray(dataset.x), np.asarray(dataset.y))
        self.dataset = dataset
        self.batch_size = _count("batch_size", batch_size, 1)
        self.seed = _count("seed", seed, 0)
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.epoch, self.start = 0, 0

    def __len__(self) -> int:
        """The number of batches in one epoch."""
        full, rest = divmod(len(self.dataset), self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def set_epoch(self, epoch: int, batch: int = 0) -> None:
        """Make the next pass use epoch ``epoch``'s order, starting at batch number ``batch`` (to resume an
        epoch part way through)."""
        self.epoch = _count("epoch", epoch, 0)
        self.start = _count("batch", batch, 0)
        if self.start > len(self):
            raise ValueError(f"DataLoader: batch {batch} is past the {len(self)} batches of an epoch")

    def order(self, epoch: int) -> np.ndarray:
        """The sample indices of epoch ``epoch``, in the order they are served."""
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return np.random.default_rng([self.seed, _count("epoch", epoch, 0)]).permutation(n)

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        epoch, start = self.epoch, self.start
        self.epoch, self.start = epoch + 1, 0
        return self._batches(epoch, start)

    def _batches(self, epoch: int, start: int) -> Iterator[tuple[Tensor, Tensor]]:
        order, x, y = self.order(epoch), self.dataset.x, self.dataset.y
        for number in range(start, len(self)):
            indices = order[number * self.batch_size : (number + 1) * self.batch_size]
            yield Tensor(x[indices]), Tensor(y[indices])  # (B, C, *spatial), (B,) or (B, *target)

    def state_dict(self) -> dict[str, int | bool]:
        """What fixes the order of every epoch: enough to check that a resumed run batches alike."""
        return {"batch_size": self.batch_size, "shuffle": self.shuffle, "seed": self.seed,
                "drop_last": self.drop_last, "samples": len(self.dataset)}  # fmt: skip

    def __repr__(self) -> str:
        return (f"DataLoader({len(self.dataset)} samples, batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"seed={self.seed}, drop_last={self.drop_last})")  # fmt: skip
