"""The naive loop oracles (:mod:`tinygrad_cnn.conv.reference`) against PyTorch and against defining properties.

* Against PyTorch (skipped without torch; CI installs it): every oracle, over Hypothesis-drawn shapes and
  every hyperparameter (stride, padding incl. 'same'/'valid', padding_mode, dilation, groups, output_padding,
  ceil_mode, count_include_pad, divisor_override), and max pooling's gradient with ties.
* Without PyTorch: 1-D conv is ``np.convolve`` with the flipped kernel; 2-D conv is a sum over
  ``sliding_window_view``; ``fold`` is the adjoint of ``unfold`` and ``conv_transpose`` the adjoint of
  ``conv`` (dot-product tests); hand-computed cases of each PyTorch rule; error messages.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from math import prod

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tinygrad_cnn.conv import reference as R

torch = importlib.import_module("torch") if importlib.util.find_spec("torch") else None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is the oracle here (CI installs it)")

EXACT = {"rtol": 1e-10, "atol": 1e-10}  # float64 on both sides, summed in different orders
PADDING_MODES = ("zeros", "circular", "reflect", "replicate")
MAX_SIDE = {1: 7, 2: 5, 3: 4}  # spatial sides by number of dims: small enough to stay fast


def randn(seed: int, *shape: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def dot(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sum(a * b))


# --------------------------------------------------------------------------------------------------
# strategies: one geometry per example, values from a drawn seed (Hypothesis explores the shapes)
# --------------------------------------------------------------------------------------------------


def per_axis(dims: int, low: int, high: int) -> st.SearchStrategy:
    return st.lists(st.integers(low, high), min_size=dims, max_size=dims).map(tuple)


@st.composite
def conv_cases(draw: st.DrawFn, numeric_padding: bool = False, zeros_only: bool = False) -> dict:
    """A conv geometry PyTorch accepts: shapes, weight, bias, and the keyword arguments."""
    dims = draw(st.integers(1, 3), label="dims")
    groups = draw(st.sampled_from([1, 2]), label="groups")
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel, dilation = draw(per_axis(dims, 1, 3)), draw(per_axis(dims, 1, 2))
    kinds = ["int", "tuple"] if numeric_padding else ["int", "tuple", "valid", "same"]
    kind = draw(st.sampled_from(kinds), label="padding kind")
    stride = (1,) * dims if kind == "same" else draw(per_axis(dims, 1, 3))
    if kind == "same":
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        pads, padding = [(t // 2, t - t // 2) for t in totals], "same"
    elif kind == "valid":
        pads, padding = [(0, 0)] * dims, "valid"
    else:
        amounts = draw(per_axis(dims, 0, 2))
        pads, padding = [(p, p) for p in amounts], amounts[0] if kind == "int" else amounts
        pads = [(amounts[0],) * 2] * dims if kind == "int" else pads
    mode = "zeros" if zeros_only else draw(st.sampled_from(PADDING_MODES), label="padding_mode")
    spatial = []
    for k, d, (left, right) in zip(kernel, dilation, pads):
        pad_limit = {"reflect": max(left, right) + 1, "circular": max(left, right)}.get(mode, 1)  # PyTorch's limits
        low = max(1, d * (k - 1) + 1 - left - right, pad_limit)
        spatial.append(draw(st.integers(low, max(low, MAX_SIDE[dims]))))
    seed = draw(st.integers(0, 2**16))
    return {
        "x": randn(seed, draw(st.integers(1, 2)), c_in, *spatial),
        "weight": randn(seed + 1, c_out, c_in // groups, *kernel),
        "bias": randn(seed + 2, c_out) if draw(st.booleans()) else None,
        "kwargs": {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups, "padding_mode": mode},
    }


@st.composite
def conv_transpose_cases(draw: st.DrawFn) -> dict:
    dims = draw(st.integers(1, 3), label="dims")
    groups = draw(st.sampled_from([1, 2]), label="groups")
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel, stride, dilation = draw(per_axis(dims, 1, 3)), draw(per_axis(dims, 1, 3)), draw(per_axis(dims, 1, 2))
    padding = draw(per_axis(dims, 0, 2))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))  # PyTorch's limit
    spatial = []
    for k, s, d, p, q in zip(kernel, stride, dilation, padding, output_padding):
        low = 1  # the output (n−1)s − 2p + d(k−1) + q + 1 must be positive
        while (low - 1) * s - 2 * p + d * (k - 1) + q + 1 < 1:
            low += 1
        spatial.append(draw(st.integers(low, max(low, MAX_SIDE[dims] - 1))))
    seed = draw(st.integers(0, 2**16))
    return {
        "x": randn(seed, draw(st.integers(1, 2)), c_in, *spatial),
        "weight": randn(seed + 1, c_in, c_out // groups, *kernel),
        "bias": randn(seed + 2, c_out) if draw(st.booleans()) else None,
        "kwargs": {
            "stride": stride, "padding": padding, "output_padding": output_padding, "groups": groups,
            "dilation": dilation,
        },
    }  # fmt: skip


@st.composite
def pool_cases(draw: st.DrawFn, kind: str) -> dict:
    """A pooling geometry PyTorch accepts (padding at most half the kernel, non-empty output)."""
    dims = draw(st.integers(1, 3), label="dims")
    kernel = draw(per_axis(dims, 1, 3))
    stride = draw(st.none() | per_axis(dims, 1, 3))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    dilation = draw(per_axis(dims, 1, 2)) if kind == "max" else (1,) * dims
    # PyTorch's avg_pool3d (alone) also wants every unpadded side ≥ the kernel: "input image smaller than kernel size"
    at_least_k = (kind, dims) == ("avg", 3)
    lows = [max(1, d * (k - 1) + 1 - 2 * p, k if at_least_k else 1) for k, p, d in zip(kernel, padding, dilation)]
    spatial = [draw(st.integers(low, max(low, MAX_SIDE[dims]))) for low in lows]
    kwargs = {"kernel_size": kernel, "stride": stride, "padding": padding, "ceil_mode": draw(st.booleans())}
    if kind == "max":
        kwargs["dilation"] = dilation
    if kind == "avg":
        kwargs["count_include_pad"] = draw(st.booleans())
        if dims > 1:  # avg_pool1d has no divisor_override
            kwargs["divisor_override"] = draw(st.none() | st.integers(1, 5))
    seed = draw(st.integers(0, 2**16))
    return {"dims": dims, "x": randn(seed, draw(st.integers(1, 2)), draw(st.integers(1, 2)), *spatial), **kwargs}


def unfold_geometry(draw: st.DrawFn, dims: int) -> dict:
    return {
        "kernel_size": draw(per_axis(dims, 1, 3)),
        "dilation": draw(per_axis(dims, 1, 2)),
        "padding": draw(per_axis(dims, 0, 2)),
        "stride": draw(per_axis(dims, 1, 3)),
    }


def fitting_sides(draw: st.DrawFn, geometry: dict, max_side: int) -> list[int]:
    """Spatial sides with at least one window."""
    sides = []
    for k, d, p in zip(geometry["kernel_size"], geometry["dilation"], geometry["padding"]):
        low = max(1, d * (k - 1) + 1 - 2 * p)
        sides.append(draw(st.integers(low, max(low, max_side))))
    return sides


# --------------------------------------------------------------------------------------------------
# against PyTorch
# --------------------------------------------------------------------------------------------------


def conv_oracle(dims: int):
    return {1: R.conv1d_reference, 2: R.conv2d_reference, 3: R.conv3d_reference}[dims]


@needs_torch
@given(conv_cases())
def test_conv_matches_pytorch(case):
    """Through ``nn.ConvNd``, the only PyTorch API with ``padding_mode`` (it pads with ``F.pad`` first)."""
    x, weight, bias, kwargs = case["x"], case["weight"], case["bias"], case["kwargs"]
    dims = x.ndim - 2
    layer = getattr(torch.nn, f"Conv{dims}d")(
        x.shape[1], weight.shape[0], weight.shape[2:], bias=bias is not None, dtype=torch.float64, **kwargs
    )
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(weight))
        if bias is not None:
            layer.bias.copy_(torch.from_numpy(bias))
        expected = layer(torch.from_numpy(x)).numpy()
    ours = conv_oracle(dims)(x, weight, bias, **kwargs)
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, **EXACT)


@needs_torch
@given(conv_transpose_cases())
def test_conv_transpose_matches_pytorch(case):
    x, weight, bias, kwargs = case["x"], case["weight"], case["bias"], case["kwargs"]
    dims = x.ndim - 2
    t = None if bias is None else torch.from_numpy(bias)
    expected = getattr(torch.nn.functional, f"conv_transpose{dims}d")(
        torch.from_numpy(x), torch.from_numpy(weight), t, **kwargs
    ).numpy()
    ours = getattr(R, f"conv_transpose{dims}d_reference")(x, weight, bias, **kwargs)
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, **EXACT)


@needs_torch
@given(pool_cases("max"))
def test_max_pool_matches_pytorch(case):
    dims, x = case.pop("dims"), case.pop("x")
    expected = getattr(torch.nn.functional, f"max_pool{dims}d")(torch.from_numpy(x), **case).numpy()
    ours = getattr(R, f"max_pool{dims}d_reference")(x, **case)
    assert ours.shape == expected.shape
    np.testing.assert_array_equal(ours, expected)


@needs_torch
@given(pool_cases("max"), st.integers(0, 2**16))
def test_max_pool_gradient_matches_pytorch_with_ties(case, seed):
    """Inputs from {0, 1, 2}: most windows have tied maxima, so the first-maximum rule is exercised."""
    dims, x = case.pop("dims"), case.pop("x")
    x = np.random.default_rng(seed).integers(0, 3, x.shape).astype(np.float64)
    # A dilated window can lie wholly in the padding: its max is −∞ and PyTorch's backward aborts the process
    assume(np.isfinite(getattr(R, f"max_pool{dims}d_reference")(x, **case)).all())
    xt = torch.from_numpy(x).requires_grad_()
    out = getattr(torch.nn.functional, f"max_pool{dims}d")(xt, **case)
    grad_out = randn(seed, *out.shape)
    out.backward(torch.from_numpy(grad_out))
    ours = getattr(R, f"max_pool{dims}d_backward_reference")(x, grad_out, **case)
    np.testing.assert_allclose(ours, xt.grad.numpy(), **EXACT)


@needs_torch
@given(pool_cases("avg"))
def test_avg_pool_matches_pytorch(case):
    dims, x = case.pop("dims"), case.pop("x")
    expected = getattr(torch.nn.functional, f"avg_pool{dims}d")(torch.from_numpy(x), **case).numpy()
    ours = getattr(R, f"avg_pool{dims}d_reference")(x, **case)
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, **EXACT)


@needs_torch
@given(st.data())
def test_adaptive_avg_pool_matches_pytorch(data):
    dims = data.draw(st.integers(1, 3), label="dims")
    spatial = data.draw(per_axis(dims, 1, MAX_SIDE[dims]), label="spatial")
    sizes = [data.draw(st.none() | st.integers(1, n + 2)) for n in spatial]  # bigger than n: bins repeat
    output_size = sizes[0] if dims == 1 else tuple(sizes)
    if dims == 1 and output_size is None:
        output_size = spatial[0]
    x = randn(data.draw(st.integers(0, 2**16)), 2, 2, *spatial)
    expected = getattr(torch.nn.functional, f"adaptive_avg_pool{dims}d")(torch.from_numpy(x), output_size).numpy()
    ours = getattr(R, f"adaptive_avg_pool{dims}d_reference")(x, output_size)
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, **EXACT)


@needs_torch
@given(st.data())
def test_unfold_and_fold_match_pytorch(data):
    geometry = unfold_geometry(data.draw, 2)
    sides = fitting_sides(data.draw, geometry, 6)
    x = randn(data.draw(st.integers(0, 2**16)), 2, data.draw(st.integers(1, 3)), *sides)
    cols = R.unfold_reference(x, **geometry)
    np.testing.assert_array_equal(cols, torch.nn.functional.unfold(torch.from_numpy(x), **geometry).numpy())
    y = randn(1, *cols.shape)
    expected = torch.nn.functional.fold(torch.from_numpy(y), tuple(sides), **geometry).numpy()
    np.testing.assert_allclose(R.fold_reference(y, tuple(sides), **geometry), expected, **EXACT)


@needs_torch
def test_dense_matches_pytorch():
    x, weight, bias = randn(0, 3, 4), randn(1, 5, 4), randn(2, 5)
    expected = torch.nn.functional.linear(*map(torch.from_numpy, (x, weight, bias))).numpy()
    np.testing.assert_allclose(R.dense_reference(x, weight, bias), expected, **EXACT)


@needs_torch
@pytest.mark.parametrize("mode", PADDING_MODES)
def test_padding_modes_are_numpys_pad_modes(mode):
    """The table in the module docstring: zeros/circular/reflect/replicate = constant/wrap/reflect/edge."""
    x = randn(0, 1, 1, 3, 4)
    theirs = torch.nn.functional.pad(torch.from_numpy(x), (2, 1, 2, 1), mode="constant" if mode == "zeros" else mode)
    np_mode = {"zeros": "constant", "circular": "wrap", "reflect": "reflect", "replicate": "edge"}[mode]
    np.testing.assert_array_equal(np.pad(x, [(0, 0), (0, 0), (2, 1), (2, 1)], mode=np_mode), theirs.numpy())


# --------------------------------------------------------------------------------------------------
# defining properties, no PyTorch needed
# --------------------------------------------------------------------------------------------------


@given(st.integers(1, 8), st.integers(1, 8), st.integers(0, 2**16))
def test_conv1d_is_np_convolve_with_the_flipped_kernel(n, k, seed):
    """Deep learning's "convolution" is cross-correlation: convolution with the kernel reversed."""
    if k > n:
        n, k = k, n
    x, w = randn(seed, n), randn(seed + 1, k)
    ours = R.conv1d_reference(x[None, None], w[None, None])[0, 0]
    np.testing.assert_allclose(ours, np.convolve(x, w[::-1], mode="valid"), **EXACT)


