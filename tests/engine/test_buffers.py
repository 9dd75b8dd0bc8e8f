"""NumPy's ufunc buffer during the backward pass (:mod:`tinygrad_cnn.engine.buffers`): small while the gradients
are computed, the caller's again afterwards (error or not), and the gradients bit for bit those computed with
NumPy's default buffer."""

from __future__ import annotations

import importlib
from contextlib import contextmanager

import numpy as np
import pytest

import tinygrad_cnn.functional as F
from tinygrad_cnn import Tensor
from tinygrad_cnn.engine import ops
from tinygrad_cnn.engine.buffers import UFUNC_BUFFER, small_ufunc_buffer

tensor_module = importlib.import_module("tinygrad_cnn.engine.tensor")  # the package's name `tensor` is a function


@contextmanager
def caller_buffer(size: int):
    previous = np.setbufsize(size)
    try:
        yield
    finally:
        np.setbufsize(previous)


def test_the_block_runs_with_the_small_buffer_and_the_callers_comes_back_even_after_an_error():
    with caller_buffer(4096):
        with small_ufunc_buffer():
            assert np.getbufsize() == UFUNC_BUFFER
        assert np.getbufsize() == 4096
        with pytest.raises(ZeroDivisionError), small_ufunc_buffer(256):
            assert np.getbufsize() == 256
            1 / 0  # noqa: B018
        assert np.getbufsize() == 4096


def test_backward_computes_with_the_small_buffer_and_restores_the_callers(monkeypatch):
    seen = []
    relu_backward = ops.ReLU.backward

    def recording(self, g):
        seen.append(np.getbufsize())
        return relu_backward(self, g)

    monkeypatch.setattr(ops.ReLU, "backward", recording)
    x = Tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
    with caller_buffer(4096):
        x.relu().sum().backward()
        assert np.getbufsize() == 4096
    assert seen == [UFUNC_BUFFER]


def test_the_callers_error_settings_are_untouched():
    x = Tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
    with np.errstate(over="raise", under="ignore", divide="warn", invalid="print"):
        before = np.geterr()
        (x * x).sum().backward()
        assert np.geterr() == before


def test_a_backward_that_fails_still_restores_the_callers_buffer():
    w = Tensor(np.ones(3), requires_grad=True)
    loss = (w * w).sum()
    w.data += 1
    w.bump_version()  # changed in place after the graph was built (as an optimizer step does): backward refuses
    with caller_buffer(4096):
        with pytest.raises(RuntimeError, match="changed in place"):
            loss.backward()
        assert np.getbufsize() == 4096


def _cnn_gradients(dtype) -> list[np.ndarray]:
    """Every gradient of a small CNN that has each kind of strided backward row: padded, strided, dilated,
    grouped and depthwise convolutions with biases, ReLU, max pooling, a linear layer and the loss."""
    rng = np.random.default_rng(7)

    def param(*shape):
        return Tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)

    x = Tensor(rng.standard_normal((5, 4, 13, 11)).astype(dtype), requires_grad=True)
    weights = [param(8, 4, 3, 3), param(8), param(8, 2, 3, 3), param(8), param(8, 1, 3, 3), param(8, 8, 2, 2),
               param(3, 8 * 2 * 2), param(3)]  # fmt: skip
    w1, b1, w2, b2, w3, w4, lin, lin_b = weights
    h = F.conv2d(x, w1, b1, padding=1).relu()  # (5, 8, 13, 11)
    h = F.conv2d(h, w2, b2, padding=2, dilation=2, groups=4).relu()  # grouped, dilated
    h = F.conv2d(h, w3, groups=8, stride=1, padding=1)  # depthwise
    h = F.max_pool2d(h, 3, stride=2, padding=1)  # (5, 8, 7, 6)
    h = F.conv2d(h, w4, stride=2)  # (5, 8, 3, 3)
    h = F.max_pool2d(h, 2, ceil_mode=True).reshape(5, -1)  # (5, 8·2·2)
    loss = F.cross_entropy(h @ lin.T + lin_b, Tensor(np.array([0, 1, 2, 1, 0])))
    loss.backward()
    return [t.grad.numpy() for t in (x, *weights)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradients_are_bit_for_bit_those_of_numpys_default_buffer(monkeypatch, dtype):
    small = _cnn_gradients(dtype)
    monkeypatch.setattr(tensor_module, "small_ufunc_buffer", lambda: small_ufunc_buffer(8192))  # NumPy's default
    default = _cnn_gradients(dtype)
    for ours, numpys in zip(small, default):
        np.testing.assert_array_equal(ours, numpys)
