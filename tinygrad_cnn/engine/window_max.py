"""The maximum of every window and the tap that holds it (max pooling), with its adjoint, in the phase layout.

A stride ``s`` along an axis interleaves ``s`` *phases*: positions ``r, r + s, r + 2s, …`` for ``r < s``. Tap
``t`` of window ``o`` sits at ``o·s + t·d``, which is phase ``(t·d) mod s`` at position ``o + ⌊t·d/s⌋``: in its
phase, a tap reads a unit-stride run of values, not every ``s``-th one. So the padded input is split once into
its phases, each stored flat, one block per ``(n, c)``; the output is kept in the same flat coordinates, and tap
``t`` of *every* window is then one contiguous slice of one phase, ``phases[r, shift : shift + n]``. The slice
also covers the positions between the output's rows and between blocks; those are computed and dropped.

Why: NumPy's loops are several times faster on contiguous 1-D runs than on strided or 2-D views (every
``s``-th value, or rows of 16), and the blocks are walked in chunks that stay in the CPU's cache, so every tap
costs a few fast passes. Where the windows tile the input (2×2 pooling with stride 2), the outputs are the phases'
own coordinates, and the gradient of each tap goes straight into place.

Tap numbers are row-major flat indices into the kernel (``np.unravel_index`` gives the per-axis offsets).
Of tied maxima the first tap wins (PyTorch's rule); NaN counts as the largest value, and the first NaN wins.

Examples:
    >>> import numpy as np
    >>> x = np.array([[[1.0, 3.0, 3.0, 0.0]]])                       # (N, C, W)
    >>> window_max(x, (2,), (2,), (1,))                             # maxima, and the tap of the first
    (array([[[3., 3.]]]), array([[[1, 0]]], dtype=int8))
    >>> window_max(x, (3,), (2,), (1,), pads=((1, 1),))              # windows [−∞ 1 3] and [3 3 0]
    (array([[[3., 3.]]]), array([[[2, 0]]], dtype=int8))
    >>> g = np.array([[[10.0, 20.0]]])                                # both maxima are the same input
    >>> scatter_to_taps(g, np.array([[[2, 0]]]), x.shape, (3,), (2,), (1,), pads=((1, 1),))
    array([[[ 0., 30.,  0.,  0.]]])
    >>> PhaseLayout.of((1, 1, 4), (3,), (2,), (1,), ((1, 1),)).taps   # (phase, shift): taps 0 and 2 share phase 0
    ((0, 0), (1, 0), (0, 1))
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from math import prod

import numpy as np

from ..shapes import conv_output_size

__all__ = ["window_max", "scatter_to_taps", "lowest", "PhaseLayout"]

Pads = Sequence[tuple[int, int]]
CHUNK_BYTES = 1 << 19  # the phases of one chunk of blocks: with the running arrays, well inside a core's L2 cache


def lowest(dtype: np.dtype) -> float | int | bool:
    """The value padding takes so that it never wins a maximum: −∞, an integer type's minimum, or False."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return -np.inf
    return False if dtype.kind == "b" else np.iinfo(dtype).min


