"""The Tensor engine's promises beyond single ops: dtype rules, graph recording (requires_grad, no_grad,
detach), accumulation, deep chains, shared subexpressions, error messages, stability, seeding."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_cnn as tg
from tests import strategies as S
from tinygrad_cnn import Tensor, enable_grad, is_grad_enabled, no_grad

# ---- dtype rules ----


@pytest.mark.parametrize(
    "data, dtype",
    [
        (1.0, np.float32),
        ([1.0, 2.0], np.float32),
        ([[1.5], [2]], np.float32),
        (3, np.int64),
        ([1, 2], np.int64),
        (True, np.bool_),
        (np.zeros(2), np.float64),
        (np.zeros(2, np.float32), np.float32),
        (np.zeros(2, np.float16), np.float16),
        (np.float64(1.0), np.float64),
        (np.arange(3, dtype=np.int32), np.int32),
    ],
)
def test_python_data_becomes_float32_and_numpy_arrays_keep_their_dtype(data, dtype):
    assert Tensor(data).dtype == dtype
    assert tg.tensor(data).dtype == dtype


def test_float64_on_request():
    assert Tensor([1.0, 2.0], dtype=np.float64).dtype == np.float64
    assert Tensor(1.0, dtype="float64").dtype == np.float64
    assert tg.tensor([1, 2], dtype=np.float64).dtype == np.float64
    x = Tensor([1.0, 2.0])
    assert x.double().dtype == np.float64 and x.to(np.float64).dtype == np.float64
    assert x.double().float().dtype == np.float32
    for make in (tg.zeros, tg.ones, tg.randn, tg.rand):
        assert make(2, 3).dtype == np.float32
        assert make(2, 3, dtype=np.float64).dtype == np.float64


def test_factories():
    assert tg.zeros(2, 3).shape == (2, 3) and tg.zeros((2, 3)).shape == (2, 3)
    np.testing.assert_array_equal(tg.ones(2).numpy(), [1, 1])
    np.testing.assert_array_equal(tg.full((2,), 7.0).numpy(), [7, 7])
    np.testing.assert_array_equal(tg.eye(2).numpy(), np.eye(2))
    np.testing.assert_array_equal(tg.arange(3).numpy(), [0, 1, 2])
    x = Tensor(np.ones((2, 2)))
    assert tg.zeros_like(x).dtype == np.float64 and tg.ones_like(x, requires_grad=True).requires_grad


def test_tensor_copies_but_Tensor_shares():  # noqa: N802 (the class name)
    a = np.zeros(3)
    Tensor(a).numpy()[0] = 1.0
    tg.tensor(a).numpy()[1] = 1.0
    np.testing.assert_array_equal(a, [1.0, 0.0, 0.0])


FLOAT32_OPS = [
    lambda x, w: x * 2.0 + 1,
    lambda x, w: 2.0 / (x * x + 1) - 3,
    lambda x, w: (x**2).exp().log().tanh().sigmoid().relu(),
    lambda x, w: (x @ w).sum(0).mean(),
    lambda x, w: x.log_softmax(1).softmax(0).amax(1).var(),
    lambda x, w: tg.cat([x, x], 0).reshape(-1).pad(((1, 1),))[1:5],
    lambda x, w: tg.where(x.numpy() > 0, x, 0.5) + tg.maximum(x, w.T),
]


@pytest.mark.parametrize("fn", FLOAT32_OPS)
def test_float32_stays_float32_forward_and_backward(fn, rng):
    x = Tensor(rng.standard_normal((3, 3)).astype(np.float32), requires_grad=True)
    w = Tensor(rng.standard_normal((3, 3)).astype(np.float32), requires_grad=True)
    out = fn(x, w)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32
    assert w.grad is None or w.grad.dtype == np.float32


def test_mixed_precision_gradients_take_each_input_dtype():
    x32 = Tensor([1.0, 2.0], requires_grad=True)
    x64 = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    y = x32 * x64
    assert y.dtype == np.float64
    y.sum().backward()
    assert x32.grad.dtype == np.float32 and x64.grad.dtype == np.float64
    np.testing.assert_array_equal(x32.grad.numpy(), [3.0, 4.0])


def test_only_floating_point_tensors_can_require_grad():
    with pytest.raises(TypeError, match="floating-point"):
        Tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="floating-point"):
        Tensor([True]).requires_grad_()


def test_a_cast_to_an_integer_dtype_is_not_differentiable():
    x = Tensor([1.5, 2.5], requires_grad=True)
    y = x.to(np.int64)
    assert y.dtype == np.int64
    assert not y.requires_grad and y.grad_fn is None  # as in PyTorch: integers carry no gradient


# ---- requires_grad, no_grad, detach, numpy, item ----


def test_requires_grad_defaults_to_false_and_such_ops_build_no_graph():
    a, b = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    assert not a.requires_grad and a.grad is None
    for out in (a + b, a * b, a.exp(), a.sum(), a[0], a @ b, tg.cat([a, b]), a.reshape(2, 1)):
        assert out._ctx is None and not out.requires_grad and out.is_leaf
    with pytest.raises(RuntimeError, match="does not require grad"):
        (a * b).sum().backward()


def test_one_input_that_requires_grad_records_the_op():
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0])
    out = a * b
    assert out.requires_grad and out._ctx is not None and not out.is_leaf
    assert out.grad_fn.parents == (a, b)
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 4.0])
    assert b.grad is None  # no gradient for an input that does not require it


def test_no_grad_records_nothing_and_restores_the_mode():
    w = Tensor([1.0, 2.0], requires_grad=True)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        for out in (w * 2, w.exp(), w.sum(), w[0], tg.stack([w, w])):
            assert out._ctx is None and not out.requires_grad
        with enable_grad():
            assert (w * 2).requires_grad
        assert not is_grad_enabled()
    assert is_grad_enabled()
    with pytest.raises(ZeroDivisionError), no_grad():
        _ = 1 / 0
    assert is_grad_enabled() and (w * 2).requires_grad


def test_detach_shares_data_and_blocks_the_gradient():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d._ctx is None
    assert np.shares_memory(d.numpy(), x.numpy())
    (x.detach() * x).sum().backward()  # d/dx (c * x) with c = x held constant
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 2.0, 3.0])


def test_numpy_and_item():
    x = Tensor([[1.5, 2.0]])
    assert isinstance(x.numpy(), np.ndarray)
    np.testing.assert_array_equal(x.numpy(), [[1.5, 2.0]])
    value = x.sum().item()
    assert type(value) is float and value == 3.5
    assert Tensor([[7.0]]).item() == 7.0
    assert type(Tensor(3).item()) is int
    with pytest.raises(ValueError, match=re.escape("shape (1, 2)")):
        x.item()


# ---- backward: accumulation, non-scalar roots, intermediate tensors ----


@given(st.data())
def test_gradients_accumulate_across_backward_calls(data):
    shape = data.draw(S.shapes(), label="shape")
    x = Tensor(data.draw(S.arrays(shape), label="x"), requires_grad=True)
    y = (x * x.tanh()).sum()
    y.backward()
    first = x.grad.numpy().copy()
    y.backward()  # the graph is kept; the second pass adds the same gradient again
    np.testing.assert_allclose(x.grad.numpy(), 2 * first, rtol=1e-15, atol=0)
    x.grad = None
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), first, rtol=1e-15, atol=0)


@given(st.data())
def test_backward_of_a_non_scalar_with_a_gradient_is_a_vector_jacobian_product(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    x = Tensor(data.draw(S.arrays(shape), label="x"), requires_grad=True)
    v = data.draw(S.arrays(shape), label="v")
    (x * x).backward(v)
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy() * v, rtol=1e-15, atol=1e-300)  # subnormals


def test_intermediate_gradients_are_not_kept_unless_asked():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    k = x * 4
    k.retain_grad()
    (h * k).sum().backward()
    assert h.grad is None
    np.testing.assert_array_equal(k.grad.numpy(), h.numpy())
    np.testing.assert_array_equal(x.grad.numpy(), 24 * x.numpy())


def test_no_two_gradients_share_memory_nor_with_the_callers_array():
    """Leaves take over arrays a backward rule made; everything else is copied (the caller's gradient= passed
    straight through by additions and views, one array handed to two leaves, a retained intermediate's)."""
    a, b = Tensor(np.ones((2, 3)), requires_grad=True), Tensor(np.ones((2, 3)), requires_grad=True)
    upstream = np.arange(6.0).reshape(2, 3)
    h = a + b  # both inputs get the caller's array itself
    h.retain_grad()
    (h + 0.0).backward(upstream)
    arrays = [upstream, a.grad.data, b.grad.data, h.grad.data]
    assert not any(np.shares_memory(p, q) for i, p in enumerate(arrays) for q in arrays[i + 1 :])
    c, d = Tensor(np.ones(4), requires_grad=True), Tensor(np.ones(4), requires_grad=True)
    (c * 2 + d * 2).sum().backward()  # each leaf gets a product of its own
    assert not np.shares_memory(c.grad.data, d.grad.data)
    e = Tensor(np.ones((3, 2)), requires_grad=True)
    e.T.backward(upstream)  # a view of the caller's array
    assert not np.shares_memory(e.grad.data, upstream) and e.grad.data.base is None
    upstream[...] = -1  # the caller reuses its array: the gradients keep their values
    np.testing.assert_array_equal(a.grad.numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(e.grad.numpy(), np.arange(6.0).reshape(2, 3).T)


def test_a_gradient_made_by_a_rule_is_taken_over_not_copied():
    from tinygrad_cnn.engine.tensor import _Deliver

    seed, made = np.ones(3), np.full(3, 2.0)
    deliver = _Deliver(seed)
    leaf, other, viewed = (Tensor(np.zeros(3), requires_grad=True) for _ in range(3))
    deliver(leaf, made)
    assert leaf.grad.data is made  # the rule's own array: no copy
    deliver(other, made)  # handed to a second leaf: copied
    deliver(viewed, made[::-1])  # a view of memory a leaf has: copied
    assert other.grad.data is not made and not np.shares_memory(other.grad.data, made)
    assert not np.shares_memory(viewed.grad.data, made)
    fresh = np.arange(6.0)
    deliver(last := Tensor(np.zeros((3, 2)), requires_grad=True), fresh.reshape(2, 3).T)  # a view of new memory
    assert np.shares_memory(last.grad.data, fresh)


def test_backward_on_a_leaf_scalar():
    x = Tensor(2.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


# ---- graph shapes: reuse, diamonds, deep chains ----


@given(st.data())
def test_reuse_of_one_tensor_sums_its_gradients(data):
    x = Tensor(data.draw(S.shapes().flatmap(S.arrays), label="x"), requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy(), rtol=1e-15)
    x.grad = None
    (x + x + x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3.0, rtol=0)


@given(st.data())
def test_diamond_graphs(data):
    x = Tensor(data.draw(S.shapes().flatmap(S.arrays), label="x"), requires_grad=True)
    a, b = x * 2, x + 1  # two paths from x ...
    (a * b).sum().backward()  # ... that meet again
    np.testing.assert_allclose(x.grad.numpy(), 2 * (x.numpy() + 1) + 2 * x.numpy(), rtol=1e-14, atol=1e-14)
    x.grad = None
    h = x.exp()  # a shared intermediate node: its gradient must be complete before it is passed on
    (h * h + h).sum().backward()
    e = np.exp(x.numpy())
    np.testing.assert_allclose(x.grad.numpy(), (2 * e + 1) * e, rtol=1e-14, atol=1e-14)


def test_a_chain_of_100000_ops_backpropagates_without_recursion():
    n = 100_000
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.00001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 1.00001**n, rtol=1e-9)
    np.testing.assert_allclose(y.numpy(), x.numpy() * 1.00001**n, rtol=1e-9)
    del y  # freeing a 10^5-deep graph must not overflow the stack either


# ---- bad input: error messages that name the op and the shapes ----


def _shape_text(shape):
    return re.escape(str(tuple(shape)))


@pytest.mark.parametrize(
    "name, fn",
    [
        ("add", lambda a, b: a + b),
        ("sub", lambda a, b: a - b),
        ("mul", lambda a, b: a * b),
        ("div", lambda a, b: a / b),
        ("pow", lambda a, b: a**b),
        ("maximum", tg.maximum),
        ("minimum", tg.minimum),
        ("where", lambda a, b: tg.where(True, a, b)),
    ],
)
@given(data=st.data())
def test_broadcasting_mismatch_names_the_op_and_both_shapes(name, fn, data):
    shape = list(data.draw(S.shapes(min_dims=1), label="shape"))
    axis = data.draw(st.integers(0, len(shape) - 1), label="axis")
    p, q = data.draw(st.permutations([2, 3, 4]), label="sizes")[:2]  # two sizes that cannot broadcast
    shape_a = tuple(shape[:axis] + [p] + shape[axis + 1 :])
    shape_b = tuple(shape[:axis] + [q] + shape[axis + 1 :])[data.draw(st.integers(0, axis), label="drop") :]
    a, b = Tensor(np.ones(shape_a), requires_grad=True), Tensor(np.ones(shape_b))
    with pytest.raises(ValueError, match=rf"{name}.*{_shape_text(shape_a)}.*{_shape_text(shape_b)}"):
        fn(a, b)


@pytest.mark.parametrize(
    "shape_a, shape_b",
    [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3), (2,)), ((5,), (3, 2)), ((2, 2, 3), (4, 3, 2)), ((2,), ())],
)
def test_matmul_mismatch_names_the_op_and_both_shapes(shape_a, shape_b):
    a, b = Tensor(np.ones(shape_a)), Tensor(np.ones(shape_b))
    with pytest.raises(ValueError, match=rf"matmul.*{_shape_text(shape_a)}.*{_shape_text(shape_b)}"):
        a @ b


