"""Max, average and adaptive average pooling: the engine against the loop oracles and NumPy.

Geometries come from ``tests/strategies.py`` with every hyperparameter free (kernel, stride or ``None``,
padding up to PyTorch's limit, dilation, ``ceil_mode``, ``count_include_pad``, ``divisor_override``).
The NumPy oracles pad explicitly (−∞ for max, and the ``ceil_mode`` overhang on the right), take
``sliding_window_view`` windows, and for the average divide by the pooled *indicator* of the cells that
count. Max pooling's gradient is checked twice: by finite differences on inputs without ties (a random
permutation, so no finite-difference step crosses a kink), and with many ties (integer inputs) against
:func:`tinygrad_cnn.conv.reference.max_pool2d_backward_reference`: the gradient goes to the first maximum of
each window in row-major order.
"""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

import tinygrad_cnn.functional as F
from tests import strategies as S
from tinygrad_cnn import Tensor, gradcheck
from tinygrad_cnn.conv import reference as R
from tinygrad_cnn.engine import window_max
from tinygrad_cnn.shapes import pool_output_size

EXACT = {"rtol": 1e-10, "atol": 1e-10}
MAX_POOL = {1: F.max_pool1d, 2: F.max_pool2d}
AVG_POOL = {1: F.avg_pool1d, 2: F.avg_pool2d}
ADAPTIVE = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d}
MAX_REFERENCE = {1: R.max_pool1d_reference, 2: R.max_pool2d_reference}
MAX_BACKWARD_REFERENCE = {1: R.max_pool1d_backward_reference, 2: R.max_pool2d_backward_reference}
AVG_REFERENCE = {1: R.avg_pool1d_reference, 2: R.avg_pool2d_reference}
ADAPTIVE_REFERENCE = {1: R.adaptive_avg_pool1d_reference, 2: R.adaptive_avg_pool2d_reference}


# --------------------------------------------------------------------------------------------------
# NumPy oracles
# --------------------------------------------------------------------------------------------------


def per_axis(value, dims: int) -> tuple[int, ...]:
    return (value,) * dims if isinstance(value, int) else tuple(value)


def geometry(kwargs: dict, dims: int) -> tuple[tuple[int, ...], ...]:
    """(kernel, stride, padding, dilation) per axis; stride ``None`` means the kernel."""
    kernel = per_axis(kwargs["kernel_size"], dims)
    stride = kernel if kwargs["stride"] is None else per_axis(kwargs["stride"], dims)
    return kernel, stride, per_axis(kwargs["padding"], dims), per_axis(kwargs.get("dilation", 1), dims)


def pool_pads(spatial, kernel, stride, padding, dilation, ceil_mode) -> tuple[list[tuple[int, int]], list[int]]:
    """(left, right) padding per axis, the right one covering the ``ceil_mode`` overhang; and the output size."""
    axes = zip(spatial, kernel, stride, padding, dilation)
    out = [pool_output_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in axes]
    span = [(o - 1) * s + d * (k - 1) + 1 for o, s, d, k in zip(out, stride, dilation, kernel)]  # last window's end
    return [(p, max(p, end - n - p)) for p, end, n in zip(padding, span, spatial)], out


def windows_of(xp, kernel, stride, dilation, out) -> np.ndarray:
    """``(N, C, *out, *kernel)`` windows of the padded ``xp``: every stride-th of ``sliding_window_view``'s
    windows, every dilation-th tap."""
    dims = len(kernel)
    extent = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    every = sliding_window_view(xp, extent, axis=tuple(range(2, 2 + dims)))  # (N, C, *positions, *extent)
    windows = (slice(0, (o - 1) * s + 1, s) for o, s in zip(out, stride))
    taps = (slice(None, None, d) for d in dilation)
    return every[(slice(None), slice(None), *windows, *taps)]


def numpy_max_pool(x, kwargs: dict, dims: int) -> np.ndarray:
    """The max of each window of the input padded with −∞."""
    kernel, stride, padding, dilation = geometry(kwargs, dims)
    pads, out = pool_pads(x.shape[2:], kernel, stride, padding, dilation, kwargs["ceil_mode"])
    xp = np.pad(x, [(0, 0), (0, 0), *pads], constant_values=-np.inf)
    return windows_of(xp, kernel, stride, dilation, out).max(axis=tuple(range(-dims, 0)))


