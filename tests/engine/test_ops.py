"""Every tensor primitive (and the composites built from them): forward equals NumPy, gradient passes
``gradcheck``, over Hypothesis-drawn shapes (broadcasting, size-1 axes) and values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_cnn as tg
from tests import strategies as S
from tinygrad_cnn import Tensor, gradcheck
from tinygrad_cnn.engine import ops
from tinygrad_cnn.engine.ops import PRIMITIVES, unbroadcast

FORWARD = {"rtol": 1e-12, "atol": 1e-12}  # float64 forward: the engine calls the same NumPy functions


def leaves(*arrays: np.ndarray) -> list[Tensor]:
    """float64 leaves that require grad (copies: gradcheck perturbs its inputs in place)."""
    return [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]


def check(fn, oracle, *arrays: np.ndarray, **gradcheck_kwargs) -> None:
    """``fn`` on Tensors equals ``oracle`` on arrays (value, shape, dtype), and its gradient checks."""
    xs = leaves(*arrays)
    out = fn(*xs)
    expected = np.asarray(oracle(*arrays))
    assert out.shape == expected.shape
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), expected, **FORWARD)
    assert gradcheck(fn, xs, **gradcheck_kwargs)


def test_the_primitives_tested_here_are_registered():
    tested = {
        "Add", "Sub", "Mul", "Div", "Pow", "Maximum", "Where", "Neg", "Exp", "Log", "ReLU", "Tanh",
        "Sigmoid", "Cast", "Sum", "Max", "Reshape", "Permute", "Expand", "Getitem", "Pad", "Cat", "Matmul",
    }  # fmt: skip
    assert tested <= {op.__name__ for op in PRIMITIVES}  # convolution's window ops are tested elsewhere


# ---- unbroadcast: the adjoint of np.broadcast_to ----


@given(st.data())
def test_unbroadcast_is_the_adjoint_of_broadcast_to(data):
    big = data.draw(S.shapes(), label="big")
    small = data.draw(S.shapes_broadcastable_to(big), label="small")
    x = data.draw(S.arrays(small), label="x")
    y = data.draw(S.arrays(big), label="y")
    reduced = unbroadcast(y, small)
    assert reduced.shape == small
    # <broadcast_to(x), y> == <x, unbroadcast(y)>
    lhs = np.sum(np.broadcast_to(x, big) * y)
    rhs = np.sum(x * reduced)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-12)


def test_unbroadcast_sums_exactly_the_stretched_axes():
    g = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(unbroadcast(g, (3, 1)), g.sum(axis=(0, 2))[:, None])
    np.testing.assert_array_equal(unbroadcast(g, ()), g.sum())
    np.testing.assert_array_equal(unbroadcast(g, (1, 3, 4)), g.sum(axis=0, keepdims=True))
    assert unbroadcast(g, g.shape) is g


BROADCASTING_RULES = [
    (ops.Add, (3, 1), (4,), {}),
    (ops.Sub, (3, 1), (4,), {}),
    (ops.Mul, (3, 1), (4,), {}),
    (ops.Div, (3, 1), (4,), {}),
    (ops.Pow, (3, 1), (4,), {}),
    (ops.Maximum, (3, 1), (4,), {}),
    (ops.Where, (3, 1), (4,), {"condition": np.array([True, False, True, False])}),
    (ops.Matmul, (2, 1, 3, 4), (5, 4, 2), {}),
]


@pytest.mark.parametrize("op, shape_a, shape_b, attrs", BROADCASTING_RULES)
def test_rules_leave_broadcasting_to_the_driver(op, shape_a, shape_b, attrs, rng):
    a, b = rng.uniform(0.5, 2.0, shape_a), rng.uniform(0.5, 2.0, shape_b)
    rule = op((True, True))
    out = rule.forward(a, b, **attrs)
    grads = rule.backward(np.ones(out.shape))
    broadcast = (2, 5, 3, 4), (2, 5, 4, 2)  # Matmul: the operands' batch axes broadcast, not the inputs'
    expected = broadcast if op is ops.Matmul else (out.shape, out.shape)
    assert tuple(np.shape(g) for g in grads) == expected  # not yet summed down to shape_a, shape_b


def test_the_driver_undoes_broadcasting_with_ops_unbroadcast(monkeypatch):
    calls = []
    real = ops.unbroadcast
    monkeypatch.setattr(ops, "unbroadcast", lambda g, shape: calls.append((g.shape, shape)) or real(g, shape))
    a, b = leaves(np.ones((3, 1)), np.ones(4))
    (a * b).sum().backward()
    assert ((3, 4), (3, 1)) in calls and ((3, 4), (4,)) in calls
    np.testing.assert_array_equal(a.grad.numpy(), np.full((3, 1), 4.0))
    np.testing.assert_array_equal(b.grad.numpy(), np.full(4, 3.0))


# ---- elementwise binary, with broadcasting ----

BINARY = {
    "add": (lambda a, b: a + b, np.add, S.arrays),
    "sub": (lambda a, b: a - b, np.subtract, S.arrays),
    "mul": (lambda a, b: a * b, np.multiply, S.arrays),
    "div": (lambda a, b: a / b, np.divide, S.nonzero_arrays),
    "pow": (lambda a, b: a**b, np.power, S.arrays),  # base: positive_arrays, see below
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_op_broadcasts_and_has_correct_gradient(name, data):
    fn, oracle, second = BINARY[name]
    shape_a, shape_b = data.draw(S.broadcastable_shapes(), label="shapes")
    a = data.draw(S.positive_arrays(shape_a) if name == "pow" else S.arrays(shape_a), label="a")
    b = data.draw(S.arrays(shape_b, -2, 2) if name == "pow" else second(shape_b), label="b")
    check(fn, oracle, a, b)


HALVES = np.full((2, 1, 1, 1, 1), 0.5)  # broadcasts against any shape of up to 4 dims


@pytest.mark.parametrize(
    "fn, oracle",
    [
        (lambda x: 2.5 + x, lambda x: 2.5 + x),
        (lambda x: 2.5 - x, lambda x: 2.5 - x),
        (lambda x: 2.5 * x, lambda x: 2.5 * x),
        (lambda x: 2.5 / x, lambda x: 2.5 / x),
        (lambda x: 2.5**x, lambda x: 2.5**x),
        (lambda x: x**3, lambda x: x**3),
        (lambda x: x**-2, lambda x: x**-2.0),
        (lambda x: -x, np.negative),
        (lambda x: HALVES * x, lambda x: HALVES * x),  # a NumPy array on the left defers to Tensor
    ],
    ids=["radd", "rsub", "rmul", "rtruediv", "rpow", "pow-int", "pow-neg", "neg", "ndarray-lhs"],
)
@given(data=st.data())
def test_numbers_and_arrays_on_either_side(fn, oracle, data):
    x = data.draw(S.shapes().flatmap(S.nonzero_arrays), label="x")
    check(fn, oracle, x)


@given(data=st.data())
def test_pow_with_negative_base_and_integer_exponent(data):
    x = data.draw(S.shapes().flatmap(S.nonzero_arrays), label="x")
    check(lambda x: x ** Tensor(np.float64(3.0)), lambda x: x**3.0, x)  # exponent: a tensor, no grad


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@given(data=st.data())
def test_maximum_minimum_away_from_ties(name, data):
    shape_a, shape_b = data.draw(S.broadcastable_shapes(), label="shapes")
    size_a = math.prod(shape_a)
    both = data.draw(S.distinct_arrays((size_a + math.prod(shape_b),), spacing=0.05), label="values")
    a, b = both[:size_a].reshape(shape_a), both[size_a:].reshape(shape_b)  # no entry of a equals one of b
    fn, oracle = (tg.maximum, np.maximum) if name == "maximum" else (tg.minimum, np.minimum)
    check(fn, oracle, a, b)


def test_maximum_splits_the_gradient_at_ties_and_max_routes_it_to_the_first():
    a, b = leaves([1.0, 2.0, 3.0], [1.0, 5.0, 3.0])
    tg.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.5, 0.0, 0.5])
    np.testing.assert_array_equal(b.grad.numpy(), [0.5, 1.0, 0.5])
    (x,) = leaves([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    x.amax(dim=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1, 0], [1, 0, 0]])


def test_max_propagates_nan_and_routes_its_gradient_to_the_first_nan():
    (x,) = leaves([[1.0, np.nan, 3.0, np.nan], [2.0, 5.0, 0.0, 1.0]])
    out = x.amax(dim=1, keepdim=True)
    np.testing.assert_array_equal(out.numpy(), [[np.nan], [5.0]])  # as NumPy and PyTorch: nan wins
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1, 0, 0], [0, 1, 0, 0]])
    np.testing.assert_array_equal(tg.Tensor([[1.0, 4.0], [3.0, 2.0]]).amax(dim=0).numpy(), [3.0, 4.0])


@given(data=st.data())
def test_where_selects_and_routes_gradients(data):
    shape_c, shape_a, shape_b = data.draw(S.broadcastable_shapes(num_shapes=3), label="shapes")
    condition = data.draw(hnp.arrays(np.bool_, shape_c), label="condition")
    a = data.draw(S.arrays(shape_a), label="a")
    b = data.draw(S.arrays(shape_b), label="b")
    check(lambda a, b: tg.where(condition, a, b), lambda a, b: np.where(condition, a, b), a, b)
    check(lambda a, b: tg.where(Tensor(condition), a, b), lambda a, b: np.where(condition, a, b), a, b)


# ---- elementwise unary ----


def _np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


UNARY = {
    "neg": (lambda x: -x, np.negative, S.arrays),
    "exp": (Tensor.exp, np.exp, S.arrays),
    "log": (Tensor.log, np.log, S.positive_arrays),
    "relu": (Tensor.relu, lambda x: np.maximum(x, 0), S.distinct_arrays),  # never exactly 0
    "tanh": (Tensor.tanh, np.tanh, S.arrays),
    "sigmoid": (Tensor.sigmoid, _np_sigmoid, S.arrays),
    "sqrt": (Tensor.sqrt, np.sqrt, S.positive_arrays),
    "abs": (Tensor.abs, np.abs, S.nonzero_arrays),
    "clamp": (lambda x: x.clamp(-1.0, 1.0), lambda x: np.clip(x, -1.0, 1.0), S.distinct_arrays),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary_op(name, data):
    fn, oracle, values = UNARY[name]
    x = data.draw(S.shapes().flatmap(values), label="x")
    if name == "clamp":
        assume(np.all(np.abs(np.abs(x) - 1.0) > 1e-3))  # away from the two kinks
    check(fn, oracle, x, atol=1e-5, rtol=1e-5)


@given(data=st.data())
def test_cast_is_differentiable_and_gradients_keep_the_input_dtype(data):
    shape = data.draw(S.shapes(), label="shape")
    x = data.draw(S.arrays(shape), label="x")
    w = data.draw(S.arrays(shape), label="w")
    # a round trip through a wider float: gradcheck in float64 sees the identity times w
    check(lambda x: (x.to(np.longdouble) * w.astype(np.longdouble)).to(np.float64), lambda x: x * w, x)
    x32 = Tensor(x.astype(np.float32), requires_grad=True)
    y = x32.double()
    assert y.dtype == np.float64 and y.grad_fn is not None
    (y * w).sum().backward()
    assert x32.grad.dtype == np.float32
    np.testing.assert_allclose(x32.grad.numpy(), w.astype(np.float32), rtol=1e-6)
    assert x32.to(np.float32) is x32  # a cast to the same dtype is not recorded


# ---- reductions ----


@given(data=st.data())
def test_sum_and_mean(data):
    shape = data.draw(S.shapes(), label="shape")
    dim = data.draw(S.reduction_dims(len(shape)), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    x = data.draw(S.arrays(shape), label="x")
    axes = S.numpy_axes(dim, len(shape))
    check(lambda x: x.sum(dim, keepdim), lambda x: x.sum(axis=axes, keepdims=keepdim), x)
    check(lambda x: x.mean(dim, keepdim), lambda x: x.mean(axis=axes, keepdims=keepdim), x)


@given(data=st.data())
def test_var_with_bessel_correction(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    dim = data.draw(S.reduction_dims(len(shape)), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    correction = data.draw(st.sampled_from([0, 1]), label="correction")
    axes = S.numpy_axes(dim, len(shape))
    assume(math.prod(shape[a] for a in axes) > correction)
    x = data.draw(S.arrays(shape), label="x")
    check(
        lambda x: x.var(dim, keepdim, correction=correction),
        lambda x: x.var(axis=axes, keepdims=keepdim, ddof=correction),
        x,
    )
    if correction == 1:
        np.testing.assert_allclose(Tensor(x).var(dim).numpy(), x.var(axis=axes, ddof=1), **FORWARD)


@given(data=st.data())
def test_amax_and_amin_away_from_ties(data):
    shape = data.draw(S.shapes(), label="shape")
    dim = data.draw(S.reduction_dims(len(shape)), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    x = data.draw(S.distinct_arrays(shape), label="x")
    axes = S.numpy_axes(dim, len(shape))
    check(lambda x: x.amax(dim, keepdim), lambda x: x.max(axis=axes, keepdims=keepdim), x)
    check(lambda x: x.amin(dim, keepdim), lambda x: x.min(axis=axes, keepdims=keepdim), x)
    check(lambda x: x.max(), lambda x: x.max(), x)


@given(data=st.data())
def test_max_and_min_along_a_dim_return_values_and_indices(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    x = data.draw(S.distinct_arrays(shape), label="x")
    for method, values, indices in [("max", np.max, np.argmax), ("min", np.min, np.argmin)]:
        result = getattr(Tensor(x), method)(dim, keepdim)
        v, i = result  # a (values, indices) pair, also reachable by name as in PyTorch
        assert v is result.values and i is result.indices
        np.testing.assert_array_equal(v.numpy(), values(x, axis=dim, keepdims=keepdim))
        np.testing.assert_array_equal(i.numpy(), indices(x, axis=dim, keepdims=keepdim))
        assert i.dtype == np.int64
        check(
            lambda x, m=method: getattr(x, m)(dim, keepdim).values,
            lambda x, f=values: f(x, dim, keepdims=keepdim),
            x,
        )


# ---- composites: softmax, log_softmax, logsumexp ----


def _np_logsumexp(x, axes, keepdims):
    m = x.max(axis=axes, keepdims=True)
    out = np.log(np.exp(x - m).sum(axis=axes, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axes)


@given(data=st.data())
def test_logsumexp_log_softmax_softmax(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    x = data.draw(S.arrays(shape, -10, 10), label="x")
    axis = dim % len(shape)
    check(lambda x: x.logsumexp(dim, keepdim), lambda x: _np_logsumexp(x, (axis,), keepdim), x)
    check(lambda x: x.log_softmax(dim), lambda x: x - _np_logsumexp(x, (axis,), True), x)
    check(lambda x: x.softmax(dim), lambda x: np.exp(x - _np_logsumexp(x, (axis,), True)), x)
    np.testing.assert_allclose(Tensor(x).softmax(dim).sum(dim).numpy(), 1.0, rtol=1e-12)


# ---- movement ----


@given(data=st.data())
def test_reshape_and_view(data):
    shape = data.draw(S.shapes(), label="shape")
    target = data.draw(S.reshape_targets(shape), label="target")
    x = data.draw(S.arrays(shape), label="x")
    check(lambda x: x.reshape(target), lambda x: x.reshape(target), x)
    check(lambda x: x.view(*target), lambda x: x.reshape(target), x)


@given(data=st.data())
def test_flatten_unsqueeze_squeeze(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    ndim = len(shape)
    start = data.draw(st.integers(0, ndim - 1), label="start")
    end = data.draw(st.integers(start, ndim - 1), label="end")
    new_dim = data.draw(st.integers(-ndim - 1, ndim), label="new_dim")
    squeeze_dim = data.draw(st.integers(-ndim, ndim - 1), label="squeeze_dim")
    x = data.draw(S.arrays(shape), label="x")
    flat_shape = shape[:start] + (math.prod(shape[start : end + 1]),) + shape[end + 1 :]
    check(lambda x: x.flatten(start, end), lambda x: x.reshape(flat_shape), x)
    check(lambda x: x.flatten(), lambda x: x.reshape(-1), x)
    check(lambda x: x.unsqueeze(new_dim), lambda x: np.expand_dims(x, new_dim), x)
    check(lambda x: x.squeeze(), np.squeeze, x)
    squeezed = np.squeeze(x, squeeze_dim) if shape[squeeze_dim] == 1 else x  # PyTorch: a no-op otherwise
    check(lambda x: x.squeeze(squeeze_dim), lambda x: squeezed, x)


@given(data=st.data())
def test_permute_transpose_T(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    ndim = len(shape)
    axes = data.draw(st.permutations(range(ndim)), label="axes")
    d0, d1 = data.draw(st.tuples(st.integers(-ndim, ndim - 1), st.integers(-ndim, ndim - 1)), label="dims")
    x = data.draw(S.arrays(shape), label="x")
    check(lambda x: x.permute(axes), lambda x: np.transpose(x, axes), x)
    check(lambda x: x.permute(*axes), lambda x: np.transpose(x, axes), x)
    check(lambda x: x.transpose(d0, d1), lambda x: np.swapaxes(x, d0, d1), x)
    check(lambda x: x.T, lambda x: x.T, x)


@given(data=st.data())
def test_expand_sums_the_gradient_back(data):
    target = data.draw(S.shapes(), label="target")
    shape = data.draw(S.shapes_broadcastable_to(target), label="shape")
    x = data.draw(S.arrays(shape), label="x")
    check(lambda x: x.expand(target), lambda x: np.broadcast_to(x, target), x)
    lead = len(target) - len(shape)
    keep = target[:lead] + tuple(-1 if n == m else m for n, m in zip(shape, target[lead:]))  # -1 keeps a dim
    check(lambda x: x.expand(*keep), lambda x: np.broadcast_to(x, target), x)


@given(data=st.data())
def test_getitem_scatters_the_gradient_back(data):
    shape = data.draw(S.shapes(), label="shape")
    index = data.draw(S.index_expressions(shape), label="index")
    x = data.draw(S.arrays(shape), label="x")
    check(lambda x: x[index], lambda x: x[index], x)


def test_getitem_repeated_indices_accumulate():
    (x,) = leaves(np.arange(12.0).reshape(3, 4))
    y = x[np.array([0, 2, 0, 0])]  # row 0 three times
    y.backward(np.ones(y.shape))
    np.testing.assert_array_equal(x.grad.numpy(), [[3] * 4, [0] * 4, [1] * 4])
    x.grad = None
    x[np.array([1, 1]), np.array([3, 3])].sum().backward()
    assert x.grad.numpy()[1, 3] == 2 and x.grad.numpy().sum() == 2
    x.grad = None
    x[x.numpy() > 6.5].sum().backward()  # boolean mask
    np.testing.assert_array_equal(x.grad.numpy(), x.numpy() > 6.5)
    x.grad = None
    x[Tensor(np.array([2, 2]))].sum().backward()  # an int64 Tensor as the index
    np.testing.assert_array_equal(x.grad.numpy()[2], [2] * 4)
    x.grad = None
    x[:, [3, -1]].sum().backward()  # column 3 twice, once by a negative index: still accumulated
    np.testing.assert_array_equal(x.grad.numpy()[:, 3], [2] * 3)
    x.grad = None
    x[:, [2, 0, 3]].sum().backward()  # distinct columns (LeNet's C3 picks its maps so): each once
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 0, 1, 1]] * 3)


@given(st.lists(st.integers(-6, 5), max_size=12), st.sampled_from([np.int64, np.int8, np.uint8]))
def test_an_index_selects_each_element_once_exactly_when_its_integers_are_distinct_and_of_one_sign(values, dtype):
    """The check that lets ``Getitem``'s gradient be a plain scatter (else ``np.add.at``), against a set."""
    if dtype == np.uint8:
        values = [abs(v) for v in values]
    index = np.array(values, dtype=dtype)
    one_sign = all(v >= 0 for v in values) or all(v < 0 for v in values)
    assert ops._selects_each_once(index) == (one_sign and len(set(values)) == len(values))
    assert ops._selects_each_once((slice(None), index.reshape(-1, 1) if values else index)) == \
        ops._selects_each_once(index)  # fmt: skip


