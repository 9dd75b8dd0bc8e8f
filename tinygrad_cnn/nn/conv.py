"""Convolution layers: a weight of shape ``(C_out, C_in / groups, *kernel)`` shared by every window.

The arithmetic lives in :mod:`tinygrad_cnn.functional`; a layer holds the weight and bias, checks its
hyperparameters once, at construction, and passes its description as ``layer=`` so that the function's
checks of each input name the layer.

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

from ..conv.geometry import PADDING_MODES, check_groups, check_output_padding, conv_geometry, describe
from ..engine.args import float_dtype, one_of, positive_int
from ..engine.tensor import Tensor
from . import functional as F
from . import init
from .module import Module, Parameter

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d"]


class _ConvNd(Module):
    """What all convolutions share: hyperparameter checks, weight and bias, PyTorch's initialisation."""

    dims = 0  # number of spatial dims, set by each subclass
    transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...],
        padding: int | tuple[int, ...] | str,
        dilation: int | tuple[int, ...],
        groups: int,
        bias: bool,
        padding_mode: str,
        output_padding: int | tuple[int, ...],
        dtype: Any,
        generator: np.random.Generator | None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.in_channels = positive_int(name, "in_channels", in_channels)
        self.out_channels = positive_int(name, "out_channels", out_channels)
        self.groups = check_groups(name, groups, self.in_channels, self.out_channels)
        strings = () if self.transposed else ("same", "valid")
        self.kernel_size, self.stride, self.padding, self.dilation = conv_geometry(
            name, self.dims, kernel_size, stride, padding, dilation, strings
        )
        self.output_padding = check_output_padding(name, output_padding, self.stride, self.dilation)
        self.padding_mode = one_of(name, "padding_mode", padding_mode, ("zeros",) if self.transposed else PADDING_MODES)

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

    @property
    def layer(self) -> str:
        """A short description for error messages, e.g. ``Conv2d(k=5, s=1, p=0, d=1)``."""
        return describe(type(self).__name__, self.kernel_size, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        n = self.dims
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * n:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
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
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
            0, dtype, generator,
        )  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[self.dims]
        return conv(
            x, self.weight, self.bias, stride=self.stride, padding=self.padding, dilation=self.dilation,
            groups=self.groups, padding_mode=self.padding_mode, layer=self.layer,
        )  # fmt: skip


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
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
            output_padding, dtype, generator,
        )  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        conv_transpose = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[self.dims]
        return conv_transpose(
            x, self.weight, self.bias, stride=self.stride, padding=self.padding,
            output_padding=self.output_padding, groups=self.groups, dilation=self.dilation, layer=self.layer,
        )  # fmt: skip


class ConvTranspose1d(_ConvTranspose):
    """The adjoint of :class:`Conv1d` (upsamples ``L``); weight ``(C_in, C_out / groups, K)``."""

    dims = 1


class ConvTranspose2d(_ConvTranspose):
    """The adjoint of :class:`Conv2d` (upsamples ``H, W``); weight ``(C_in, C_out / groups, KH, KW)``."""

    dims = 2


class ConvTranspose3d(_ConvTranspose):
    """The adjoint of :class:`Conv3d` (upsamples ``D, H, W``); weight ``(C_in, C_out / groups, KD, KH, KW)``."""

    dims = 3
