"""The maximum of every window and the tap that holds it (max pooling), found in the phase layout; its adjoint.

A stride ``s`` along an axis interleaves ``s`` *phases*: positions ``r, r + s, r + 2s, …`` for ``r < s``. Tap
``t`` of window ``o`` sits at ``o·s + t·d``, which is phase ``(t·d) mod s`` at position ``o + ⌊t·d/s⌋``: in its
phase, a tap reads a unit-stride run of values, not every ``s``-th one. So the padded input is split once into
its phases, each stored flat, one block per ``(n, c)``; the output is kept in the same flat coordinates, and tap
``t`` of *every* window is then one contiguous slice of one phase, ``phases[r, shift : shift + n]``. The slice
also covers the positions between the output's rows and between blocks; those are computed and dropped.

Why: NumPy's loops are several times faster on contiguous 1-D runs than on strided or 2-D views (every
``s``-th value, or rows of 16), and the blocks are walked in chunks that stay in the CPU's cache, so every tap
costs a few fast passes.

The gradient needs no phases: each window's chosen tap is one flat position in the input (its window's origin
plus the tap's offset, :class:`TapPositions`), and one ``np.add.at`` per chunk adds the windows' gradients there,
in window order (PyTorch's order, so overlapping windows sum to the same float32 bits). That is one pass where a
tap-by-tap scatter into the phases took three per tap and a merge. Where the windows tile the input (2×2 pooling
with stride 2) each tap's share is written straight into place.

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

__all__ = ["window_max", "scatter_to_taps", "lowest", "PhaseLayout", "TapPositions"]

Pads = Sequence[tuple[int, int]]
CHUNK_BYTES = 1 << 19  # the phases of one chunk of blocks: with the running arrays, well inside a core's L2 cache
SCATTER_WINDOWS = 1 << 14  # windows per chunk of the gradient's scatter: their positions stay in cache


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
        return (self.dense and self.covered and len(self.taps) == self.phases
                and all(tap == (t, 0) for t, tap in enumerate(self.taps)))  # fmt: skip

    @property
    def unsplit(self) -> bool:
        """Stride 1 and no padding: the input is its own single phase."""
        return self.phases == 1 and self.phase_size == self.shape[2:]

    def chunk_blocks(self, itemsize: int) -> int:
        """How many blocks a chunk holds: their phases take about :data:`CHUNK_BYTES`."""
        return max(1, min(prod(self.shape[:2]), CHUNK_BYTES // (self.phases * self.block * itemsize)))

    def chunks(self, itemsize: int) -> tuple[slice, ...]:
        """Consecutive runs of the ``N·C`` blocks, :meth:`chunk_blocks` each (the last may be shorter); worked out
        once per item size."""
        known, key = self._chunks, (itemsize, CHUNK_BYTES)
        if key not in known:
            count, size = prod(self.shape[:2]), self.chunk_blocks(itemsize)
            known[key] = tuple(slice(start, min(start + size, count)) for start in range(0, count, size))
        return known[key]

    @cached_property
    def _chunks(self) -> dict[tuple[int, int], tuple[slice, ...]]:
        return {}  # (item size, chunk bytes) -> chunks, filled by chunks()

    @cached_property
    def covered(self) -> bool:
        """Every position of every phase holds an input value (no padding, and the stride divides the input):
        the phases need no fill."""
        whole = tuple(slice(0, n) for n in self.phase_size)
        return len(self.interiors) == self.phases and all(box == whole for _, box, _ in self.interiors)

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


@dataclass(frozen=True, eq=False)
class TapPositions:
    """Where each tap of each window lies in a block ``(*spatial)`` of the *unpadded* input, flat row-major: tap
    ``t`` of window ``o`` is at ``origins[o] + offsets[t]``. Only a tap inside the input is a place in it (a window
    that starts in the padding has an origin before its first row or column). Read-only; built once per geometry.

    Examples:
        >>> where = TapPositions.of((4, 5), (2, 2), (2, 2), (1, 1), ((0, 0), (1, 0)), (2, 3))
        >>> where.offsets, where.origins   # taps: (0,0) (0,1) (1,0) (1,1); windows start at columns -1, 1, 3
        (array([0, 1, 5, 6]), array([-1,  1,  3,  9, 11, 13]))
    """

    block: int  # Πspatial
    offsets: np.ndarray  # (Πkernel,), row-major over the kernel
    origins: np.ndarray  # (Πout,), row-major over the output

    @classmethod
    def of(
        cls,
        spatial: Sequence[int],
        kernel_size: Sequence[int],
        stride: Sequence[int],
        dilation: Sequence[int],
        pads: Pads,
        out_size: Sequence[int],
    ) -> TapPositions:
        befores = tuple(int(before) for before, _ in pads)
        return _positions(cls, tuple(spatial), tuple(kernel_size), tuple(stride), tuple(dilation), befores,
                          tuple(out_size))  # fmt: skip


@lru_cache(maxsize=256)
def _positions(cls, spatial, kernel_size, stride, dilation, befores, out_size) -> TapPositions:
    """:meth:`TapPositions.of`: per axis, tap ``t`` is ``t·d`` past its window's start ``o·s − before``, and a
    row-major step of ``Π spatial[a+1:]``; the flat positions are the sums over the axes."""
    dims = len(spatial)
    offsets, origins = np.zeros(kernel_size, np.intp), np.zeros(out_size, np.intp)
    for axis, (k, s, d, before, out) in enumerate(zip(kernel_size, stride, dilation, befores, out_size)):
        step, along = prod(spatial[axis + 1 :]), [-1 if a == axis else 1 for a in range(dims)]
        offsets = offsets + (np.arange(k) * d * step).reshape(along)  # (1, .., k, .., 1) broadcasts
        origins = origins + ((np.arange(out) * s - before) * step).reshape(along)  # (1, .., out, .., 1)
    offsets, origins = offsets.reshape(-1), origins.reshape(-1)  # (*kernel) -> (Πkernel,); (*out) -> (Πout,)
    offsets.flags.writeable = origins.flags.writeable = False
    return cls(prod(spatial), offsets, origins)


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
    maximum. Tap by tap (row-major): a tap replaces the running maximum only where it is *strictly* larger, so of
    tied maxima the first wins, and where it is NaN and the running maximum is not. A tap is never in the
    padding: where a maximum ties with it (it is the lowest value), the first tap inside the input holds it (a
    real −∞ beats the −∞ padding, as in PyTorch), and a window wholly in the padding has tap −1. Taps are int8
    (int16, int64 for larger kernels). With ``with_taps=False`` only the maxima are found, one ``np.maximum`` per
    tap instead of four passes (a forward pass that needs no gradient), and the taps are None: the same maxima,
    NaN included."""
    layout = PhaseLayout.of(x.shape, kernel_size, stride, dilation, pads, out_size)
    blocks = np.ascontiguousarray(x).reshape(-1, *x.shape[2:])  # (N, C, *spatial) -> (N·C, *spatial)
    maxima = np.empty((len(blocks), *layout.out_size), x.dtype)  # (N·C, *out)
    taps = np.empty(maxima.shape, _tap_dtype(len(layout.taps))) if with_taps else None
    size = layout.chunk_blocks(x.itemsize) * layout.block  # scratch arrays for one chunk, reused by the next
    if layout.unsplit:
        padded = None
    elif layout.covered:  # the split writes every position
        padded = np.empty((layout.phases, size), x.dtype)
    else:
        padded = np.full((layout.phases, size), lowest(x.dtype), x.dtype)  # the padding, written once
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
            if x.dtype.kind == "f" and np.isnan(running.max()):  # a NaN is the largest of all: one check
                _running_max(phases, layout.taps, *scratch, nan_rule=True)
        if not layout.dense:
            maxima[chunk] = layout.outputs(best, b)
            if taps is not None:
                taps[chunk] = layout.outputs(chosen, b)
    if taps is not None and any(map(any, layout.pads)):
        _skip_padding(maxima, taps, layout, kernel_size, dilation)
    out_shape = (*x.shape[:2], *layout.out_size)
    return maxima.reshape(out_shape), None if taps is None else taps.reshape(out_shape)