@given(data=st.data())
def test_pad_with_numpy_pad_width(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")  # np.pad itself rejects a 0-d array
    pad_width = data.draw(S.pad_widths(len(shape)), label="pad_width")
    value = data.draw(S.floats(), label="value")
    x = data.draw(S.arrays(shape), label="x")
    check(lambda x: x.pad(pad_width, value), lambda x: np.pad(x, pad_width, constant_values=value), x)


@given(data=st.data())
def test_cat_and_stack(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    ndim = len(shape)
    dim = data.draw(st.integers(-ndim, ndim - 1), label="dim")
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3), label="sizes")
    arrays = [
        data.draw(S.arrays(shape[: dim % ndim] + (n,) + shape[dim % ndim + 1 :]), label=f"x{i}")
        for i, n in enumerate(sizes)
    ]
    check(lambda *xs: tg.cat(xs, dim), lambda *xs: np.concatenate(xs, axis=dim), *arrays)
    same = [data.draw(S.arrays(shape), label=f"s{i}") for i in range(len(sizes))]
    new_dim = data.draw(st.integers(-ndim - 1, ndim), label="new_dim")
    check(lambda *xs: tg.stack(xs, new_dim), lambda *xs: np.stack(xs, axis=new_dim), *same)


# ---- linear algebra ----


