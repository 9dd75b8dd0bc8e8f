"""PyTorch as the oracle: convolution, pooling, unfold/fold and pad, forward and backward, in float64 to 1e-10.

The geometries are the same Hypothesis strategies as ``tests/conv/test_convolution.py`` and ``test_pooling.py``
(every hyperparameter, within PyTorch's own limits). Each test runs the op in both libraries, compares the
outputs, then pulls the same random upstream gradient back through both and compares every input's gradient.
Skipped as a whole without torch (CI installs it, and ``conftest.py`` refuses to run CI without it).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import tinygrad_cnn.functional as F
from tests import strategies as S
from tinygrad_cnn import Tensor
from tinygrad_cnn.conv import reference as R

torch = pytest.importorskip("torch")
TF = torch.nn.functional

EXACT = {"rtol": 1e-10, "atol": 1e-10}


def ours_and_theirs(arrays: list[np.ndarray | None]) -> tuple[list, list]:
    """The same float64 numbers as our leaves and as torch leaves, all requiring grad."""
    ours = [None if a is None else Tensor(a, requires_grad=True) for a in arrays]
    theirs = [None if a is None else torch.from_numpy(a.copy()).requires_grad_() for a in arrays]
    return ours, theirs


def compare(ours_out, theirs_out, ours_in, theirs_in, seed: int) -> None:
    """Outputs equal; then, with one random upstream gradient, every input's gradient equal."""
    expected = theirs_out.detach().numpy()
    assert ours_out.shape == expected.shape
    np.testing.assert_allclose(ours_out.numpy(), expected, **EXACT)
    upstream = S.seeded_array(seed + 7, expected.shape)
    ours_out.backward(upstream)
    theirs_out.backward(torch.from_numpy(upstream))
    for ours, theirs in zip(ours_in, theirs_in):
        if ours is not None:
            np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), **EXACT)


# --------------------------------------------------------------------------------------------------
# convolution and transposed convolution
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dims", [1, 2, 3])
@given(data=st.data())
def test_conv_and_its_gradients_match_pytorch(dims, data):
    """Through ``nn.ConvNd``, the PyTorch API that takes ``padding_mode``."""
    case = data.draw(S.conv_geometries(dims=dims, max_groups=3 if dims < 3 else 2), label="case")
    seed, c_out = case["seed"], case["weight_shape"][0]
    x, weight = S.seeded_array(seed, case["x_shape"]), S.seeded_array(seed + 1, case["weight_shape"])
    bias = S.seeded_array(seed + 2, (c_out,)) if case["bias"] else None
    layer = getattr(torch.nn, f"Conv{dims}d")(
        x.shape[1], c_out, weight.shape[2:], bias=bias is not None, dtype=torch.float64, **case["kwargs"]
    )
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(weight))
        if bias is not None:
            layer.bias.copy_(torch.from_numpy(bias))
    xt = torch.from_numpy(x.copy()).requires_grad_()
    (ours_x, ours_w, ours_b), _ = ours_and_theirs([x, weight, bias])
    out = getattr(F, f"conv{dims}d")(ours_x, ours_w, ours_b, **case["kwargs"])
    compare(out, layer(xt), [ours_x, ours_w, ours_b], [xt, layer.weight, layer.bias], seed)


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_conv_transpose_and_its_gradients_match_pytorch(dims, data):
    case = data.draw(S.conv_transpose_geometries(dims=dims), label="case")
    seed, kwargs = case["seed"], case["kwargs"]
    c_out = case["weight_shape"][1] * kwargs["groups"]
    arrays = [S.seeded_array(seed, case["x_shape"]), S.seeded_array(seed + 1, case["weight_shape"])]
    arrays.append(S.seeded_array(seed + 2, (c_out,)) if case["bias"] else None)
    ours, theirs = ours_and_theirs(arrays)
    out = getattr(F, f"conv_transpose{dims}d")(*ours, **kwargs)
    compare(out, getattr(TF, f"conv_transpose{dims}d")(*theirs, **kwargs), ours, theirs, seed)


