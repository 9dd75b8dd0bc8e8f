"""Argument checks shared by the functions (:mod:`.conv`, :mod:`.pooling`, :mod:`.losses`) and the layers
(:mod:`.nn`): each error names the op or layer (``conv2d``, ``Conv2d(k=5, s=1, p=0, d=1)``) and shows the value.

A layer checks its hyperparameters when it is built and passes ``layer=`` to its function, which checks the
input once, so one helper and one message serve both.

Examples:
    >>> int_tuple("Conv2d", "kernel_size", 3, 2)
    (3, 3)
    >>> int_tuple("Conv2d", "stride", 0, 2)
    Traceback (most recent call last):
    ...
    ValueError: Conv2d: stride must be a positive integer or a tuple of 2 of them, got 0
    >>> describe("Conv2d", (5, 5), (1, 1), (0, 0), (1, 1))
    'Conv2d(k=5, s=1, p=0, d=1)'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .shapes import same_padding
from .tensor import Tensor

__all__ = [
    "PADDING_MODES", "REDUCTIONS", "LAYOUTS",
    "is_int", "positive_int", "int_tuple", "probability", "one_of", "check_reduction", "float_dtype",
    "conv_geometry", "padding_pairs", "check_output_padding", "check_groups", "pool_geometry",
    "compact", "describe", "check_input", "batched",
]  # fmt: skip

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")  # PyTorch's order
REDUCTIONS = ("none", "mean", "sum")
LAYOUTS = {1: "(N, C, L) or (C, L)", 2: "(N, C, H, W) or (C, H, W)", 3: "(N, C, D, H, W) or (C, D, H, W)"}


# ---- numbers ----


def is_int(value: Any) -> bool:
    """An int (Python or NumPy), but not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def positive_int(name: str, what: str, value: Any) -> int:
    """``value`` as an int, or a ValueError if it is not a positive integer."""
    if not is_int(value) or value <= 0:
        raise ValueError(f"{name}: {what} must be a positive integer, got {value!r}")
    return int(value)


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
        raise ValueError(
            f"{name}: {what} must be a {kind} integer{' or None' if allow_none else ''} "
            f"or a tuple of {n} of them, got {value!r}"
        )
    return tuple(None if v is None else int(v) for v in values)


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


# ---- window geometry: kernel, stride, padding, dilation ----


def conv_geometry(
    name: str, n: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any, strings: Sequence[str] = ()
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...] | str, tuple[int, ...]]:
    """``(kernel, stride, padding, dilation)`` as n-tuples; ``padding`` may also be one of ``strings``
    (``'same'`` needs stride 1, as in PyTorch).

    Examples:
        >>> conv_geometry("conv2d", 2, 3, 1, "same", 2, strings=("same", "valid"))
        ((3, 3), (1, 1), 'same', (2, 2))
    """
    kernel = int_tuple(name, "kernel_size", kernel_size, n)
    stride = int_tuple(name, "stride", stride, n)
    dilation = int_tuple(name, "dilation", dilation, n)
    if isinstance(padding, str) and strings:
        if padding not in strings:
            raise ValueError(f"{name}: padding must be {', '.join(map(repr, strings))} or integers, got {padding!r}")
        if padding == "same" and any(s != 1 for s in stride):
            raise ValueError(f"{name}: padding='same' needs stride 1, as in PyTorch, got stride={stride}")
        return kernel, stride, padding, dilation
    return kernel, stride, int_tuple(name, "padding", padding, n, minimum=0), dilation


def padding_pairs(padding: tuple[int, ...] | str, kernel, dilation) -> list[tuple[int, int]]:
    """(before, after) per spatial dim; ``'same'`` puts the odd one out after, as PyTorch does."""
    if padding == "valid":
        return [(0, 0)] * len(kernel)
    if padding == "same":
        return [same_padding(k, d) for k, d in zip(kernel, dilation)]
    return [(p, p) for p in padding]


def check_output_padding(name: str, output_padding: Any, stride, dilation) -> tuple[int, ...]:
    """A transposed convolution's ``output_padding``: non-negative and smaller than stride or dilation."""
    output_padding = int_tuple(name, "output_padding", output_padding, len(stride), minimum=0)
    for extra, s, d in zip(output_padding, stride, dilation):
        if extra >= max(s, d):
            raise ValueError(f"{name}: output_padding ({extra}) must be smaller than stride ({s}) or dilation ({d})")
    return output_padding


def check_groups(name: str, groups: Any, in_channels: int, out_channels: int) -> int:
    """``groups`` as an int that divides both channel counts."""
    groups = positive_int(name, "groups", groups)
    if in_channels % groups or out_channels % groups:
        raise ValueError(
            f"{name}: groups={groups} must divide both in_channels={in_channels} and out_channels={out_channels}"
        )
    return groups


def pool_geometry(
    name: str, n: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any
) -> tuple[tuple[int, ...], ...]:
    """``(kernel, stride, padding, dilation)`` of a pooling window; ``stride`` defaults to the kernel, and
    padding is at most half the kernel, as in PyTorch.

    Examples:
        >>> pool_geometry("max_pool2d", 2, (2, 3), None, 0, 1)
        ((2, 3), (2, 3), (0, 0), (1, 1))
    """
    kernel = int_tuple(name, "kernel_size", kernel_size, n)
    stride = kernel if stride is None or stride == [] or stride == () else int_tuple(name, "stride", stride, n)
    padding = int_tuple(name, "padding", padding, n, minimum=0)
    dilation = int_tuple(name, "dilation", dilation, n)
    for p, k in zip(padding, kernel):
        if p > k // 2:
            raise ValueError(
                f"{name}: padding {p} must be at most half the kernel size {k} (⌊{k}/2⌋ = {k // 2}), as in PyTorch"
            )
    return kernel, stride, padding, dilation


# ---- descriptions ----


def compact(values: Sequence[Any] | str) -> Any:
    """One value when all entries agree (a square kernel), the tuple otherwise: for short descriptions."""
    if isinstance(values, str) or len(set(values)) != 1:
        return values if isinstance(values, str) else tuple(values)
    return values[0]


def describe(op: str, kernel, stride, padding, dilation=None) -> str:
    """A short name of a layer or op for error messages, e.g. ``Conv2d(k=5, s=1, p=0, d=1)``."""
    text = f"{op}(k={compact(kernel)}, s={compact(stride)}, p={compact(padding)}"
    return text + (f", d={compact(dilation)})" if dilation is not None else ")")


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
