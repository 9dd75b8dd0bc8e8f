"""Layers that reshape or mask their input: ``Flatten`` and ``Dropout`` (no parameters).

Examples:
    >>> import numpy as np
    >>> from tinygrad_cnn import Tensor
    >>> Flatten()(Tensor(np.zeros((2, 3, 4, 4)))).shape
    (2, 48)
    >>> drop = Dropout(0.5).eval()
    >>> drop(Tensor([1.0, 2.0])).tolist()            # evaluation mode: the identity
    [1.0, 2.0]
"""

from __future__ import annotations

import numpy as np

from ..engine.args import probability
from ..engine.tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["Flatten", "Dropout"]


class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` into one: ``(N, C, H, W) -> (N, C*H*W)`` by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_dim, self.end_dim)  # (N, C, H, W) -> (N, C*H*W) with the defaults

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """In training, zero each element with probability ``p`` and scale the rest by ``1/(1-p)`` (so the
    expected value is unchanged); in evaluation mode, the identity.

    ``generator`` draws the masks (default: the one :func:`tinygrad_cnn.manual_seed` seeds).
    """

    def __init__(self, p: float = 0.5, *, generator: np.random.Generator | None = None) -> None:
        super().__init__()
        self.p = probability("Dropout", "p", p)
        self.generator = generator

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"