@given(data=st.data())
def test_matmul_with_broadcast_batches_and_1d_operands(data):
    shape_a, shape_b = data.draw(S.matmul_shapes(), label="shapes")
    a = data.draw(S.arrays(shape_a), label="a")
    b = data.draw(S.arrays(shape_b), label="b")
    check(lambda a, b: a @ b, np.matmul, a, b)
    check(tg.matmul, np.matmul, a, b)


@pytest.mark.parametrize(
    "shape_a, shape_b",
    [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((4, 2, 3), (3,)), ((3,), (4, 3, 2)),
     ((2, 1, 2, 3), (5, 3, 4)), ((5, 2, 3), (3, 4)), ((1, 2, 3), (4, 3, 2))],
)  # fmt: skip
def test_matmul_cases(shape_a, shape_b, rng):
    a, b = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    check(lambda a, b: a @ b, np.matmul, a, b)
    a_only = Tensor(a, requires_grad=True)
    assert gradcheck(lambda a: a @ Tensor(b), [a_only])  # one operand without grad


@pytest.mark.parametrize("m, k, n, in_pieces", [(6, 25, 9000, True), (2, 3, 250_000, True), (1, 9, 150_000, False),
                                                (6, 25, 5000, False), (16, 150, 5000, False)])  # fmt: skip
