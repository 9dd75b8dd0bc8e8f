"""Locality on arrays: the sliding windows of an input (im2col), their adjoint (col2im), and their maxima.

``window_view`` gives, for every output position, the window of input values that position sees, as a
strided *view* (nothing is copied). ``scatter_windows`` does the reverse: it adds each window back onto
the positions it came from, so overlapping windows accumulate. It is the adjoint of ``window_view``:
``<window_view(x), c> == <x, scatter_windows(c)>``, which is why it is the input gradient of convolution.
``window_max`` takes each window's maximum and says which tap held it, tap by tap, without a copy of the
windows.

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
    >>> window_max(np.array([[[1.0, 3.0, 3.0, 0.0]]]), (2,), (2,), (1,))     # maxima, and the tap of the first
    (array([[[3., 3.]]]), array([[[1, 0]]], dtype=int16))
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..shapes import conv_output_size

__all__ = ["window_view", "scatter_windows", "window_max", "scatter_to_taps", "tap_slices"]


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


def window_max(
    x: np.ndarray,
    kernel_size: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
    out_size: Sequence[int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The maximum of every window of ``x`` ``(N, C, *spatial)`` and the tap that holds it, each ``(N, C, *out)``.

    Tap by tap (row-major order over the kernel): a tap replaces the running maximum only where it is
    *strictly* larger, so of tied maxima the first wins (PyTorch's rule), and where it is NaN and the running
    maximum is not (NaN counts as the largest value; the first NaN wins). Tap numbers are row-major flat
    indices into the kernel (``np.unravel_index`` gives the per-axis offsets).
    """
    if out_size is None:
        out_size = _out_size(x.shape[2:], kernel_size, stride, dilation)
    slices = tap_slices(kernel_size, stride, dilation, out_size)
    best = x[next(slices)[1]].copy()  # (N, C, *out): tap 0 of every window
    count = int(np.prod(kernel_size))
    taps = np.zeros(best.shape, dtype=np.int16 if count <= np.iinfo(np.int16).max else np.int64)
    has_nan = x.dtype.kind == "f" and x.size > 0 and bool(np.isnan(x.max()))  # max() propagates NaN: one pass
    larger = np.empty(best.shape, dtype=bool)
    newer = np.empty(best.shape, dtype=taps.dtype)
    for t, (_, index) in enumerate(slices, start=1):
        tap = x[index]  # (N, C, *out), a strided view
        np.greater(tap, best, out=larger)  # where this tap takes over (a tie keeps the earlier tap)
        if has_nan:
            larger |= np.isnan(tap) & ~np.isnan(best)
        np.maximum(best, tap, out=best)  # NumPy keeps the first argument on a tie and propagates NaN, as above
        np.multiply(larger, taps.dtype.type(t), out=newer)  # t where this tap takes over, else 0 ...
        np.maximum(taps, newer, out=taps)  # ... and every earlier tap is < t: arithmetic, no masked copy (10× slower)
    return best, taps


def scatter_to_taps(
    g: np.ndarray,
    taps: np.ndarray,
    input_shape: Sequence[int],
    kernel_size: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
) -> np.ndarray:
    """The adjoint of picking tap ``taps[o]`` of each window ``o``: ``g`` ``(N, C, *out)`` added onto the input
    position of that tap, ``(N, C, *spatial)``; a window whose tap is −1 passes nothing. Windows that overlap
    add, tap by tap; windows that do not (stride ≥ the dilated kernel, as in 2×2 pooling with stride 2) write
    each tap's share straight into place."""
    out_size = g.shape[2:]
    x = np.zeros(input_shape, dtype=g.dtype)
    disjoint = all(s >= d * (k - 1) + 1 for k, s, d in zip(kernel_size, stride, dilation))
    chosen = np.empty(taps.shape, dtype=bool)
    share = None if disjoint else np.empty(g.shape, dtype=g.dtype)
    for t, (_, target) in enumerate(tap_slices(kernel_size, stride, dilation, out_size)):
        np.equal(taps, taps.dtype.type(t), out=chosen)  # a scalar of the taps' own type: the fast loop
        if disjoint:
            np.multiply(g, chosen, out=x[target])  # no other tap of any window reads these positions
        else:
            np.multiply(g, chosen, out=share)
            x[target] += share
    return x
