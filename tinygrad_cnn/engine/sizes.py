"""The rules every argument check builds on, with NumPy only (so the tensor itself can use them): what counts
as an integer size, how a bad value is shown in a message, and how large an array may be before it is
allocated.

Examples:
    >>> is_int(3), is_int(True), is_int(2.9), is_int("2"), is_int(10**30)
    (True, False, False, False, False)
    >>> format_bytes(658), format_bytes(7 * 2**50)
    ('658 B', '7 PiB')
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["MAX_INT", "is_int", "shown", "TooLarge", "memory_bytes", "format_bytes", "check_allocation"]

MAX_INT = 2**63 - 1  # the largest size, index or step NumPy can hold (a C long): larger ones are refused


def is_int(value: Any) -> bool:
    """An int (Python or NumPy) that fits in 64 bits, but not a bool (``True`` is no size), nor a float
    (``2.9`` is not silently 2), nor a string.

    Examples:
        >>> is_int(3), is_int(np.int8(3)), is_int(True), is_int(3.0), is_int("3"), is_int(10**30)
        (True, True, False, False, False, False)
    """
    if type(value) is int:  # the usual case, first (a bool's type is bool)
        return -MAX_INT <= value <= MAX_INT
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) and bool(
        -MAX_INT <= value <= MAX_INT
    )


def shown(value: Any) -> str:
    """A value for a message: its repr, cut short (a 5000-digit int or a huge list stays readable)."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}... ({type(value).__name__}, {len(text)} characters)"


class TooLarge(ValueError, MemoryError):
    """An array that would not fit: raised *before* allocating, naming the op, the shape and the bytes. It is
    both a ``ValueError`` (a bad argument, shown as one line by the command line) and a ``MemoryError``."""


def memory_bytes() -> int:
    """This machine's physical memory, or 2**63 where the system does not say."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return MAX_INT


def format_bytes(n: int) -> str:
    """``1536`` -> ``'1.5 KiB'``: binary units, three significant figures.

    Examples:
        >>> format_bytes(40_000_000_000)
        '37.3 GiB'
    """
    value, units = float(n), ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    unit = 0
    while value >= 1024 and unit < len(units) - 1:
        value, unit = value / 1024, unit + 1
    return f"{int(value)} B" if unit == 0 else f"{value:.3g} {units[unit]}"


def check_allocation(name: str, what: str, shape: Sequence[int], dtype: Any, limit: int | None = None) -> None:
    """Refuse, before allocating it, an array of ``shape`` and ``dtype`` larger than ``limit`` bytes
    (default: this machine's physical memory, which no array can usefully exceed).

    Examples:
        >>> check_allocation("pad", "the output", (200_005, 200_005), np.float32, limit=2**30)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tinygrad_cnn.engine.sizes.TooLarge: pad: the output of shape (200005, 200005) float32 would need 149 GiB, ...
    """
    limit = memory_bytes() if limit is None else limit
    needed = math.prod(int(n) for n in shape) * np.dtype(dtype).itemsize
    if needed > limit:
        sizes = tuple(int(n) for n in shape)
        raise TooLarge(f"{name}: {what} of shape {sizes} {np.dtype(dtype)} would need {format_bytes(needed)}, "
                       f"more than the {format_bytes(limit)} available")  # fmt: skip