def test_a_small_product_over_a_long_sum_is_added_in_pieces_to_the_same_gradient(m, k, n, in_pieces, rng):
    """A conv's weight gradient ``g @ colsᵀ`` with a result of at most 512 numbers and at least two pieces of
    ``LONG_SUM_PIECE / (m·k) ≥ 1,024`` columns is summed in those pieces: the same numbers as one product, to
    float64 rounding. A matrix-vector product (1 × 9), fewer columns than two pieces, or a larger result (16 × 150)
    stay one product."""
    g, cols = rng.standard_normal((m, n)), rng.standard_normal((k, n))
    piece = ops._long_sum_pieces(g, cols)
    assert bool(piece) == in_pieces and (not piece or (piece >= 1024 and n >= 2 * piece))
    weight = Tensor(rng.standard_normal((m, k)), requires_grad=True)
    (weight @ Tensor(cols)).backward(g)  # (m, k) @ (k, n): the weight's gradient is g @ colsᵀ
    np.testing.assert_allclose(weight.grad.numpy(), g @ cols.T, rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("m, k, n, in_pieces", [(6, 25, 9000, True), (2, 3, 250_000, True), (1, 9, 150_000, False),
                                                (6, 25, 5000, False), (16, 150, 50_000, False)])  # fmt: skip
def test_a_small_matrix_times_a_long_one_goes_in_pieces_to_the_same_product(m, k, n, in_pieces, rng):
    """A small shared matrix times many columns (a conv with few channels) is computed piece by piece into the
    result: the same product and gradients as one ``@``. A vector, too few columns or a larger matrix stay whole."""
    w, cols = rng.standard_normal((m, k)), rng.standard_normal((k, n))
    piece = ops._pieces(m, k, n)
    assert bool(piece) == in_pieces and (not piece or (piece >= 1024 and n >= 2 * piece))
    np.testing.assert_allclose(ops._matmul(w, cols), w @ cols, rtol=1e-12, atol=1e-12)
    for dtype in (np.float32, np.float64):
        weight, columns = Tensor(w.astype(dtype), requires_grad=True), Tensor(cols.astype(dtype), requires_grad=True)
        out = weight @ columns
        g = rng.standard_normal(out.shape).astype(dtype)
        out.backward(g)
        tol = 1e-4 if dtype == np.float32 else 1e-10
        np.testing.assert_allclose(out.numpy(), w.astype(dtype) @ cols.astype(dtype), rtol=tol, atol=tol)
        np.testing.assert_allclose(columns.grad.numpy(), w.T.astype(dtype) @ g, rtol=tol, atol=tol)
        np.testing.assert_allclose(weight.grad.numpy(), g @ cols.T.astype(dtype), rtol=tol, atol=10 * tol)
