"""The scalar-engine convolution (:mod:`tinygrad_cnn.conv.value_conv`): values equal the loop oracle, and the
gradients ``Value.backward`` finds equal the lecture's rule and central differences.

* Forward: :func:`conv1d`/:func:`conv2d` equal ``conv1d_reference``/``conv2d_reference`` over
  Hypothesis-drawn sizes, stride, padding and dilation.
* Backward, for ``L = Σ g · y`` (so ``g`` is the upstream gradient):
  ∂L/∂w[o,c,u,v] = Σ over output positions of g · (the padded input that tap touched), "sharing";
  ∂L/∂b[o] = Σ g[o]; ∂L/∂x = conv_transpose(g, w), and all three equal central differences.
* Sharing is visible in the graph: one Value per kernel weight, one ``*`` node per position it is used at.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_cnn import Value, grad
from tinygrad_cnn.conv.reference import conv1d_reference, conv2d_reference, conv_transposend_reference
from tinygrad_cnn.conv.value_conv import conv1d, conv2d, conv_parameters, to_numbers, to_values
from tinygrad_cnn.engine.autograd import backward_order

TOL = {"rtol": 1e-9, "atol": 1e-9}
FD_TOL = {"rtol": 1e-6, "atol": 1e-6}


@st.composite
def cases(draw: st.DrawFn, dims: int) -> dict:
    """Arrays x (C_in, *spatial), w (C_out, C_in, *k), b, upstream gradient g, and stride/padding/dilation."""
    kernel = [draw(st.integers(1, 3)) for _ in range(dims)]
    stride = [draw(st.integers(1, 3)) for _ in range(dims)]
    padding = [draw(st.integers(0, 2)) for _ in range(dims)]
    dilation = [draw(st.integers(1, 2)) for _ in range(dims)]
    max_side = 7 if dims == 1 else 5
    spatial = [
        draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), max(1, d * (k - 1) + 1 - 2 * p, max_side)))
        for k, p, d in zip(kernel, padding, dilation)
    ]
    c_in, c_out = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    out = [(n + 2 * p - d * (k - 1) - 1) // s + 1 for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation)]
    pick = (lambda v: v[0]) if dims == 1 else tuple  # conv1d takes ints
    return {
        "x": rng.standard_normal((c_in, *spatial)),
        "w": rng.standard_normal((c_out, c_in, *kernel)),
        "b": rng.standard_normal(c_out) if draw(st.booleans()) else None,
        "g": rng.standard_normal((c_out, *out)),
        "kwargs": {"stride": pick(stride), "padding": pick(padding), "dilation": pick(dilation)},
    }


def run(case: dict, dims: int):
    """Build the scalar conv on fresh Values, backpropagate L = Σ g·y, return (x, w, b, y) Values."""
    conv = conv1d if dims == 1 else conv2d
    x, w = to_values(case["x"], "x"), to_values(case["w"], "w")
    b = None if case["b"] is None else to_values(case["b"], "b")
    y = conv(x, w, b, **case["kwargs"])
    loss = sum((gi * yi for gi, yi in zip(case["g"].ravel(), np.array(y, dtype=object).ravel())), Value(0.0))
    loss.backward()
    return x, w, b, y


def oracle(case: dict, dims: int, x=None, w=None, b=None) -> np.ndarray:
    reference = conv1d_reference if dims == 1 else conv2d_reference
    x, w = case["x"] if x is None else x, case["w"] if w is None else w
    b = case["b"] if b is None else b
    return reference(x[None], w, b, **case["kwargs"])[0]


def central_differences(f, a: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """∂f/∂a by central differences, every entry (the sizes here are tiny)."""
    out = np.zeros_like(a)
    for index in np.ndindex(a.shape):
        up, down = a.copy(), a.copy()
        up[index] += h
        down[index] -= h
        out[index] = (f(up) - f(down)) / (2 * h)
    return out


def per_axis(case: dict) -> tuple[list[int], list[int], list[int]]:
    """stride, padding, dilation as one int per spatial axis."""
    dims = case["x"].ndim - 1
    return tuple(list(np.broadcast_to(case["kwargs"][name], dims)) for name in ("stride", "padding", "dilation"))


def sum_over_positions(case: dict) -> np.ndarray:
    """The lecture's rule, literally: ∂L/∂w[o, c, *tap] = Σ_positions g[o, *pos] · x_padded[c, pos·s + tap·d]."""
    stride, padding, dilation = per_axis(case)
    xp = np.pad(case["x"], [(0, 0), *[(p, p) for p in padding]])
    g, dw = case["g"], np.zeros_like(case["w"])
    for o, c, *tap in np.ndindex(*dw.shape):
        for pos in np.ndindex(*g.shape[1:]):
            touched = tuple(q * s + t * d for q, s, t, d in zip(pos, stride, tap, dilation))
            dw[(o, c, *tap)] += g[(o, *pos)] * xp[(c, *touched)]
    return dw