@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2**16))
def test_conv2d_is_a_sum_over_sliding_windows(h, w, kh, kw, seed):
    kh, kw = min(kh, h), min(kw, w)
    x, k = randn(seed, h, w), randn(seed + 1, kh, kw)
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw))  # (OH, OW, kh, kw)
    expected = np.einsum("ijkl,kl->ij", windows, k)
    np.testing.assert_allclose(R.conv2d_reference(x[None, None], k[None, None])[0, 0], expected, **EXACT)


@given(st.data())
def test_fold_is_the_adjoint_of_unfold(data):
    """<unfold(x), y> == <x, fold(y)> for every geometry, 1-D to 3-D."""
    dims = data.draw(st.integers(1, 3), label="dims")
    geometry = unfold_geometry(data.draw, dims)
    sides = fitting_sides(data.draw, geometry, MAX_SIDE[dims])
    seed = data.draw(st.integers(0, 2**16))
    x = randn(seed, 2, 2, *sides)
    cols = R.unfold_reference(x, **geometry)
    y = randn(seed + 1, *cols.shape)
    assert np.isclose(dot(cols, y), dot(x, R.fold_reference(y, tuple(sides), **geometry)), **EXACT)


@given(conv_cases(numeric_padding=True, zeros_only=True))
def test_conv_transpose_is_the_adjoint_of_conv(case):
    """<conv(x, w), y> == <x, conv_transpose(y, w)>, with output_padding restoring the rows a stride skipped."""
    x, weight, kwargs = case["x"], case["weight"], case["kwargs"]
    del kwargs["padding_mode"]
    out = R.convnd_reference(x, weight, **kwargs)
    y = randn(7, *out.shape)
    dims = x.ndim - 2
    stride, dilation = kwargs["stride"], kwargs["dilation"]
    padding = (kwargs["padding"],) * dims if isinstance(kwargs["padding"], int) else kwargs["padding"]
    geometry = zip(x.shape[2:], weight.shape[2:], stride, padding, dilation)
    output_padding = [(n + 2 * p - d * (k - 1) - 1) % s for n, k, s, p, d in geometry]  # rows the last stride skipped
    back = R.conv_transposend_reference(
        y, weight, stride=stride, padding=padding, output_padding=output_padding, groups=kwargs["groups"],
        dilation=dilation,
    )  # fmt: skip
    assert back.shape == x.shape
    assert np.isclose(dot(out, y), dot(x, back), **EXACT)


