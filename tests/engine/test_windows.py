"""The window primitives on arrays (``tinygrad_cnn.engine.windows``) and the ops built on them.

``window_view`` equals NumPy's ``sliding_window_view`` (every stride-th window, every dilation-th tap), in the
layout ``(N, C, *kernel, *out)``; ``scatter_windows`` is its adjoint. ``window_columns`` (the im2col copy,
zero padding included, batch innermost) is the same windows of ``np.pad``'s input rearranged to
``(C·Πk, Πout·N)``, and ``fold_columns`` its adjoint. Geometries are drawn by Hypothesis. (The windows' maxima, for
max pooling: ``test_window_max.py``.)
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from tests import strategies as S
from tinygrad_cnn.engine.windows import fold_columns, fold_scaled_taps, scatter_windows, window_columns, window_view
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


@st.composite
def column_cases(draw: st.DrawFn) -> dict:
    """A window case whose input is zero-padded first, by up to 2 on each side of each axis."""
    case = draw(window_cases())
    pads = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in case["kernel"])
    padded = [n + b + a for n, (b, a) in zip(case["shape"][2:], pads)]
    out = tuple(conv_output_size(n, k, s, 0, d) for n, k, s, d in
                zip(padded, case["kernel"], case["stride"], case["dilation"]))  # fmt: skip
    return {**case, "pads": pads, "out": out}


@given(column_cases())
def test_window_columns_are_the_windows_of_the_padded_input_batch_innermost(case):
    x = S.seeded_array(case["seed"], case["shape"])
    geometry = case["kernel"], case["stride"], case["dilation"]
    windows = window_view(np.pad(x, ((0, 0), (0, 0), *case["pads"])), *geometry)  # (N, C, *k, *out)
    expected = np.moveaxis(windows, 0, -1)  # -> (C, *k, *out, N)
    rows = x.shape[1] * int(np.prod(case["kernel"]))
    np.testing.assert_array_equal(window_columns(x, *geometry, case["pads"]), expected.reshape(rows, -1))
    if not any(map(any, case["pads"])):  # no pads given: none
        np.testing.assert_array_equal(window_columns(x, *geometry), expected.reshape(rows, -1))


@given(column_cases())
def test_fold_columns_is_the_adjoint_of_window_columns(case):
    x = S.seeded_array(case["seed"], case["shape"])
    geometry = case["kernel"], case["stride"], case["dilation"], case["pads"]
    columns = window_columns(x, *geometry)
    c = S.seeded_array(case["seed"] + 1, columns.shape)
    folded = fold_columns(c, x.shape, *geometry)
    assert folded.shape == x.shape and folded.strides[0] == folded.itemsize  # the batch innermost
    np.testing.assert_allclose(np.sum(columns * c), np.sum(x * folded), rtol=1e-12, atol=1e-12)


@given(column_cases())
def test_fold_scaled_taps_is_the_fold_of_the_weighted_columns_it_never_makes(case):
    """A depthwise convolution's input gradient: the fold of ``w[c, t] · g[c, :]`` (an outer product per
    channel), computed tap by tap."""
    x = S.seeded_array(case["seed"], case["shape"])
    geometry = case["kernel"], case["stride"], case["dilation"], case["pads"]
    channels, taps = x.shape[1], int(np.prod(case["kernel"]))
    g = S.seeded_array(case["seed"] + 1, (channels, window_columns(x, *geometry).shape[1]))  # (C, L·N)
    w = S.seeded_array(case["seed"] + 2, (channels, taps))  # (C, Πk)
    columns = (w[:, :, None] * g[:, None, :]).reshape(channels * taps, -1)  # (C, Πk, L·N) -> (C·Πk, L·N)
    expected = fold_columns(columns, x.shape, *geometry)
    folded = fold_scaled_taps(g, w, x.shape, *geometry)
    assert folded.shape == x.shape and folded.strides[0] == folded.itemsize  # the batch innermost
    np.testing.assert_allclose(folded, expected, rtol=1e-12, atol=1e-12)


def test_columns_of_an_input_already_batch_last_in_memory_need_no_extra_copy():
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(3, 4, 5, 2).transpose(3, 0, 1, 2)  # (N, C, H, W) view
    columns = window_columns(x, (4, 5), (1, 1), (1, 1))  # one window covering each whole image
    np.testing.assert_array_equal(columns, x.transpose(1, 2, 3, 0).reshape(60, 2))
