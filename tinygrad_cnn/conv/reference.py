"""Naive loop oracles: slow, obviously correct versions of every convolution and pooling op.

Each function is a few lines of explicit loops over output positions, in float64, with PyTorch's argument
names and semantics and the ``(N, C, *spatial)`` layout. The fast engine (:mod:`tinygrad_cnn.conv.convolution`,
:mod:`tinygrad_cnn.conv.pooling`) is tested against these, these are tested against PyTorch
(``tests/test_reference.py``), and the docs use them to show what an op computes. Nothing here builds a
graph or vectorises beyond one ``np.sum(window * kernel)`` per output: use them on small arrays only.

A window is a tuple of slices ``start : start + d(k−1) + 1 : d`` per axis (:func:`_window`), so
``x[b, channels][window]`` is exactly the patch one output sees: *locality*. Using the same ``weight[o]``
for every window is *sharing*.

PyTorch's rules, pinned down here (and checked against PyTorch in the tests):

* ``padding='same'`` (stride 1 only) pads ``d(k−1)`` in all, the smaller half ``d(k−1)//2`` first (left):
  an even kernel pads one more on the right.
* ``padding_mode`` ``zeros / circular / reflect / replicate`` is ``np.pad``'s ``constant / wrap / reflect /
  edge``. ``reflect`` mirrors without repeating the edge: ``[1, 2, 3]`` padded by 2 is ``[3, 2, 1, 2, 3, 2, 1]``.
  PyTorch wants ``reflect`` padding < n and ``circular`` padding ≤ n (``np.pad`` would reflect/wrap again).
* Pooling with ``ceil_mode`` rounds the output size up, but drops a last window that would start in the
  right padding (or beyond); the windows that remain may hang over the padded border.
* ``avg_pool`` with ``count_include_pad`` divides by the window's size clipped to the padded border (so the
  padding counts, the ``ceil_mode`` overhang does not); without it, by the number of real inputs.
* ``max_pool``'s gradient goes to the first maximal element of each window in row-major order.
* ``padding ≤ k/2`` does not keep a *dilated* pooling window out of the padding: e.g. ``n = 1, k = 2, p = 1,
  d = 2`` gives a window on the two pads, whose max is −∞ (PyTorch's forward agrees; its backward crashes).

Examples:
    The lecture's edge detector: a 6×6 image, bright on the left, and a vertical-edge kernel. The output
    is large exactly where the window straddles the edge.

    >>> image = np.array([[[[10, 10, 10, 0, 0, 0]] * 6]])     # (N, C, H, W) = (1, 1, 6, 6)
    >>> kernel = np.array([[[[1, 0, -1]] * 3]])               # (C_out, C_in, kH, kW) = (1, 1, 3, 3)
    >>> conv2d_reference(image, kernel)[0, 0]
    array([[ 0., 30., 30.,  0.],
           [ 0., 30., 30.,  0.],
           [ 0., 30., 30.,  0.],
           [ 0., 30., 30.,  0.]])
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product
from math import prod

import numpy as np
from numpy.typing import ArrayLike

from ..dims import for_dims

__all__ = [
    "convnd_reference", "conv1d_reference", "conv2d_reference", "conv3d_reference",
    "conv_transposend_reference", "conv_transpose1d_reference", "conv_transpose2d_reference",
    "conv_transpose3d_reference",
    "max_pool1d_reference", "max_pool2d_reference", "max_pool3d_reference",
    "max_pool1d_backward_reference", "max_pool2d_backward_reference", "max_pool3d_backward_reference",
    "avg_pool1d_reference", "avg_pool2d_reference", "avg_pool3d_reference",
    "adaptive_avg_pool1d_reference", "adaptive_avg_pool2d_reference", "adaptive_avg_pool3d_reference",
    "unfold_reference", "fold_reference", "dense_reference",
]  # fmt: skip

IntOrTuple = int | Sequence[int]
_NP_PAD_MODES = {"zeros": "constant", "circular": "wrap", "reflect": "reflect", "replicate": "edge"}


# --------------------------------------------------------------------------------------------------
# convolution
# --------------------------------------------------------------------------------------------------


def convnd_reference(
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """N-d convolution (cross-correlation): ``out[b, o, *p] = bias[o] + Σ window_p(x[b, group of o]) · weight[o]``.

    ``x`` is ``(N, C_in, *spatial)``, ``weight`` is ``(C_out, C_in/groups, *kernel)``; output channel ``o``
    sees the input channels of its group ``o // (C_out/groups)``.
    """
    x, weight = _float(x), _float(weight)
    dims = weight.ndim - 2
    kernel, stride, dilation = weight.shape[2:], _tuple(stride, dims), _tuple(dilation, dims)
    _check_conv(x, weight, groups, dims)
    xp = _pad(x, _conv_padding(padding, kernel, stride, dilation), padding_mode)
    out_size = [_out_size(n, k, s, 0, d) for n, k, s, d in zip(xp.shape[2:], kernel, stride, dilation)]
    _check_positive(out_size, "conv", "the kernel is larger than the padded input")
    c_in, c_out = weight.shape[1], weight.shape[0]  # c_in: input channels per group
    out = np.zeros((x.shape[0], c_out, *out_size))
    for b, o in product(range(x.shape[0]), range(c_out)):
        g = o // (c_out // groups)  # the group of output channel o
        channels = slice(g * c_in, (g + 1) * c_in)
        for pos in np.ndindex(*out_size):
            window = xp[(b, channels, *_window(pos, kernel, stride, dilation))]  # (C_in/groups, *kernel)
            out[(b, o, *pos)] = np.sum(window * weight[o])
    return out if bias is None else out + _float(bias).reshape(-1, *[1] * dims)


def _conv_reference(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros", *, dims):
    x, weight = _expect_dims(x, weight, dims, f"conv{dims}d_reference")
    return convnd_reference(x, weight, bias, stride, padding, dilation, groups, padding_mode)


conv1d_reference = for_dims(_conv_reference, 1, "conv1d_reference", """
    1-D convolution of ``x`` (N, C_in, L) with ``weight`` (C_out, C_in/groups, k); see :func:`convnd_reference`.

    Examples:
        >>> conv1d_reference([[[1, 2, 3, 4]]], [[[1, -1]]])      # differences of neighbours
        array([[[-1., -1., -1.]]])
        >>> conv1d_reference([[[1, 2, 3]]], [[[1]]], padding=2, padding_mode="reflect")
        array([[[3., 2., 1., 2., 3., 2., 1.]]])
    """)

conv2d_reference = for_dims(_conv_reference, 2, "conv2d_reference", """
    2-D convolution of ``x`` (N, C_in, H, W) with ``weight`` (C_out, C_in/groups, kH, kW).

    Examples:
        >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
        >>> conv2d_reference(x, np.ones((1, 1, 2, 2)), stride=2)[0, 0]    # sums of 2×2 blocks
        array([[10., 18.],
               [42., 50.]])
        >>> conv2d_reference(x, np.ones((1, 1, 2, 2)), padding="same").shape   # pads 0 left, 1 right
        (1, 1, 4, 4)
    """)

conv3d_reference = for_dims(_conv_reference, 3, "conv3d_reference", """
    3-D convolution of ``x`` (N, C_in, D, H, W) with ``weight`` (C_out, C_in/groups, kD, kH, kW).""")


def conv_transposend_reference(
    x: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
) -> np.ndarray:
    """Transposed convolution, literally: every input pixel adds ``x[b, i, *p] · weight[i]`` into the output
    window at ``p·stride``; then ``padding`` is cropped from both ends and ``output_padding`` extra positions
    are kept at the far end of each axis.

    ``weight`` is ``(C_in, C_out/groups, *kernel)``, as PyTorch's. Input channel ``i`` writes to the output
    channels of its group ``i // (C_in/groups)``.

    Examples:
        >>> conv_transposend_reference([[[1.0, 2.0]]], [[[1.0, 10.0, 100.0]]], stride=2)   # windows overlap at 2
        array([[[  1.,  10., 102.,  20., 200.]]])
    """
    x, weight = _float(x), _float(weight)
    dims = weight.ndim - 2
    kernel = weight.shape[2:]
    stride, padding, dilation = _tuple(stride, dims), _tuple(padding, dims), _tuple(dilation, dims)
    output_padding = _tuple(output_padding, dims)
    _check_conv_transpose(x, weight, groups, dims)
    c_in, c_group = weight.shape[0], weight.shape[1]  # c_group: output channels per group
    geometry = zip(x.shape[2:], kernel, stride, dilation, output_padding)
    full = [(n - 1) * s + d * (k - 1) + 1 + q for n, k, s, d, q in geometry]  # before cropping the padding
    out = np.zeros((x.shape[0], c_group * groups, *full))
    for b, i in product(range(x.shape[0]), range(c_in)):
        g = i // (c_in // groups)  # the group of input channel i
        channels = slice(g * c_group, (g + 1) * c_group)
        for pos in np.ndindex(*x.shape[2:]):
            out[(b, channels, *_window(pos, kernel, stride, dilation))] += x[(b, i, *pos)] * weight[i]
    _check_positive([n - 2 * p for n, p in zip(full, padding)], "conv_transpose", "padding crops everything")
    out = out[(slice(None), slice(None), *[slice(p, n - p) for n, p in zip(full, padding)])]
    return out if bias is None else out + _float(bias).reshape(-1, *[1] * dims)


def _conv_transpose_reference(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1, *,
                              dims):  # fmt: skip
    x, weight = _expect_dims(x, weight, dims, f"conv_transpose{dims}d_reference")
    return conv_transposend_reference(x, weight, bias, stride, padding, output_padding, groups, dilation)


conv_transpose1d_reference = for_dims(_conv_transpose_reference, 1, "conv_transpose1d_reference", """
    1-D transposed convolution of ``x`` (N, C_in, L) with ``weight`` (C_in, C_out/groups, k).""")

conv_transpose2d_reference = for_dims(_conv_transpose_reference, 2, "conv_transpose2d_reference", """
    2-D transposed convolution of ``x`` (N, C_in, H, W) with ``weight`` (C_in, C_out/groups, kH, kW).

    Examples:
        >>> conv_transpose2d_reference(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)))[0, 0]   # overlaps count
        array([[1., 2., 1.],
               [2., 4., 2.],
               [1., 2., 1.]])
    """)

conv_transpose3d_reference = for_dims(_conv_transpose_reference, 3, "conv_transpose3d_reference", """
    3-D transposed convolution of ``x`` (N, C_in, D, H, W) with ``weight`` (C_in, C_out/groups, kD, kH, kW).""")


def dense_reference(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None) -> np.ndarray:
    """A dense (fully connected) layer, as ``nn.Linear``: ``out[b, j] = bias[j] + Σ_i x[b, i] · weight[j, i]``.

    Examples:
        >>> dense_reference([[1.0, 2.0]], [[1.0, 1.0], [1.0, -1.0]], [0.5, 0.0])
        array([[ 3.5, -1. ]])
    """
    x, weight = _float(x), _float(weight)
    out = np.zeros((x.shape[0], weight.shape[0]))
    for b, j in np.ndindex(*out.shape):
        out[b, j] = np.sum(x[b] * weight[j])
    return out if bias is None else out + _float(bias)


# --------------------------------------------------------------------------------------------------
# pooling
# --------------------------------------------------------------------------------------------------


def _max_pool(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, *, dims) -> np.ndarray:
    x = _float(x)
    kernel, stride, padding, dilation = _pool_args(x, dims, kernel_size, stride, padding, dilation, "max_pool")
    out_size = [_pool_out_size(*args, ceil_mode) for args in zip(x.shape[2:], kernel, stride, padding, dilation)]
    xp = np.pad(x, [(0, 0), (0, 0), *[(p, p) for p in padding]], constant_values=-np.inf)
    out = np.zeros((*x.shape[:2], *out_size))
    for b, c, *pos in np.ndindex(*out.shape):  # a ceil_mode window may hang over the padded border: cut short
        out[(b, c, *pos)] = np.max(xp[(b, c, *_window(pos, kernel, stride, dilation))])
    return out


def _max_pool_backward(x, grad_out, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, *,
                       dims) -> np.ndarray:  # fmt: skip
    x, grad_out = _float(x), _float(grad_out)
    kernel, stride, padding, dilation = _pool_args(x, dims, kernel_size, stride, padding, dilation, "max_pool")
    out_size = [_pool_out_size(*args, ceil_mode) for args in zip(x.shape[2:], kernel, stride, padding, dilation)]
    if grad_out.shape != (*x.shape[:2], *out_size):
        raise ValueError(f"max_pool{dims}d_backward_reference: grad_out {grad_out.shape} is not the output's shape")
    pads = [(0, 0), (0, 0), *[(p, p) for p in padding]]
    xp = np.pad(x, pads, constant_values=-np.inf)
    inside = np.pad(np.ones(x.shape, bool), pads, constant_values=False)  # real entries, not padding
    grad = np.zeros_like(xp)
    for b, c, *pos in np.ndindex(*grad_out.shape):
        region = (b, c, *_window(pos, kernel, stride, dilation))
        window, real = xp[region], inside[region]
        first = None  # the first maximum in row-major order among the real entries; NaN is the largest
        for i in np.ndindex(*window.shape):
            if not real[i]:
                continue
            if first is None or window[i] > window[first] or np.isnan(window[i]) > np.isnan(window[first]):
                first = i
        if first is not None:  # a window wholly in the padding passes nothing
            grad[region][first] += grad_out[(b, c, *pos)]  # grad[region] is a view into grad
    return grad[(slice(None), slice(None), *[slice(p, p + n) for p, n in zip(padding, x.shape[2:])])]


def _avg_pool(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None,
              *, dims) -> np.ndarray:  # fmt: skip
    x = _float(x)
    kernel, stride, padding, _ = _pool_args(x, dims, kernel_size, stride, padding, 1, "avg_pool")
    out_size = [_pool_out_size(n, k, s, p, 1, ceil_mode) for n, k, s, p in zip(x.shape[2:], kernel, stride, padding)]
    out = np.zeros((*x.shape[:2], *out_size))
    for b, c, *pos in np.ndindex(*out.shape):
        starts = [o * s - p for o, s, p in zip(pos, stride, padding)]  # in input coordinates: < 0 is padding
        ends = [min(t + k, n + p) for t, k, n, p in zip(starts, kernel, x.shape[2:], padding)]  # ≤ the padded end
        window = x[(b, c, *[slice(max(t, 0), min(e, n)) for t, e, n in zip(starts, ends, x.shape[2:])])]
        with_pad = prod(e - t for t, e in zip(starts, ends))
        divisor = divisor_override or (with_pad if count_include_pad else window.size)
        out[(b, c, *pos)] = np.sum(window) / divisor
    return out


def _adaptive_avg_pool(x, output_size, *, dims) -> np.ndarray:
    x = _float(x)
    spatial = x.shape[2:]
    sizes = _tuple(output_size, dims)
    sizes = [n if m is None else m for n, m in zip(spatial, sizes)]
    out = np.zeros((*x.shape[:2], *sizes))
    for b, c, *pos in np.ndindex(*out.shape):
        bins = [slice(i * n // m, -(-(i + 1) * n // m)) for i, n, m in zip(pos, spatial, sizes)]  # ⌊i·n/m⌋, ⌈(i+1)·n/m⌉
        out[(b, c, *pos)] = np.mean(x[(b, c, *bins)])
    return out


max_pool1d_reference = for_dims(_max_pool, 1, "max_pool1d_reference", """
    Max over each window of ``x`` (N, C, L); padding is −∞.

    Examples:
        >>> max_pool1d_reference([[[1, 5, 2, 0, 3]]], 2)                  # the last 3 is not in a full window
        array([[[5., 2.]]])
        >>> max_pool1d_reference([[[1, 5, 2, 0, 3]]], 2, ceil_mode=True)  # ... unless ceil_mode
        array([[[5., 2., 3.]]])
    """)

max_pool2d_reference = for_dims(_max_pool, 2, "max_pool2d_reference", """
    Max over each window of ``x`` (N, C, H, W); padding is −∞.""")

max_pool3d_reference = for_dims(_max_pool, 3, "max_pool3d_reference", """
    Max over each window of ``x`` (N, C, D, H, W); padding is −∞.""")


max_pool1d_backward_reference = for_dims(_max_pool_backward, 1, "max_pool1d_backward_reference", """
    Gradient of ``max_pool1d_reference`` with respect to ``x``, given the output's gradient ``grad_out``.""")

