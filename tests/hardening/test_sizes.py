"""Huge sizes are refused before anything is allocated, with the size that would be needed (``TooLarge``, a
ValueError and a MemoryError); integers beyond 64 bits are refused by name, not by NumPy's "Python int too
large to convert to C long"."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_cnn.functional as F
from tinygrad_cnn import Tensor, nn
from tinygrad_cnn.engine import creation
from tinygrad_cnn.engine.sizes import MAX_INT, TooLarge, check_allocation, memory_bytes

HUGE_SIDES = st.integers(10**6, 10**15)


def test_too_large_is_both_a_value_error_and_a_memory_error():
    assert issubclass(TooLarge, ValueError) and issubclass(TooLarge, MemoryError)


@given(a=HUGE_SIDES, b=HUGE_SIDES)
def test_new_tensors_are_checked_before_allocating(a, b):
    for make in (creation.zeros, creation.ones, creation.randn, creation.rand):
        pattern = rf"{make.__name__}: the tensor of shape \({a}, {b}\) float(32|64) would need"
        with pytest.raises(TooLarge, match=pattern):
            make(a, b)


@given(padding=st.integers(10**5, 10**12))
def test_padding_is_checked_before_allocating(padding):
    x = Tensor(np.zeros((1, 1, 5, 5), np.float32))
    side = 5 + 2 * padding
    with pytest.raises(TooLarge, match=rf"pad: the padded tensor of shape \(1, 1, {side}, {side}\) float32"):
        F.conv2d(x, Tensor(np.zeros((1, 1, 3, 3), np.float32)), padding=padding)
    with pytest.raises(TooLarge, match=r"pad: the padded tensor"):
        x.pad([(0, 0), (0, 0), (padding, padding), (padding, padding)])


@given(huge=st.integers(MAX_INT + 1, 10**40))
def test_integers_beyond_64_bits_are_named(huge):
    x = Tensor(np.zeros((1, 1, 5, 5), np.float32))
    w = Tensor(np.zeros((1, 1, 3, 3), np.float32))
    for make in (lambda: F.conv2d(x, w, stride=huge), lambda: F.max_pool2d(x, 2, stride=huge),
                 lambda: nn.Conv2d(1, 1, 3, dilation=huge)):  # fmt: skip
        with pytest.raises(ValueError, match=r"stride|dilation.*at most 9223372036854775807"):
            make()
    with pytest.raises(ValueError, match="reshape: the shape must be non-negative integers"):
        x.reshape(huge, 1)


@given(n=st.integers(10**6, 10**12))
def test_layers_check_their_weights(n):
    with pytest.raises(TooLarge, match=rf"Linear: the weight of shape \({n}, {n}\) float32 would need"):
        nn.Linear(n, n)


def test_arange_and_eye():
    with pytest.raises(TooLarge, match=r"arange: the tensor of shape \(1000000000000,\)"):
        creation.arange(0, 10**12)
    with pytest.raises(ValueError, match=r"arange: step must not be 0"):
        creation.arange(0, 10, 0)
    with pytest.raises(ValueError, match=r"arange: end must be a finite number"):
        creation.arange(0, float("inf"))
    with pytest.raises(TooLarge, match=r"eye: the matrix of shape \(10000000, 10000000\)"):
        creation.eye(10**7)


def test_the_limit_is_this_machines_memory_unless_given():
    check_allocation("f", "x", (memory_bytes() // 4,), np.float32)  # exactly fits: no error, nothing allocated
    with pytest.raises(TooLarge, match=r"f: x of shape \(2,\) float64 would need 16 B, more than the 8 B"):
        check_allocation("f", "x", (2,), np.float64, limit=8)