def numpy_avg_pool(x, kwargs: dict, dims: int) -> np.ndarray:
    """Window sums of the zero-padded input over window sums of an indicator of the cells that count: the
    real inputs, and with ``count_include_pad`` the padding too (never the ``ceil_mode`` overhang)."""
    kernel, stride, padding, dilation = geometry(kwargs, dims)
    pads, out = pool_pads(x.shape[2:], kernel, stride, padding, dilation, kwargs["ceil_mode"])
    axes = tuple(range(-dims, 0))

    def window_sums(padded: np.ndarray) -> np.ndarray:
        return windows_of(padded, kernel, stride, dilation, out).sum(axis=axes)

    sums = window_sums(np.pad(x, [(0, 0), (0, 0), *pads]))
    if kwargs.get("divisor_override"):
        return sums / kwargs["divisor_override"]
    real = np.ones((1, 1, *x.shape[2:]))
    if kwargs["count_include_pad"]:  # the padded box [−p, n + p) counts: pad with ones, then the overhang with zeros
        box = np.pad(real, [(0, 0), (0, 0), *[(p, p) for p in padding]], constant_values=1.0)
        indicator = np.pad(box, [(0, 0), (0, 0), *[(0, right - left) for left, right in pads]])
    else:
        indicator = np.pad(real, [(0, 0), (0, 0), *pads])
    return sums / window_sums(indicator)