max_pool2d_backward_reference = for_dims(_max_pool_backward, 2, "max_pool2d_backward_reference", """
    Gradient of ``max_pool2d_reference``: each output's gradient goes to the **first** maximal element of
    its window in row-major order (PyTorch's CPU rule for ties); overlapping windows add up. A dilated
    window lying wholly in the padding (its max is −∞) passes no gradient; PyTorch's backward aborts there.

    Examples:
        >>> x = np.array([[[[1.0, 7.0, 7.0], [7.0, 0.0, 0.0]]]])
        >>> max_pool2d_backward_reference(x, np.ones((1, 1, 1, 2)), 2, stride=1)[0, 0]   # both windows pick x[0, 1]
        array([[0., 2., 0.],
               [0., 0., 0.]])
    """)

max_pool3d_backward_reference = for_dims(_max_pool_backward, 3, "max_pool3d_backward_reference", """
    Gradient of ``max_pool3d_reference`` with respect to ``x`` (first maximum of each window).""")


avg_pool1d_reference = for_dims(_avg_pool, 1, "avg_pool1d_reference", """
    Mean over each window of ``x`` (N, C, L), with PyTorch's divisor.

    Examples:
        >>> avg_pool1d_reference([[[3.0, 3.0, 3.0]]], 2, padding=1)                          # pads count
        array([[[1.5, 3. ]]])
        >>> avg_pool1d_reference([[[3.0, 3.0, 3.0]]], 2, padding=1, count_include_pad=False)
        array([[[3., 3.]]])
    """, drop=("divisor_override",))

