"""Pooling: the same windows as convolution (locality) with a fixed reduction instead of learned weights.

* Max pooling takes each window's maximum. Its gradient goes to **the first maximal element of the
  window in row-major order** (ties broken deterministically, as PyTorch's CPU kernel does); windows
  that overlap add their gradients. Padding is −∞ and never wins, not even a tie with a real −∞ (as in
  PyTorch). NaN counts as the largest value; of several NaNs in a window the first is taken (PyTorch's
  CPU kernel takes the last).
* Average pooling sums each window and divides by the window's size (PyTorch's rules for padding and
  ``ceil_mode``: with ``count_include_pad`` the padding counts, the ``ceil_mode`` overhang never does).
* Adaptive average pooling averages PyTorch's bins ``[⌊i·n/m⌋, ⌈(i+1)·n/m⌉)``: equal blocks of ``n/m`` by a
  reshape and a mean when ``m`` divides ``n`` (a global average, ``m = 1``), else one averaging matrix per axis,
  applied by matmul.

Examples:
    >>> import numpy as np
    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor(np.array([[[[1.0, 2, 5, 0], [3, 4, 1, 1], [0, 0, 2, 2], [1, 0, 2, 9]]]]))
    >>> max_pool(x, 2).numpy()[0, 0]
    array([[4., 5.],
           [1., 9.]])
    >>> avg_pool(x, 2).numpy()[0, 0]
    array([[2.5 , 1.75],
           [0.25, 3.75]])
"""

from __future__ import annotations

from math import ceil, floor

import numpy as np

from ..engine import ops
from ..engine.args import batched, flag, int_tuple, is_int
from ..engine.autograd import is_grad_enabled
from ..engine.tensor import Tensor, apply
from ..engine.window_max import TapPositions, window_max
from .convolution import IntOrTuple
from .geometry import Window

__all__ = ["max_pool", "windowed_max_pool", "avg_pool", "windowed_avg_pool", "adaptive_avg_pool"]


def max_pool(
    x: Tensor,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
    *,
    dims: int = 2,
    layer: str | None = None,
) -> Tensor | tuple[Tensor, Tensor]:
    """Max over each window of ``(N, C, *spatial)`` (or unbatched ``(C, *spatial)``).

    With ``return_indices``, also where each maximum came from, as PyTorch gives it: an int64 index into the
    flattened spatial dims of the input (``h·W + w`` in 2-D), the first maximum of the window."""
    window = Window.pool(f"max_pool{dims}d", dims, kernel_size, stride, padding, dilation, ceil_mode, layer=layer)
    return windowed_max_pool(x, window, flag(window.name, "return_indices", return_indices))


