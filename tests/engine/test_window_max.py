"""The maxima of windows in the phase layout (``tinygrad_cnn.engine.window_max``).

``window_max`` equals the maximum of the windows of the input padded with the lowest value, and names the tap
of the *first* maximum (row-major over the kernel; NaN counts as the largest, the first NaN wins; never a tap in
the padding), against ``argmax`` over NumPy's ``sliding_window_view`` of ``np.pad``; the maxima found alone (no
taps: a pass without gradient) are the same; ``scatter_to_taps`` is the adjoint of picking those taps, and adds
overlapping windows' gradients in window order; splitting into phases puts every value where the layout says.
Whatever the chunk size, the results are the same to the bit. The ``WindowMax`` op passes ``gradcheck`` in
float64, with and without padding. Geometries are drawn by Hypothesis.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from tinygrad_cnn import Tensor, gradcheck
from tinygrad_cnn.engine import ops
from tinygrad_cnn.engine import window_max as wm
from tinygrad_cnn.engine.tensor import apply
from tinygrad_cnn.engine.window_max import PhaseLayout, lowest, scatter_to_taps, window_max
from tinygrad_cnn.shapes import conv_output_size


@st.composite
def padded_window_cases(draw: st.DrawFn) -> dict:
    """An input ``(N, C, *spatial)`` with 1-3 spatial dims, a kernel, stride and dilation, and pads (before,
    after) on each side such that at least one window fits."""
    dims = draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    pads = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 3))) for _ in range(dims))
    spatial = tuple(max(1, d * (k - 1) + 1 - b - a + draw(st.integers(0, 4)))
                    for k, d, (b, a) in zip(kernel, dilation, pads))  # fmt: skip
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), *spatial)
    out = tuple(conv_output_size(n + b + a, k, s, 0, d)
                for n, k, s, d, (b, a) in zip(spatial, kernel, stride, dilation, pads))  # fmt: skip
    return {"shape": shape, "kernel": kernel, "stride": stride, "dilation": dilation, "pads": pads, "out": out,
            "seed": draw(st.integers(0, 2**16))}  # fmt: skip


def flat_windows(x: np.ndarray, case: dict) -> np.ndarray:
    """The oracle: the windows of ``x`` padded with its lowest value, ``(N, C, *out, Πkernel)`` row-major."""
    kernel, stride, dilation, out = case["kernel"], case["stride"], case["dilation"], case["out"]
    dims = len(kernel)
    padded = np.pad(x, ((0, 0), (0, 0), *case["pads"]), constant_values=lowest(x.dtype))
    extent = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    every = sliding_window_view(padded, extent, axis=tuple(range(2, 2 + dims)))  # (N, C, *positions, *extent)
    starts = (slice(0, (o - 1) * s + 1, s) for o, s in zip(out, stride))
    taps = (slice(None, None, d) for d in dilation)
    return every[(slice(None), slice(None), *starts, *taps)].reshape(*x.shape[:2], *out, -1)


def inside_windows(case: dict) -> np.ndarray:
    """Which taps of each window lie inside the input, ``(N, C, *out, Πkernel)``: bool, the padding False."""
    return flat_windows(np.ones(case["shape"], bool), case)


def first_maximum_inside(x: np.ndarray, case: dict) -> np.ndarray:
    """The oracle's taps: the first maximum of each window (``argmax``: the first NaN too); where the maximum is
    the padding's value, the first tap inside the input, and −1 where there is none."""
    flat, inside = flat_windows(x, case), inside_windows(case)
    taps = np.argmax(flat, axis=-1)
    stuck = np.max(flat, axis=-1) == lowest(x.dtype)
    return np.where(stuck, np.where(inside.any(axis=-1), np.argmax(inside, axis=-1), -1), taps)


def values(case: dict, kind: str) -> np.ndarray:
    rng = np.random.default_rng(case["seed"])
    if kind == "distinct":
        return rng.permutation(np.prod(case["shape"])).reshape(case["shape"]).astype(np.float64)
    x = rng.integers(0, 3, case["shape"]).astype(np.float64)  # many tied maxima
    if kind == "nan":
        x[rng.random(case["shape"]) < 0.2] = np.nan
    if kind == "-inf":
        x[rng.random(case["shape"]) < 0.5] = -np.inf  # ties with the padding
    return x


# One chunk; chunks of one block each (``CHUNK_BYTES`` below one block's phases).
CHUNKING = pytest.mark.parametrize("chunk_bytes", [1 << 19, 8], ids=["one chunk", "a chunk per block"])


