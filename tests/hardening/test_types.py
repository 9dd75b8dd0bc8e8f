"""Bad types are refused, never coerced: one rule (``engine.sizes.is_int``, ``engine.args.flag`` / ``real`` /
``int_sequence``) reaches shapes, dims, pads, flags, dtypes and hyperparameters. Each test draws its bad values
with Hypothesis from the whole class (floats, numeric strings, bools, None, complex numbers, huge ints, nests)
and asserts an error that names the function and shows the value."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_cnn import Tensor, Value, nn, optim
from tinygrad_cnn.engine import creation
from tinygrad_cnn.engine.args import flag, int_sequence, int_tuple, positive_int, real

# Things that are not an integer size, though Python or NumPy would turn many of them into one.
NOT_INTS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-50, 50).map(str),
    st.booleans(),
    st.none(),
    st.complex_numbers(max_magnitude=10),
    st.integers(min_value=2**63),
    st.integers(max_value=-(2**63)),
    st.just(np.float32(2.0)),
    st.just(np.True_),
    st.just([2]),
)
NOT_FLAGS = st.one_of(
    st.sampled_from(["False", "True", "false", "0", "", "no"]),
    st.integers(-3, 3),
    st.floats(allow_nan=True),
    st.none(),
    st.just([False]),
)
NOT_REALS = st.one_of(
    st.sampled_from(["0.1", "1e-3", ""]),
    st.none(),
    st.booleans(),
    st.sampled_from([float("nan"), float("inf"), -float("inf")]),
    st.integers(min_value=10**309),
    st.complex_numbers(min_magnitude=1, max_magnitude=2),
    st.just([0.1]),
)


@given(bad=NOT_INTS, position=st.integers(0, 1))
def test_shapes_refuse_every_non_integer(bad, position):
    sizes = [2, 3]
    sizes[position] = bad
    x = Tensor(np.zeros(6, np.float32))
    with pytest.raises(ValueError, match=r"reshape: the shape must be non-negative integers"):
        x.reshape(*sizes)
    with pytest.raises(ValueError, match=r"zeros: the shape must be non-negative integers"):
        creation.zeros(*sizes)
    if bad is not None and not isinstance(bad, list):  # None means every dim, [2] a list of dims
        with pytest.raises(ValueError, match=r"sum: dim must be an integer"):
            x.sum(dim=bad)


@given(bad=NOT_INTS)
def test_geometry_refuses_every_non_integer(bad):
    with pytest.raises(ValueError, match=r"Conv2d: kernel_size must be a positive integer.*got"):
        nn.Conv2d(1, 1, bad)
    with pytest.raises(ValueError, match=r"Linear: in_features must be a positive integer.*got"):
        nn.Linear(bad, 2)
    with pytest.raises(ValueError, match=r"f: stride must be a positive integer"):
        int_tuple("f", "stride", (1, bad), 2)
    with pytest.raises(ValueError, match=r"f: n must be a positive integer"):
        positive_int("f", "n", bad)


@given(bad=st.one_of(st.floats(0.1, 5), st.integers(1, 3).map(str), st.booleans()))
def test_pads_refuse_non_integers(bad):
    x = Tensor(np.zeros((2, 2), np.float32))
    with pytest.raises(ValueError, match=r"pad: need 2 non-negative \(before, after\) pairs of integers"):
        x.pad([(0, 0), (bad, 1)])
    with pytest.raises(ValueError, match=r"pad: pad must be a tuple of integers"):
        int_sequence("pad", "pad", (bad, 1))


@given(bad=NOT_FLAGS)
def test_flags_must_be_booleans(bad):
    with pytest.raises(ValueError, match=r"max_pool2d: ceil_mode must be True or False, got"):
        flag("max_pool2d", "ceil_mode", bad)
    with pytest.raises(ValueError, match=r"Linear: bias must be True or False"):
        nn.Linear(2, 2, bias=bad)
    with pytest.raises(ValueError, match=r"SGD: nesterov must be True or False"):
        optim.SGD([Tensor([1.0], requires_grad=True)], lr=0.1, momentum=0.9, nesterov=bad)


@pytest.mark.parametrize("good", [True, False, np.True_, np.False_])
def test_flags_accept_python_and_numpy_booleans(good):
    assert flag("f", "x", good) is bool(good)


@given(bad=NOT_REALS)
def test_hyperparameters_must_be_finite_numbers(bad):
    w = Tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"SGD: lr must be a finite real number"):
        optim.SGD([w], lr=bad)
    with pytest.raises(ValueError, match=r"Adam: eps must be a finite real number"):
        optim.Adam([w], eps=bad)
    with pytest.raises(ValueError, match=r"Adam: betas must be two numbers in \[0, 1\)"):
        optim.Adam([w], betas=(0.9, bad))
    with pytest.raises(ValueError, match=r"f: x must be a finite real number"):
        real("f", "x", bad)


@pytest.mark.parametrize("betas", [None, 0.9, (0.9,), (0.9, 0.99, 0.999), "ab", (0.9, 1.0), (-0.1, 0.9)])
def test_adam_betas(betas):
    with pytest.raises(ValueError, match=r"Adam: betas must be two numbers in \[0, 1\), got"):
        optim.Adam([Tensor([1.0], requires_grad=True)], betas=betas)


@pytest.mark.parametrize(
    "dtype", [np.complex64, np.complex128, object, str, "U3", "datetime64[s]", [("a", "f4")], "no such type"]
)
def test_tensors_hold_only_float_int_bool(dtype):
    with pytest.raises(TypeError, match=r"Tensor: (dtype|cannot make)"):
        Tensor([1, 2], dtype=dtype)


@given(data=st.one_of(st.complex_numbers(min_magnitude=1, max_magnitude=5).map(lambda z: [z]),
                      st.text(min_size=1, max_size=3).map(lambda s: [s]),
                      st.just([[1], [1, 2]]), st.just([None]), st.just({"a": 1})))  # fmt: skip
def test_tensors_refuse_data_they_cannot_hold(data):
    with pytest.raises(TypeError, match=r"Tensor: cannot make a tensor of"):
        Tensor(data)
    with pytest.raises(TypeError, match=r"Tensor: cannot make a tensor of"):
        Tensor(data, dtype=np.float32)


@given(bad=st.one_of(st.text(max_size=3), st.none(), st.lists(st.integers(), max_size=2)))
def test_value_needs_a_real_number(bad):
    with pytest.raises(TypeError, match=r"Value\(data\) needs a real number"):
        Value(bad)