def _skip_padding(maxima, taps, layout: PhaseLayout, kernel_size, dilation) -> None:
    """Where a window's maximum is the padding's value (:func:`lowest`), its tap becomes its first tap inside the
    input, or −1 if the window lies wholly in the padding. In place, on ``(N·C, *out)``."""
    stuck = maxima == lowest(maxima.dtype)  # only here can the padding tie with an entry or hold the maximum
    if not stuck.any():
        return
    first = np.zeros(layout.out_size, np.int64)  # (*out): the first tap of each window inside the input, row-major
    inside = np.ones(layout.out_size, bool)
    dims = len(layout.out_size)
    for axis, (n, k, s, d, (before, _), out) in enumerate(zip(layout.shape[2:], kernel_size, layout.stride, dilation,
                                                              layout.pads, layout.out_size)):  # fmt: skip
        along = [-1 if a == axis else 1 for a in range(dims)]
        start = (np.arange(out) * s - before).reshape(along)  # each window's start on this axis: (1, .., out, .., 1)
        skip = np.where(start < 0, -(start // d), 0)  # ⌈−start / d⌉ taps lie before the input
        inside = inside & (skip < k) & (start + skip * d < n)
        first = first * k + np.minimum(skip, k - 1)
    first = np.where(inside, first, -1)
    taps[stuck] = np.broadcast_to(first, taps.shape)[stuck]


def _tap_dtype(count: int) -> np.dtype:
    return _INT8 if count <= 127 else _INT16 if count <= 32767 else _INT64  # the smallest that numbers every tap


_INT8, _INT16, _INT64 = np.dtype(np.int8), np.dtype(np.int16), np.dtype(np.int64)


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
    ``(N, C, *out)`` added onto the input position of that tap, ``(N, C, *spatial)``.

    Every tap must lie inside the input (:func:`window_max`'s do) or be −1, which passes nothing. Each window's
    tap is a flat position in its block (:class:`TapPositions`), and ``np.add.at`` adds ``g`` there: windows that
    overlap add, in window order, as PyTorch's CPU kernel does. Where the windows tile the input, each tap's
    share is written into place instead."""
    layout = PhaseLayout.of(input_shape, kernel_size, stride, dilation, pads, g.shape[2:])
    g_blocks = g.reshape(-1, *layout.out_size)  # (N, C, *out) -> (N·C, *out)
    if layout.tiled:  # every input position is one tap of one window: the gradient goes straight into place
        grad = np.empty((len(g_blocks), *input_shape[2:]), g.dtype)  # (N·C, *spatial)
        return _scatter_tiles(g_blocks, taps.reshape(g_blocks.shape), grad, layout).reshape(input_shape)
    where = TapPositions.of(input_shape[2:], kernel_size, stride, dilation, layout.pads, layout.out_size)
    windows, block = where.origins.size, where.block
    g_flat, taps_flat = g.reshape(-1), taps.reshape(-1)  # (N·C·Πout,): window o of block i at i·Πout + o
    grad = np.zeros(len(g_blocks) * block, g.dtype)  # (N·C·Πspatial,)
    per_chunk = max(1, SCATTER_WINDOWS // max(1, windows))  # blocks per chunk
    origins = (np.arange(per_chunk)[:, None] * block + where.origins).reshape(-1)  # (b, Πout) -> (b·Πout,)
    positions = np.empty(len(origins), np.intp)
    some_none = taps_flat.size > 0 and taps_flat.min() < 0
    for start in range(0, len(g_blocks), per_chunk):
        here = slice(start * windows, min(start + per_chunk, len(g_blocks)) * windows)
        count = here.stop - here.start
        chosen, share, at = taps_flat[here].astype(np.intp), g_flat[here], positions[:count]
        np.take(where.offsets + start * block, chosen, out=at, mode="wrap")  # the tap's place in the chunk's blocks
        at += origins[:count]  # ... from its window's origin
        if some_none:  # windows with no tap (−1, which wrapped to the last offset): nothing, at position 0
            none = chosen < 0
            at[none], share = 0, np.where(none, 0, share).astype(g.dtype, copy=False)
        np.add.at(grad, at, share)
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