def numpy_adaptive_avg_pool(x: np.ndarray, sizes: tuple[int | None, ...]) -> np.ndarray:
    """Axis by axis, bin ``i`` of ``m`` averages ``[⌊i·n/m⌋, ⌈(i+1)·n/m⌉)``, by differences of running sums."""
    out = x
    for axis, m in enumerate(sizes, start=2):
        n = out.shape[axis]
        m = n if m is None else m
        starts = np.array([i * n // m for i in range(m)])
        ends = np.array([-(-(i + 1) * n // m) for i in range(m)])
        running = np.concatenate([np.zeros_like(np.take(out, [0], axis=axis)), np.cumsum(out, axis=axis)], axis=axis)
        shape = [1] * out.ndim
        shape[axis] = m
        out = (np.take(running, ends, axis=axis) - np.take(running, starts, axis=axis)) / (ends - starts).reshape(shape)
    return out


def assert_close(actual, expected) -> None:
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, **EXACT)


# --------------------------------------------------------------------------------------------------
# forward: engine == loop reference == NumPy
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_max_pool_equals_loop_reference_and_numpy(dims, data):
    """With a gradient to come (maxima and taps) and without (the maxima alone: evaluation)."""
    case = data.draw(S.pool_geometries("max", dims=dims), label="case")
    x = S.seeded_array(case["seed"], case["x_shape"])
    out = MAX_POOL[dims](Tensor(x), **case["kwargs"]).numpy()
    np.testing.assert_array_equal(MAX_POOL[dims](Tensor(x, requires_grad=True), **case["kwargs"]).numpy(), out)
    kernel, stride, padding, dilation = geometry(case["kwargs"], dims)
    sizes = [pool_output_size(n, k, s, p, d, case["kwargs"]["ceil_mode"])
             for n, k, s, p, d in zip(x.shape[2:], kernel, stride, padding, dilation)]  # fmt: skip
    assert out.shape == (*x.shape[:2], *sizes)
    np.testing.assert_array_equal(out, MAX_REFERENCE[dims](x, **case["kwargs"]))  # a max is exact
    np.testing.assert_array_equal(out, numpy_max_pool(x, case["kwargs"], dims))


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_avg_pool_equals_loop_reference_and_numpy(dims, data):
    case = data.draw(S.pool_geometries("avg", dims=dims), label="case")
    x = S.seeded_array(case["seed"], case["x_shape"])
    out = AVG_POOL[dims](Tensor(x), **case["kwargs"]).numpy()
    assert_close(out, AVG_REFERENCE[dims](x, **case["kwargs"]))
    assert_close(out, numpy_avg_pool(x, case["kwargs"], dims))


@st.composite
def adaptive_cases(draw: st.DrawFn, dims: int) -> dict:
    """Input sides 1-7 and output sizes 1-8 (larger than the input too: bins then repeat), ``None`` in 2-D."""
    spatial = tuple(draw(st.integers(1, 7)) for _ in range(dims))
    sizes = tuple(draw(st.integers(1, 8) | (st.none() if dims > 1 else st.nothing())) for _ in range(dims))
    output_size = sizes[0] if dims == 1 or (len(set(sizes)) == 1 and draw(st.booleans())) else sizes
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), *spatial)
    return {"x_shape": shape, "output_size": output_size, "sizes": sizes, "seed": draw(st.integers(0, 2**16))}


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_adaptive_avg_pool_equals_loop_reference_and_running_sums(dims, data):
    case = data.draw(adaptive_cases(dims), label="case")
    x = S.seeded_array(case["seed"], case["x_shape"])
    out = ADAPTIVE[dims](Tensor(x), case["output_size"]).numpy()
    assert_close(out, ADAPTIVE_REFERENCE[dims](x, case["output_size"]))
    assert_close(out, numpy_adaptive_avg_pool(x, case["sizes"]))


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_adaptive_avg_pool_is_avg_pool_when_the_output_divides_the_input(dims, data):
    """With ``n = m·q`` the bins are the ``q``-blocks: ``avg_pool(k=s=q)``, i.e. a reshape and a mean."""
    sizes = tuple(data.draw(st.integers(1, 3)) for _ in range(dims))
    blocks = tuple(data.draw(st.integers(1, 3)) for _ in range(dims))
    x = S.seeded_array(data.draw(st.integers(0, 2**16)), (2, 2, *[m * q for m, q in zip(sizes, blocks)]))
    out = ADAPTIVE[dims](Tensor(x), sizes).numpy()
    assert_close(out, AVG_POOL[dims](Tensor(x), blocks).numpy())
    split = x.reshape(2, 2, *[v for m, q in zip(sizes, blocks) for v in (m, q)])  # (N, C, m1, q1, m2, q2)
    assert_close(out, split.mean(axis=tuple(range(3, 3 + 2 * dims, 2))))


def test_adaptive_avg_pool_of_one_is_the_global_mean_and_of_the_input_size_the_identity():
    x = S.seeded_array(0, (2, 3, 5, 4))
    assert_close(F.adaptive_avg_pool2d(Tensor(x), 1).numpy(), x.mean(axis=(2, 3), keepdims=True))
    assert_close(F.adaptive_avg_pool2d(Tensor(x), (5, 4)).numpy(), x)
    assert_close(F.adaptive_avg_pool2d(Tensor(x), (None, 4)).numpy(), x)


# --------------------------------------------------------------------------------------------------
# gradients
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_max_pool_gradient_passes_gradcheck_on_inputs_without_ties(dims, data):
    case = data.draw(S.pool_geometries("max", dims=dims), label="case")
    x = S.seeded_distinct_array(case["seed"], case["x_shape"])
    # padding ≤ k/2 does not keep a dilated window out of the padding: its max is −∞ (no gradient to check)
    assume(np.isfinite(numpy_max_pool(x, case["kwargs"], dims)).all())
    assert gradcheck(lambda t: MAX_POOL[dims](t, **case["kwargs"]), [Tensor(x, requires_grad=True)])


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_avg_pool_gradient_passes_gradcheck(dims, data):
    case = data.draw(S.pool_geometries("avg", dims=dims), label="case")
    x = Tensor(S.seeded_array(case["seed"], case["x_shape"]), requires_grad=True)
    assert gradcheck(lambda t: AVG_POOL[dims](t, **case["kwargs"]), [x])


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_adaptive_avg_pool_gradient_passes_gradcheck(dims, data):
    case = data.draw(adaptive_cases(dims), label="case")
    x = Tensor(S.seeded_array(case["seed"], case["x_shape"]), requires_grad=True)
    assert gradcheck(lambda t: ADAPTIVE[dims](t, case["output_size"]), [x])


def tied_with_minus_infinity(seed: int, shape) -> np.ndarray:
    """Values from {−∞, 0, 1, 2}: ties everywhere, and windows whose real entries are all −∞."""
    x = np.random.default_rng(seed).integers(-1, 3, shape).astype(np.float64)
    x[x < 0] = -np.inf
    return x


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_max_pool_gradient_goes_to_the_first_maximum_of_each_window(dims, data):
    """Inputs from {−∞, 0, 1, 2}: most windows hold tied maxima. Each window's gradient goes to its first maximum
    in row-major order among the input's entries (a real −∞ beats the −∞ padding before it, as in PyTorch),
    overlapping windows add, and a window wholly in the padding passes nothing."""
    case = data.draw(S.pool_geometries("max", dims=dims), label="case")
    x = tied_with_minus_infinity(case["seed"], case["x_shape"])
    xt = Tensor(x, requires_grad=True)
    out = MAX_POOL[dims](xt, **case["kwargs"])
    grad_out = S.seeded_array(case["seed"] + 1, out.shape)
    out.backward(grad_out)
    assert_close(xt.grad.numpy(), MAX_BACKWARD_REFERENCE[dims](x, grad_out, **case["kwargs"]))


@pytest.mark.parametrize("dims", [1, 2, 3])
@given(data=st.data())
def test_max_pool_indices_point_at_the_maximum_that_gets_the_gradient(dims, data):
    """``return_indices`` gives, per window, the flat input position (row-major over the spatial dims) of the
    first maximum: gathering there gives the output, and scattering the output's gradient there gives the
    gradient. -1 marks a window wholly in the padding (its maximum is −∞ and it passes no gradient)."""
    case = data.draw(S.pool_geometries("max", dims=min(dims, 2)), label="case")
    kwargs, x_shape = case["kwargs"], case["x_shape"]
    if dims == 3:  # a third spatial axis with the second's geometry
        kwargs = {k: (tuple(v) + (v[-1],) if isinstance(v, tuple) else v) for k, v in kwargs.items()}
        x_shape = (*x_shape, x_shape[-1])
    x = tied_with_minus_infinity(case["seed"], x_shape)  # ties everywhere
    out, indices = F.__dict__[f"max_pool{dims}d"](Tensor(x), **kwargs, return_indices=True)
    assert indices.dtype == np.int64 and indices.shape == out.shape
    flat = x.reshape(*x.shape[:2], -1)  # (N, C, Π spatial)
    found = indices.numpy().reshape(*x.shape[:2], -1)  # (N, C, Π out)
    inside = found >= 0
    wholly_in_padding = ~np.isfinite(getattr(R, f"max_pool{dims}d_reference")(np.zeros_like(x), **kwargs))
    np.testing.assert_array_equal(wholly_in_padding.reshape(found.shape), ~inside)
    gathered = np.take_along_axis(flat, np.where(inside, found, 0), axis=-1)
    np.testing.assert_array_equal(gathered[inside], out.numpy().reshape(found.shape)[inside])
    grad_out = S.seeded_array(case["seed"] + 1, out.shape)
    scattered = np.zeros_like(flat)
    for n, c, o in zip(*np.nonzero(inside)):
        scattered[n, c, found[n, c, o]] += grad_out.reshape(found.shape)[n, c, o]
    expected = getattr(R, f"max_pool{dims}d_backward_reference")(x, grad_out, **kwargs)
    assert_close(scattered.reshape(x.shape), expected)


@pytest.mark.parametrize("dims", [1, 2, 3])
@given(data=st.data())
def test_max_pool_in_chunks_equals_the_loop_references(dims, data):
    """The engine works through the (n, c) blocks in cache-sized chunks: here every block is a chunk. Inputs from
    {−∞, 0, 1, 2} (ties), with NaNs in some: the maxima, the indices and the gradient (to the first maximum) are
    those of the loop references, in 1-3 dims."""
    case = data.draw(S.pool_geometries("max", dims=min(dims, 2)), label="case")
    kwargs, x_shape = case["kwargs"], case["x_shape"]
    if dims == 3:  # a third spatial axis with the second's geometry
        kwargs = {k: (tuple(v) + (v[-1],) if isinstance(v, tuple) else v) for k, v in kwargs.items()}
        x_shape = (*x_shape, x_shape[-1])
    x = tied_with_minus_infinity(case["seed"], x_shape)
    with_nan = data.draw(st.booleans(), label="with NaN")
    if with_nan:
        x[np.random.default_rng(case["seed"]).random(x.shape) < 0.1] = np.nan
    xt = Tensor(x, requires_grad=True)
    with patch.object(window_max, "CHUNK_BYTES", 8):
        out, indices = F.__dict__[f"max_pool{dims}d"](xt, **kwargs, return_indices=True)
        grad_out = S.seeded_array(case["seed"] + 1, out.shape)
        out.backward(grad_out)
    reference = getattr(R, f"max_pool{dims}d_reference")
    np.testing.assert_array_equal(out.numpy(), reference(x, **kwargs))  # NaN where a window holds one
    with patch.object(window_max, "CHUNK_BYTES", 1 << 19):
        _, one_chunk = F.__dict__[f"max_pool{dims}d"](Tensor(x), **kwargs, return_indices=True)
    np.testing.assert_array_equal(indices.numpy(), one_chunk.numpy())
    if not with_nan:  # the loop reference's backward knows no NaN rule (PyTorch's CPU kernel takes the last NaN)
        expected = getattr(R, f"max_pool{dims}d_backward_reference")(x, grad_out, **kwargs)
        assert_close(xt.grad.numpy(), expected)


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_max_pool_in_chunks_passes_gradcheck(dims, data):
    case = data.draw(S.pool_geometries("max", dims=dims), label="case")
    x = S.seeded_distinct_array(case["seed"], case["x_shape"])
    assume(np.isfinite(numpy_max_pool(x, case["kwargs"], dims)).all())  # no window wholly in the padding
    with patch.object(window_max, "CHUNK_BYTES", 8):
        assert gradcheck(lambda t: MAX_POOL[dims](t, **case["kwargs"]), [Tensor(x, requires_grad=True)])


def test_max_pool_layer_returns_indices_as_pytorchs_does():
    from tinygrad_cnn import nn

    pool = nn.MaxPool2d(2, 2, 0, 1, True)  # PyTorch's positional order: ..., dilation, return_indices, ceil_mode
    out, indices = pool(Tensor(np.array([[[[1.0, 4.0, 0.0], [3.0, 2.0, 5.0]]]])))
    assert out.tolist() == [[[[4.0]]]] and indices.tolist() == [[[[1]]]]
    assert repr(pool) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"  # as PyTorch
    unbatched = F.max_pool1d(Tensor([[1.0, 3.0, 2.0, 5.0]]), 2, return_indices=True)
    assert unbatched[0].tolist() == [[3.0, 5.0]] and unbatched[1].tolist() == [[1, 3]]


def test_max_pool_tie_goes_to_the_first_maximum_in_row_major_order():
    """Both 2×2 windows hold three 7s; each sends its gradient to the first, x[0, 1] (row-major order)."""
    x = Tensor(np.array([[[[1.0, 7.0, 7.0], [7.0, 0.0, 7.0]]]]), requires_grad=True)
    F.max_pool2d(x, 2, stride=1).backward(np.array([[[[1.0, 10.0]]]]))
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[0.0, 11.0, 0.0], [0.0, 0.0, 0.0]])


