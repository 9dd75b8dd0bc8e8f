"""Making tensors: PyTorch's factory functions (``tensor``, ``zeros``, ``ones``, ``full``, ``arange``, ``eye``,
``randn``, ``rand`` and the ``*_like`` forms), float32 unless asked otherwise; random ones draw from the
generator that :func:`~tinygrad_cnn.manual_seed` seeds, or from the ``generator`` given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .rng import default_generator
from .sizes import check_allocation, is_int, shown
from .tensor import DEFAULT_DTYPE, ArrayLike, Tensor, _as_array, _check_dtype, _shape_arg

__all__ = ["tensor", "zeros", "ones", "full", "zeros_like", "ones_like", "arange", "eye", "randn", "rand"]


def tensor(data: ArrayLike, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``torch.tensor``: a new tensor (a copy of ``data``); Python floats give float32, ints int64.

    Examples:
        >>> tensor([1.0, 2.0], requires_grad=True), tensor([1, 2]).dtype
        (Tensor([1., 2.], requires_grad=True), dtype('int64'))
    """
    return Tensor(np.array(_as_array(data, dtype), copy=True), requires_grad=requires_grad)


def zeros(*shape: int | Sequence[int], dtype: Any = DEFAULT_DTYPE, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros (float32 unless ``dtype``); the shape as separate ints or one tuple.

    Examples:
        >>> zeros(2, 3).shape == zeros((2, 3)).shape, zeros(2).dtype
        (True, dtype('float32'))
    """
    return Tensor(np.zeros(_new_shape("zeros", shape, dtype), dtype), requires_grad=requires_grad)


def ones(*shape: int | Sequence[int], dtype: Any = DEFAULT_DTYPE, requires_grad: bool = False) -> Tensor:
    """A tensor of ones (float32 unless ``dtype``).

    Examples:
        >>> ones(2, 2)
        Tensor([[1., 1.],
                [1., 1.]])
    """
    return Tensor(np.ones(_new_shape("ones", shape, dtype), dtype), requires_grad=requires_grad)


def full(
    shape: Sequence[int], fill_value: float, dtype: Any = DEFAULT_DTYPE, requires_grad: bool = False
) -> Tensor:
    """A tensor of ``shape`` with every entry ``fill_value``.

    Examples:
        >>> full((2, 3), 0.5).tolist()
        [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]
    """
    return Tensor(np.full(_new_shape("full", (shape,), dtype), _as_array(fill_value), dtype),
                  requires_grad=requires_grad)  # fmt: skip


def zeros_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    """Zeros of ``t``'s shape and dtype.

    Examples:
        >>> zeros_like(Tensor([[1, 2, 3]]))
        Tensor([[0, 0, 0]])
    """
    return Tensor(np.zeros_like(t.data), requires_grad=requires_grad)


def ones_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    """Ones of ``t``'s shape and dtype.

    Examples:
        >>> ones_like(Tensor([0.5, 2.0]))
        Tensor([1., 1.])
    """
    return Tensor(np.ones_like(t.data), requires_grad=requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None) -> Tensor:
    """``torch.arange``: ``start, start + step, ...`` up to but excluding ``end``; integers give int64, any
    float argument gives float32 (unless ``dtype``).

    Examples:
        >>> arange(4), arange(0, 1, 0.25)
        (Tensor([0, 1, 2, 3]), Tensor([0.  , 0.25, 0.5 , 0.75]))
    """
    if end is None:
        start, end = 0, start
    for what, value in (("start", start), ("end", end), ("step", step)):
        if isinstance(value, bool) or not (is_int(value) or isinstance(value, (float, np.floating))) or \
                not np.isfinite(value):  # fmt: skip
            raise ValueError(f"arange: {what} must be a finite number, got {shown(value)}")
    if step == 0:
        raise ValueError(f"arange: step must not be 0 (from {start} to {end})")
    if dtype is None and any(isinstance(v, (float, np.floating)) for v in (start, end, step)):
        dtype = DEFAULT_DTYPE
    count = max(0, int(np.ceil((end - start) / step)))
    check_allocation("arange", "the tensor", (count,), np.float64 if dtype is None else _check_dtype("arange", dtype))
    return Tensor(np.arange(start, end, step), dtype=dtype)


def eye(n: int, dtype: Any = DEFAULT_DTYPE) -> Tensor:
    """The ``n × n`` identity matrix.

    Examples:
        >>> eye(2)
        Tensor([[1., 0.],
                [0., 1.]])
    """
    (n,) = _new_shape("eye", (n,), dtype)
    check_allocation("eye", "the matrix", (n, n), dtype)
    return Tensor(np.eye(n, dtype=dtype))


def randn(
    *shape: int | Sequence[int],
    dtype: Any = DEFAULT_DTYPE,
    requires_grad: bool = False,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Standard normal samples ``N(0, 1)`` from ``generator`` (default: the one :func:`manual_seed` seeds).

    Examples:
        >>> a, b = randn(2, 3, generator=np.random.default_rng(0)), randn(2, 3, generator=np.random.default_rng(0))
        >>> a.shape, bool((a == b).numpy().all())    # the same seed, the same numbers
        ((2, 3), True)
    """
    gen = generator or default_generator()
    size = _new_shape("randn", shape, np.float64)  # drawn in float64, then cast
    return Tensor(gen.standard_normal(size).astype(dtype), requires_grad=requires_grad)


def rand(
    *shape: int | Sequence[int],
    dtype: Any = DEFAULT_DTYPE,
    requires_grad: bool = False,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Uniform samples in [0, 1) from ``generator`` (default: the one :func:`manual_seed` seeds).

    Examples:
        >>> u = rand(1000, generator=np.random.default_rng(0)).numpy()
        >>> bool(u.min() >= 0 and u.max() < 1), u.dtype
        (True, dtype('float32'))
    """
    gen = generator or default_generator()
    size = _new_shape("rand", shape, np.float64)
    return Tensor(gen.random(size).astype(dtype), requires_grad=requires_grad)


def _new_shape(name: str, shape: tuple, dtype: Any) -> tuple[int, ...]:
    """The shape of a new tensor, checked (non-negative integers) and small enough to allocate."""
    sizes = _shape_arg(shape, name)
    check_allocation(name, "the tensor", sizes, _check_dtype(name, dtype))
    return sizes