# --------------------------------------------------------------------------------------------------
# pooling
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_max_pool_and_its_gradient_match_pytorch(dims, data):
    case = data.draw(S.pool_geometries("max", dims=dims), label="case")
    x = S.seeded_distinct_array(case["seed"], case["x_shape"])
    assume(np.isfinite(getattr(R, f"max_pool{dims}d_reference")(x, **case["kwargs"])).all())  # else torch aborts
    ours, theirs = ours_and_theirs([x])
    out = getattr(F, f"max_pool{dims}d")(ours[0], **case["kwargs"])
    compare(out, getattr(TF, f"max_pool{dims}d")(theirs[0], **case["kwargs"]), ours, theirs, case["seed"])
    _, indices = getattr(F, f"max_pool{dims}d")(ours[0], **case["kwargs"], return_indices=True)
    _, expected = getattr(TF, f"max_pool{dims}d")(theirs[0], **case["kwargs"], return_indices=True)
    np.testing.assert_array_equal(indices.numpy(), expected.numpy())  # the same first maximum, as a flat index


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_max_pool_routes_tied_gradients_as_pytorch_does(dims, data):
    """Inputs from {−∞, 0, 1, 2}: ties everywhere; both send each window's gradient to its first maximum, and
    a real −∞ beats the −∞ padding before it."""
    case = data.draw(S.pool_geometries("max", dims=dims), label="case")
    x = np.random.default_rng(case["seed"]).integers(-1, 3, case["x_shape"]).astype(np.float64)
    x[x < 0] = -np.inf
    reference = getattr(R, f"max_pool{dims}d_reference")
    assume(np.isfinite(reference(np.zeros_like(x), **case["kwargs"])).all())  # a window all padding: torch aborts
    ours, theirs = ours_and_theirs([x])
    out = getattr(F, f"max_pool{dims}d")(ours[0], **case["kwargs"])
    compare(out, getattr(TF, f"max_pool{dims}d")(theirs[0], **case["kwargs"]), ours, theirs, case["seed"])
    _, indices = getattr(F, f"max_pool{dims}d")(ours[0], **case["kwargs"], return_indices=True)
    _, expected = getattr(TF, f"max_pool{dims}d")(theirs[0], **case["kwargs"], return_indices=True)
    np.testing.assert_array_equal(indices.numpy(), expected.numpy())


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_max_pool_gradient_is_pytorchs_to_the_bit_in_float32(dims, data):
    """Inputs from {0, 1, 2} in float32: overlapping windows often choose the same input, and its gradient is
    their sum, added in window order, as PyTorch's CPU kernel adds it. The same bits, not just close."""
    case = data.draw(S.pool_geometries("max", dims=dims), label="case")
    rng = np.random.default_rng(case["seed"])
    x = rng.integers(0, 3, case["x_shape"]).astype(np.float32)
    assume(np.isfinite(getattr(R, f"max_pool{dims}d_reference")(x, **case["kwargs"])).all())  # else torch aborts
    xt = Tensor(x, requires_grad=True)
    out = getattr(F, f"max_pool{dims}d")(xt, **case["kwargs"])
    upstream = (rng.standard_normal(out.shape) * 10.0 ** rng.integers(-4, 5, out.shape)).astype(np.float32)
    out.backward(upstream)
    theirs = torch.from_numpy(x.copy()).requires_grad_()
    getattr(TF, f"max_pool{dims}d")(theirs, **case["kwargs"]).backward(torch.from_numpy(upstream))
    np.testing.assert_array_equal(xt.grad.numpy(), theirs.grad.numpy())


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_avg_pool_and_its_gradient_match_pytorch(dims, data):
    case = data.draw(S.pool_geometries("avg", dims=dims), label="case")
    ours, theirs = ours_and_theirs([S.seeded_array(case["seed"], case["x_shape"])])
    out = getattr(F, f"avg_pool{dims}d")(ours[0], **case["kwargs"])
    compare(out, getattr(TF, f"avg_pool{dims}d")(theirs[0], **case["kwargs"]), ours, theirs, case["seed"])


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_adaptive_avg_pool_and_its_gradient_match_pytorch(dims, data):
    spatial = tuple(data.draw(st.integers(1, 7), label="n") for _ in range(dims))
    sizes = tuple(data.draw(st.integers(1, 8), label="m") for _ in range(dims))
    output_size = sizes[0] if dims == 1 else sizes
    seed = data.draw(st.integers(0, 2**16))
    ours, theirs = ours_and_theirs([S.seeded_array(seed, (2, 2, *spatial))])
    out = getattr(F, f"adaptive_avg_pool{dims}d")(ours[0], output_size)
    compare(out, getattr(TF, f"adaptive_avg_pool{dims}d")(theirs[0], output_size), ours, theirs, seed)