avg_pool2d_reference = for_dims(_avg_pool, 2, "avg_pool2d_reference", """
    Mean over each window of ``x`` (N, C, H, W); ``divisor_override`` replaces every divisor.""")

avg_pool3d_reference = for_dims(_avg_pool, 3, "avg_pool3d_reference", """
    Mean over each window of ``x`` (N, C, D, H, W); ``divisor_override`` replaces every divisor.""")


adaptive_avg_pool1d_reference = for_dims(_adaptive_avg_pool, 1, "adaptive_avg_pool1d_reference", """
    Average ``x`` (N, C, L) into ``output_size`` bins ``[⌊i·L/m⌋, ⌈(i+1)·L/m⌉)``, which may overlap.

    Examples:
        >>> adaptive_avg_pool1d_reference([[[0.0, 1.0, 2.0, 3.0, 4.0]]], 3)   # bins [0,2) [1,4) [3,5)
        array([[[0.5, 2. , 3.5]]])
    """)

adaptive_avg_pool2d_reference = for_dims(_adaptive_avg_pool, 2, "adaptive_avg_pool2d_reference", """
    Average ``x`` (N, C, H, W) into ``output_size`` bins per axis (``None`` keeps an axis's size).""")

adaptive_avg_pool3d_reference = for_dims(_adaptive_avg_pool, 3, "adaptive_avg_pool3d_reference", """
    Average ``x`` (N, C, D, H, W) into ``output_size`` bins per axis (``None`` keeps an axis's size).""")



