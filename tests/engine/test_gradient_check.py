"""``gradcheck`` itself: it passes correct gradients and catches wrong ones, saying where.

A wrong rule is a small ``Function`` subclass defined here and applied with ``tinygrad_cnn.engine.tensor.apply``,
exactly as the engine applies its own primitives.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_cnn as tg
from tests import strategies as S
from tinygrad_cnn import GradcheckError, Tensor, gradcheck
from tinygrad_cnn.engine.ops import Function
from tinygrad_cnn.engine.tensor import apply


class SquareMissingTwo(Function):
    """x**2 whose rule forgets the factor 2: wrong at every entry where x != 0."""

    def forward(self, a):
        self.a = a
        return a * a

    def backward(self, g):
        return (g * self.a,)


class MulWrongForB(Function):
    """a * b whose rule is right for ``a`` and wrong (sign flipped) for ``b``."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        return g * self.b, -g * self.a


class ScaleWrongAt(Function):
    """3 * x whose rule is wrong at one flat index only."""

    def forward(self, a, flat_index):
        self.flat_index = flat_index
        return 3 * a

    def backward(self, g):
        wrong = 3 * g.copy()
        wrong.flat[self.flat_index] += 1.0
        return (wrong,)


def leaf(shape, rng, label=""):
    return Tensor(rng.uniform(0.5, 2.0, shape), requires_grad=True, label=label)


# ---- correct gradients pass ----


COMPOSITIONS = [
    lambda x, y: (x * y).tanh(),
    lambda x, y: (x @ y.T).sigmoid().sum(1),
    lambda x, y: tg.cat([x, y], 0).log_softmax(1),
    lambda x, y: (x / (y * y + 1)).exp().mean(0, keepdim=True),
    lambda x, y: (x - y).pad(((1, 0), (0, 2)))[1:, ::2] ** 2,
]


@pytest.mark.parametrize("fn", COMPOSITIONS)
@given(data=st.data())
def test_correct_compositions_pass(fn, data):
    x = Tensor(data.draw(S.arrays((2, 3)), label="x"), requires_grad=True)
    y = Tensor(data.draw(S.arrays((2, 3)), label="y"), requires_grad=True)
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    assert gradcheck(fn, [x, y], seed=seed) is True
    assert gradcheck(fn, [x, y], samples=0, seed=seed) is True  # the dot-product test alone
    assert gradcheck(fn, [x, Tensor(y.numpy())], dot_product=False, seed=seed) is True  # one input checked


def test_gradcheck_leaves_inputs_and_their_grads_as_they_were(rng):
    x = leaf((3, 4), rng)
    before = x.numpy().copy()
    x.grad = Tensor(np.full((3, 4), 7.0))
    gradcheck(lambda x: (x * x).sum(0), [x])
    np.testing.assert_array_equal(x.numpy(), before)
    np.testing.assert_array_equal(x.grad.numpy(), 7.0)
    x.grad = None
    gradcheck(lambda x: x.exp(), [x])
    assert x.grad is None


# ---- wrong gradients are caught, and the message says where ----


def test_a_wrong_rule_is_caught_with_input_and_index_in_the_message(rng):
    x = leaf((3,), rng, label="x")
    assert gradcheck(lambda x: x * x, [x])  # the correct rule passes ...
    with pytest.raises(GradcheckError, match=r"gradient of input 0 'x' \(shape \(3,\)\) at index \(\d,\)"):
        gradcheck(lambda x: apply(SquareMissingTwo, x), [x])  # ... the broken one does not
    assert gradcheck(lambda x: apply(SquareMissingTwo, x), [x], raise_exception=False) is False


def test_the_message_names_the_input_whose_gradient_is_wrong(rng):
    a, b = leaf((2, 2), rng), leaf((2, 2), rng, label="weight")
    with pytest.raises(GradcheckError, match=r"input 1 'weight' \(shape \(2, 2\)\) at index \(\d, \d\)"):
        gradcheck(lambda a, b: apply(MulWrongForB, a, b), [a, b])
    assert gradcheck(lambda a, b: apply(MulWrongForB, a, b), [a, Tensor(b.numpy())])  # a's rule is right


def test_the_message_gives_the_exact_index_of_a_wrong_entry(rng):
    x = leaf((3, 4), rng)
    flat = np.ravel_multi_index((1, 2), (3, 4))
    message = r"input 0 \(shape \(3, 4\)\) at index \(1, 2\): analytic .*, numeric"
    with pytest.raises(GradcheckError, match=message):
        gradcheck(lambda x: apply(ScaleWrongAt, x, flat_index=flat), [x], samples=12)


@given(data=st.data())
def test_the_dot_product_test_alone_catches_a_wrong_rule(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    x = Tensor(data.draw(S.positive_arrays(shape), label="x"), requires_grad=True)
    flat = data.draw(st.integers(0, x.numel() - 1), label="flat")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")

    def wrong(x):
        return apply(ScaleWrongAt, x, flat_index=flat)

    # with no entry sampled, finite differences see nothing ...
    assert gradcheck(wrong, [x], samples=0, dot_product=False, seed=seed)
    # ... but <u, J^T v> != <J u, v> for a random u (they differ by u[flat], almost surely not 0)
    with pytest.raises(GradcheckError, match=r"dot-product test failed for input 0 \(shape"):
        gradcheck(wrong, [x], samples=0, seed=seed, atol=1e-7, rtol=1e-7)


def test_the_dot_product_test_catches_an_error_at_an_unsampled_entry(rng):
    x = leaf((40,), rng)

    def fn(x):
        return apply(ScaleWrongAt, x, flat_index=17)

    # seeds for which the 4 sampled entries miss entry 17, so finite differences alone pass
    entries_only = {"samples": 4, "dot_product": False, "raise_exception": False}
    missed = [seed for seed in range(20) if gradcheck(fn, [x], seed=seed, **entries_only)]
    assert len(missed) >= 10
    for seed in missed[:3]:
        with pytest.raises(GradcheckError, match="dot-product test failed"):
            gradcheck(fn, [x], samples=4, seed=seed)


# ---- bad arguments ----


def test_float32_inputs_are_rejected():
    x = Tensor([1.0, 2.0], requires_grad=True, label="w")
    with pytest.raises(ValueError, match=r"input 0 'w' \(shape \(2,\)\) is float32; use float64"):
        gradcheck(lambda x: x * x, [x])
    assert gradcheck(lambda x: x * x, [x.double().detach().requires_grad_()])


def test_inputs_that_do_not_require_grad_are_not_checked_and_at_least_one_must():
    x = Tensor(np.ones(2))
    with pytest.raises(ValueError, match="no input requires grad"):
        gradcheck(lambda x: x * x, [x])
    y = Tensor([1.0, 2.0])  # float32, but not checked, so allowed
    assert gradcheck(lambda x, y: x * y, [Tensor(np.ones(2), requires_grad=True), y])


def test_an_output_that_does_not_depend_on_the_inputs_is_an_error():
    x = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(GradcheckError, match="does not depend"):
        gradcheck(lambda x: Tensor(np.ones(2)), [x])