@given(pool_cases("max"), st.integers(0, 2**16))
def test_max_pool_gradient_sums_to_the_output_gradient(case, seed):
    """Every output's gradient lands on exactly one input of its window (unless the window is all padding)."""
    dims, x = case.pop("dims"), case.pop("x")
    out = getattr(R, f"max_pool{dims}d_reference")(x, **case)
    assume(np.isfinite(out).all())
    grad_out = randn(seed, *out.shape)
    grad = getattr(R, f"max_pool{dims}d_backward_reference")(x, grad_out, **case)
    assert grad.shape == x.shape
    np.testing.assert_allclose(grad.sum(axis=tuple(range(2, x.ndim))), grad_out.sum(axis=tuple(range(2, x.ndim))))


# ---- hand-computed cases of each PyTorch rule ----


@pytest.mark.parametrize(
    "mode, expected",
    [
        ("zeros", [0, 0, 1, 2, 3, 0, 0]),
        ("circular", [2, 3, 1, 2, 3, 1, 2]),
        ("reflect", [3, 2, 1, 2, 3, 2, 1]),  # mirrors about the edge, which is not repeated
        ("replicate", [1, 1, 1, 2, 3, 3, 3]),
    ],
)
def test_padding_modes_by_hand(mode, expected):
    """A 1-tap identity kernel shows the padded input itself."""
    out = R.conv1d_reference([[[1, 2, 3]]], [[[1]]], padding=2, padding_mode=mode)
    np.testing.assert_array_equal(out[0, 0], expected)