def test_squeeze_of_a_0d_tensor_is_a_no_op():
    x = Tensor(np.float64(2.0), requires_grad=True)
    assert x.squeeze(0) is x and x.squeeze(-1) is x and x.squeeze().shape == ()


def test_backward_of_a_non_scalar_without_gradient_says_what_is_needed():
    y = Tensor(np.ones((2, 3)), requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\) needs gradient=.*one-element"):
        y.backward()
    with pytest.raises(ValueError, match=r"gradient has shape \(3,\).*\(2, 3\)"):
        y.backward(np.ones(3))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda x: x.sum(2), "sum: dim 2 is out of range"),
        (lambda x: x.mean(-3), "mean: dim -3 is out of range"),
        (lambda x: x.amax(5), "amax: dim 5 is out of range"),
        (lambda x: x.reshape(4, 2), r"reshape: cannot reshape a tensor of shape \(2, 3\) into \(4, 2\)"),
        (lambda x: x.permute(0, 0), r"permute: \(0, 0\) is not a permutation"),
        (lambda x: x.expand(3, 3), r"expand: shapes \(2, 3\) and \(3, 3\) cannot be broadcast"),
        (lambda x: x.expand(1, 3), r"expand: shape \(2, 3\) cannot be broadcast to \(1, 3\)"),
        (lambda x: x.expand(-1, 2, 3), r"expand: -1 keeps an existing dim, but \(-1, 2, 3\)"),
        (lambda x: x.squeeze(2), "squeeze: dim 2 is out of range"),
        (lambda x: x.pad(((1, 1),)), r"pad: need 2 non-negative"),
        (lambda x: tg.cat([x, x.T]), r"cat: shapes \(2, 3\) and \(3, 2\) differ outside dim 0"),
        (lambda x: tg.stack([x, x[0]]), "stack: all tensors need the same shape"),
    ],
)
def test_other_shape_errors_are_value_errors_with_a_message(call, message):
    with pytest.raises(ValueError, match=message):
        call(Tensor(np.ones((2, 3)), requires_grad=True))