@contextmanager
def chunking(chunk_bytes: int) -> Iterator[None]:
    """``CHUNK_BYTES`` for the maxima; for the gradient's scatter, a chunk of ``chunk_bytes // 32`` windows."""
    with patch.object(wm, "CHUNK_BYTES", chunk_bytes), patch.object(wm, "SCATTER_WINDOWS", max(1, chunk_bytes // 32)):
        yield


@CHUNKING
@given(padded_window_cases(), st.sampled_from(["distinct", "ties", "nan", "-inf"]))
def test_window_max_gives_the_maximum_and_the_tap_of_the_first_one(chunk_bytes, case, kind):
    """Against ``argmax`` over the flattened windows of the padded input, which takes the first maximum and the
    first NaN; where the maximum is −∞, the first −∞ inside the input (−1 if the window is all padding)."""
    x = values(case, kind)
    flat = flat_windows(x, case)
    with chunking(chunk_bytes):
        maxima, taps = window_max(x, case["kernel"], case["stride"], case["dilation"], case["out"], case["pads"])
    np.testing.assert_array_equal(taps, first_maximum_inside(x, case))
    np.testing.assert_array_equal(maxima, np.max(flat, axis=-1))  # NaN where a window holds one
    assert maxima.shape == taps.shape == (*x.shape[:2], *case["out"]) and taps.dtype == np.int8


@CHUNKING
@given(padded_window_cases(), st.sampled_from(["distinct", "ties", "nan", "-inf"]))
def test_the_maxima_alone_are_the_maxima_found_with_the_taps(chunk_bytes, case, kind):
    """``with_taps=False`` (a forward pass that needs no gradient) gives the same maxima, NaN and −∞ included,
    and no taps."""
    x = values(case, kind)
    geometry = case["kernel"], case["stride"], case["dilation"], case["out"], case["pads"]
    with chunking(chunk_bytes):
        alone, none = window_max(x, *geometry, with_taps=False)
        maxima, _ = window_max(x, *geometry)
    assert none is None and alone.shape == maxima.shape and alone.dtype == x.dtype
    np.testing.assert_array_equal(alone, maxima)
    np.testing.assert_array_equal(alone, np.max(flat_windows(x, case), axis=-1))


@CHUNKING
@given(padded_window_cases(), st.booleans())
def test_scatter_to_taps_is_the_adjoint_of_picking_the_taps(chunk_bytes, case, some_none):
    """<pick(pad(x)), g> == <x, scatter_to_taps(g)>, with −1 (no tap) in some windows; every other tap inside the
    input, as ``window_max`` gives them; overlapping windows or not."""
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal(case["shape"])
    count = int(np.prod(case["kernel"]))
    taps = rng.integers(-1 if some_none else 0, count, (*x.shape[:2], *case["out"]))
    inside = np.take_along_axis(inside_windows(case), np.maximum(taps, 0)[..., None], axis=-1)[..., 0]
    taps = np.where(inside, taps, -1)  # a tap in the padding: none
    flat = flat_windows(x, case)
    picked = np.where(taps >= 0, np.take_along_axis(flat, np.maximum(taps, 0)[..., None], axis=-1)[..., 0], 0.0)
    g = rng.standard_normal(taps.shape)
    with chunking(chunk_bytes):
        scattered = scatter_to_taps(g, taps, x.shape, case["kernel"], case["stride"], case["dilation"], case["pads"])
    np.testing.assert_allclose(np.sum(picked * g), np.sum(x * scattered), rtol=1e-12, atol=1e-12)


@given(padded_window_cases())
def test_split_puts_each_value_in_its_phase(case):
    """Tap ``t`` of window ``o`` is ``phases[phase, i·block + Σ o_a·step_a + shift]`` (the layout's ``taps`` and
    :meth:`~PhaseLayout.outputs`): the value of the padded input the window reads there."""
    layout = PhaseLayout.of(case["shape"], case["kernel"], case["stride"], case["dilation"], case["pads"])
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal(case["shape"])
    blocks = x.reshape(-1, *case["shape"][2:])  # (N·C, *spatial)
    filled = np.full((layout.phases, len(blocks) * layout.block + max(s for _, s in layout.taps)), -np.inf)
    phases = layout.split(blocks, filled)
    flat = flat_windows(x, case).reshape(len(blocks), *case["out"], -1)  # (N·C, *out, Πkernel)
    for t, (phase, shift) in enumerate(layout.taps):
        read = layout.outputs(filled[phase, shift:], len(blocks))  # (N·C, *out)
        np.testing.assert_array_equal(read, flat[..., t])
    assert phases.shape == (layout.phases, len(blocks) * layout.block)


def test_overlapping_windows_add_in_window_order():
    """Three windows that chose the same input value: its gradient is ``(g[0] + g[1]) + g[2]``, in window order,
    as PyTorch's CPU kernel adds them. In float32, 1 + 10⁸ rounds to 10⁸, so this order gives 0 where the
    taps' order (``(g[2] + g[1]) + g[0]``) would give 1."""
    g = np.array([[[1.0, 1e8, -1e8]]], np.float32)  # (1, 1, 3): windows 0, 1, 2 of three all chose input 2
    grad = scatter_to_taps(g, np.array([[[2, 1, 0]]]), (1, 1, 5), (3,), (1,), (1,))
    np.testing.assert_array_equal(grad, np.zeros((1, 1, 5), np.float32))


def test_chunks_give_the_same_bits():
    """A float32 pooling (the benchmark's 3×3, stride 2, padding 1) with ties, in one chunk and in chunks of a few
    blocks: maxima, taps and gradients equal to the bit."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 50, (4, 8, 12, 12)).astype(np.float32)
    g = rng.standard_normal((4, 8, 6, 6)).astype(np.float32)
    geometry = (3, 3), (2, 2), (1, 1)
    results = []
    for chunk_bytes in [1 << 19, 3000]:
        with chunking(chunk_bytes):
            maxima, taps = window_max(x, *geometry, pads=((1, 1), (1, 1)))
            results.append((maxima, taps, scatter_to_taps(g, taps, x.shape, *geometry, pads=((1, 1), (1, 1)))))
    with chunking(3000):
        assert len(PhaseLayout.of(x.shape, *geometry, ((1, 1), (1, 1))).chunks(4)) > 2  # several chunks ran ...
        assert wm.SCATTER_WINDOWS < 3 * 36 < x.size // 4  # ... in the scatter too: 2 blocks of 6×6 windows each
    for result in results[1:]:
        for got, expected in zip(result, results[0]):
            np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("dtype", [np.int32, np.uint8, np.bool_, np.float16])
def test_integer_and_bool_inputs_are_padded_with_their_lowest_value(dtype):
    x = np.array([[[3, 0, 1, 1, 0]]]).astype(dtype)  # (1, 1, 5)
    maxima, taps = window_max(x, (3,), (2,), (1,), pads=((1, 1),))  # windows [pad 3 0] [0 1 1] [1 0 pad]
    np.testing.assert_array_equal(maxima, np.array([[[3, 1, 1]]]).astype(dtype))
    np.testing.assert_array_equal(taps, [[[1, 1, 0]]])
    assert maxima.dtype == dtype


def test_window_max_tie_rule_and_nan_by_hand():
    x = np.array([[[2.0, 5.0, 5.0, 1.0, np.nan, 7.0, np.nan, np.nan]]])  # (1, 1, 8): four windows of two
    maxima, taps = window_max(x, (2,), (2,), (1,))
    np.testing.assert_array_equal(maxima, [[[5.0, 5.0, np.nan, np.nan]]])
    np.testing.assert_array_equal(taps, [[[1, 0, 0, 0]]])  # the first of tied 5s; the NaN, first of two NaNs


@pytest.mark.parametrize("stride, pads", [(1, None), (2, None), (3, None), (2, ((1, 0), (1, 1)))])
def test_window_max_op_passes_gradcheck(stride, pads):
    """Overlapping windows, touching ones, gaps between them; and padding."""
    x = Tensor(np.random.default_rng(stride).permutation(2 * 3 * 7 * 6).reshape(2, 3, 7, 6) / 10.0,
               requires_grad=True)  # fmt: skip  # distinct values: no step crosses a tie

    def pool(t: Tensor) -> Tensor:
        return apply(ops.WindowMax, t, kernel_size=(2, 3), stride=(stride, stride), dilation=(1, 1), pads=pads)

    extra = (0, 0) if pads is None else (sum(pads[0]), sum(pads[1]))
    assert pool(x).shape == (2, 3, (7 + extra[0] - 2) // stride + 1, (6 + extra[1] - 3) // stride + 1)
    assert gradcheck(pool, [x])


@CHUNKING
@pytest.mark.parametrize("shape, kernel", [((2, 3, 4, 6), (2, 2)), ((2, 2, 6), (3,)), ((1, 2, 2, 4, 2), (2, 2, 1))])
def test_windows_that_tile_the_input_send_the_gradient_straight_into_place(shape, kernel, chunk_bytes):
    """Stride = kernel, no padding, the kernel divides the input: every input position is one tap of one window,
    and the backward writes each tap's share into place; it equals the general scatter (the adjoint test's)."""
    layout = PhaseLayout.of(shape, kernel, kernel, (1,) * len(kernel))
    assert layout.tiled
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, shape).astype(np.float64)  # ties
    g = rng.standard_normal((*shape[:2], *layout.out_size))
    with chunking(chunk_bytes):
        maxima, taps = window_max(x, kernel, kernel, (1,) * len(kernel))
        grad = scatter_to_taps(g, taps, x.shape, kernel, kernel, (1,) * len(kernel))
    flat = flat_windows(x, {"kernel": kernel, "stride": kernel, "dilation": (1,) * len(kernel),
                            "pads": ((0, 0),) * len(kernel), "out": layout.out_size})  # fmt: skip
    np.testing.assert_array_equal(taps, np.argmax(flat, axis=-1))
    windows = np.zeros(flat.shape)  # (N, C, *out, Πk): g at the chosen tap of each window ...
    np.put_along_axis(windows, taps[..., None].astype(np.int64), g[..., None], axis=-1)
    blocks = windows.reshape(*shape[:2], *layout.out_size, *kernel)  # ... each window's taps as a block
    dims = len(kernel)
    order = [0, 1] + [axis for d in range(dims) for axis in (2 + d, 2 + dims + d)]  # (N, C, o_1, k_1, o_2, k_2, ...)
    np.testing.assert_array_equal(grad, blocks.transpose(order).reshape(shape))