def test_same_padding_puts_the_extra_zero_on_the_right():
    x = np.arange(1.0, 6.0)[None, None]  # [1, 2, 3, 4, 5]
    last_tap = np.array([0.0, 0.0, 0.0, 1.0])[None, None]  # k = 4: pads 1 left, 2 right
    np.testing.assert_array_equal(R.conv1d_reference(x, last_tap, padding="same")[0, 0], [3, 4, 5, 0, 0])
    dilated = np.array([0.0, 1.0])[None, None]  # k = 2, d = 3: total 3, pads 1 left, 2 right
    np.testing.assert_array_equal(R.conv1d_reference(x, dilated, padding="same", dilation=3)[0, 0], [3, 4, 5, 0, 0])


def test_ceil_mode_drops_a_window_that_starts_in_the_right_padding():
    # n = 5, k = 2, s = 2, p = 1: ⌈(5 + 2 − 2)/2⌉ + 1 = 4 windows start at −1, 1, 3, 5; 5 ≥ n, so 3 remain
    x = np.arange(1.0, 6.0)[None, None]
    np.testing.assert_array_equal(R.max_pool1d_reference(x, 2, 2, padding=1, ceil_mode=True)[0, 0], [1, 3, 5])
    np.testing.assert_array_equal(R.max_pool1d_reference(x, 2, 2, padding=1)[0, 0], [1, 3, 5])
    # n = 4, k = 3, s = 2, p = 0: floor gives 1 window; ceil gives 2, the second [2, 5) hangs over the border
    x = np.array([1.0, 2.0, 3.0, 4.0])[None, None]
    np.testing.assert_array_equal(R.max_pool1d_reference(x, 3, 2, ceil_mode=True)[0, 0], [3, 4])
    np.testing.assert_array_equal(R.avg_pool1d_reference(x, 3, 2, ceil_mode=True)[0, 0], [2, 3.5])  # (3+4)/2


