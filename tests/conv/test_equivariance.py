"""Translation equivariance: what *sharing* buys. The same weights at every position mean that shifting the
input shifts the output, and these tests pin down exactly when.

* Circular padding, stride 1, same-size output (the input is a periodic lattice):
  ``conv(roll(x, t)) == roll(conv(x), t)`` for every shift ``t`` on every axis, to 1e-12.
* Zero padding: the same holds only in the interior, at outputs whose window sees neither the padding
  nor the values that the roll wrapped around.
* Stride ``s``: shifting the input by ``m·s`` shifts the output by ``m`` (exactly when circular and
  ``n = L·s``; in the interior otherwise), and a shift that is not a multiple of ``s`` gives an output that
  is no shift of the original at all. Max pooling with kernel = stride = ``s`` behaves the same way.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import tinygrad_cnn.functional as F
from tests import strategies as S
from tinygrad_cnn import Tensor
from tinygrad_cnn.shapes import conv_output_size

CONV = {1: F.conv1d, 2: F.conv2d}
MAX_POOL = {1: F.max_pool1d, 2: F.max_pool2d}
ROLL_EXACT = {"rtol": 0, "atol": 1e-12}


def per_axis(value, dims: int) -> tuple[int, ...]:
    return (value,) * dims if isinstance(value, int) else tuple(value)


def spatial_axes(dims: int) -> tuple[int, ...]:
    return tuple(range(2, 2 + dims))


def conv(x: np.ndarray, weight: np.ndarray, **kwargs) -> np.ndarray:
    return CONV[weight.ndim - 2](Tensor(x), Tensor(weight), **kwargs).numpy()


def interior(n: int, extent: int, stride: int, before: int, shift: int, out: int) -> np.ndarray:
    """Outputs whose window ``[o·s − before, o·s − before + extent)`` lies in the input and, after rolling the
    input by ``shift``, holds no wrapped-around value: inside ``[0, n) ∩ [shift, n + shift)``."""
    o = np.arange(out)
    start = o * stride - before
    return o[(start >= max(0, shift)) & (start + extent <= min(n, n + shift))]


# --------------------------------------------------------------------------------------------------
# stride 1
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_circular_conv_commutes_with_every_roll(dims, data):
    """Circular padding and 'same' (stride 1): the output lives on the same periodic lattice as the input."""
    geometry = S.conv_geometries(dims=dims, modes=("circular",), padding_kinds=("same",), max_extra=3)
    case = data.draw(geometry, label="case")
    x = S.seeded_array(case["seed"], case["x_shape"])
    weight = S.seeded_array(case["seed"] + 1, case["weight_shape"])
    kwargs = case["kwargs"]
    out = conv(x, weight, **kwargs)
    assert out.shape[2:] == x.shape[2:]
    shifts = tuple(data.draw(st.integers(-2 * n, 2 * n), label="shift") for n in x.shape[2:])
    for axis, t in zip(spatial_axes(dims), shifts):  # one axis at a time
        np.testing.assert_allclose(conv(np.roll(x, t, axis), weight, **kwargs), np.roll(out, t, axis), **ROLL_EXACT)
    shifted = conv(np.roll(x, shifts, spatial_axes(dims)), weight, **kwargs)  # all axes at once
    np.testing.assert_allclose(shifted, np.roll(out, shifts, spatial_axes(dims)), **ROLL_EXACT)


def test_zero_padding_breaks_equivariance_at_the_border_only():
    """x = 1..5, kernel (1, 1, 1), padding 1: rolled by one, the interior outputs shift, the border ones do not."""
    x, weight = np.arange(1.0, 6.0).reshape(1, 1, 5), np.ones((1, 1, 3))
    out = conv(x, weight, padding=1)  # [3, 6, 9, 12, 9]
    shifted = conv(np.roll(x, 1, -1), weight, padding=1)  # input [5, 1, 2, 3, 4]: [6, 8, 6, 9, 7]
    np.testing.assert_array_equal(out[0, 0], [3.0, 6.0, 9.0, 12.0, 9.0])
    np.testing.assert_array_equal(shifted[0, 0, 2:4], np.roll(out, 1, -1)[0, 0, 2:4])  # windows inside [1, 5)
    assert (shifted[0, 0, [0, 1, 4]] != np.roll(out, 1, -1)[0, 0, [0, 1, 4]]).all()  # windows touching a border
    circular = conv(x, weight, padding=1, padding_mode="circular")
    np.testing.assert_array_equal(conv(np.roll(x, 1, -1), weight, padding=1, padding_mode="circular"),
                                  np.roll(circular, 1, -1))  # fmt: skip


# --------------------------------------------------------------------------------------------------
# zero padding and any stride: equivariance in the interior, for shifts by multiples of the stride
# --------------------------------------------------------------------------------------------------


@st.composite
def interior_cases(draw: st.DrawFn, dims: int) -> dict:
    """A zero-padded conv of any geometry, a shift ``m·s`` per axis, and an input long enough that some
    output window lies inside both the input and its rolled copy (``n ≥ |m·s| + s + extent``)."""
    case = draw(S.conv_geometries(dims=dims, modes=("zeros",), max_groups=2))
    kwargs = case["kwargs"]
    stride, dilation = per_axis(kwargs["stride"], dims), per_axis(kwargs["dilation"], dims)
    extents = [d * (k - 1) + 1 for k, d in zip(case["weight_shape"][2:], dilation)]
    multiples = tuple(draw(st.integers(-2, 2), label="m") for _ in range(dims))
    sides = [
        draw(st.integers(abs(m * s) + s + e, abs(m * s) + s + e + 3))
        for m, s, e in zip(multiples, stride, extents)
    ]  # fmt: skip
    return {**case, "x_shape": (*case["x_shape"][:2], *sides), "multiples": multiples, "stride": stride,
            "extents": extents}  # fmt: skip


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_zero_padded_conv_shifts_by_shift_over_stride_in_the_interior(dims, data):
    case = data.draw(interior_cases(dims), label="case")
    x = S.seeded_array(case["seed"], case["x_shape"])
    weight = S.seeded_array(case["seed"] + 1, case["weight_shape"])
    out = conv(x, weight, **case["kwargs"])
    shifts = [m * s for m, s in zip(case["multiples"], case["stride"])]
    shifted = conv(np.roll(x, shifts, spatial_axes(dims)), weight, **case["kwargs"])
    kept = [
        interior(n, e, s, before, t, m_out)
        for n, e, s, (before, _), t, m_out in zip(x.shape[2:], case["extents"], case["stride"], case["pads"], shifts,
                                                   out.shape[2:])
    ]  # fmt: skip
    assert all(len(k) for k in kept)  # the strategy leaves room for an interior
    inside = (slice(None), slice(None), *np.ix_(*kept))
    before_shift = (slice(None), slice(None), *np.ix_(*[k - m for k, m in zip(kept, case["multiples"])]))
    np.testing.assert_allclose(shifted[inside], out[before_shift], **ROLL_EXACT)


# --------------------------------------------------------------------------------------------------
# circular padding and stride s: exact, for shifts by multiples of s; and never for other shifts
# --------------------------------------------------------------------------------------------------


@st.composite
def strided_circular_cases(draw: st.DrawFn, dims: int) -> dict:
    """Circular conv with stride ``s`` on ``n = L·s`` and padding ``p = ⌊(e−1)/2⌋`` (extent ``e``) with
    ``e − s ≤ 2p``, so the output has exactly ``L = n/s`` positions: the output lattice is the input's,
    coarsened by ``s``."""
    stride = tuple(draw(st.integers(2, 3)) for _ in range(dims))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    padding = tuple((d * (k - 1)) // 2 for k, d in zip(kernel, dilation))
    sides = []
    for k, s, d, p in zip(kernel, stride, dilation, padding):
        lengths = draw(st.integers(max(1, -(-p // s)), 3))  # L ≥ 1 and circular padding p ≤ n = L·s
        sides.append(lengths * s)
        assert conv_output_size(lengths * s, k, s, p, d) == lengths
    groups = draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    return {
        "x_shape": (draw(st.integers(1, 2)), c_in, *sides),
        "weight_shape": (c_out, c_in // groups, *kernel),
        "kwargs": {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups,
                   "padding_mode": "circular"},
        "seed": draw(st.integers(0, 2**16)),
    }  # fmt: skip


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_strided_circular_conv_shifts_by_shift_over_stride(dims, data):
    case = data.draw(strided_circular_cases(dims), label="case")
    x = S.seeded_array(case["seed"], case["x_shape"])
    weight = S.seeded_array(case["seed"] + 1, case["weight_shape"])
    stride = case["kwargs"]["stride"]
    out = conv(x, weight, **case["kwargs"])
    multiples = tuple(data.draw(st.integers(-4, 4), label="m") for _ in range(dims))
    shifted = conv(np.roll(x, [m * s for m, s in zip(multiples, stride)], spatial_axes(dims)), weight, **case["kwargs"])
    np.testing.assert_allclose(shifted, np.roll(out, multiples, spatial_axes(dims)), **ROLL_EXACT)


@given(data=st.data())
def test_a_shift_that_is_not_a_multiple_of_the_stride_is_no_shift_of_the_output(data):
    """Generic inputs (standard normal): after a shift by ``t`` with ``t mod s ≠ 0``, the strided windows fall
    between the old ones, and the output differs from *every* roll of the original output."""
    case = data.draw(strided_circular_cases(1), label="case")
    (s,) = case["kwargs"]["stride"]
    t = data.draw(st.integers(-2 * s, 2 * s).filter(lambda t: t % s), label="shift")
    x = S.seeded_array(case["seed"], case["x_shape"])
    weight = S.seeded_array(case["seed"] + 1, case["weight_shape"])
    assume(np.abs(weight).min() > 1e-3)
    out = conv(x, weight, **case["kwargs"])
    shifted = conv(np.roll(x, t, -1), weight, **case["kwargs"])
    for u in range(out.shape[-1]):
        assert np.abs(shifted - np.roll(out, u, -1)).max() > 1e-6, f"shift {t} gave the roll by {u}"


def test_stride_two_counterexample_for_an_odd_shift():
    """x = e_0 (one spike) and kernel (1, 2), stride 2: the spike at 0 gives [1, 0, 0, 0]; moved to 1 it gives
    [2, 0, 0, 0]. Shifting the input by 2 moves the output by 1; shifting by 1 does not move it at all."""
    x, weight = np.eye(8)[:1].reshape(1, 1, 8), np.array([[[1.0, 2.0]]])
    out = conv(x, weight, stride=2)
    np.testing.assert_array_equal(out[0, 0], [1.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(conv(np.roll(x, 2, -1), weight, stride=2), np.roll(out, 1, -1))
    odd = conv(np.roll(x, 1, -1), weight, stride=2)
    np.testing.assert_array_equal(odd[0, 0], [2.0, 0.0, 0.0, 0.0])
    assert all(not np.array_equal(odd, np.roll(out, u, -1)) for u in range(4))


# --------------------------------------------------------------------------------------------------
# max pooling with kernel = stride = s
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_max_pool_with_kernel_equal_to_stride_shifts_by_shift_over_stride(dims, data):
    """On ``n = L·s`` the windows tile the input, so a roll by ``m·s`` permutes whole windows: exact. With a
    remainder ``r`` the last ``r`` inputs are in no window, and the equality holds in the interior."""
    strides = tuple(data.draw(st.integers(1, 3), label="s") for _ in range(dims))
    lengths = tuple(data.draw(st.integers(1, 4), label="L") for _ in range(dims))
    multiples = tuple(data.draw(st.integers(-4, 4), label="m") for _ in range(dims))
    x = S.seeded_array(data.draw(st.integers(0, 2**16)), (2, 2, *[n * s for n, s in zip(lengths, strides)]))
    shifts = [m * s for m, s in zip(multiples, strides)]
    out = MAX_POOL[dims](Tensor(x), strides).numpy()
    shifted = MAX_POOL[dims](Tensor(np.roll(x, shifts, spatial_axes(dims))), strides).numpy()
    np.testing.assert_array_equal(shifted, np.roll(out, multiples, spatial_axes(dims)))

    remainders = tuple(data.draw(st.integers(0, s - 1), label="r") for s in strides)
    x = S.seeded_array(1, (1, 1, *[n * s + r + abs(t) for n, s, r, t in zip(lengths, strides, remainders, shifts)]))
    out = MAX_POOL[dims](Tensor(x), strides).numpy()
    shifted = MAX_POOL[dims](Tensor(np.roll(x, shifts, spatial_axes(dims))), strides).numpy()
    kept = [interior(n, s, s, 0, t, m_out) for n, s, t, m_out in zip(x.shape[2:], strides, shifts, out.shape[2:])]
    assert all(len(k) for k in kept)  # n ≥ L·s + |t| leaves a window on each side of the wrap
    before_shift = (slice(None), slice(None), *np.ix_(*[k - m for k, m in zip(kept, multiples)]))
    np.testing.assert_array_equal(shifted[(slice(None), slice(None), *np.ix_(*kept))], out[before_shift])


def test_max_pool_counterexample_for_a_shift_not_divisible_by_the_stride():
    """[0, 1, 2, 3] pooled by 2 is [1, 3]; rolled by one, [3, 0, 1, 2] pools to [3, 2], which is neither
    [1, 3] nor [3, 1]. Rolled by two, [2, 3, 0, 1] pools to [3, 1], the roll of [1, 3] by one."""
    x = np.arange(4.0).reshape(1, 1, 4)
    out = F.max_pool1d(Tensor(x), 2).numpy()
    np.testing.assert_array_equal(F.max_pool1d(Tensor(np.roll(x, 2, -1)), 2).numpy(), np.roll(out, 1, -1))
    odd = F.max_pool1d(Tensor(np.roll(x, 1, -1)), 2).numpy()
    np.testing.assert_array_equal(odd[0, 0], [3.0, 2.0])
    assert all(not np.array_equal(odd, np.roll(out, u, -1)) for u in range(2))