# --------------------------------------------------------------------------------------------------
# dtypes and unbatched inputs
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_pooling_keeps_float32_and_takes_unbatched_input(kind, dims, data):
    case = data.draw(S.pool_geometries(kind, dims=dims), label="case")
    pool = (MAX_POOL if kind == "max" else AVG_POOL)[dims]
    x = S.seeded_array(case["seed"], case["x_shape"])
    x32 = Tensor(x.astype(np.float32), requires_grad=True)
    out = pool(x32, **case["kwargs"])
    assert out.dtype == np.float32
    out.sum().backward()
    assert x32.grad.dtype == np.float32
    batched = pool(Tensor(x), **case["kwargs"]).numpy()
    unbatched = pool(Tensor(x[0]), **case["kwargs"]).numpy()
    assert_close(unbatched, batched[0])


@pytest.mark.parametrize("dims", [1, 2])
def test_adaptive_avg_pool_keeps_float32_and_takes_unbatched_input(dims):
    x = S.seeded_array(1, (2, 3, *[5] * dims))
    assert ADAPTIVE[dims](Tensor(x.astype(np.float32)), 3).dtype == np.float32
    assert_close(ADAPTIVE[dims](Tensor(x[0]), 3).numpy(), ADAPTIVE[dims](Tensor(x), 3).numpy()[0])


