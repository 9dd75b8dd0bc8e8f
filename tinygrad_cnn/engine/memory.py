"""Freed memory kept for the next step: glibc's ``malloc`` asked, once, to reuse the blocks NumPy frees.

A training step allocates and frees the same arrays on every step (activations, windows, gradients: a few MB
each). glibc's defaults give large blocks back to the kernel (``munmap``, or trimming the heap's top), so the
next step touches fresh pages and the kernel zeroes each one: 3,400 page faults per LeNet-5 step (batch 64), a
quarter of its time. Raising the mmap and trim thresholds keeps those blocks in the heap, where the next step
finds them, as PyTorch's CPU allocator does. Peak memory does not grow (the same blocks are reused), and at most
:data:`TRIM_THRESHOLD` of freed memory stays with the process. On another C library nothing is changed.

:meth:`Tensor.backward <tinygrad_cnn.engine.tensor.Tensor.backward>` asks on its first call. The setting is the
whole process's: a program that embeds the engine and manages its own allocator sets the environment variable
``TINYGRAD_CNN_KEEP_FREED_MEMORY=0`` (before the first backward) and nothing is changed.

Examples:
    >>> keep_freed_memory() in (True, False)     # True on glibc (Linux); asked once per process
    True
"""

from __future__ import annotations

import ctypes
import functools
import os

__all__ = ["keep_freed_memory", "MMAP_THRESHOLD", "TRIM_THRESHOLD", "OPT_OUT"]

OPT_OUT = "TINYGRAD_CNN_KEEP_FREED_MEMORY"  # set to 0: leave the C library's settings alone
MMAP_THRESHOLD = 32 << 20  # blocks below 32 MiB come from the heap (glibc's default: from 128 KiB up, adaptively)
TRIM_THRESHOLD = 128 << 20  # free memory at the heap's top kept, up to 128 MiB (glibc's default: 128 KiB up)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (glibc's malloc.h)


@functools.cache
def keep_freed_memory() -> bool:
    """Ask glibc's ``malloc`` to keep freed blocks below :data:`MMAP_THRESHOLD` for reuse; True if it agreed.
    Runs once per process (later calls return the first answer); False, asking nothing, off glibc or with
    ``TINYGRAD_CNN_KEEP_FREED_MEMORY=0`` in the environment."""
    if os.environ.get(OPT_OUT, "").strip() == "0" or not _glibc():
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process already runs on
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))


def _glibc() -> bool:
    try:
        return os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")  # "glibc 2.36"; no such name off glibc
    except (AttributeError, ValueError, OSError):
        return False
