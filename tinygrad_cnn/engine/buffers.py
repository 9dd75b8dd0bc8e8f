"""NumPy's ufunc buffer, set small while the backward pass runs.

A ufunc walks operands that are strided or broadcast (a slice of rows inside a larger array, a per-channel
weight) with NumPy's buffered iterator, whose pieces are sized by the ufunc buffer (``np.getbufsize()``, 8192
elements by default). With NumPy 2.4, rows of 16 to 2048 elements run 1.25–3× slower with the default than with
a 1024-element buffer; rows of 4096 or more run alike (upstream, numpy/numpy#28018 and #32595 work on this
iterator's costs, so a later NumPy may not need this). The backward pass is made of such rows: a convolution's
fold adds each tap of every window onto a strided slice of the input (rows of ``out[-1]·N``), the depthwise
input gradient scales the upstream gradient channel by channel.

Measured on 2 cores (NumPy 2.4.6; ``np.add`` into a strided ``(2048, 128)`` float32 slice: 217 µs with the
default, 82 with 1024), and on issue 13's convolutions, forward + backward, interleaved A/B: 3–19 % faster
(depthwise 19 %, grouped 14 %, the fold alone up to 2.4×); max pooling and the training steps unchanged.

The gradients do not change: the tests compare a small CNN's (convolutions of every kind, pooling, a linear
layer, the loss) bit for bit with those computed with NumPy's default buffer. NumPy keeps the setting per thread
(per context since NumPy 2.0), and :func:`small_ufunc_buffer` gives the caller's back on the way out, error or
not.

Examples:
    >>> import numpy as np
    >>> before = np.getbufsize()
    >>> with small_ufunc_buffer():
    ...     np.getbufsize()
    1024
    >>> np.getbufsize() == before
    True
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

__all__ = ["UFUNC_BUFFER", "small_ufunc_buffer"]

UFUNC_BUFFER = 1024  # elements: fastest of 256 … 8192 on the fold's rows (16 … 2048 elements), never slower


@contextmanager
def small_ufunc_buffer(size: int = UFUNC_BUFFER) -> Iterator[None]:
    """Run the block with NumPy's ufunc buffer at ``size`` elements, then restore the caller's."""
    previous = np.setbufsize(size)
    try:
        yield
    finally:
        np.setbufsize(previous)
