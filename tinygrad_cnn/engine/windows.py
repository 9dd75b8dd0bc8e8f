"""Locality on arrays: the sliding windows of an input (im2col), and their adjoint (col2im).

``window_view`` gives, for every output position, the window of input values that position sees, as a
strided *view* (nothing is copied). ``scatter_windows`` does the reverse: it adds each window back onto
the positions it came from, so overlapping windows accumulate. It is the adjoint of ``window_view``:
``<window_view(x), c> == <x, scatter_windows(c)>``, which is why it is the input gradient of convolution.

Layout: input ``(N, C, *spatial)``; windows ``(N, *out, C, *kernel)``, one row per output position.

Examples:
    >>> import numpy as np
    >>> x = np.arange(5.0).reshape(1, 1, 5)                 # (N, C, W)
    >>> window_view(x, (3,), (1,), (1,))[0, :, 0]           # (out, k): three windows of three
    array([[0., 1., 2.],
           [1., 2., 3.],
           [2., 3., 4.]])
    >>> scatter_windows(np.ones((1, 3, 1, 3)), (1, 1, 5), (3,), (1,), (1,))[0, 0]   # uses per input
    array([1., 2., 3., 2., 1.])
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..shapes import conv_output_size

__all__ = ["window_view", "scatter_windows"]


def window_view(
    x: np.ndarray,
    kernel_size: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
    out_size: Sequence[int] | None = None,
) -> np.ndarray:
    """Read-only view ``(N, *out, C, *kernel)`` of the windows of ``x`` ``(N, C, *spatial)``.

    Window ``o`` along an axis starts at ``o·stride`` and takes every ``dilation``-th value.
    ``out_size`` defaults to the number of windows that fit (no padding: pad ``x`` first).
    """
    batch, channels, *spatial = x.shape
    if out_size is None:
        out_size = [conv_output_size(n, k, s, 0, d) for n, k, s, d in zip(spatial, kernel_size, stride, dilation)]
    batch_stride, channel_stride, *axis_strides = x.strides
    shape = (batch, *out_size, channels, *kernel_size)
    strides = (
        batch_stride,
        *(step * s for step, s in zip(axis_strides, stride)),  # next window: move by the stride
        channel_stride,
        *(step * d for step, d in zip(axis_strides, dilation)),  # next tap in a window: move by the dilation
    )
    return as_strided(x, shape, strides, writeable=False)


def scatter_windows(
    cols: np.ndarray,
    input_shape: Sequence[int],
    kernel_size: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
) -> np.ndarray:
    """Sum windows ``(N, *out, C, *kernel)`` back into an array of ``input_shape`` ``(N, C, *spatial)``.

    One vectorised add per kernel tap: tap ``t`` of every window lands at ``t·dilation + o·stride``.
    """
    dims = len(kernel_size)
    out_size = cols.shape[1 : 1 + dims]
    x = np.zeros(input_shape, dtype=cols.dtype)
    for tap in itertools.product(*(range(k) for k in kernel_size)):
        target = tuple(
            slice(t * d, t * d + s * (m - 1) + 1, s) for t, d, s, m in zip(tap, dilation, stride, out_size)
        )
        piece = cols[(Ellipsis, *tap)]  # (N, *out, C): this tap of every window
        x[(slice(None), slice(None), *target)] += np.moveaxis(piece, -1, 1)  # -> (N, C, *out)
    return x