# --------------------------------------------------------------------------------------------------
# forward
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_values_equal_the_loop_oracle(dims, data):
    case = data.draw(cases(dims))
    conv = conv1d if dims == 1 else conv2d
    b = None if case["b"] is None else case["b"].tolist()
    y = conv(to_values(case["x"]), to_values(case["w"]), b, **case["kwargs"])
    assert all(isinstance(v, Value) for v in np.array(y, dtype=object).ravel())
    np.testing.assert_allclose(to_numbers(y), oracle(case, dims), **TOL)


def test_plain_number_inputs_and_kernels_mix():
    """Inputs may be floats (a fixed image), kernels floats (a fixed filter): the outputs are still Values."""
    image = [[1.0, 2.0, 3.0]]
    y = conv1d(image, [[[1.0, 1.0]]])
    assert [v.data for v in y[0]] == [3.0, 5.0] and all(isinstance(v, Value) for v in y[0])
    x = to_values([image])[0]
    y = conv1d(x, [[[2.0, 0.0]]])
    y[0][1].backward()
    assert to_numbers(x, grad=True).tolist() == [[0.0, 2.0, 0.0]]


def test_a_window_wholly_in_the_padding_is_zero_or_the_bias():
    (w,), (b,) = conv_parameters(1, 1, 1)
    y = conv1d([[5.0]], [w], [b], padding=2)
    assert [v.data for v in y[0]] == [b.data, b.data, w[0][0].data * 5.0 + b.data, b.data, b.data]
    assert [v.data for v in conv1d([[5.0]], [[[1.0]]], padding=1)[0]] == [0.0, 5.0, 0.0]


# --------------------------------------------------------------------------------------------------
# backward
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_weight_gradient_is_the_sum_over_positions(dims, data):
    case = data.draw(cases(dims))
    _, w, b, _ = run(case, dims)
    np.testing.assert_allclose(to_numbers(w, grad=True), sum_over_positions(case), **TOL)
    if b is not None:
        np.testing.assert_allclose(to_numbers(b, grad=True), case["g"].reshape(len(b), -1).sum(axis=1), **TOL)


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_input_gradient_is_the_transposed_conv_of_the_upstream_gradient(dims, data):
    case = data.draw(cases(dims))
    x, _, _, _ = run(case, dims)
    stride, padding, dilation = per_axis(case)
    geometry = zip(case["x"].shape[1:], case["w"].shape[2:], stride, padding, dilation)
    output_padding = [(n + 2 * p - d * (k - 1) - 1) % s for n, k, s, p, d in geometry]  # what the last stride skipped
    g = case["g"][None]  # (1, C_out, *out)
    expected = conv_transposend_reference(g, case["w"], output_padding=output_padding, **case["kwargs"])[0]
    np.testing.assert_allclose(to_numbers(x, grad=True), expected, **TOL)


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_gradients_equal_central_differences(dims, data):
    case = data.draw(cases(dims))
    x, w, b, _ = run(case, dims)
    g = case["g"]
    for name, values in (("x", x), ("w", w), ("b", b)):
        if values is not None:
            numeric = central_differences(lambda a, name=name: np.sum(g * oracle(case, dims, **{name: a})), case[name])
            np.testing.assert_allclose(to_numbers(values, grad=True), numeric, **FD_TOL, err_msg=f"d loss / d {name}")


def test_one_value_per_weight_used_at_every_position():
    """Sharing, seen in the graph: w[0,0,1] is one node, the input of one ``*`` per window it reaches."""
    x = to_values([[1.0, 2.0, 3.0, 4.0, 5.0]], "x")
    (w,), _ = conv_parameters(1, 1, 3, bias=False)
    y = conv1d(x, [w], padding=1)  # 5 windows; tap 1 (the centre) meets an input in all 5, tap 0 in 4
    nodes = {id(n): n for v in y[0] for n in backward_order(v, lambda n: n._prev)}.values()
    weights = [n for n in nodes if n.label.startswith("w[")]
    assert sorted(n.label for n in weights) == ["w[0,0,0]", "w[0,0,1]", "w[0,0,2]"]
    uses = [sum(1 for n in nodes if n._op == "*" and tap in n._prev) for tap in w[0]]  # `in` compares identity
    assert uses == [4, 5, 4]
    sum(y[0]).backward()
    assert w[0][1].grad == 1 + 2 + 3 + 4 + 5 and w[0][0].grad == 1 + 2 + 3 + 4 and w[0][2].grad == 2 + 3 + 4 + 5


