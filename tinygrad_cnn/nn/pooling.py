"""Pooling layers: a fixed reduction (max or mean) over each window, with no parameters.

Examples:
    >>> from tinygrad_cnn import Tensor
    >>> MaxPool2d(2)
    MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    >>> MaxPool2d(2)(Tensor([[[[1.0, 2.0], [3.0, 4.0]]]])).tolist()
    [[[[4.0]]]]
"""

from __future__ import annotations

from ..conv.geometry import Window, WindowAttributes, compact
from ..conv.pooling import windowed_avg_pool, windowed_max_pool
from ..engine.args import int_tuple
from ..engine.tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d"]

IntOrTuple = int | tuple[int, ...]


class _Pool(WindowAttributes, Module):
    """What pooling layers share: a :class:`~tinygrad_cnn.conv.geometry.Window` checked once, when the layer
    is built, and PyTorch's attribute names read from it."""

    dims = 0  # number of spatial dims, set by each subclass


class _MaxPool(_Pool):
    def __init__(
        self,
        kernel_size: IntOrTuple,
        stride: IntOrTuple | None = None,
        padding: IntOrTuple = 0,
        dilation: IntOrTuple = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.window = Window.pool(type(self).__name__, self.dims, kernel_size, stride, padding, dilation, ceil_mode)
        self.return_indices = bool(return_indices)  # PyTorch's argument order: return_indices before ceil_mode

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return windowed_max_pool(x, self.window, self.return_indices)

    def extra_repr(self) -> str:
        k, s, p, d = (compact(v) for v in (self.kernel_size, self.stride, self.padding, self.dilation))
        return f"kernel_size={k}, stride={s}, padding={p}, dilation={d}, ceil_mode={self.ceil_mode}"  # as PyTorch


class MaxPool1d(_MaxPool):
    """The largest value in each window of ``(N, C, L)``."""

    dims = 1


class MaxPool2d(_MaxPool):
    """The largest value in each window of ``(N, C, H, W)``; gradient routed to the first maximum."""

    dims = 2


class MaxPool3d(_MaxPool):
    """The largest value in each window of ``(N, C, D, H, W)``; gradient routed to the first maximum."""

    dims = 3


class _AvgPool(_Pool):
    def __init__(
        self,
        kernel_size: IntOrTuple,
        stride: IntOrTuple | None = None,
        padding: IntOrTuple = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        self.window = Window.pool(type(self).__name__, self.dims, kernel_size, stride, padding, 1, ceil_mode,
                                  show_dilation=False)  # fmt: skip
        self.count_include_pad = bool(count_include_pad)

    def forward(self, x: Tensor) -> Tensor:
        return windowed_avg_pool(x, self.window, self.count_include_pad)

    def extra_repr(self) -> str:
        k, s, p = (compact(v) for v in (self.kernel_size, self.stride, self.padding))
        text = f"kernel_size={k}, stride={s}, padding={p}"
        if self.ceil_mode:
            text += ", ceil_mode=True"
        if not self.count_include_pad:
            text += ", count_include_pad=False"
        return text


class AvgPool1d(_AvgPool):
    """The mean of each window of ``(N, C, L)``."""

    dims = 1


class AvgPool2d(_AvgPool):
    """The mean of each window of ``(N, C, H, W)``."""

    dims = 2


class AvgPool3d(_AvgPool):
    """The mean of each window of ``(N, C, D, H, W)``."""

    dims = 3


class _AdaptiveAvgPool(Module):
    dims = 0

    def __init__(self, output_size: IntOrTuple) -> None:
        super().__init__()
        self.output_size = int_tuple(type(self).__name__, "output_size", output_size, self.dims, allow_none=True)

    def forward(self, x: Tensor) -> Tensor:
        pool = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}[self.dims]
        return pool(x, self.output_size, layer=type(self).__name__)

    def extra_repr(self) -> str:
        return f"output_size={compact(self.output_size)}"


class AdaptiveAvgPool1d(_AdaptiveAvgPool):
    """Average pooling to a fixed output length, whatever the input length."""

    dims = 1


class AdaptiveAvgPool2d(_AdaptiveAvgPool):
    """Average pooling to a fixed output size ``(OH, OW)``; ``AdaptiveAvgPool2d(1)`` is global pooling."""

    dims = 2


class AdaptiveAvgPool3d(_AdaptiveAvgPool):
    """Average pooling of ``(N, C, D, H, W)`` to a fixed output size ``(OD, OH, OW)``."""

    dims = 3