def test_a_dilated_window_wholly_in_the_padding_gives_minus_infinity_and_no_gradient():
    """``padding ≤ k/2`` does not keep a dilated window out of the padding: n=1, k=2, p=1, d=2 sees two pads."""
    x = Tensor(np.array([[[5.0]]]), requires_grad=True)
    out = F.max_pool1d(x, 2, stride=1, padding=1, dilation=2)
    np.testing.assert_array_equal(out.numpy(), R.max_pool1d_reference(x.numpy(), 2, stride=1, padding=1, dilation=2))
    assert out.numpy()[0, 0, 0] == -np.inf
    out.backward(np.ones(out.shape))
    np.testing.assert_array_equal(x.grad.numpy(), [[[0.0]]])


def test_max_pool_nan_is_the_maximum_and_its_index_comes_from_the_same_pass():
    """NaN counts as the largest value (the first of several NaNs wins); the indices and the gradient point at the
    entry that gave the output, found in one pass over the taps."""
    x = Tensor(np.array([[[[1.0, np.nan, 3.0, 3.0], [np.nan, 0.0, 2.0, 3.0]]]]), requires_grad=True)
    out, indices = F.max_pool2d(x, 2, return_indices=True)
    assert np.isnan(out.numpy()[0, 0, 0, 0]) and out.numpy()[0, 0, 0, 1] == 3.0
    assert indices.tolist() == [[[[1, 2]]]]  # the first NaN (row-major), the first of the tied 3s
    out.backward(np.array([[[[5.0, 7.0]]]]))
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[0.0, 5.0, 7.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
