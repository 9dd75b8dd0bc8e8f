"""Checks of layer hyperparameters, shared by the layer constructors; each error names the layer.

Examples:
    >>> int_tuple("Conv2d", "kernel_size", 3, 2)
    (3, 3)
    >>> int_tuple("Conv2d", "stride", 0, 2)
    Traceback (most recent call last):
    ...
    ValueError: Conv2d: stride must be a positive integer or a tuple of 2 of them, got 0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["positive_int", "int_tuple", "compact", "float_dtype", "check_input"]


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def positive_int(layer: str, name: str, value: Any) -> int:
    """``value`` as an int, or a ValueError if it is not a positive integer."""
    if not _is_int(value) or value <= 0:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {value!r}")
    return int(value)


def int_tuple(layer: str, name: str, value: Any, n: int, minimum: int = 1) -> tuple[int, ...]:
    """An int or an n-tuple of ints, each at least ``minimum``, as an n-tuple (PyTorch's ``_pair``)."""
    values = (value,) * n if _is_int(value) else value
    kind = "positive" if minimum == 1 else "non-negative"
    if (
        not isinstance(values, (tuple, list))
        or len(values) != n
        or not all(_is_int(v) and v >= minimum for v in values)
    ):
        raise ValueError(f"{layer}: {name} must be a {kind} integer or a tuple of {n} of them, got {value!r}")
    return tuple(int(v) for v in values)


def compact(values: tuple[int, ...] | str) -> int | tuple[int, ...] | str:
    """One int when all entries agree (a square kernel), the tuple otherwise: for short descriptions."""
    if isinstance(values, str) or len(set(values)) != 1:
        return values
    return values[0]


def float_dtype(layer: str, dtype: Any) -> np.dtype:
    """The parameters' dtype: float32 unless asked otherwise (float64 for gradient checks)."""
    resolved = np.dtype(np.float32 if dtype is None else dtype)
    if resolved.kind != "f":
        raise ValueError(f"{layer}: dtype must be a floating-point type, got {resolved}")
    return resolved


def check_input(
    description: str,
    x: Any,
    ndims: tuple[int, ...],
    layout: str,
    channels: int | None = None,
    channel_dim: int = 1,
) -> None:
    """Raise a ValueError naming the layer if ``x`` has the wrong number of dims or of channels.

    ``layout`` describes the expected shape, e.g. ``"(N, C, H, W)"``; the channels are ``x.shape[channel_dim]``.
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"{description} expects a Tensor, got {type(x).__name__}")
    if x.ndim not in ndims:
        hint = " (for a single example, add a batch dim: x.unsqueeze(0))" if x.ndim + 1 in ndims else ""
        raise ValueError(
            f"{description} expects a {' or '.join(f'{d}-D' for d in ndims)} input {layout}, "
            f"got input of shape {x.shape}{hint}"
        )
    if channels is not None and x.shape[channel_dim] != channels:
        raise ValueError(f"{description} expects {channels} input channels, got input of shape {x.shape}")