# ---- numerical stability of the composites ----


@given(st.data())
def test_log_softmax_and_logsumexp_are_stable_at_1000(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    dtype = data.draw(st.sampled_from([np.float32, np.float64]), label="dtype")
    sign = st.sampled_from([-1.0, 0.0, 1.0])
    signs = data.draw(hnp.arrays(np.float64, shape, elements=sign), label="signs")
    jitter = data.draw(S.arrays(shape, -1, 1), label="jitter")
    logits = (1000 * signs + jitter).astype(dtype)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    w = data.draw(S.arrays(shape), label="w")

    x = logits.astype(np.float64)
    m = x.max(axis=dim, keepdims=True)
    lse = np.log(np.exp(x - m).sum(axis=dim, keepdims=True)) + m  # the reference, shifted by hand
    softmax = np.exp(x - lse)
    tol = {"rtol": 1e-5, "atol": 1e-3} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-9}

    t = Tensor(logits, requires_grad=True)
    out = t.logsumexp(dim)
    assert np.all(np.isfinite(out.numpy())) and out.dtype == dtype
    np.testing.assert_allclose(out.numpy(), np.squeeze(lse, axis=dim), **tol)
    (out * Tensor(np.ones(out.shape, dtype))).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), softmax, **tol)  # d logsumexp / dx = softmax

    t.grad = None
    out = t.log_softmax(dim)
    assert np.all(np.isfinite(out.numpy()))
    np.testing.assert_allclose(out.numpy(), x - lse, **tol)
    (out * Tensor(w.astype(dtype))).sum().backward()
    expected = w - softmax * w.sum(axis=dim, keepdims=True)  # J^T w for log_softmax
    assert np.all(np.isfinite(t.grad.numpy()))
    np.testing.assert_allclose(t.grad.numpy(), expected, rtol=tol["rtol"], atol=100 * tol["atol"])

    np.testing.assert_allclose(Tensor(logits).softmax(dim).numpy(), softmax, **tol)