def windowed_max_pool(x: Tensor, window: Window, return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max pooling with a checked :class:`~tinygrad_cnn.conv.geometry.Window` (a layer's, built once).

    One pass over the kernel taps (:func:`~tinygrad_cnn.engine.window_max.window_max`, which pads as it goes)
    gives the maxima and the tap of the first maximum of each window: the gradient goes there, and so do the
    indices. When neither is wanted (no gradient, as in evaluation, and no indices), only the maxima are found."""
    dims = window.dims
    x, unbatched = batched(window.name, x, dims)
    pads, out_size = window.pool_pads(x.shape[2:])
    with_taps = return_indices or (x.requires_grad and is_grad_enabled())
    maxima, taps = window_max(x.data, window.kernel, window.stride, window.dilation, out_size, pads,
                              with_taps=with_taps)  # (N, C, *out)  # fmt: skip
    out = apply(ops.WindowMax, x, kernel_size=window.kernel, stride=window.stride, dilation=window.dilation,
                pads=pads, found=(maxima, taps))  # (N, C, *out)  # fmt: skip
    if not return_indices:
        return out[0] if unbatched else out
    indices = Tensor(_flat_indices(taps, x.shape[2:], pads, window))  # (N, C, *out)
    return (out[0], indices[0]) if unbatched else (out, indices)


def _flat_indices(taps: np.ndarray, spatial, pads, window: Window) -> np.ndarray:
    """The flat input position (row-major over the spatial dims) of each window's chosen tap, −1 for none."""
    where = TapPositions.of(spatial, window.kernel, window.stride, window.dilation, pads, taps.shape[2:])
    origins = where.origins.reshape(taps.shape[2:])  # (Πout,) -> (*out): broadcasts over (N, C, *out)
    return np.where(taps >= 0, origins + where.offsets[np.maximum(taps, 0)], -1).astype(np.int64, copy=False)


def avg_pool(
    x: Tensor,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
    *,
    dims: int = 2,
    layer: str | None = None,
) -> Tensor:
    """Mean over each window, divided as PyTorch divides (see the module docstring)."""
    window = Window.pool(f"avg_pool{dims}d", dims, kernel_size, stride, padding, 1, ceil_mode, layer=layer,
                         show_dilation=False)  # fmt: skip
    if divisor_override is not None and (not is_int(divisor_override) or divisor_override == 0):
        raise ValueError(f"{window.name}: divisor_override must be a non-zero int, got {divisor_override!r}")
    return windowed_avg_pool(x, window, flag(window.name, "count_include_pad", count_include_pad), divisor_override)


def windowed_avg_pool(
    x: Tensor, window: Window, count_include_pad: bool = True, divisor_override: int | None = None
) -> Tensor:
    """Average pooling with a checked window and ``divisor_override``."""
    dims = window.dims
    x, unbatched = batched(window.name, x, dims)
    windows = _pool_windows(x, window, fill=0.0)  # (N, C, *k, *out)
    sums = windows.sum(dim=tuple(range(2, 2 + dims)))  # (N, C, *out)
    out_size = sums.shape[2:]
    if divisor_override is not None:
        divisor = np.full(out_size, float(divisor_override))
    else:
        divisor = _window_counts(x.shape[2:], out_size, window, count_include_pad)  # (*out)
    out = sums / Tensor(divisor.astype(x.dtype))  # (*out) broadcasts over (N, C, *out)
    return out[0] if unbatched else out


def adaptive_avg_pool(x: Tensor, output_size: IntOrTuple, *, dims: int = 2, layer: str | None = None) -> Tensor:
    """Average ``(N, C, *spatial)`` into exactly ``output_size`` bins per axis (``None`` keeps an axis)."""
    name = layer or f"adaptive_avg_pool{dims}d"
    sizes = int_tuple(name, "output_size", output_size, dims, allow_none=True)
    x, unbatched = batched(name, x, dims)
    if x.dtype.kind != "f":
        raise ValueError(f"{name}: needs a floating-point input, got {x.dtype}")
    sizes = tuple(n if m is None else m for n, m in zip(x.shape[2:], sizes))
    if all(n % m == 0 for n, m in zip(x.shape[2:], sizes)):  # equal bins of n/m (a global average: m = 1)
        blocks = [part for n, m in zip(x.shape[2:], sizes) for part in (m, n // m)]
        binned = x.reshape(*x.shape[:2], *blocks)  # (N, C, *spatial) -> (N, C, m, n/m, ...): one bin per block
        out = binned.mean(tuple(range(3, 3 + 2 * dims, 2)))  # -> (N, C, m, ...)
        return out[0] if unbatched else out
    out = x
    for axis, (n, m) in enumerate(zip(x.shape[2:], sizes), start=2):
        averaging = Tensor(_averaging_matrix(n, m).astype(x.dtype))  # (m, n)
        moved = out.transpose(axis, -1)  # this axis last: (..., n)
        out = (moved @ averaging.T).transpose(axis, -1)  # (..., n) @ (n, m) -> (..., m), axis put back
    return out[0] if unbatched else out


def _averaging_matrix(n: int, m: int) -> np.ndarray:
    """Row i averages PyTorch's bin [⌊i·n/m⌋, ⌈(i+1)·n/m⌉) of an axis of length n."""
    matrix = np.zeros((m, n))
    for i in range(m):
        start, end = floor(i * n / m), ceil((i + 1) * n / m)
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix


def _pool_padded(x: Tensor, window: Window, fill: float) -> tuple[Tensor, tuple[tuple[int, int], ...], tuple[int, ...]]:
    """``x`` padded with ``fill`` on the left and right, plus the ``ceil_mode`` overhang; the pads; the output size."""
    pads, out_size = window.pool_pads(x.shape[2:])
    return (x.pad(((0, 0), (0, 0), *pads), value=fill) if any(map(any, pads)) else x), pads, out_size


def _pool_windows(x: Tensor, window: Window, fill: float) -> Tensor:
    """Pad (:func:`_pool_padded`) and take the windows ``(N, C, *k, *out)``."""
    padded, _, out_size = _pool_padded(x, window, fill)
    kernel, stride, dilation = window.kernel, window.stride, window.dilation
    windows = apply(ops.Windows, padded, kernel_size=kernel, stride=stride, dilation=dilation)
    index = (slice(None),) * (2 + len(kernel)) + tuple(slice(0, out) for out in out_size)  # drop windows past the last
    return windows[index] if windows.shape[2 + len(kernel) :] != tuple(out_size) else windows


def _window_counts(spatial, out_size, window: Window, count_include_pad: bool) -> np.ndarray:
    """How many values each window averages: per axis, the part of the window inside [−p, n+p) (with
    ``count_include_pad``) or inside [0, n); the product over axes."""
    per_axis = []
    for n, out, k, s, p in zip(spatial, out_size, window.kernel, window.stride, window.padding):
        start = np.arange(out) * s - p
        low, high = (-p, n + p) if count_include_pad else (0, n)
        per_axis.append(np.minimum(start + k, high) - np.maximum(start, low))
    counts = per_axis[0]
    for c in per_axis[1:]:
        counts = np.multiply.outer(counts, c)  # (*out so far, next)
    return counts.astype(np.float64)
