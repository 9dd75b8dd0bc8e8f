"""Argument checks shared by every band above the engine (functions, layers, losses, optimizers): each error
names the op or layer and shows the value it got and what it needs.

Examples:
    >>> positive_int("Linear", "in_features", 3)
    3
    >>> int_tuple("Conv2d", "stride", 0, 2)
    Traceback (most recent call last):
    ...
    ValueError: Conv2d: stride must be a positive integer or a tuple of 2 of them, got 0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .sizes import MAX_INT, TooLarge, check_allocation, is_int, shown
from .tensor import Tensor

__all__ = [
    "REDUCTIONS", "MAX_INT", "is_int", "positive_int", "int_tuple", "int_sequence", "flag", "real", "probability",
    "one_of", "check_reduction", "float_dtype", "TooLarge", "check_allocation", "check_input", "batched",
]  # fmt: skip

REDUCTIONS = ("none", "mean", "sum")
LAYOUTS = {1: "(N, C, L) or (C, L)", 2: "(N, C, H, W) or (C, H, W)", 3: "(N, C, D, H, W) or (C, D, H, W)"}


# ---- numbers ----


def positive_int(name: str, what: str, value: Any) -> int:
    """``value`` as an int, or a ValueError if it is not a positive integer.

    Examples:
        >>> positive_int("Linear", "out_features", 2.0)
        Traceback (most recent call last):
        ...
        ValueError: Linear: out_features must be a positive integer, got 2.0 (float)
    """
    if not is_int(value) or value <= 0:
        raise ValueError(f"{name}: {what} must be a positive integer{_bound(value)}, got {_got(value)}")
    return int(value)


def _got(value: Any) -> str:
    """``3.0 (float)``, ``'2' (str)``, ``True (bool)``: the type shown where it is the problem."""
    return shown(value) + ("" if is_int(value) or value is None else f" ({type(value).__name__})")


def _bound(value: Any) -> str:
    return f" of at most {MAX_INT} (2**63 - 1)" if isinstance(value, (int, np.integer)) and abs(value) > MAX_INT else ""


def int_tuple(
    name: str, what: str, value: Any, n: int, minimum: int = 1, allow_none: bool = False
) -> tuple[int, ...]:
    """An int or an n-tuple of ints, each at least ``minimum`` (or ``None`` if allowed), as an n-tuple
    (PyTorch's ``_pair``)."""
    values = (value,) * n if is_int(value) or (allow_none and value is None) else value
    if (
        not isinstance(values, (tuple, list))
        or len(values) != n
        or not all((is_int(v) and v >= minimum) or (allow_none and v is None) for v in values)
    ):
        kind = "positive" if minimum == 1 else "non-negative"
        huge = next((v for v in values if isinstance(v, (int, np.integer)) and abs(v) > MAX_INT), None) \
            if isinstance(values, (tuple, list)) else value  # fmt: skip
        raise ValueError(
            f"{name}: {what} must be a {kind} integer{' or None' if allow_none else ''}{_bound(huge)} "
            f"or a tuple of {n} of them, got {_got(value)}"
        )
    return tuple(None if v is None else int(v) for v in values)


def int_sequence(name: str, what: str, value: Any, minimum: int | None = None) -> tuple[int, ...]:
    """A list or tuple of integers (each at least ``minimum`` if given): ``F.pad``'s pads, a shape.
    Floats, strings and bools are refused, never rounded.

    Examples:
        >>> int_sequence("pad", "pad", (1, 2), minimum=0)
        (1, 2)
        >>> int_sequence("pad", "pad", (1.5, 1))
        Traceback (most recent call last):
        ...
        ValueError: pad: pad must be a tuple of integers, got (1.5, 1) (1.5 is a float)
    """
    if not isinstance(value, (tuple, list)):
        raise ValueError(f"{name}: {what} must be a tuple of integers, got {_got(value)}")
    for v in value:
        if not is_int(v):
            raise ValueError(
                f"{name}: {what} must be a tuple of integers{_bound(v)}, got {shown(value)} "
                f"({shown(v)} is a {type(v).__name__})"
            )
        if minimum is not None and v < minimum:
            raise ValueError(f"{name}: {what} must be integers of at least {minimum}, got {shown(value)}")
    return tuple(int(v) for v in value)


def flag(name: str, what: str, value: Any) -> bool:
    """A yes/no option (``ceil_mode``, ``return_indices``, ``count_include_pad``, ``bias``): ``True`` or
    ``False`` (or NumPy's bools) only. A string such as ``'False'`` is refused: it is truthy, so it would
    silently mean ``True``.

    Examples:
        >>> flag("max_pool2d", "ceil_mode", np.True_)
        True
        >>> flag("max_pool2d", "ceil_mode", "False")
        Traceback (most recent call last):
        ...
        ValueError: max_pool2d: ceil_mode must be True or False, got 'False' (str)
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}: {what} must be True or False, got {_got(value)}")
    return bool(value)


def real(name: str, what: str, value: Any, minimum: float | None = None, below: float | None = None) -> float:
    """A finite real number (int or float, not a bool or a string), at least ``minimum`` and less than
    ``below`` if given: learning rates, momenta, epsilons.

    Examples:
        >>> real("SGD", "lr", 0.1, minimum=0.0)
        0.1
        >>> real("SGD", "lr", "0.1", minimum=0.0)
        Traceback (most recent call last):
        ...
        ValueError: SGD: lr must be a finite real number ≥ 0.0, got '0.1' (str)
    """
    bounds = " ≥ " + str(minimum) if minimum is not None else ""
    bounds += (" and" if bounds else "") + f" < {below}" if below is not None else ""
    number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    try:
        number = number and np.isfinite(float(value))
    except OverflowError:  # an int beyond float range
        number = False
    if not number or (minimum is not None and value < minimum) or (below is not None and value >= below):
        raise ValueError(f"{name}: {what} must be a finite real number{bounds}, got {_got(value)}")
    return float(value)


def probability(name: str, what: str, value: Any) -> float:
    """``value`` as a float in [0, 1], or a ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name}: {what} must be a probability in [0, 1], got {value!r}")
    return float(value)