def test_logsumexp_of_equal_huge_logits_is_exact():
    for big in (1000.0, -1000.0):
        x = Tensor(np.array([big, big]), requires_grad=True)
        out = x.logsumexp(0)
        assert out.item() == pytest.approx(big + np.log(2), rel=1e-15)
        out.backward()
        np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.5], rtol=1e-15)


def test_sigmoid_and_tanh_saturate_without_overflow():
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is harmless
        x = Tensor(np.array([-1000.0, 0.0, 1000.0]), requires_grad=True)
        (x.sigmoid() + x.tanh()).sum().backward()
    np.testing.assert_allclose((x.sigmoid()).numpy(), [0.0, 0.5, 1.0], atol=0)
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 1.25, 0.0], atol=0)


# ---- reproducible randomness ----


def test_manual_seed_makes_randn_and_rand_reproducible():
    tg.manual_seed(123)
    a, u = tg.randn(3, 4), tg.rand(5)
    tg.manual_seed(123)
    b, v = tg.randn(3, 4), tg.rand(5)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(u.numpy(), v.numpy())
    assert not np.array_equal(tg.randn(3, 4).numpy(), a.numpy())  # the stream moves on
    tg.manual_seed(124)
    assert not np.array_equal(tg.randn(3, 4).numpy(), a.numpy())
    assert np.all((u.numpy() >= 0) & (u.numpy() < 1))


