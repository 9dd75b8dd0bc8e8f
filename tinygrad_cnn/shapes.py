"""Sizes and counts of convolution, pooling and dense layers, as plain integer formulas.

The engine computes every output size and parameter count here, and nowhere else. The formulas use only
``+ - * //`` so they also accept SymPy symbols: the ``derivations`` package evaluates these very
functions symbolically and proves them equal to what it derives by counting.

Examples:
    >>> conv_output_size(32, kernel_size=5)                # 32 - 5 + 1
    28
    >>> conv_output_size(7, 3, stride=2, padding=1, dilation=2)
    3
    >>> dense_parameter_count(32 * 32, 100)                # the lecture's ~100,000
    102500
    >>> conv_parameter_count(3, 8, (5, 5))                 # (3·5·5 + 1)·8
    608
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod
from typing import Any

__all__ = [
    "conv_output_size", "conv_transpose_output_size", "pool_output_size", "same_padding",
    "dense_parameter_count", "conv_parameter_count", "conv_output_size_formula",
    "pool_output_size_formula", "checked_output_size", "conv_macs", "dense_macs",
]  # fmt: skip

Int = Any  # an int, or a SymPy expression standing for one


def conv_output_size(n: Int, kernel_size: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1) -> Int:
    """Number of window positions along one axis: ⌊(n + 2p − d(k−1) − 1)/s⌋ + 1.

    A dilated kernel spans ``d(k−1) + 1`` inputs; it fits at ``n + 2p − d(k−1)`` start positions,
    of which every ``s``-th is used.
    """
    return (n + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1


def conv_transpose_output_size(
    n: Int, kernel_size: Int, stride: Int = 1, padding: Int = 0, output_padding: Int = 0, dilation: Int = 1
) -> Int:
    """Output length of a transposed convolution: (n − 1)s − 2p + d(k − 1) + output_padding + 1."""
    return (n - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + output_padding + 1


def pool_output_size(
    n: int, kernel_size: int, stride: int | None = None, padding: int = 0, dilation: int = 1, ceil_mode: bool = False
) -> int:
    """Pooling output length, PyTorch's rule: as :func:`conv_output_size` (floor), or rounded up with
    ``ceil_mode``, except that a last window starting beyond the input and its left padding is dropped."""
    stride = kernel_size if stride is None else stride
    span = n + 2 * padding - dilation * (kernel_size - 1) - 1
    if not ceil_mode:
        return span // stride + 1
    out = -(-span // stride) + 1  # ⌈span / s⌉ + 1
    if (out - 1) * stride >= n + padding:
        out -= 1
    return out


def same_padding(kernel_size: int, dilation: int = 1) -> tuple[int, int]:
    """``padding='same'`` (stride 1): pad d(k−1) in all, the smaller half first, as PyTorch does."""
    total = dilation * (kernel_size - 1)
    return total // 2, total - total // 2


def dense_parameter_count(in_features: Int, out_features: Int, bias: bool = True) -> Int:
    """(n_{l−1} + 1)·n_l: one weight per input per unit, plus one bias per unit."""
    return (in_features + (1 if bias else 0)) * out_features


def conv_parameter_count(
    in_channels: Int, out_channels: Int, kernel_size: Sequence[Int] | Int, groups: Int = 1, bias: bool = True
) -> Int:
    """(C_in/g · Π k + 1)·C_out: one shared kernel per output channel, whatever the input size."""
    kernel = (kernel_size,) if not isinstance(kernel_size, (tuple, list)) else tuple(kernel_size)
    return (in_channels // groups * prod(kernel) + (1 if bias else 0)) * out_channels


def conv_macs(
    in_channels: Int,
    out_channels: Int,
    kernel_size: Sequence[Int] | Int,
    output_size: Sequence[Int] | Int,
    groups: Int = 1,
) -> Int:
    """Multiply-accumulates of a conv layer: every output value is one window·kernel dot product."""
    kernel = (kernel_size,) if not isinstance(kernel_size, (tuple, list)) else tuple(kernel_size)
    out = (output_size,) if not isinstance(output_size, (tuple, list)) else tuple(output_size)
    return out_channels * prod(out) * (in_channels // groups) * prod(kernel)


def dense_macs(in_features: Int, out_features: Int) -> Int:
    """Multiply-accumulates of a dense layer: one per weight."""
    return in_features * out_features


def conv_output_size_formula(n: int, kernel_size: int, stride: int, padding: int, dilation: int) -> str:
    """The output-size formula with the numbers filled in, for error messages.

    Examples:
        >>> conv_output_size_formula(4, 5, 1, 0, 1)
        '⌊(4 + 2·0 − 1·(5−1) − 1)/1⌋ + 1 = 0'
    """
    out = conv_output_size(n, kernel_size, stride, padding, dilation)
    return f"⌊({n} + 2·{padding} − {dilation}·({kernel_size}−1) − 1)/{stride}⌋ + 1 = {out}"


def pool_output_size_formula(
    n: int, kernel_size: int, stride: int, padding: int, dilation: int, ceil_mode: bool
) -> str:
    """Like :func:`conv_output_size_formula`, with ⌈ ⌉ under ``ceil_mode``."""
    left, right = ("⌈", "⌉") if ceil_mode else ("⌊", "⌋")
    out = pool_output_size(n, kernel_size, stride, padding, dilation, ceil_mode)
    return f"{left}({n} + 2·{padding} − {dilation}·({kernel_size}−1) − 1)/{stride}{right} + 1 = {out}"


def checked_output_size(
    where: str,
    n: int,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    *,
    ceil_mode: bool = False,
    pads: tuple[int, int] | None = None,
) -> int:
    """The output size along one axis, or a ``ValueError`` that names ``where`` and shows the formula with the
    numbers filled in. The one output-size check of the engine: convolution, pooling, the scalar engine's
    convolution and the named architectures all call it. ``pads`` gives an uneven ``(before, after)``
    padding (``padding='same'`` with an even kernel).

    Examples:
        >>> checked_output_size("Conv2d(k=5) on a 4×4 input", 4, 5)
        Traceback (most recent call last):
        ...
        ValueError: Conv2d(k=5) on a 4×4 input: ⌊(4 + 2·0 − 1·(5−1) − 1)/1⌋ + 1 = 0, needs ≥ 1
        >>> checked_output_size("conv1d", 5, 2, pads=(0, 1))
        5
    """
    if pads is not None and pads[0] != pads[1]:
        before, after = pads
        out = conv_output_size(n + before + after, kernel_size, stride, 0, dilation)
        formula = f"⌊({n} + {before} + {after} − {dilation}·({kernel_size}−1) − 1)/{stride}⌋ + 1 = {out}"
    else:
        padding = padding if pads is None else pads[0]
        out = pool_output_size(n, kernel_size, stride, padding, dilation, ceil_mode)
        formula = pool_output_size_formula(n, kernel_size, stride, padding, dilation, ceil_mode)
    if out < 1:
        raise ValueError(f"{where}: {formula}, needs ≥ 1")
    return out
