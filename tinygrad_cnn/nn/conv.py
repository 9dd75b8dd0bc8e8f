"""Convolution layers: a weight of shape ``(C_out, C_in / groups, *kernel)`` shared by every window.

The arithmetic lives in :mod:`tinygrad_cnn.conv.convolution`; a layer holds the weight and bias, checks its
hyperparameters once, at construction, into a frozen :class:`~tinygrad_cnn.conv.geometry.Window` whose name
(the layer's) starts every error about an input.

Examples:
    >>> import numpy as np
    >>> conv = Conv2d(3, 8, kernel_size=5, generator=np.random.default_rng(0))
    >>> conv
    Conv2d(3, 8, kernel_size=(5, 5), stride=(1, 1))  # weight (8, 3, 5, 5), bias (8,): 608 parameters
    >>> Conv2d(4, 6, 3, groups=4)
    Traceback (most recent call last):
    ...
    ValueError: Conv2d: groups=4 must divide both in_channels=4 and out_channels=6
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..conv.convolution import windowed_conv, windowed_conv_transpose
from ..conv.geometry import PADDING_MODES, Window, WindowAttributes, check_groups, check_output_padding
from ..engine.args import float_dtype, one_of, positive_int
from ..engine.tensor import Tensor
from . import init
from .module import Module, Parameter

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d"]


class _ConvNd(WindowAttributes, Module):
    """What all convolutions share: a :class:`~tinygrad_cnn.conv.geometry.Window` checked once, the weight and
    bias, PyTorch's initialisation and attribute names."""

    dims = 0  # number of spatial dims, set by each subclass
    transposed = False

    def _build(self, in_channels: int, out_channels: int, groups: int, bias: bool, dtype: Any,
               generator: np.random.Generator | None) -> None:  # fmt: skip
        """Check the channels, make the weight and bias, initialise them; ``self.window`` is already set."""
        name = type(self).__name__
        self.in_channels = positive_int(name, "in_channels", in_channels)
        self.out_channels = positive_int(name, "out_channels", out_channels)
        self.groups = check_groups(name, groups, self.in_channels, self.out_channels)
        dtype = float_dtype(name, dtype)
        if self.transposed:
            shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        else:
            shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        self.register_parameter("bias", Parameter(np.empty(self.out_channels, dtype=dtype)) if bias else None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """PyTorch's default: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

        For a transposed convolution ``fan_in`` is computed from ``weight.shape[1]`` (= C_out / groups),
        exactly as PyTorch does.
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            fan_in, _ = init.fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def extra_repr(self) -> str:
        n = self.dims
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * n:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            text += f", dilation={self.dilation}"
        if getattr(self, "output_padding", (0,) * n) != (0,) * n:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if getattr(self, "padding_mode", "zeros") != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class _Conv(_ConvNd):
    """``ConvNd(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
    bias=True, padding_mode="zeros")``: PyTorch's arguments, plus ``dtype`` and ``generator``."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] = 1,
        padding: int | tuple[int, ...] | str = 0,
        dilation: int | tuple[int, ...] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        dtype: Any = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.window = Window.conv(name, self.dims, kernel_size, stride, padding, dilation)
        self.padding_mode = one_of(name, "padding_mode", padding_mode, PADDING_MODES)
        self._build(in_channels, out_channels, groups, bias, dtype, generator)

    def forward(self, x: Tensor) -> Tensor:
        return windowed_conv(x, self.weight, self.bias, self.window, self.groups, self.padding_mode)


class Conv1d(_Conv):
    """1-D convolution over ``(N, C_in, L)``; weight ``(C_out, C_in / groups, K)``."""

    dims = 1


class Conv2d(_Conv):
    """2-D convolution over ``(N, C_in, H, W)``; weight ``(C_out, C_in / groups, KH, KW)``."""

    dims = 2


class Conv3d(_Conv):
    """3-D convolution over ``(N, C_in, D, H, W)``; weight ``(C_out, C_in / groups, KD, KH, KW)``."""

    dims = 3


class _ConvTranspose(_ConvNd):
    """``ConvTransposeNd(in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
    groups=1, bias=True, dilation=1, padding_mode="zeros")``: PyTorch's arguments and order."""

    transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] = 1,
        padding: int | tuple[int, ...] = 0,
        output_padding: int | tuple[int, ...] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | tuple[int, ...] = 1,
        padding_mode: str = "zeros",
        *,
        dtype: Any = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.window = Window.conv(name, self.dims, kernel_size, stride, padding, dilation, strings=())
        self.output_padding = check_output_padding(name, output_padding, self.stride, self.dilation)
        self.padding_mode = one_of(name, "padding_mode", padding_mode, ("zeros",))
        self._build(in_channels, out_channels, groups, bias, dtype, generator)

    def forward(self, x: Tensor) -> Tensor:
        return windowed_conv_transpose(x, self.weight, self.bias, self.window, self.output_padding, self.groups)


class ConvTranspose1d(_ConvTranspose):
    """The adjoint of :class:`Conv1d` (upsamples ``L``); weight ``(C_in, C_out / groups, K)``."""

    dims = 1


class ConvTranspose2d(_ConvTranspose):
    """The adjoint of :class:`Conv2d` (upsamples ``H, W``); weight ``(C_in, C_out / groups, KH, KW)``."""

    dims = 2


class ConvTranspose3d(_ConvTranspose):
    """The adjoint of :class:`Conv3d` (upsamples ``D, H, W``); weight ``(C_in, C_out / groups, KD, KH, KW)``."""

    dims = 3
