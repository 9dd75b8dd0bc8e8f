"""Convolution as the lecture builds it: **locality** (windows) × **sharing** (one weight matrix).

A dense layer connects every output to every input. Convolution keeps two ideas of it:

1. *Locality*: output position ``o`` sees only a window of the input (``WindowColumns``: every window as one
   column of a matrix, im2col).
2. *Sharing*: every position uses the same weights, so the kernel is **one** matrix
   ``W.reshape(C_out, C_in·Πk)``, and one matmul applies it to all windows at once.

The gradient needs no rule of its own: the matmul's rule gives ∂L/∂W (windows × upstream gradient,
summed over positions, which is what sharing means) and the windows' rule, their adjoint ``fold``, gives
∂L/∂x. Transposed convolution is that adjoint used forwards.

Examples:
    >>> import numpy as np
    >>> from tinygrad_cnn import Tensor
    >>> image = Tensor(np.array([[[[0, 0, 1, 1]] * 3]], dtype=np.float32))   # (1, 1, 3, 4): a vertical edge
    >>> kernel = Tensor(np.array([[[[1, 0, -1]] * 3]], dtype=np.float32))    # (1, 1, 3, 3)
    >>> conv(image, kernel).numpy()[0, 0]                                    # responds where the edge is
    array([[-3., -3.]], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod

import numpy as np

from ..engine import ops
from ..engine.args import batched, int_tuple, one_of, positive_int
from ..engine.tensor import Tensor, apply, cat
from ..shapes import conv_transpose_output_size
from .geometry import PADDING_MODES, Window, check_groups, check_output_padding

__all__ = ["conv", "windowed_conv", "conv_transpose", "windowed_conv_transpose", "unfold", "fold", "pad_spatial",
           "PADDING_MODES"]  # fmt: skip

IntOrTuple = int | Sequence[int]


def conv(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
    *,
    layer: str | None = None,
) -> Tensor:
    """N-d convolution (really cross-correlation, as in every deep-learning library), NC(D)(H)W layout.

    ``weight`` is ``(C_out, C_in/groups, *kernel)``; the number of spatial dims is ``weight.ndim - 2``.
    An unbatched input ``(C_in, *spatial)`` gives an unbatched output. The hyperparameters are checked
    here, on every call; a layer checks them once and calls :func:`windowed_conv` itself.
    """
    dims = weight.ndim - 2
    window = Window.conv(f"conv{dims}d", dims, tuple(weight.shape[2:]), stride, padding, dilation, layer=layer)
    padding_mode = one_of(window.name, "padding_mode", padding_mode, PADDING_MODES)
    return windowed_conv(x, weight, bias, window, positive_int(window.name, "groups", groups), padding_mode)


def windowed_conv(
    x: Tensor, weight: Tensor, bias: Tensor | None, window: Window, groups: int = 1, padding_mode: str = "zeros"
) -> Tensor:
    """Convolution with a checked :class:`~tinygrad_cnn.conv.geometry.Window`: only the input, the weight's
    channels and the bias are checked here."""
    name, dims = window.name, window.dims
    out_channels, in_per_group = weight.shape[:2]
    x, unbatched = batched(name, x, dims, in_per_group * groups, f" (weight {weight.shape}, groups={groups})")
    check_groups(name, groups, x.shape[1], out_channels)
    _check_bias(bias, out_channels, name)
    out_size = window.output_size(x.shape[2:])

    pads = window.pads
    if padding_mode != "zeros":  # else the zeros are written as the windows are copied
        x, pads = pad_spatial(x, pads, padding_mode, name), None
    out = _shared_weight_conv(x, weight, out_size, window.stride, window.dilation, groups, pads)
    if bias is not None:
        out = out + bias.reshape((1, -1) + (1,) * dims)  # (C_out,) -> (1, C_out, 1, ...)
    return out[0] if unbatched else out


def _shared_weight_conv(
    x: Tensor,
    weight: Tensor,
    out_size: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    groups: int = 1,
    pads: Sequence[tuple[int, int]] | None = None,
) -> Tensor:
    """The heart of it: every window times one shared weight matrix, in one matmul.

    The windows become the columns of one matrix ``(C·Πk, L·N)`` (im2col: one copy, zero padding written as it
    goes, the batch innermost so that the copy and its adjoint, the fold, move long runs of memory), and one
    product applies the shared matrix ``(C_out, C·Πk)`` to all of them at once: ``(C_out, L·N)``, handed on as
    the ``(N, C_out, *out)`` view of it. With groups the columns split into ``G`` blocks of ``C/G·Πk`` rows, each
    with its own ``(C_out/G, C/G·Πk)`` matrix. Depthwise convolution (one input and one output channel per group)
    is the same product with ``Πk`` taps per channel, in an op of its own (``DepthwiseWindows``) whose input
    gradient adds each tap's weight times the upstream gradient straight onto the input: the gradient of the
    columns there is an outer product, ``Πk`` times the size of the input's, that would be written only to be
    folded. A channel multiplier above 1 takes the grouped product."""
    batch = x.shape[0]
    out_channels, kernel = weight.shape[0], weight.shape[2:]
    dims = len(kernel)
    if groups == x.shape[1] == out_channels and groups > 1 and x.dtype == weight.dtype:  # depthwise: tap by tap
        out = apply(ops.DepthwiseWindows, x, weight, kernel_size=kernel, stride=stride, dilation=dilation, pads=pads)
        out = out.reshape(out_channels, *out_size, batch)  # (C, L·N) -> (C, *out, N)
        return out.permute(dims + 1, 0, *range(1, dims + 1))  # -> (N, C, *out), a view
    cols = apply(ops.WindowColumns, x, kernel_size=kernel, stride=stride, dilation=dilation, pads=pads)
    columns = cols.shape[1]  # L·N: every window of every image
    taps = cols.shape[0] // groups  # C/G·Πk
    if groups == 1:
        out = weight.reshape(out_channels, taps) @ cols  # (C_out, C·Πk) @ (C·Πk, L·N) -> (C_out, L·N)
    else:
        shared = weight.reshape(groups, out_channels // groups, taps)  # (C_out, C/G, *k) -> (G, C_out/G, C/G·Πk)
        blocks = cols.reshape(groups, taps, columns)  # -> (G, C/G·Πk, L·N): channel c = g·(C/G) + i
        out = shared @ blocks  # -> (G, C_out/G, L·N): output channel o = g·(C_out/G) + j
    out = out.reshape(out_channels, *out_size, batch)  # -> (C_out, *out, N)
    return out.permute(dims + 1, 0, *range(1, dims + 1))  # -> (N, C_out, *out), a view


def conv_transpose(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
    *,
    layer: str | None = None,
) -> Tensor:
    """Transposed convolution: each input value spreads ``value · kernel`` onto the output (``fold``).

    It is the adjoint of :func:`conv` with the same weight, i.e. the input gradient of convolution.
    ``weight`` is ``(C_in, C_out/groups, *kernel)`` as in PyTorch; the output length is
    ``(n − 1)s − 2p + d(k − 1) + output_padding + 1``.
    """
    dims = weight.ndim - 2
    op = layer or f"conv_transpose{dims}d"
    window = Window.conv(op, dims, tuple(weight.shape[2:]), stride, padding, dilation, strings=(), layer=layer)
    output_padding = check_output_padding(op, output_padding, window.stride, window.dilation)
    return windowed_conv_transpose(x, weight, bias, window, output_padding, positive_int(window.name, "groups", groups))


def windowed_conv_transpose(
    x: Tensor, weight: Tensor, bias: Tensor | None, window: Window, output_padding: tuple[int, ...], groups: int = 1
) -> Tensor:
    """Transposed convolution with a checked window and ``output_padding``: only the input is checked here."""
    name, dims = window.name, window.dims
    kernel, stride, padding, dilation = window.kernel, window.stride, window.padding, window.dilation
    x, unbatched = batched(name, x, dims, weight.shape[0], f" (weight {weight.shape}, groups={groups})")
    check_groups(name, groups, x.shape[1], weight.shape[1] * groups)
    _check_bias(bias, weight.shape[1] * groups, name)
    sizes = [conv_transpose_output_size(n, k, s, p, op, d) for n, k, s, p, op, d in
             zip(x.shape[2:], kernel, stride, padding, output_padding, dilation)]  # fmt: skip
    if min(sizes) < 1:
        raise ValueError(f"{name}: input {x.shape} gives output size {tuple(sizes)}; padding is too large")

    per_group = x.shape[1] // groups
    parts = [
        _spread(x[:, g * per_group : (g + 1) * per_group], weight[g * per_group : (g + 1) * per_group],
                stride, dilation, output_padding)
        for g in range(groups)
    ]  # fmt: skip
    out = cat(parts, dim=1) if groups > 1 else parts[0]
    out = out[(slice(None), slice(None), *(slice(p, p + n) for p, n in zip(padding, sizes)))]  # crop padding
    if bias is not None:
        out = out + bias.reshape((1, -1) + (1,) * dims)  # (C_out,) -> (1, C_out, 1, ...)
    return out[0] if unbatched else out


def _spread(x: Tensor, weight: Tensor, stride, dilation, output_padding) -> Tensor:
    """Each input position contributes ``x · W`` to a window of the output: one matmul, then fold."""
    batch, channels, *in_size = x.shape
    out_channels, kernel = weight.shape[1], weight.shape[2:]
    rows = x.reshape(batch, channels, prod(in_size))  # (N, C_in, *in) -> (N, C_in, L)
    shared = weight.reshape(channels, out_channels * prod(kernel)).T  # (C_in, C_out, *k) -> (C_out·Πk, C_in)
    cols = (shared @ rows).reshape(batch, out_channels, *kernel, *in_size)  # (N, C_out·Πk, L) -> (N, C_out, *k, *in)
    full = [(n - 1) * s + d * (k - 1) + 1 + op for n, s, d, k, op in
            zip(in_size, stride, dilation, kernel, output_padding)]  # fmt: skip
    return apply(ops.FoldWindows, cols, output_shape=(batch, out_channels, *full),
                 kernel_size=kernel, stride=stride, dilation=dilation)  # fmt: skip


def unfold(
    x: Tensor,
    kernel_size: IntOrTuple,
    dilation: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    stride: IntOrTuple = 1,
) -> Tensor:
    """Locality, exposed (``torch.nn.functional.unfold``): ``(N, C, H, W) -> (N, C·kH·kW, L)``, one column per
    window; an unbatched ``(C, H, W)`` gives ``(C·kH·kW, L)``.

    Examples:
        >>> import numpy as np
        >>> x = Tensor(np.arange(9.0).reshape(1, 1, 3, 3))
        >>> unfold(x, 2).numpy()[0]          # 4 windows of 2×2, one per column
        array([[0., 1., 3., 4.],
               [1., 2., 4., 5.],
               [3., 4., 6., 7.],
               [4., 5., 7., 8.]])
        >>> unfold(Tensor(np.zeros((1, 3, 32, 32))), 5).shape   # C·k² = 75 rows, one column per window: 28² = 784
        (1, 75, 784)
    """
    window = Window.conv("unfold", 2, kernel_size, stride, padding, dilation, strings=())
    x, unbatched = batched(window.name, x, 2)
    window.output_size(x.shape[2:])
    x = pad_spatial(x, window.pads, "zeros", window.name)
    windows = apply(ops.Windows, x, kernel_size=window.kernel, stride=window.stride,
                    dilation=window.dilation)  # (N, C, kH, kW, oH, oW)  # fmt: skip
    batch, channels = x.shape[:2]
    cols = windows.reshape(batch, channels * prod(window.kernel), -1)  # -> (N, C·kH·kW, L)
    return cols[0] if unbatched else cols


def fold(
    cols: Tensor,
    output_size: IntOrTuple,
    kernel_size: IntOrTuple,
    dilation: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    stride: IntOrTuple = 1,
) -> Tensor:
    """The adjoint of :func:`unfold`: ``(N, C·kH·kW, L) -> (N, C, H, W)`` (or unbatched ``(C·kH·kW, L)``),
    values of overlapping windows summed.

    Examples:
        >>> import numpy as np
        >>> ones = Tensor(np.ones((1, 1, 3, 3)))
        >>> fold(unfold(ones, 2), (3, 3), 2).numpy()[0, 0]   # how many 2×2 windows cover each pixel
        array([[1., 2., 1.],
               [2., 4., 2.],
               [1., 2., 1.]])
    """
    output_size = int_tuple("fold", "output_size", output_size, 2)
    window = Window.conv("fold", 2, kernel_size, stride, padding, dilation, strings=())
    name, kernel, stride, padding, dilation = window.name, window.kernel, window.stride, window.padding, window.dilation
    out = window.output_size(output_size)
    unbatched = cols.ndim == 2
    if unbatched:
        cols = cols.unsqueeze(0)
    if cols.ndim != 3 or cols.shape[1] % prod(kernel) or cols.shape[2] != prod(out):
        raise ValueError(
            f"{name}: input of shape {cols.shape} must be (N, C·{prod(kernel)}, {prod(out)}) for kernel {kernel} "
            f"and output_size {output_size} ({'×'.join(map(str, out))} windows)"
        )
    batch, channels = cols.shape[0], cols.shape[1] // prod(kernel)
    windows = cols.reshape(batch, channels, *kernel, *out)  # (N, C·Πk, L) -> (N, C, kH, kW, oH, oW)
    padded = [n + 2 * p for n, p in zip(output_size, padding)]
    summed = apply(ops.FoldWindows, windows, output_shape=(batch, channels, *padded),
                   kernel_size=kernel, stride=stride, dilation=dilation)  # fmt: skip
    image = summed[(slice(None), slice(None), *(slice(p, p + n) for p, n in zip(padding, output_size)))]
    return image[0] if unbatched else image


def pad_spatial(x: Tensor, pads: Sequence[tuple[int, int]], mode: str = "zeros", name: str = "pad") -> Tensor:
    """Pad the spatial dims of ``(N, C, *spatial)``: zeros, or by indexing (circular / reflect / replicate),
    so the gradient of the non-zero modes is the indexing gradient (repeated indices accumulate)."""
    one_of(name, "padding_mode", mode, (*PADDING_MODES, "constant"))
    if all(before == 0 and after == 0 for before, after in pads):
        return x
    if mode in ("zeros", "constant"):
        return x.pad(((0, 0), (0, 0), *pads))
    for axis, (before, after) in enumerate(pads, start=2):
        n = x.shape[axis]
        if mode == "reflect" and max(before, after) >= n:
            raise ValueError(f"{name}: reflect padding of ({before}, {after}) needs each pad < the input size {n}")
        if mode == "circular" and max(before, after) > n:
            raise ValueError(f"{name}: circular padding of ({before}, {after}) needs each pad ≤ the input size {n}")
        positions = np.arange(-before, n + after)
        if mode == "circular":
            index = positions % n  # a periodic lattice: position -1 is position n-1
        elif mode == "reflect":
            index = np.abs(positions)
            index = np.where(index > n - 1, 2 * (n - 1) - index, index)  # mirror without repeating the edge
        else:  # replicate
            index = np.clip(positions, 0, n - 1)
        x = x[(slice(None),) * axis + (index,)]
    return x


# ---- checks that need the tensors (the arguments' checks are in geometry; every message names the layer) ----


def _check_bias(bias: Tensor | None, out_channels: int, name: str) -> None:
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise ValueError(f"{name}: bias must have shape ({out_channels},), one per output channel, got {bias.shape}")