# --------------------------------------------------------------------------------------------------
# unfold (im2col) and fold (col2im)
# --------------------------------------------------------------------------------------------------


def unfold_reference(x: ArrayLike, kernel_size: IntOrTuple, dilation=1, padding=0, stride=1) -> np.ndarray:
    """Windows as columns: ``(N, C, *spatial) -> (N, C·Πk, L)``. Column ``l`` is the ``l``-th window in
    row-major order over positions, flattened channel first, then kernel row, then kernel column.

    Examples:
        >>> unfold_reference(np.arange(6.0).reshape(1, 1, 2, 3), 2)[0]   # two 2×2 windows
        array([[0., 1.],
               [1., 2.],
               [3., 4.],
               [4., 5.]])
    """
    x = _float(x)
    dims = x.ndim - 2
    kernel, dilation, padding, stride = (_tuple(v, dims) for v in (kernel_size, dilation, padding, stride))
    xp = _pad(x, [(p, p) for p in padding], "zeros")
    out_size = [_out_size(n, k, s, 0, d) for n, k, s, d in zip(xp.shape[2:], kernel, stride, dilation)]
    _check_positive(out_size, "unfold", "the kernel is larger than the padded input")
    cols = np.zeros((x.shape[0], x.shape[1] * prod(kernel), prod(out_size)))
    for b in range(x.shape[0]):
        for column, pos in enumerate(np.ndindex(*out_size)):
            cols[b, :, column] = xp[(b, slice(None), *_window(pos, kernel, stride, dilation))].reshape(-1)
    return cols