@dataclass(frozen=True)
class PhaseLayout:
    """Where each tap of each window of an input ``(N, C, *spatial)``, padded by ``pads``, lies in its phases.

    A phase has ``phase_size`` = ⌈padded / s⌉ per axis (one fill value past the end in some phases) and is
    stored flat, ``block`` = Πphase_size values per ``(n, c)``: all phases of ``b`` blocks are ``(S, b·block)``
    for ``S = Πs`` phases in row-major order. Output ``o`` of block ``i`` is kept at ``i·block + Σ o_a·step_a``
    (``step`` the phase's row-major strides), so ``span(b)`` positions cover the outputs of ``b`` blocks."""

    shape: tuple[int, ...]
    stride: tuple[int, ...]
    pads: tuple[tuple[int, int], ...]
    out_size: tuple[int, ...]
    phase_size: tuple[int, ...]
    taps: tuple[tuple[int, int], ...]  # per kernel tap, row-major: (phase, flat shift in that phase)

    @classmethod
    def of(
        cls,
        shape: Sequence[int],
        kernel_size: Sequence[int],
        stride: Sequence[int],
        dilation: Sequence[int],
        pads: Pads | None = None,
        out_size: Sequence[int] | None = None,
    ) -> PhaseLayout:
        """The layout of ``shape`` padded by ``pads`` (none by default); ``out_size`` defaults to the number of
        windows that fit. Built once per geometry (a layer sees the same one at every step)."""
        spatial = tuple(shape[2:])
        pads = tuple((int(b), int(a)) for b, a in pads) if pads is not None else ((0, 0),) * len(spatial)
        out_size = None if out_size is None else tuple(out_size)
        return _layout(cls, tuple(shape), tuple(kernel_size), tuple(stride), tuple(dilation), pads, out_size)

    @property
    def block(self) -> int:
        return prod(self.phase_size)

    @property
    def phases(self) -> int:
        return prod(self.stride)

    def span(self, blocks: int) -> int:
        """Flat positions from the first output of the first block to the last output of the last."""
        return (blocks - 1) * self.block + self._last_output + 1

    @cached_property
    def _last_output(self) -> int:
        step = [prod(self.phase_size[axis + 1 :]) for axis in range(len(self.phase_size))]
        return sum((o - 1) * st for o, st in zip(self.out_size, step))

    @property
    def dense(self) -> bool:
        """The outputs fill the blocks of a phase (``phase_size == out_size``, as in 2×2 pooling with stride 2 on
        an even input): flat coordinates are the outputs' own, row-major."""
        return self.phase_size == self.out_size

    @cached_property
    def tiled(self) -> bool:
        """The windows tile the input, with no padding (2×2 pooling with stride 2 on an even input): tap ``t``
        is phase ``t``, at shift 0, and fills it; each input position is one tap of one window."""
        whole = tuple(slice(0, n) for n in self.phase_size)
        return (self.dense and len(self.taps) == self.phases == len(self.interiors)
                and all(tap == (t, 0) for t, tap in enumerate(self.taps))
                and all(box == whole for _, box, _ in self.interiors))  # fmt: skip

    @property
    def unsplit(self) -> bool:
        """Stride 1 and no padding: the input is its own single phase."""
        return self.phases == 1 and self.phase_size == self.shape[2:]

    def chunk_blocks(self, itemsize: int) -> int:
        """How many blocks a chunk holds: their phases take about :data:`CHUNK_BYTES`."""
        return max(1, min(prod(self.shape[:2]), CHUNK_BYTES // (self.phases * self.block * itemsize)))

    def chunks(self, itemsize: int) -> list[slice]:
        """Consecutive runs of the ``N·C`` blocks, :meth:`chunk_blocks` each (the last may be shorter)."""
        count, size = prod(self.shape[:2]), self.chunk_blocks(itemsize)
        return [slice(start, min(start + size, count)) for start in range(0, count, size)]

    @cached_property
    def interiors(self) -> tuple[tuple[int, tuple[slice, ...], tuple[slice, ...]], ...]:
        """Per phase: the box of the phase that holds input values, and the input's strided slice it holds."""
        per_axis = []
        for n, s, (before, _) in zip(self.shape[2:], self.stride, self.pads):
            axis = []
            for r in range(s):
                first = (r - before) % s  # the first input position in phase r
                start, count = (first + before) // s, len(range(first, n, s))
                axis.append((slice(start, start + count), slice(first, None, s)))
            per_axis.append(axis)
        return tuple((phase, tuple(box for box, _ in boxes), tuple(part for _, part in boxes))
                     for phase, boxes in enumerate(itertools.product(*per_axis))
                     if all(box.stop > box.start for box, _ in boxes))  # fmt: skip

    def split(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Blocks ``x`` ``(b, *spatial)`` into their phases ``out`` ``(S, ≥ b·block)``, whose padding is filled
        already; the filled part ``(S, b·block)``."""
        phases = out[:, : len(x) * self.block]
        boxes = phases.reshape(self.phases, len(x), *self.phase_size)  # a view: (S, b, *phase_size)
        for phase, box, part in self.interiors:
            boxes[(phase, slice(None), *box)] = x[(slice(None), *part)]
        return phases

    def merge(self, phases: np.ndarray, out: np.ndarray) -> None:
        """The adjoint of :meth:`split` (padding dropped): phases ``(S, b·block)`` into blocks ``out``
        ``(b, *spatial)``. The interiors tile the blocks, so every position is written once."""
        boxes = phases.reshape(self.phases, len(out), *self.phase_size)  # (S, b, *phase_size)
        for phase, box, part in self.interiors:
            out[(slice(None), *part)] = boxes[(phase, slice(None), *box)]

    def outputs(self, flat: np.ndarray, blocks: int) -> np.ndarray:
        """The outputs ``(b, *out)`` among flat positions ``(≥ b·block)``: a view."""
        return flat[: blocks * self.block].reshape(blocks, *self.phase_size)[(slice(None), *map(slice, self.out_size))]


@lru_cache(maxsize=256)
def _layout(cls, shape, kernel_size, stride, dilation, pads, out_size) -> PhaseLayout:
    """:meth:`PhaseLayout.of`, its arguments as tuples: tap ``t`` is at offset ``t·d`` per axis, in phase
    ``t·d mod s`` at ``⌊t·d / s⌋``."""
    padded = [n + b + a for n, (b, a) in zip(shape[2:], pads)]
    if out_size is None:
        out_size = tuple(conv_output_size(n, k, s, 0, d) for n, k, s, d in zip(padded, kernel_size, stride, dilation))
    phase_size = tuple(-(-n // s) for n, s in zip(padded, stride))
    step = [prod(phase_size[axis + 1 :]) for axis in range(len(phase_size))]  # row-major strides in a phase
    taps = []
    for tap in itertools.product(*(range(k) for k in kernel_size)):
        offsets = [t * d for t, d in zip(tap, dilation)]
        phase = int(np.ravel_multi_index([o % s for o, s in zip(offsets, stride)], stride))
        taps.append((phase, sum(o // s * st for o, s, st in zip(offsets, stride, step))))
    return cls(shape, stride, pads, out_size, phase_size, tuple(taps))


def window_max(
    x: np.ndarray,
    kernel_size: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
    out_size: Sequence[int] | None = None,
    pads: Pads | None = None,
    *,
    with_taps: bool = True,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The maximum of every window of ``x`` ``(N, C, *spatial)`` and the tap that holds it, each ``(N, C, *out)``.

    ``pads`` (``(before, after)`` per spatial axis) pads with :func:`lowest`, which never replaces a running
    maximum; where a whole window is padding, or its maximum ties with padding before it, the tap points into
    the padding (max pooling resolves that). Tap by tap (row-major): a tap replaces the running maximum only
    where it is *strictly* larger, so of tied maxima the first wins, and where it is NaN and the running maximum
    is not. Taps are int8 (int16, int64 for larger kernels). With ``with_taps=False`` only the maxima are
    found, one ``np.maximum`` per tap instead of four passes (a forward pass that needs no gradient), and the
    taps are None: the same maxima, NaN included."""
    layout = PhaseLayout.of(x.shape, kernel_size, stride, dilation, pads, out_size)
    blocks = np.ascontiguousarray(x).reshape(-1, *x.shape[2:])  # (N, C, *spatial) -> (N·C, *spatial)
    maxima = np.empty((len(blocks), *layout.out_size), x.dtype)  # (N·C, *out)
    taps = np.empty(maxima.shape, _tap_dtype(len(layout.taps))) if with_taps else None
    size = layout.chunk_blocks(x.itemsize) * layout.block  # scratch arrays for one chunk, reused by the next
    padded = None if layout.unsplit else np.full((layout.phases, size), lowest(x.dtype), x.dtype)  # padding once
    best = np.empty(size, x.dtype)
    if taps is not None:
        chosen, larger, newer = (np.empty(size, dtype) for dtype in (taps.dtype, bool, taps.dtype))
    for chunk in layout.chunks(x.itemsize):
        b = chunk.stop - chunk.start
        span = layout.span(b)
        phases = blocks[chunk].reshape(1, -1) if padded is None else layout.split(blocks[chunk], padded)
        running = maxima[chunk].reshape(-1) if layout.dense else best[:span]  # dense: written in place
        if taps is None:
            _running_max_alone(phases, layout.taps, running)
        else:
            scratch = running, (taps[chunk].reshape(-1) if layout.dense else chosen[:span]), larger[:span], newer[:span]
            _running_max(phases, layout.taps, *scratch, nan_rule=False)
            if x.dtype.kind == "f" and np.isnan(running).any():  # NaN propagates to the maximum: one check
                _running_max(phases, layout.taps, *scratch, nan_rule=True)
        if not layout.dense:
            maxima[chunk] = layout.outputs(best, b)
            if taps is not None:
                taps[chunk] = layout.outputs(chosen, b)
    out_shape = (*x.shape[:2], *layout.out_size)
    return maxima.reshape(out_shape), None if taps is None else taps.reshape(out_shape)


def _tap_dtype(count: int) -> np.dtype:
    for dtype in (np.int8, np.int16):
        if count <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.int64)


def _running_max_alone(phases, taps, best) -> None:
    """The tap loop without the taps: tap 0 copied into ``best``, every later tap taken in with ``np.maximum``
    (which propagates NaN)."""
    span = len(best)
    (phase, shift), *rest = taps
    np.copyto(best, phases[phase, shift : shift + span])
    for phase, shift in rest:
        np.maximum(best, phases[phase, shift : shift + span], out=best)


def _running_max(phases, taps, best, chosen, larger, newer, nan_rule: bool) -> None:
    """The tap loop, into ``best`` and ``chosen`` (flat, as long as the span of the chunk's outputs); with
    ``nan_rule`` a NaN takes over a number."""
    span = len(best)
    (phase, shift), *rest = taps
    np.copyto(best, phases[phase, shift : shift + span])  # tap 0 of every window
    chosen.fill(0)
    # The mask as 0/1 bytes when the taps are bytes too: int8 × int8 needs no cast (3 % of a 3×3 pooling, A/B)
    flags = larger.view(np.int8) if chosen.dtype == np.int8 else larger
    for t, (phase, shift) in enumerate(rest, start=1):
        tap = phases[phase, shift : shift + span]  # this tap of every window: contiguous
        np.greater(tap, best, out=larger)  # where this tap takes over (a tie keeps the earlier tap)
        if nan_rule:
            larger |= np.isnan(tap) & ~np.isnan(best)
        np.maximum(best, tap, out=best)  # NumPy keeps the first argument on a tie and propagates NaN
        np.multiply(flags, chosen.dtype.type(t), out=newer)  # t where this tap takes over, else 0 ...
        np.maximum(chosen, newer, out=chosen)  # ... and every earlier tap is < t: arithmetic, no masked copy


def scatter_to_taps(
    g: np.ndarray,
    taps: np.ndarray,
    input_shape: Sequence[int],
    kernel_size: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
    pads: Pads | None = None,
) -> np.ndarray:
    """The adjoint of picking tap ``taps[o]`` of each window ``o`` (of the input padded by ``pads``): ``g``
    ``(N, C, *out)`` added onto the input position of that tap, ``(N, C, *spatial)``. A window whose tap is −1
    passes nothing, and what lands in the padding is dropped. Windows that overlap add, tap by tap."""
    layout = PhaseLayout.of(input_shape, kernel_size, stride, dilation, pads, g.shape[2:])
    g_blocks = g.reshape(-1, *layout.out_size)  # (N, C, *out) -> (N·C, *out)
    tap_blocks = taps.reshape(g_blocks.shape)
    grad = np.empty((len(g_blocks), *input_shape[2:]), g.dtype)  # (N·C, *spatial)
    if layout.tiled:  # every input position is one tap of one window: the gradient goes straight into place
        return _scatter_tiles(g_blocks, tap_blocks, grad, layout).reshape(input_shape)
    size = layout.chunk_blocks(g.itemsize) * layout.block  # scratch arrays for one chunk, reused by the next
    if not layout.dense:
        g_flat = np.zeros(size, g.dtype)  # g in the phases' flat coordinates: zero between the outputs ...
        taps_flat = np.full(size, -1, taps.dtype)  # ... where no tap is chosen
    phases = np.empty((layout.phases, size), g.dtype)
    chosen, share = np.empty(size, bool), np.empty(size, g.dtype)
    for chunk in layout.chunks(g.itemsize):
        b = chunk.stop - chunk.start
        span, end = layout.span(b), b * layout.block
        if layout.dense:
            g_here, taps_here = g_blocks[chunk].reshape(-1), tap_blocks[chunk].reshape(-1)  # flat already
        else:
            layout.outputs(g_flat, b)[...] = g_blocks[chunk]
            layout.outputs(taps_flat, b)[...] = tap_blocks[chunk]
            g_here, taps_here = g_flat, taps_flat
        written = set()
        for t, (phase, shift) in enumerate(layout.taps):
            np.equal(taps_here[:span], taps.dtype.type(t), out=chosen[:span])  # the taps' own type: fast
            target = phases[phase, shift : shift + span]  # contiguous
            if phase in written:
                np.multiply(g_here[:span], chosen[:span], out=share[:span])
                target += share[:span]
            else:  # the first tap in a phase writes it, and zeros around
                np.multiply(g_here[:span], chosen[:span], out=target)
                phases[phase, :shift], phases[phase, shift + span : end] = 0, 0
                written.add(phase)
        for phase in set(range(layout.phases)) - written:  # phases no tap reads (strides past the kernel)
            phases[phase, :end] = 0
        layout.merge(phases[:, :end], grad[chunk])
    return grad.reshape(input_shape)


def _scatter_tiles(g_blocks, tap_blocks, grad, layout: PhaseLayout) -> np.ndarray:
    """:func:`scatter_to_taps` where the windows tile the input (:attr:`PhaseLayout.tiled`): tap ``t``'s share,
    ``g`` where ``t`` was chosen, else 0, is written into tap ``t``'s positions (every ``s``-th) of ``grad``."""
    chosen = np.empty(g_blocks[: layout.chunk_blocks(g_blocks.itemsize)].shape, bool)  # (b, *out)
    for chunk in layout.chunks(g_blocks.itemsize):
        here = chosen[: chunk.stop - chunk.start]
        for t, (_, _, part) in enumerate(layout.interiors):  # tap t is phase t, whose interior is the tap's
            np.equal(tap_blocks[chunk], tap_blocks.dtype.type(t), out=here)
            np.multiply(g_blocks[chunk], here, out=grad[chunk][(slice(None), *part)])
    return grad