def test_an_explicit_generator_is_independent_of_the_default_one():
    a = tg.randn(4, generator=np.random.default_rng(7))
    tg.manual_seed(0)
    b = tg.randn(4, generator=np.random.default_rng(7), requires_grad=True)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert b.requires_grad and b.dtype == np.float32


@pytest.mark.parametrize(
    "make, dtype",
    [
        (lambda: Tensor([1, 2]) * 2.5, np.float32),  # int tensor and a Python float: float32, as PyTorch
        (lambda: Tensor([1, 2]) / 2, np.float32),  # true division of integers
        (lambda: Tensor([True]) + 1.0, np.float32),
        (lambda: Tensor([1.0, 2.0]) * Tensor([1, 2]), np.float32),  # float32 tensor meets int64: float32
        (lambda: Tensor(np.array([1.0])) * Tensor([1]), np.float64),
        (lambda: Tensor([1, 2]) + 1, np.int64),
    ],
)
def test_dtype_promotion_follows_pytorch(make, dtype):
    assert make().dtype == dtype


def test_unsqueeze_and_pad_reject_bad_dims():
    with pytest.raises(ValueError, match="unsqueeze: dim 3 is out of range"):
        Tensor([1.0]).unsqueeze(3)
    with pytest.raises(ValueError, match="0-d tensor"):
        Tensor(1.0).pad(())


