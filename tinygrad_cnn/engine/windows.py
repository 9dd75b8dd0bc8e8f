"""Locality on arrays: the sliding windows of an input (im2col), their adjoint (col2im), and their maxima.

``window_view`` gives, for every output position, the window of input values that position sees, as a
strided *view* (nothing is copied). ``scatter_windows`` does the reverse: it adds each window back onto
the positions it came from, so overlapping windows accumulate. It is the adjoint of ``window_view``:
``<window_view(x), c> == <x, scatter_windows(c)>``, which is why it is the input gradient of convolution.
(Each window's maximum and the tap that holds it, for max pooling: :mod:`tinygrad_cnn.engine.window_max`.)

Layout: input ``(N, C, *spatial)``; windows ``(N, C, *kernel, *out)``: the kernel taps before the output
positions, so tap ``t`` of every window, ``windows[:, :, *t]``, is an ``(N, C, *out)`` slice of the input
whose last axis runs along the input's rows. The im2col copy ``reshape(N, C·Πk, L)`` and the fold then move
whole rows at a time, and ``shared @ cols`` gives ``(N, C_out, L)``: the output already in NCHW order.

Examples:
    >>> import numpy as np
    >>> x = np.arange(5.0).reshape(1, 1, 5)                 # (N, C, W)
    >>> window_view(x, (3,), (1,), (1,))[0, 0].T            # (k, out) transposed: three windows of three
    array([[0., 1., 2.],
           [1., 2., 3.],
           [2., 3., 4.]])
    >>> scatter_windows(np.ones((1, 1, 3, 3)), (1, 1, 5), (3,), (1,), (1,))[0, 0]   # uses per input
    array([1., 2., 3., 2., 1.])
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..shapes import conv_output_size

__all__ = ["window_view", "scatter_windows", "tap_slices"]


def _out_size(spatial, kernel_size, stride, dilation) -> list[int]:
    return [conv_output_size(n, k, s, 0, d) for n, k, s, d in zip(spatial, kernel_size, stride, dilation)]


def window_view(
    x: np.ndarray,
    kernel_size: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
    out_size: Sequence[int] | None = None,
) -> np.ndarray:
    """Read-only view ``(N, C, *kernel, *out)`` of the windows of ``x`` ``(N, C, *spatial)``.

    Window ``o`` along an axis starts at ``o·stride`` and takes every ``dilation``-th value.
    ``out_size`` defaults to the number of windows that fit (no padding: pad ``x`` first).
    """
    batch, channels, *spatial = x.shape
    if out_size is None:
        out_size = _out_size(spatial, kernel_size, stride, dilation)
    batch_stride, channel_stride, *axis_strides = x.strides
    shape = (batch, channels, *kernel_size, *out_size)
    strides = (
        batch_stride,
        channel_stride,
        *(step * d for step, d in zip(axis_strides, dilation)),  # next tap in a window: move by the dilation
        *(step * s for step, s in zip(axis_strides, stride)),  # next window: move by the stride
    )
    return as_strided(x, shape, strides, writeable=False)


def tap_slices(
    kernel_size: Sequence[int], stride: Sequence[int], dilation: Sequence[int], out_size: Sequence[int]
) -> Iterator[tuple[tuple[int, ...], tuple[slice, ...]]]:
    """For each kernel tap in row-major order, the tap and the index ``(:, :, *slices)`` of the input
    ``(N, C, *spatial)`` that tap reads in every window: tap ``t`` of window ``o`` is at ``t·dilation + o·stride``
    along each axis."""
    for tap in itertools.product(*(range(k) for k in kernel_size)):
        yield tap, (slice(None), slice(None), *(slice(t * d, t * d + s * (m - 1) + 1, s)
                                                for t, d, s, m in zip(tap, dilation, stride, out_size)))  # fmt: skip


def scatter_windows(
    cols: np.ndarray,
    input_shape: Sequence[int],
    kernel_size: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
) -> np.ndarray:
    """Sum windows ``(N, C, *kernel, *out)`` back into an array of ``input_shape`` ``(N, C, *spatial)``.

    One vectorised add per kernel tap: tap ``t`` of every window, ``cols[:, :, *t]`` ``(N, C, *out)``, lands on
    the input positions :func:`tap_slices` names.
    """
    dims = len(kernel_size)
    out_size = cols.shape[2 + dims :]
    x = np.zeros(input_shape, dtype=cols.dtype)
    for tap, target in tap_slices(kernel_size, stride, dilation, out_size):
        x[target] += cols[(slice(None), slice(None), *tap)]  # (N, C, *out): this tap of every window
    return x