def one_of(name: str, what: str, value: Any, allowed: Sequence[str]) -> str:
    """``value`` if it is one of the ``allowed`` strings (a mode, a reduction), else a ValueError."""
    if value not in allowed:
        raise ValueError(f"{name}: {what} must be one of {tuple(allowed)}, got {value!r}")
    return value


def check_reduction(name: str, reduction: Any) -> str:
    """A loss's ``reduction``: ``'none'``, ``'mean'`` or ``'sum'``."""
    return one_of(name, "reduction", reduction, REDUCTIONS)


def float_dtype(name: str, dtype: Any) -> np.dtype:
    """The parameters' dtype: float32 unless asked otherwise (float64 for gradient checks)."""
    resolved = np.dtype(np.float32 if dtype is None else dtype)
    if resolved.kind != "f":
        raise ValueError(f"{name}: dtype must be a floating-point type, got {resolved}")
    return resolved


# ---- inputs ----


def check_input(
    name: str,
    x: Any,
    ndims: tuple[int, ...],
    layout: str,
    channels: int | None = None,
    channel_dim: int = 1,
    detail: str = "",
) -> None:
    """Raise an error naming the layer if ``x`` is not a Tensor or has the wrong number of dims or channels.

    ``layout`` describes the expected shape, e.g. ``"(N, C, H, W)"``; the channels are ``x.shape[channel_dim]``;
    ``detail`` ends the channel message (e.g. the weight's shape).
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} expects a Tensor, got {type(x).__name__}")
    if x.ndim not in ndims:
        hint = " (add the missing leading dim with x.unsqueeze(0))" if x.ndim + 1 in ndims else ""
        raise ValueError(
            f"{name} expects a {' or '.join(f'{d}-D' for d in ndims)} input {layout}, "
            f"got input of shape {x.shape}{hint}"
        )
    if channels is not None and x.shape[channel_dim] != channels:
        raise ValueError(f"{name} expects {channels} input channels, got input of shape {x.shape}{detail}")


def batched(
    name: str, x: Any, dims: int, channels: int | None = None, detail: str = ""
) -> tuple[Tensor, bool]:
    """Check ``(N, C, *spatial)`` or unbatched ``(C, *spatial)`` with ``dims`` spatial dims; return it batched,
    and whether it was not."""
    check_input(name, x, (dims + 2, dims + 1), LAYOUTS.get(dims, "(N, C, ...) or (C, ...)"), channels,
                channel_dim=-dims - 1, detail=detail)  # fmt: skip
    return (x.unsqueeze(0), True) if x.ndim == dims + 1 else (x, False)
