"""Locality on arrays: the sliding windows of an input (im2col), their adjoint (col2im), and their maxima.

``window_view`` gives, for every output position, the window of input values that position sees, as a
strided *view* (nothing is copied). ``scatter_windows`` does the reverse: it adds each window back onto
the positions it came from, so overlapping windows accumulate. It is the adjoint of ``window_view``:
``<window_view(x), c> == <x, scatter_windows(c)>``, which is why it is the input gradient of convolution.
(Each window's maximum and the tap that holds it, for max pooling: :mod:`tinygrad_cnn.engine.window_max`.)

Layout: input ``(N, C, *spatial)``; windows ``(N, C, *kernel, *out)``: the kernel taps before the output
positions, so tap ``t`` of every window, ``windows[:, :, *t]``, is an ``(N, C, *out)`` slice of the input.

``window_columns`` is the im2col copy convolution uses: every window as one column of a matrix
``(C·Πk, Πout·N)``, the batch innermost, and ``fold_columns`` its adjoint. With the batch innermost, tap ``t``
of every window is one slice ``(C, *out, N)`` whose rows hold ``out[-1]·N`` consecutive numbers (``N`` when
strided), not the few numbers of one image's row: the copy and the fold move long runs of memory (measured:
the 64×6×12² → 16, k5 convolution's forward and backward in 2.2 ms instead of 3.4 with one image per block).

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
import math
from collections.abc import Iterator, Sequence
from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..shapes import conv_output_size
from .sizes import check_allocation

__all__ = ["window_view", "scatter_windows", "tap_slices", "window_columns", "fold_columns", "fold_scaled_taps"]


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


def _batch_last(x: np.ndarray, pads: Sequence[tuple[int, int]]) -> np.ndarray:
    """``x`` ``(N, C, *spatial)`` as ``(C, *padded, N)``, zero-padded, in one copy (free when ``x`` is already laid
    out that way in memory and needs no padding, e.g. the output of a convolution)."""
    batch, channels, *spatial = x.shape
    order = (1, *range(2, x.ndim), 0)  # (N, C, *spatial) -> (C, *spatial, N)
    if not any(before or after for before, after in pads):
        return np.ascontiguousarray(x.transpose(order))
    sizes = _padded(spatial, pads)
    check_allocation("pad", "the padded tensor", (batch, channels, *sizes), x.dtype)  # before allocating it
    padded = np.zeros((channels, *sizes, batch), dtype=x.dtype)
    padded[_interior(spatial, pads)] = x.transpose(order)
    return padded


def _padded(spatial: Sequence[int], pads: Sequence[tuple[int, int]]) -> list[int]:
    return [n + before + after for n, (before, after) in zip(spatial, pads)]


def _interior(spatial: Sequence[int], pads: Sequence[tuple[int, int]]) -> tuple[slice, ...]:
    """The input's place inside its padded ``(C, *padded, N)`` array."""
    return (slice(None), *(slice(before, before + n) for n, (before, _) in zip(spatial, pads)), slice(None))


def window_columns(
    x: np.ndarray,
    kernel_size: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
    pads: Sequence[tuple[int, int]] | None = None,
) -> np.ndarray:
    """Every window of ``x`` ``(N, C, *spatial)`` (zero-padded by ``pads``, one ``(before, after)`` per axis) as
    a column: ``(C·Πk, Πout·N)``, row ``(c, *tap)``, column ``(*o, n)``, the batch innermost.

    Examples:
        >>> x = np.arange(10.0).reshape(2, 1, 5)                # (N, C, W): two images of five
        >>> window_columns(x, (3,), (2,), (1,))                 # windows at 0 and 2, each of both images
        array([[0., 5., 2., 7.],
               [1., 6., 3., 8.],
               [2., 7., 4., 9.]])
    """
    pads = tuple(pads) if pads is not None else ((0, 0),) * len(kernel_size)
    padded = _batch_last(x, pads)  # (C, *padded, N)
    channels, *spatial, batch = padded.shape
    out_size = _out_size(spatial, kernel_size, stride, dilation)
    rows, columns = channels * math.prod(kernel_size), math.prod(out_size) * batch
    check_allocation("conv", "the windows as columns", (rows, columns), x.dtype)
    channel_step, *axis_steps, batch_step = padded.strides
    view = as_strided(
        padded,
        (channels, *kernel_size, *out_size, batch),
        (channel_step, *(step * d for step, d in zip(axis_steps, dilation)),
         *(step * s for step, s in zip(axis_steps, stride)), batch_step),
        writeable=False,
    )  # fmt: skip
    return view.reshape(rows, columns)  # (C, *k, *out, N) -> (C·Πk, Πout·N): the copy