def test_avg_pool_divisors_by_hand():
    x = np.full((1, 1, 4), 6.0)
    # n = 4, k = 3, s = 2, p = 1, ceil_mode: windows [−1, 2), [1, 4), [3, 6) over the padded range [−1, 5).
    # The last one holds x[3], the pad at 4 (counted) and the overhang at 5 (never counted): 6/2.
    kwargs = {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}
    np.testing.assert_array_equal(R.avg_pool1d_reference(x, **kwargs)[0, 0], [4, 6, 3])  # 12/3, 18/3, 6/2
    np.testing.assert_array_equal(R.avg_pool1d_reference(x, **kwargs, count_include_pad=False)[0, 0], [6, 6, 6])
    x2 = np.full((1, 1, 2, 2), 6.0)
    np.testing.assert_array_equal(R.avg_pool2d_reference(x2, 2, padding=1, divisor_override=2)[0, 0], [[3, 3], [3, 3]])


def test_max_pool_gradient_goes_to_the_first_maximum_and_accumulates():
    x = np.array([[[[5.0, 5.0, 1.0], [5.0, 5.0, 5.0], [0.0, 5.0, 5.0]]]])
    grad = R.max_pool2d_backward_reference(x, np.ones((1, 1, 2, 2)), 2, stride=1)[0, 0]
    # windows start at (0,0), (0,1), (1,0), (1,1); their first maxima are (0,0), (0,1), (1,0), (1,1)
    np.testing.assert_array_equal(grad, [[1, 1, 0], [1, 1, 0], [0, 0, 0]])
    grad = R.max_pool2d_backward_reference(np.full((1, 1, 3, 3), 2.0), np.ones((1, 1, 2, 2)), 2, stride=1)
    np.testing.assert_array_equal(grad[0, 0], [[1, 1, 0], [1, 1, 0], [0, 0, 0]])  # all tied: each window's corner


