"""Silent wrong results, made right: each case is compared with what PyTorch (or the other engine) gives."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_cnn.functional as F
from tinygrad_cnn import Tensor, Value
from tinygrad_cnn.engine.tensor import cat
from tinygrad_cnn.engine.value import grad


def test_value_zero_to_the_zero_has_zero_base_gradient():
    a, b = Value(0.0), Value(0.0)
    (a**b).backward()
    assert (a.grad, b.grad) == (0.0, 0.0)  # PyTorch and the Tensor engine: 0, not nan
    x = Value(2.0)
    (dx,) = grad(x ** Value(0.0), [x], create_graph=True)
    assert dx.data == 0.0


@given(divisor=st.sampled_from([0, 0.0, -0.0, Value(0), Value(-0.0)]), dividend=st.floats(-5, 5))
def test_value_division_by_zero_says_so(divisor, dividend):
    with pytest.raises(ZeroDivisionError, match=r"Value.__truediv__: .* / -?0(\.0)? divides by zero"):
        Value(dividend) / divisor


@given(n=st.integers(min_value=10**309) | st.integers(max_value=-(10**309)))
def test_value_of_an_int_no_float_holds(n):
    with pytest.raises(OverflowError, match=r"Value\(data\): .* is too large for a float"):
        Value(n)


def test_writes_into_numpy_of_a_tensor_that_requires_grad_are_refused():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    with pytest.raises(ValueError, match="read-only"):
        x.numpy()[:] = 100.0
    with pytest.raises(ValueError, match="read-only"):
        np.asarray(x)[0] = 100.0
    y.backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
    plain = Tensor([1.0, 2.0])
    plain.numpy()[0] = 5.0  # a tensor outside any graph shares its memory, as torch's .numpy()
    assert plain.tolist() == [5.0, 2.0]


@pytest.mark.parametrize("shape, dim", [((3, 0), 1), ((0, 4), 0), ((2, 0, 3), -2)])
def test_softmax_over_an_empty_dim(shape, dim):
    x = Tensor(np.zeros(shape, np.float32), requires_grad=True)
    out = x.softmax(dim)
    assert out.shape == shape
    out.sum().backward()
    assert x.grad.shape == shape


def test_cat_of_0d_tensors_says_what_to_do():
    with pytest.raises(ValueError, match=r"cat: 0-d tensors have no dim to join along; use stack"):
        cat([Tensor(1.0), Tensor(2.0)])


@pytest.mark.parametrize("make, error, message", [
    (lambda: Tensor([1, 2, 3])[10], IndexError, r"tensor of shape \(3,\)\[10\]: index 10 is out of bounds"),
    (lambda: Tensor([1, 2]).argmax(5), ValueError, r"argmax: dim 5 is out of range"),
    (lambda: Tensor(np.zeros((2, 0))).argmax(1), ValueError, r"argmax: the dim 1 is empty"),
    (lambda: Tensor([1.0]).log_softmax(dim=1.0), ValueError, r"log_softmax: dim must be an integer"),
])  # fmt: skip
def test_numpy_messages_do_not_pass_through(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_relu_keeps_nan():
    assert math.isnan(Tensor([float("nan")]).relu().item())  # as torch.relu


def test_max_pool_of_an_empty_batch():
    assert F.max_pool2d(Tensor(np.zeros((0, 1, 4, 4), np.float32)), 2).shape == (0, 1, 2, 2)