def fold_reference(
    cols: ArrayLike, output_size: IntOrTuple, kernel_size: IntOrTuple, dilation=1, padding=0, stride=1
) -> np.ndarray:
    """Columns back to an image, adding where windows overlap: ``(N, C·Πk, L) -> (N, C, *output_size)``.
    The adjoint of :func:`unfold_reference` (not its inverse).

    Examples:
        >>> fold_reference(np.ones((1, 4, 2)), (2, 3), 2)[0, 0]   # the middle column is in both windows
        array([[1., 2., 1.],
               [1., 2., 1.]])
    """
    cols = _float(cols)
    dims = 2 if isinstance(output_size, int) else len(output_size)
    spatial = _tuple(output_size, dims)
    kernel, dilation, padding, stride = (_tuple(v, dims) for v in (kernel_size, dilation, padding, stride))
    channels = cols.shape[1] // prod(kernel)
    out_size = [_out_size(n, k, s, p, d) for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation)]
    if channels * prod(kernel) != cols.shape[1] or prod(out_size) != cols.shape[2]:
        raise ValueError(
            f"fold_reference: cols {cols.shape} do not match C·Πk = ?·{prod(kernel)} and L = {prod(out_size)} windows"
        )
    xp = np.zeros((cols.shape[0], channels, *[n + 2 * p for n, p in zip(spatial, padding)]))
    for b in range(cols.shape[0]):
        for column, pos in enumerate(np.ndindex(*out_size)):
            window = cols[b, :, column].reshape(channels, *kernel)
            xp[(b, slice(None), *_window(pos, kernel, stride, dilation))] += window
    return xp[(slice(None), slice(None), *[slice(p, p + n) for p, n in zip(padding, spatial)])]


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------