def test_a_leaf_that_requires_grad_owns_its_array_so_training_leaves_the_callers_array_alone():
    original = np.array([1.0, 2.0], dtype=np.float32)
    w = Tensor(original, requires_grad=True)
    (w * w).sum().backward()
    tg.optim.SGD([w], lr=0.1).step()
    np.testing.assert_array_equal(original, [1.0, 2.0])
    np.testing.assert_allclose(w.numpy(), [0.8, 1.6], rtol=1e-6)


def test_backward_through_a_graph_whose_input_an_optimizer_changed_raises():
    w = Tensor([1.0, 2.0], requires_grad=True)
    x = Tensor([1.0, 1.0], requires_grad=True)
    y = (w * x).sum()
    y.backward(retain_graph=True)  # PyTorch's keyword is accepted; the graph is always kept
    tg.optim.SGD([w], lr=1.0).step()
    with pytest.raises(RuntimeError, match="changed in place after the graph was built"):
        y.backward()
    (w * x).sum().backward()  # a new forward pass is fine


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda x: x.flatten(-5), "flatten: dim -5 is out of range"),
        (lambda x: x.flatten(2, 1), "flatten: start_dim 2 comes after end_dim 1"),
        (lambda x: x.permute(4, 1, 2, 3), "permute: .* is not a permutation"),
        (lambda x: x.transpose(0, 7), "transpose: dim 7 is out of range"),
    ],
)
def test_out_of_range_dims_raise_instead_of_wrapping(call, message):
    with pytest.raises(ValueError, match=message):
        call(Tensor(np.zeros((2, 3, 4, 5))))


def test_squeeze_removes_every_listed_size_one_dim():
    assert Tensor(np.zeros((1, 3, 1))).squeeze((0, 2)).shape == (3,)
    assert Tensor(np.zeros((1, 3, 1))).squeeze((0, 1)).shape == (3, 1)


def test_int_and_float_mixes_compute_in_the_float_dtype_everywhere():
    f32 = Tensor(np.ones((2, 2), dtype=np.float32))
    assert (Tensor([[1, 2]]) @ f32).dtype == np.float32
    assert tg.cat([Tensor([[1, 2]]), f32]).dtype == np.float32
    assert tg.where(np.array([True, False]), Tensor([1, 2]), Tensor([0.5, 0.5])).dtype == np.float32
    assert tg.arange(0.0, 1.0, 0.25).dtype == np.float32 and tg.arange(3).dtype == np.int64


def test_abs_has_zero_gradient_at_zero_and_logsumexp_of_minus_infinity_is_minus_infinity():
    x = Tensor([0.0, -1.0, 2.0], requires_grad=True)
    x.abs().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, -1.0, 1.0])
    with np.errstate(divide="ignore"):
        assert Tensor([-np.inf, -np.inf]).logsumexp(0).item() == -np.inf


def test_numpy_sees_a_tensor_as_its_data():
    np.testing.assert_array_equal(np.asarray(Tensor([1.0, 2.0])), [1.0, 2.0])


def test_the_gradient_of_a_zeroth_power_is_zero_even_at_zero():
    a = Tensor([0.0, 2.0], requires_grad=True)
    (a**0).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.0])


@given(a=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=3),
       b=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=3))  # fmt: skip
def test_broadcast_shape_agrees_with_numpy(a, b):
    """The engine's own shape broadcast (checked on every binary op) gives NumPy's result, or None where NumPy
    refuses."""
    from tinygrad_cnn.engine.tensor import _broadcast_shape

    try:
        expected = np.broadcast_shapes(a, b)
    except ValueError:
        expected = None
    assert _broadcast_shape(a, b) == expected


@given(data=st.data())
def test_permute_takes_negative_axes_and_refuses_what_is_not_a_permutation(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=4, max_side=3), label="shape")
    ndim = len(shape)
    axes = [a - ndim * data.draw(st.booleans()) for a in data.draw(st.permutations(range(ndim)), label="axes")]
    x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    np.testing.assert_array_equal(Tensor(x).permute(*axes).numpy(), np.transpose(x, axes))
    with pytest.raises(ValueError, match="permute: dims must be integers"):
        Tensor(x).permute(*[float(a) for a in axes])
    with pytest.raises(ValueError, match="is not a permutation"):
        Tensor(x).permute(*axes, 0)