def test_second_derivatives_flow_through_the_conv():
    """The conv is built from ``+`` and ``*`` only, so create_graph gives derivatives of derivatives."""
    x = to_values([[1.0, 2.0, 3.0]])
    w = to_values([[[0.5, -1.0]]])
    y = conv1d(x, w)
    loss = sum(v * v for v in y[0])  # Σ y², y_i = w0·x_i + w1·x_{i+1}
    (dw0,) = grad(loss, [w[0][0][0]], create_graph=True)  # 2 Σ y_i x_i
    (dw0w0,) = grad(dw0, [w[0][0][0]])  # 2 Σ x_i² = 2·(1 + 4)
    assert dw0.data == pytest.approx(2 * ((0.5 - 2.0) * 1 + (1.0 - 3.0) * 2))
    assert dw0w0 == pytest.approx(10.0)


# --------------------------------------------------------------------------------------------------
# helpers: parameters and conversions
# --------------------------------------------------------------------------------------------------


def test_conv_parameters_shapes_labels_and_range():
    weight, bias = conv_parameters(3, 2, (2, 4), generator=np.random.default_rng(1))
    numbers = to_numbers(weight)
    assert numbers.shape == (3, 2, 2, 4) and to_numbers(bias).shape == (3,)
    assert weight[2][1][0][3].label == "w[2,1,0,3]" and bias[2].label == "b[2]"
    bound = 1 / np.sqrt(2 * 2 * 4)
    assert np.all(np.abs(numbers) <= bound) and np.all(np.abs(to_numbers(bias)) <= bound)
    again, _ = conv_parameters(3, 2, (2, 4), generator=np.random.default_rng(1))
    np.testing.assert_array_equal(to_numbers(again), numbers)
    weight, bias = conv_parameters(1, 1, 3, bias=False)
    assert np.array(to_numbers(weight)).shape == (1, 1, 3) and bias is None


def test_to_values_and_to_numbers_round_trip():
    a = np.arange(6.0).reshape(1, 2, 3)
    values = to_values(a, "x")
    assert isinstance(values, list) and values[0][1][2].label == "x[0,1,2]"
    np.testing.assert_array_equal(to_numbers(values), a)
    assert to_values(a)[0][0][0].label == ""
    np.testing.assert_array_equal(to_numbers([[1.0, Value(2.0)]]), [[1.0, 2.0]])  # plain numbers pass through
    v = Value(3.0)
    (v * v).backward(create_graph=True)  # .grad is then a Value
    np.testing.assert_array_equal(to_numbers([v], grad=True), [6.0])


# --------------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: conv1d([[1.0, 2.0]], [[[1.0, 1.0, 1.0]]]), "kernel is larger than the padded input along L"),
        (lambda: conv1d([[1.0, 2.0]], [[[1.0, 1.0]]], dilation=2), "spans 3 (k=2, dilation=2)"),
        (lambda: conv2d([[[1.0] * 4] * 2], [[[[1.0] * 3] * 3]]), "along H"),
        (lambda: conv2d([[[1.0] * 2] * 4], [[[[1.0] * 3] * 3]], padding=(1, 0)), "along W"),
        (lambda: conv1d([[1.0, 2.0]], [[[1.0, 1.0, 1.0]]]), "⌊(2 + 2·0 − 1·(3−1) − 1)/1⌋ + 1 = 0"),
        (lambda: conv1d([[1.0, 2.0], [3.0, 4.0]], [[[1.0]]]), "x has 2 channels but weight expects 1"),
        (lambda: conv1d([[1.0, 2.0]], [[[1.0]]], bias=[0.0, 0.0]), "bias has 2 entries"),
        (lambda: conv1d([[1.0, 2.0], [3.0]], [[[1.0], [1.0]]]), "rectangular nested lists C × L"),
        (lambda: conv1d([], [[[1.0]]]), "non-empty"),
        (lambda: conv1d(np.ones((1, 3)), [[[1.0]]]), "to_values(array)"),
        (lambda: conv2d([[[1.0]]], [[[1.0]]]), "C_out × C_in × kH × kW"),
        (lambda: conv1d([[1.0, 2.0]], [[[1.0]]], stride=0), "stride ≥ 1"),
        (lambda: conv2d([[[1.0]]], [[[[1.0]]]], stride=(1, 1, 1)), "stride must be an int or a pair"),
    ],
)
def test_errors_say_what_is_wrong(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()