def _window(pos, kernel, stride, dilation) -> tuple[slice, ...]:
    """The slices of the window of output position ``pos`` in the padded input: ``p·s, p·s + d, …`` (k taps)."""
    return tuple(slice(p * s, p * s + d * (k - 1) + 1, d) for p, k, s, d in zip(pos, kernel, stride, dilation))


def _out_size(n: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    """Window positions along one axis: ⌊(n + 2p − d(k−1) − 1)/s⌋ + 1."""
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def _pool_out_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """:func:`_out_size`, or rounded up with ``ceil_mode`` minus a last window starting in the right padding."""
    if not ceil_mode:
        return _out_size(n, k, s, p, d)
    out = -(-(n + 2 * p - d * (k - 1) - 1) // s) + 1
    return out - 1 if (out - 1) * s >= n + p else out


def _conv_padding(padding, kernel, stride, dilation) -> list[tuple[int, int]]:
    """(left, right) padding per axis; ``'same'`` puts the odd one out on the right, as PyTorch does."""
    if padding == "valid":
        return [(0, 0)] * len(kernel)
    if padding == "same":
        if any(s != 1 for s in stride):
            raise ValueError(f"padding='same' needs stride 1 (as in PyTorch), got stride={stride}")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return [(t // 2, t - t // 2) for t in totals]
    if isinstance(padding, str):
        raise ValueError(f"padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
    return [(p, p) for p in _tuple(padding, len(kernel))]


def _pad(x: np.ndarray, pads: list[tuple[int, int]], padding_mode: str) -> np.ndarray:
    if padding_mode not in _NP_PAD_MODES:
        raise ValueError(f"padding_mode must be one of {sorted(_NP_PAD_MODES)}, got {padding_mode!r}")
    limit = {"reflect": 1, "circular": 0}.get(padding_mode)  # pad ≤ n − limit; np.pad would reflect / wrap again
    for n, (left, right) in zip(x.shape[2:], pads):
        if limit is not None and max(left, right) > n - limit:
            raise ValueError(f"padding_mode={padding_mode!r} needs padding ≤ {n - limit} for size {n}, got {pads}")
    return np.pad(x, [(0, 0), (0, 0), *pads], mode=_NP_PAD_MODES[padding_mode])


def _pool_args(x, dims, kernel_size, stride, padding, dilation, name):
    if x.ndim != dims + 2:
        raise ValueError(f"{name}{dims}d_reference: x must be (N, C, *{dims} spatial axes), got shape {x.shape}")
    kernel = _tuple(kernel_size, dims)
    stride = kernel if stride is None else _tuple(stride, dims)
    return kernel, stride, _tuple(padding, dims), _tuple(dilation, dims)


def _tuple(value, dims: int) -> tuple:
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * dims
    if len(values) != dims:
        raise ValueError(f"expected an int or {dims} values, got {value!r}")
    return values


def _float(a: ArrayLike) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _expect_dims(x, weight, dims: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    x, weight = _float(x), _float(weight)
    if x.ndim != dims + 2 or weight.ndim != dims + 2:
        raise ValueError(f"{name}: x and weight must have {dims + 2} axes, got shapes {x.shape} and {weight.shape}")
    return x, weight


def _check_conv(x: np.ndarray, weight: np.ndarray, groups: int, dims: int) -> None:
    if x.ndim != dims + 2:
        raise ValueError(f"conv: x must be (N, C_in, *{dims} spatial axes), got shape {x.shape}")
    if weight.shape[0] % groups or x.shape[1] != weight.shape[1] * groups:
        raise ValueError(
            f"conv: weight {weight.shape} with groups={groups} needs C_out divisible by {groups} "
            f"and C_in = {weight.shape[1]}·{groups}, but x has {x.shape[1]} channels"
        )


def _check_conv_transpose(x: np.ndarray, weight: np.ndarray, groups: int, dims: int) -> None:
    if x.ndim != dims + 2 or x.shape[1] != weight.shape[0] or weight.shape[0] % groups:
        raise ValueError(
            f"conv_transpose: x {x.shape} needs {dims + 2} axes and C_in = weight.shape[0] = {weight.shape[0]}, "
            f"divisible by groups={groups}"
        )


def _check_positive(sizes, name: str, reason: str) -> None:
    if any(n < 1 for n in sizes):
        raise ValueError(f"{name}: output size {tuple(sizes)} is empty: {reason}")


__test__ = {f.__name__: f for f in (  # doctest runs the made functions' examples too
    conv1d_reference, conv2d_reference, conv3d_reference,
    conv_transpose1d_reference, conv_transpose2d_reference, conv_transpose3d_reference,
    max_pool1d_reference, max_pool2d_reference, max_pool3d_reference,
    max_pool1d_backward_reference, max_pool2d_backward_reference, max_pool3d_backward_reference,
    avg_pool1d_reference, avg_pool2d_reference, avg_pool3d_reference,
    adaptive_avg_pool1d_reference, adaptive_avg_pool2d_reference, adaptive_avg_pool3d_reference,
)}  # fmt: skip
