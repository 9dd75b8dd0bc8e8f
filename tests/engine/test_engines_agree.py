"""The scalar ``Value`` engine and the ``Tensor`` engine compute the same values and gradients.

Hypothesis builds a random expression tree over a few scalar inputs from operations both engines have;
the tree is evaluated once with ``Value`` leaves and once with 0-d float64 ``Tensor`` leaves, and after
``backward()`` on both the data and every leaf's gradient must agree to 1e-10.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from tests import strategies as S
from tinygrad_cnn import Tensor, Value

N_INPUTS = 3
AGREE = {"rtol": 1e-10, "atol": 1e-10}

# A tree is a tuple: ("x", i) | (unary, tree) | (binary, tree, tree) | (with_constant, tree, c)
# | ("pow", tree, k).
UNARY = ["neg", "exp", "tanh", "sigmoid", "relu", "log_square_plus_1", "softplus"]
BINARY = ["add", "sub", "mul", "div"]
WITH_CONSTANT = ["a+c", "c+a", "a-c", "c-a", "a*c", "c*a", "a/c", "c/a"]  # numbers on either side


def trees() -> st.SearchStrategy:
    """Random expression trees over inputs 0..N_INPUTS-1, with small nonzero constants."""
    leaf = st.tuples(st.just("x"), st.integers(0, N_INPUTS - 1))
    constant = S.floats(0.1, 2) | S.floats(-2, -0.1)

    def extend(children: st.SearchStrategy) -> st.SearchStrategy:
        return (
            st.tuples(st.sampled_from(UNARY), children)
            | st.tuples(st.sampled_from(BINARY), children, children)
            | st.tuples(st.sampled_from(WITH_CONSTANT), children, constant)
            | st.tuples(st.just("pow"), children, st.sampled_from([2, 3, -1, 0.5]))
        )

    return st.recursive(leaf, extend, max_leaves=8)


def evaluate(tree, xs, guard):
    """Evaluate ``tree`` with leaves ``xs`` (Values or Tensors); ``guard(kind, node)`` sees the argument
    of each op that has a kink, a pole or an overflow (relu, division, exp) before it is applied."""
    op = tree[0]
    if op == "x":
        return xs[tree[1]]
    a = evaluate(tree[1], xs, guard)
    if op == "pow":
        k = tree[2]
        if k in (-1, 0.5):
            a = a * a + 0.25  # a positive base, away from 0
        return a**k
    if op in WITH_CONSTANT:
        c = tree[2]
        if op == "c/a":
            guard("div", a)
        ops = {
            "a+c": lambda: a + c, "c+a": lambda: c + a, "a-c": lambda: a - c, "c-a": lambda: c - a,
            "a*c": lambda: a * c, "c*a": lambda: c * a, "a/c": lambda: a / c, "c/a": lambda: c / a,
        }  # fmt: skip
        return ops[op]()
    if op in BINARY:
        b = evaluate(tree[2], xs, guard)
        if op == "div":
            guard("div", b)
        return {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b, "div": lambda: a / b}[op]()
    if op == "neg":
        return -a
    if op == "log_square_plus_1":
        return (a * a + 1).log()
    if op == "softplus":
        return (a.exp() + 1).log()
    if op in ("relu", "exp"):
        guard(op, a)
    return getattr(a, op)()


def value_guard(kind, node):
    """Reject examples on a kink, near a pole, or about to overflow (checked on the Value run)."""
    x = node.data if isinstance(node, Value) else node
    if kind == "relu":
        assume(abs(x) > 1e-6)
    elif kind == "div":
        assume(abs(x) > 1e-3)
    elif kind == "exp":
        assume(x < 50)


def no_guard(kind, node):
    pass


def data_of(x):
    return x.data if isinstance(x, Value) else x


@given(tree=trees(), inputs=st.lists(S.floats(-2, 2), min_size=N_INPUTS, max_size=N_INPUTS))
def test_value_and_tensor_engines_agree_on_random_expressions(tree, inputs):
    values = [Value(v) for v in inputs]
    out_v = evaluate(tree, values, value_guard)
    assume(isinstance(out_v, Value) and math.isfinite(out_v.data) and abs(out_v.data) < 1e8)
    out_v.backward()
    assume(all(math.isfinite(v.grad) and abs(v.grad) < 1e8 for v in values))

    tensors = [Tensor(np.float64(v), requires_grad=True) for v in inputs]
    out_t = evaluate(tree, tensors, no_guard)
    assert out_t.dtype == np.float64 and out_t.shape == ()
    out_t.backward()

    np.testing.assert_allclose(out_t.item(), out_v.data, **AGREE)
    for v, t in zip(values, tensors):
        grad_t = 0.0 if t.grad is None else t.grad.item()  # an input the tree does not use
        np.testing.assert_allclose(grad_t, v.grad, **AGREE)


@given(data=st.data())
def test_a_dense_layer_elementwise_in_values_equals_tensor_matmul(data):
    n_in = data.draw(st.integers(1, 4), label="n_in")
    n_out = data.draw(st.integers(1, 4), label="n_out")
    w = data.draw(S.arrays((n_out, n_in), -1, 1), label="w")
    b = data.draw(S.arrays((n_out,), -1, 1), label="b")
    x = data.draw(S.arrays((n_in,), -2, 2), label="x")
    target = data.draw(S.arrays((n_out,), -1, 1), label="target")

    # scalar engine: y_j = tanh(sum_i w_ji x_i + b_j), loss = sum_j (y_j - t_j)^2
    wv = [[Value(w[j, i]) for i in range(n_in)] for j in range(n_out)]
    bv = [Value(b[j]) for j in range(n_out)]
    xv = [Value(x[i]) for i in range(n_in)]
    ys = [(sum((wv[j][i] * xv[i] for i in range(n_in)), bv[j])).tanh() for j in range(n_out)]
    loss_v = sum(((y - t) ** 2 for y, t in zip(ys, target)), Value(0.0))
    loss_v.backward()

    # tensor engine: the same layer as one matmul
    wt, bt, xt = (Tensor(a, requires_grad=True) for a in (w, b, x))
    loss_t = (((wt @ xt + bt).tanh() - Tensor(target)) ** 2).sum()
    loss_t.backward()

    np.testing.assert_allclose(loss_t.item(), loss_v.data, **AGREE)
    np.testing.assert_allclose(wt.grad.numpy(), [[v.grad for v in row] for row in wv], **AGREE)
    np.testing.assert_allclose(bt.grad.numpy(), [v.grad for v in bv], **AGREE)
    np.testing.assert_allclose(xt.grad.numpy(), [v.grad for v in xv], **AGREE)


@given(data=st.data())
def test_a_dot_product_of_vectors(data):
    n = data.draw(st.integers(1, 6), label="n")
    a = data.draw(S.arrays((n,)), label="a")
    b = data.draw(S.arrays((n,)), label="b")
    av, bv = [Value(v) for v in a], [Value(v) for v in b]
    dot_v = sum((p * q for p, q in zip(av, bv)), Value(0.0))
    dot_v.backward()
    at, bt = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    dot_t = at @ bt
    dot_t.backward()
    np.testing.assert_allclose(dot_t.item(), dot_v.data, **AGREE)
    np.testing.assert_allclose(at.grad.numpy(), [v.grad for v in av], **AGREE)
    np.testing.assert_allclose(bt.grad.numpy(), [v.grad for v in bv], **AGREE)
