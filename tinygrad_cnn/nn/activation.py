"""Elementwise nonlinearities and softmax as layers (no parameters).

Examples:
    >>> from tinygrad_cnn import Tensor
    >>> ReLU()(Tensor([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    >>> Softmax(dim=1)
    Softmax(dim=1)
"""

from __future__ import annotations

from ..engine.tensor import Tensor
from .module import Module

__all__ = ["ReLU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax"]


class ReLU(Module):
    """``max(x, 0)``."""

    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


class Tanh(Module):
    """``tanh(x)``."""

    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()


class Sigmoid(Module):
    """``1 / (1 + exp(-x))``."""

    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()


class Softmax(Module):
    """``exp(x_i) / Σ_j exp(x_j)`` along ``dim`` (computed stably, via log-softmax)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return x.softmax(self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """``x_i − log Σ_j exp(x_j)`` along ``dim``."""

    def forward(self, x: Tensor) -> Tensor:
        return x.log_softmax(self.dim)