# --------------------------------------------------------------------------------------------------
# unfold, fold, pad
# --------------------------------------------------------------------------------------------------


@given(S.unfold_geometries(dims=2))
def test_unfold_and_fold_and_their_gradients_match_pytorch(case):
    kwargs, seed = case["kwargs"], case["seed"]
    ours, theirs = ours_and_theirs([S.seeded_array(seed, case["x_shape"])])
    unfolded = F.unfold(ours[0], **kwargs)
    compare(unfolded, TF.unfold(theirs[0], **kwargs), ours, theirs, seed)
    ours, theirs = ours_and_theirs([S.seeded_array(seed + 1, unfolded.shape)])
    size = case["x_shape"][2:]
    compare(F.fold(ours[0], size, **kwargs), TF.fold(theirs[0], size, **kwargs), ours, theirs, seed)


@st.composite
def torch_pad_cases(draw: st.DrawFn) -> dict:
    """PyTorch's non-constant modes pad the last 1-3 dims of a tensor with 1 or 2 more dims."""
    mode = draw(st.sampled_from(["constant", "circular", "reflect", "replicate"]))
    padded = draw(st.integers(1, 3))
    sides = [draw(st.integers(1, 4)) for _ in range(draw(st.integers(1, 2)) + padded)]
    widths = []
    for n in reversed(sides[-padded:]):  # F.pad lists the last dim first
        high = {"reflect": n - 1, "circular": n}.get(mode, 3)
        widths += [draw(st.integers(0, min(high, 3))), draw(st.integers(0, min(high, 3)))]
    return {"shape": tuple(sides), "pad": tuple(widths), "mode": mode, "seed": draw(st.integers(0, 2**16))}


@given(torch_pad_cases())
def test_pad_and_its_gradient_match_pytorch(case):
    ours, theirs = ours_and_theirs([S.seeded_array(case["seed"], case["shape"])])
    pad, mode = case["pad"], case["mode"]
    compare(F.pad(ours[0], pad, mode=mode), TF.pad(theirs[0], pad, mode=mode), ours, theirs, case["seed"])


def test_unbatched_unfold_and_fold_match_pytorch():
    """``F.unfold`` takes an unbatched image ``(C, H, W)`` and gives ``(C·kH·kW, L)``; ``F.fold`` the reverse."""
    x = S.seeded_array(0, (3, 4, 5))
    expected = TF.unfold(torch.from_numpy(x), (2, 3), stride=(1, 2)).numpy()  # (3·2·3, 3·2)
    ours = F.unfold(Tensor(x), (2, 3), stride=(1, 2)).numpy()
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, **EXACT)
    cols = S.seeded_array(1, expected.shape)
    expected = TF.fold(torch.from_numpy(cols), (4, 5), (2, 3), stride=(1, 2)).numpy()
    np.testing.assert_allclose(F.fold(Tensor(cols), (4, 5), (2, 3), stride=(1, 2)).numpy(), expected, **EXACT)