def test_adaptive_bins_overlap_and_cover():
    x = np.arange(5.0)[None, None]
    np.testing.assert_array_equal(R.adaptive_avg_pool1d_reference(x, 3)[0, 0], [0.5, 2.0, 3.5])  # [0,2) [1,4) [3,5)
    np.testing.assert_array_equal(R.adaptive_avg_pool1d_reference(x, 5)[0, 0], x[0, 0])  # one bin per input
    x2 = np.arange(6.0).reshape(1, 1, 2, 3)
    np.testing.assert_array_equal(R.adaptive_avg_pool2d_reference(x2, (1, None))[0, 0], [[1.5, 2.5, 3.5]])


def test_groups_split_the_channels():
    """groups=2 is two independent convs stacked along channels."""
    x, w = randn(0, 1, 4, 5), randn(1, 6, 2, 3)
    together = R.conv1d_reference(x, w, groups=2)
    apart = np.concatenate([R.conv1d_reference(x[:, :2], w[:3]), R.conv1d_reference(x[:, 2:], w[3:])], axis=1)
    np.testing.assert_allclose(together, apart, **EXACT)


def test_unfold_columns_are_windows_flattened_channel_first():
    x = randn(0, 1, 2, 3, 4)
    cols = R.unfold_reference(x, (2, 3), stride=(1, 1))  # 2×2 positions
    assert cols.shape == (1, 2 * 2 * 3, 4)
    np.testing.assert_array_equal(cols[0, :, 3], x[0, :, 1:3, 1:4].reshape(-1))  # position (1, 1), last column


def test_shapes_follow_the_output_size_formula():
    x = np.zeros((1, 1, 7, 9))
    out = R.conv2d_reference(x, np.zeros((3, 1, 3, 2)), stride=(2, 3), padding=(1, 2), dilation=(2, 1))
    assert out.shape == (1, 3, (7 + 2 - 4 - 1) // 2 + 1, (9 + 4 - 1 - 1) // 3 + 1)
    assert R.conv_transpose2d_reference(np.zeros((1, 3, 4, 5)), np.zeros((3, 2, 3, 3)), stride=2).shape == (1, 2, 9, 11)
    assert prod(R.unfold_reference(x, 3).shape) == 9 * 5 * 7


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: R.conv1d_reference(np.zeros((1, 1, 2)), np.zeros((1, 1, 3))), "kernel is larger"),
        (lambda: R.conv1d_reference(np.zeros((1, 1, 5)), np.zeros((1, 1, 3)), stride=2, padding="same"), "stride 1"),
        (lambda: R.conv1d_reference(np.zeros((1, 3, 5)), np.zeros((2, 1, 3)), groups=2), "groups=2"),
        (lambda: R.conv1d_reference(np.zeros((1, 1, 5)), np.zeros((1, 1, 3)), padding="full"), "'valid' or 'same'"),
        (lambda: R.conv1d_reference(np.zeros((1, 1, 5)), np.zeros((1, 1, 3)), padding_mode="mirror"), "padding_mode"),
        (lambda: R.conv1d_reference([[[1, 2]]], [[[1]]], padding=2, padding_mode="reflect"), "≤ 1 for size 2"),
        (lambda: R.conv1d_reference([[[1, 2]]], [[[1]]], padding=3, padding_mode="circular"), "≤ 2 for size 2"),
        (lambda: R.conv2d_reference(np.zeros((1, 1, 5)), np.zeros((1, 1, 3))), "4 axes"),
        (lambda: R.conv2d_reference(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), stride=(1, 1, 1)), "2 values"),
        (lambda: R.conv_transpose1d_reference(np.zeros((1, 2, 5)), np.zeros((1, 1, 3))), "C_in"),
        (lambda: R.conv_transpose1d_reference(np.zeros((1, 1, 1)), np.zeros((1, 1, 1)), padding=1), "crops"),
        (lambda: R.max_pool2d_reference(np.zeros((1, 5)), 2), "(N, C, *2 spatial axes)"),
        (lambda: R.fold_reference(np.zeros((1, 4, 3)), (3, 3), 2), "L = 4"),
    ],
)
def test_errors_say_what_is_wrong(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()
