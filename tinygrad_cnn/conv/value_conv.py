"""Convolution in the scalar engine, exactly as the lecture draws it: shared-weight local sums.

Each output is ``bias + Σ w · x`` over a small window of the input (*locality*), and the same kernel
``Value`` objects ``w`` appear in the sum of every window (*sharing*). Nothing here knows about gradients:
because one weight is one node used at many positions, ``backward()`` adds one term per position into it,
so its gradient is the sum over output positions of (upstream gradient × the input it touched).

Inputs are nested lists: ``x[c][i]`` (channels × length) for :func:`conv1d`, ``x[c][i][j]`` (C × H × W) for
:func:`conv2d`; entries may be Values or plain numbers. Zero padding is implicit: terms that would multiply
a padded zero are left out of the sum. Keep sizes tiny (a 3×3 kernel on a 6×6 image is already about 300
nodes): this module is for seeing and checking; :mod:`tinygrad_cnn.conv.convolution` is for computing.

Examples:
    The lecture's picture: each output is w1·x1 + w2·x2 over its own window, with the same w1, w2.

    >>> (w,), _ = conv_parameters(1, 1, 2, bias=False)
    >>> w[0][0].data, w[0][1].data = 1.0, -1.0
    >>> y = conv1d([[1.0, 4.0, 9.0, 16.0]], [w])
    >>> to_numbers(y)                       # differences of neighbours
    array([[-3., -5., -7.]])
    >>> sum(y[0]).backward()
    >>> w[0][0].label, w[0][0].grad         # 1 + 4 + 9: every input w[0,0,0] touched
    ('w[0,0,0]', 14.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod, sqrt
from typing import Any

import numpy as np

from ..engine.rng import default_generator
from ..engine.value import Value
from ..shapes import checked_output_size

__all__ = ["conv1d", "conv2d", "conv_parameters", "to_values", "to_numbers"]

Scalar = Value | float | int
Pair = int | Sequence[int]


def conv1d(
    x: Sequence[Sequence[Scalar]],
    weight: Sequence[Sequence[Sequence[Scalar]]],
    bias: Sequence[Scalar] | None = None,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> list[list[Value]]:
    """1-D convolution (cross-correlation) of ``x`` (C_in × L) with ``weight`` (C_out × C_in × k).

    ``y[o][i] = bias[o] + Σ_c Σ_j weight[o][c][j] · x[c][i·stride + j·dilation − padding]``.

    Examples:
        >>> conv1d([[1.0, 2.0, 3.0]], [[[Value(1.0), Value(1.0)]]], padding=1, stride=2)[0]   # [0+1, 2+3]
        [Value(data=1.0, grad=0), Value(data=5.0, grad=0)]
    """
    c_in, length = _rectangular(x, "C × L", "conv1d", "x")
    c_out, c_w, k = _rectangular(weight, "C_out × C_in × k", "conv1d", "weight")
    _check_channels("conv1d", c_in, c_w, bias, c_out)
    n_out = _output_size("conv1d", "L", length, k, stride, padding, dilation)
    y = []
    for o in range(c_out):
        row = []
        for i in range(n_out):
            window = _taps(i, k, stride, padding, dilation, length)  # (j, t): weight tap j meets input t
            terms = [weight[o][c][j] * x[c][t] for c in range(c_in) for j, t in window]
            row.append(_local_sum(terms, None if bias is None else bias[o]))
        y.append(row)
    return y


def conv2d(
    x: Sequence[Sequence[Sequence[Scalar]]],
    weight: Sequence[Sequence[Sequence[Sequence[Scalar]]]],
    bias: Sequence[Scalar] | None = None,
    stride: Pair = 1,
    padding: Pair = 0,
    dilation: Pair = 1,
) -> list[list[list[Value]]]:
    """2-D convolution of ``x`` (C_in × H × W) with ``weight`` (C_out × C_in × kH × kW).

    ``y[o][i][j] = bias[o] + Σ_c Σ_u Σ_v weight[o][c][u][v] · x[c][i·s + u·d − p][j·s + v·d − p]``
    (per axis ``s, p, d``; an int is used for both axes).

    Examples:
        The lecture's edge detector on a 3×4 image with a vertical edge:

        >>> image = [[[1.0, 1.0, 0.0, 0.0]] * 3]
        >>> kernel = to_values([[[[1.0, 0.0, -1.0]] * 3]])
        >>> to_numbers(conv2d(image, kernel))
        array([[[3., 3.]]])
    """
    c_in, height, width = _rectangular(x, "C × H × W", "conv2d", "x")
    c_out, c_w, kh, kw = _rectangular(weight, "C_out × C_in × kH × kW", "conv2d", "weight")
    _check_channels("conv2d", c_in, c_w, bias, c_out)
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride, "stride"), _pair(padding, "padding"), _pair(dilation, "dilation")
    oh = _output_size("conv2d", "H", height, kh, sh, ph, dh)
    ow = _output_size("conv2d", "W", width, kw, sw, pw, dw)
    y = []
    for o in range(c_out):
        plane = []
        for i in range(oh):
            row = []
            for j in range(ow):
                rows, cols = _taps(i, kh, sh, ph, dh, height), _taps(j, kw, sw, pw, dw, width)  # (u, r), (v, q)
                terms = [weight[o][c][u][v] * x[c][r][q] for c in range(c_in) for u, r in rows for v, q in cols]
                row.append(_local_sum(terms, None if bias is None else bias[o]))
            plane.append(row)
        y.append(plane)
    return y


def conv_parameters(
    out_channels: int,
    in_channels: int,
    kernel_size: int | Sequence[int],
    bias: bool = True,
    generator: np.random.Generator | None = None,
) -> tuple[list[Any], list[Value] | None]:
    """A kernel ``weight[o][c][*k]`` of labelled Values (``"w[o,c,u,v]"``) and a ``bias[o]`` (``"b[o]"``).

    An int ``kernel_size`` makes a 1-D kernel; pass ``(kH, kW)`` for 2-D. Values are drawn as PyTorch
    initialises conv layers: uniform in ``±1/√fan_in`` with ``fan_in = in_channels · Πk``.

    Examples:
        >>> weight, bias = conv_parameters(2, 1, (2, 2), generator=np.random.default_rng(0))
        >>> len(weight), len(weight[0]), len(weight[0][0]), len(weight[0][0][0])
        (2, 1, 2, 2)
        >>> weight[1][0][0][1].label, bias[1].label
        ('w[1,0,0,1]', 'b[1]')
        >>> all(abs(w) <= 0.5 for w in to_numbers(weight).ravel())   # 1/√4
        True
    """
    kernel = (kernel_size,) if isinstance(kernel_size, int) else tuple(kernel_size)
    generator = default_generator() if generator is None else generator
    bound = 1 / sqrt(in_channels * prod(kernel))
    numbers = generator.uniform(-bound, bound, (out_channels, in_channels, *kernel))
    weight = to_values(numbers, "w")
    biases = to_values(generator.uniform(-bound, bound, out_channels), "b") if bias else None
    return weight, biases


def to_values(array: Any, label: str | None = None) -> list[Any]:
    """A NumPy array (or nested list of numbers) as nested lists of fresh leaf Values.

    With ``label``, each Value is named by its index: ``label="x"`` gives ``"x[0,2]"``.

    Examples:
        >>> to_values([[1, 2]], "x")[0][1]
        Value(data=2.0, grad=0)
        >>> to_values([[1, 2]], "x")[0][1].label
        'x[0,1]'
    """
    numbers = np.asarray(array, dtype=np.float64)
    cells = np.empty(numbers.shape, dtype=object)
    for index in np.ndindex(numbers.shape):
        name = "" if label is None else f"{label}[{','.join(map(str, index))}]"
        cells[index] = Value(float(numbers[index]), label=name)
    return cells.tolist()


def to_numbers(nested: Any, grad: bool = False) -> np.ndarray:
    """Nested lists of Values (or numbers) as a float64 array of their ``.data`` (or ``.grad``).

    Examples:
        >>> a = to_values([[1.0, 2.0]])
        >>> (a[0][0] * a[0][1]).backward()
        >>> to_numbers(a), to_numbers(a, grad=True)
        (array([[1., 2.]]), array([[2., 1.]]))
    """
    cells = np.array(nested, dtype=object)
    out = np.zeros(cells.shape)
    for index in np.ndindex(cells.shape):
        cell = cells[index]
        value = (cell.grad if grad else cell.data) if isinstance(cell, Value) else (0.0 if grad else cell)
        out[index] = value.data if isinstance(value, Value) else value  # a create_graph gradient is a Value
    return out


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------


def _taps(position: int, k: int, stride: int, padding: int, dilation: int, n: int) -> list[tuple[int, int]]:
    """(kernel index, input index) pairs of one window along one axis, leaving out the zero padding."""
    starts = [(j, position * stride + j * dilation - padding) for j in range(k)]
    return [(j, t) for j, t in starts if 0 <= t < n]


def _local_sum(terms: list[Any], bias: Scalar | None) -> Value:
    """``bias + Σ terms`` as a chain of ``+`` nodes (micrograd's ``sum(terms, b)``); always a Value."""
    if bias is not None:
        total = sum(terms, bias)
    else:
        total = sum(terms[1:], terms[0]) if terms else 0.0  # a window wholly in the padding sums to 0
    return total if isinstance(total, Value) else Value(float(total))


def _rectangular(nested: Any, layout: str, name: str, what: str) -> tuple[int, ...]:
    """The shape of nested lists laid out as ``layout`` (e.g. ``"C × L"``), or a ValueError."""
    shape, level = [], [nested]
    for _ in range(layout.count("×") + 1):
        sizes = {len(item) if isinstance(item, (list, tuple)) else 0 for item in level}
        if len(sizes) != 1 or 0 in sizes:
            raise ValueError(
                f"{name}: {what} must be non-empty, rectangular nested lists {layout} "
                "(convert an array with to_values(array) or array.tolist())"
            )
        shape.append(sizes.pop())
        level = [inner for item in level for inner in item]
    return tuple(shape)


def _check_channels(name: str, c_in: int, c_weight: int, bias: Sequence[Scalar] | None, c_out: int) -> None:
    if c_in != c_weight:
        raise ValueError(f"{name}: x has {c_in} channels but weight expects {c_weight} (weight is C_out × C_in × k)")
    if bias is not None and len(bias) != c_out:
        raise ValueError(f"{name}: bias has {len(bias)} entries but weight has {c_out} output channels")


def _output_size(name: str, axis: str, n: int, k: int, stride: int, padding: int, dilation: int) -> int:
    if stride < 1 or dilation < 1 or padding < 0:
        raise ValueError(f"{name}: need stride ≥ 1, dilation ≥ 1, padding ≥ 0; got {stride}, {dilation}, {padding}")
    where = (f"{name}: the kernel is larger than the padded input along {axis}: it spans {dilation * (k - 1) + 1} "
             f"(k={k}, dilation={dilation}) but the input has {n} + 2·{padding} = {n + 2 * padding}; output size")
    return checked_output_size(where, n, k, stride, padding, dilation)


def _pair(value: Pair, what: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2:
        raise ValueError(f"conv2d: {what} must be an int or a pair, got {value!r}")
    return pair