@lru_cache(maxsize=256)
def _batch_last_taps(kernel_size, stride, dilation, out_size) -> tuple[tuple[tuple, tuple], ...]:
    """For each tap, its index into the columns ``(C, *k, *out, N)`` and the positions ``(C, *padded, N)`` it
    lands on: :func:`tap_slices` with the batch last, worked out once per geometry (a fold calls it every step)."""
    return tuple(((slice(None), *tap), target[1:] + (slice(None),))  # drop tap_slices' batch axis: it is last here
                 for tap, target in tap_slices(kernel_size, stride, dilation, out_size))  # fmt: skip


def fold_columns(
    cols: np.ndarray,
    input_shape: Sequence[int],
    kernel_size: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
    pads: Sequence[tuple[int, int]] | None = None,
) -> np.ndarray:
    """The adjoint of :func:`window_columns`: add every column ``(C·Πk, Πout·N)`` back onto the positions of
    its window, and return the sum for the unpadded input ``input_shape`` ``(N, C, *spatial)``: a view whose
    memory runs along the batch, as the convolution's own output, so a network of convolutions never transposes
    its gradients back and forth.

    Examples:
        >>> fold_columns(np.ones((3, 4)), (2, 1, 5), (3,), (2,), (1,))[:, 0]   # how many windows use each input
        array([[1., 1., 2., 1., 1.],
               [1., 1., 2., 1., 1.]])
    """
    batch, channels, spatial, pads, padded_size, out_size = _fold_geometry(input_shape, kernel_size, stride,
                                                                           dilation, pads)  # fmt: skip
    taps = cols.reshape(channels, *kernel_size, *out_size, batch)  # (C·Πk, Πout·N) -> (C, *k, *out, N)
    total = np.zeros((channels, *padded_size, batch), dtype=cols.dtype)
    for tap, where in _batch_last_taps(tuple(kernel_size), tuple(stride), tuple(dilation), tuple(out_size)):
        target = total[where]
        np.add(target, taps[tap], out=target)  # (C, *out, N): this tap of every window, onto its positions
    return _unpadded(total, spatial, pads)


def _fold_geometry(input_shape, kernel_size, stride, dilation, pads):
    """What a fold onto an input ``(N, C, *spatial)`` needs: N, C, the spatial sizes, the pads (none: zeros),
    the padded sizes and the number of windows along each axis."""
    batch, channels, *spatial = input_shape
    pads = tuple(pads) if pads is not None else ((0, 0),) * len(spatial)
    padded_size = _padded(spatial, pads)
    return batch, channels, spatial, pads, padded_size, _out_size(padded_size, kernel_size, stride, dilation)


def _unpadded(total: np.ndarray, spatial: Sequence[int], pads: Sequence[tuple[int, int]]) -> np.ndarray:
    """A fold's sum ``(C, *padded, N)`` without its padding, as the ``(N, C, *spatial)`` view of it."""
    dims = len(spatial)
    inside = total[_interior(spatial, pads)]  # (C, *spatial, N)
    return inside.transpose(dims + 1, 0, *range(1, dims + 1))  # -> (N, C, *spatial), a view: the batch innermost


def fold_scaled_taps(
    g: np.ndarray,
    weights: np.ndarray,
    input_shape: Sequence[int],
    kernel_size: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
    pads: Sequence[tuple[int, int]] | None = None,
) -> np.ndarray:
    """:func:`fold_columns` of the columns ``weights[c, t] · g[c, :]`` (channel ``c``'s tap ``t`` scaled by its own
    weight: the input gradient of a depthwise convolution), without making them: for each tap, ``g`` ``(C, L·N)``
    times that tap's weights ``(C,)``, in one scratch array the size of ``g`` (reused by every tap), added onto the
    positions the tap read.

    Examples:
        >>> g = np.ones((1, 2))                                          # (C, L·N): two windows of one image
        >>> fold_scaled_taps(g, np.array([[1.0, 10.0]]), (1, 1, 3), (2,), (1,), (1,))[0, 0]
        array([ 1., 11., 10.])
    """
    batch, channels, spatial, pads, padded_size, out_size = _fold_geometry(input_shape, kernel_size, stride,
                                                                           dilation, pads)  # fmt: skip
    upstream = g.reshape(channels, *out_size, batch)  # (C, L·N) -> (C, *out, N)
    scale = weights.reshape(channels, -1, *(1,) * (len(spatial) + 1))  # (C, Πk) -> (C, Πk, 1, ..., 1)
    total = np.zeros((channels, *padded_size, batch), dtype=np.result_type(g, weights))
    scaled = np.empty(upstream.shape, dtype=total.dtype)  # (C, *out, N), reused by every tap
    for t, (_, where) in enumerate(_batch_last_taps(tuple(kernel_size), tuple(stride), tuple(dilation),
                                                    tuple(out_size))):  # fmt: skip
        np.multiply(upstream, scale[:, t], out=scaled)  # this tap of every window: weight × upstream gradient
        target = total[where]
        np.add(target, scaled, out=target)  # onto the positions the tap read
    return _unpadded(total, spatial, pads)
