"""The window primitives on arrays (``tinygrad_cnn.engine.windows``) and the ops built on them.

``window_view`` equals NumPy's ``sliding_window_view`` (every stride-th window, every dilation-th tap), in the
layout ``(N, C, *kernel, *out)``; ``scatter_windows`` is its adjoint; ``window_max`` equals the maximum of the
windows and names the tap of the *first* maximum (row-major over the kernel; NaN counts as the largest, the
first NaN wins); ``scatter_to_taps`` is the adjoint of picking those taps, whether windows overlap or not. The
``WindowMax`` op passes ``gradcheck`` in float64. Geometries are drawn by Hypothesis.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from tests import strategies as S
from tinygrad_cnn import Tensor, gradcheck
from tinygrad_cnn.engine import ops
from tinygrad_cnn.engine.tensor import apply
from tinygrad_cnn.engine.window_max import scatter_to_taps, window_max
from tinygrad_cnn.engine.windows import scatter_windows, window_view
from tinygrad_cnn.shapes import conv_output_size


@st.composite
def window_cases(draw: st.DrawFn) -> dict:
    """An input ``(N, C, *spatial)`` with 1-3 spatial dims and a kernel, stride and dilation that fit it."""
    dims = draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    spatial = tuple(d * (k - 1) + 1 + draw(st.integers(0, 4)) for k, d in zip(kernel, dilation))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), *spatial)
    out = tuple(conv_output_size(n, k, s, 0, d) for n, k, s, d in zip(spatial, kernel, stride, dilation))
    return {"shape": shape, "kernel": kernel, "stride": stride, "dilation": dilation, "out": out,
            "seed": draw(st.integers(0, 2**16))}  # fmt: skip


def sliding_windows(x: np.ndarray, kernel, stride, dilation, out) -> np.ndarray:
    """The oracle: ``(N, C, *out, *kernel)`` from NumPy's ``sliding_window_view``."""
    dims = len(kernel)
    extent = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    every = sliding_window_view(x, extent, axis=tuple(range(2, 2 + dims)))  # (N, C, *positions, *extent)
    starts = (slice(0, (o - 1) * s + 1, s) for o, s in zip(out, stride))
    taps = (slice(None, None, d) for d in dilation)
    return every[(slice(None), slice(None), *starts, *taps)]


def to_kernel_first(windows: np.ndarray, dims: int) -> np.ndarray:
    """``(N, C, *out, *kernel)`` -> ``(N, C, *kernel, *out)``."""
    return np.moveaxis(windows, tuple(range(2 + dims, 2 + 2 * dims)), tuple(range(2, 2 + dims)))


@given(window_cases())
def test_window_view_is_numpys_sliding_windows_kernel_first(case):
    x = S.seeded_array(case["seed"], case["shape"])
    geometry = case["kernel"], case["stride"], case["dilation"]
    expected = to_kernel_first(sliding_windows(x, *geometry, case["out"]), len(case["kernel"]))
    np.testing.assert_array_equal(window_view(x, *geometry), expected)


@given(window_cases())
def test_scatter_windows_is_the_adjoint_of_window_view(case):
    x = S.seeded_array(case["seed"], case["shape"])
    geometry = case["kernel"], case["stride"], case["dilation"]
    cols = S.seeded_array(case["seed"] + 1, window_view(x, *geometry).shape)
    lhs = np.sum(window_view(x, *geometry) * cols)  # <view(x), c>
    rhs = np.sum(x * scatter_windows(cols, x.shape, *geometry))  # <x, scatter(c)>
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-12)


@given(window_cases(), st.sampled_from(["distinct", "ties", "nan"]))
def test_window_max_gives_the_maximum_and_the_tap_of_the_first_one(case, values):
    """Against ``argmax`` over the flattened windows, which takes the first maximum and the first NaN."""
    rng = np.random.default_rng(case["seed"])
    if values == "distinct":
        x = rng.permutation(np.prod(case["shape"])).reshape(case["shape"]).astype(np.float64)
    else:
        x = rng.integers(0, 3, case["shape"]).astype(np.float64)  # many tied maxima
        if values == "nan":
            x[rng.random(case["shape"]) < 0.2] = np.nan
    geometry = case["kernel"], case["stride"], case["dilation"]
    dims = len(case["kernel"])
    flat = sliding_windows(x, *geometry, case["out"]).reshape(*x.shape[:2], *case["out"], -1)  # (N, C, *out, Πk)
    maxima, taps = window_max(x, *geometry)
    np.testing.assert_array_equal(taps, np.argmax(flat, axis=-1))
    np.testing.assert_array_equal(maxima, np.max(flat, axis=-1))  # NaN where a window holds one
    assert maxima.shape == taps.shape == (*x.shape[:2], *case["out"]) and dims == len(case["out"])


def test_window_max_tie_rule_and_nan_by_hand():
    x = np.array([[[2.0, 5.0, 5.0, 1.0, np.nan, 7.0, np.nan, np.nan]]])  # (1, 1, 8): four windows of two
    maxima, taps = window_max(x, (2,), (2,), (1,))
    np.testing.assert_array_equal(maxima, [[[5.0, 5.0, np.nan, np.nan]]])
    np.testing.assert_array_equal(taps, [[[1, 0, 0, 0]]])  # the first of tied 5s; the NaN, first of two NaNs


@given(window_cases(), st.booleans())
def test_scatter_to_taps_is_the_adjoint_of_picking_the_taps(case, some_none):
    """<pick(x), g> == <x, scatter_to_taps(g)>, with −1 (no tap) in some windows; overlapping or not."""
    rng = np.random.default_rng(case["seed"])
    geometry = case["kernel"], case["stride"], case["dilation"]
    x = rng.standard_normal(case["shape"])
    count = int(np.prod(case["kernel"]))
    taps = rng.integers(-1 if some_none else 0, count, (*x.shape[:2], *case["out"]))
    flat = window_view(x, *geometry).reshape(*x.shape[:2], count, *case["out"])  # (N, C, Πk, *out)
    picked = np.where(taps >= 0, np.take_along_axis(flat, np.maximum(taps, 0)[:, :, None], axis=2)[:, :, 0], 0.0)
    g = rng.standard_normal(taps.shape)
    lhs = np.sum(picked * g)
    rhs = np.sum(x * scatter_to_taps(g, taps, x.shape, *geometry))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("stride", [1, 2, 3])  # overlapping windows, touching ones, gaps between them
def test_window_max_op_passes_gradcheck(stride):
    x = Tensor(np.random.default_rng(stride).permutation(2 * 3 * 7 * 6).reshape(2, 3, 7, 6) / 10.0,
               requires_grad=True)  # fmt: skip  # distinct values: no step crosses a tie

    def pool(t: Tensor) -> Tensor:
        return apply(ops.WindowMax, t, kernel_size=(2, 3), stride=(stride, stride), dilation=(1, 1))

    assert pool(x).shape == (2, 3, (7 - 2) // stride + 1, (6 - 3) // stride + 1)
    assert gradcheck(pool, [x])
