"""Convolution, transposed convolution, unfold, fold and pad: the engine against independent oracles.

Every test draws a geometry with every hyperparameter free (``tests/strategies.py``) and checks the fast
path (windows × one shared weight matrix) against

* the naive loops of :mod:`tinygrad_cnn.conv.reference`,
* NumPy written a different way: ``np.convolve`` with the flipped kernel (1-D), sums over
  ``sliding_window_view`` contracted by ``einsum`` (N-d), transposed conv as a conv of the zero-stuffed
  input with the flipped kernel, ``fold`` as the transpose of ``unfold``'s matrix, ``np.pad``,
* the scalar engine (:mod:`tinygrad_cnn.conv.value_conv`), values and gradients,

all in float64 to 1e-10; gradients pass :func:`tinygrad_cnn.gradcheck`, and the adjoint pairs pass
dot-product tests. PyTorch, where it fits, is the oracle of ``tests/conv/test_convolution_torch.py``.
"""

from __future__ import annotations

from math import prod

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

import tinygrad_cnn.functional as F
from tests import strategies as S
from tinygrad_cnn import Tensor, Value, gradcheck
from tinygrad_cnn.conv import reference as R
from tinygrad_cnn.conv import value_conv as V
from tinygrad_cnn.shapes import conv_output_size, conv_transpose_output_size

EXACT = {"rtol": 1e-10, "atol": 1e-10}
NP_PAD_MODES = {"zeros": "constant", "circular": "wrap", "reflect": "reflect", "replicate": "edge"}
CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
CONV_REFERENCE = {1: R.conv1d_reference, 2: R.conv2d_reference, 3: R.conv3d_reference}
CONV_TRANSPOSE = {1: F.conv_transpose1d, 2: F.conv_transpose2d}
CONV_TRANSPOSE_REFERENCE = {1: R.conv_transpose1d_reference, 2: R.conv_transpose2d_reference}


# --------------------------------------------------------------------------------------------------
# helpers: arrays from a case, and the NumPy oracles
# --------------------------------------------------------------------------------------------------


def per_axis(value, dims: int) -> tuple[int, ...]:
    return (value,) * dims if isinstance(value, int) else tuple(value)


def conv_arrays(case: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """x, weight and (maybe) bias of a drawn case, standard normal from its seed."""
    seed = case["seed"]
    x = S.seeded_array(seed, case["x_shape"])
    weight = S.seeded_array(seed + 1, case["weight_shape"])
    bias = S.seeded_array(seed + 2, (case["bias_channels"],)) if case["bias"] else None
    return x, weight, bias


def with_bias_channels(case: dict, transposed: bool = False) -> dict:
    groups = case["kwargs"]["groups"]
    c_out = case["weight_shape"][1] * groups if transposed else case["weight_shape"][0]
    return {**case, "bias_channels": c_out}


def tensors(*arrays, requires_grad: bool = False) -> list[Tensor | None]:
    return [None if a is None else Tensor(a, requires_grad=requires_grad) for a in arrays]


def windows_view(xp: np.ndarray, kernel, stride, dilation) -> np.ndarray:
    """Every window of the (already padded) ``xp`` (N, C, *spatial): ``(N, C, *out, *kernel)``.

    ``sliding_window_view`` gives all windows of the dilated extent; keep every stride-th window and
    every dilation-th tap.
    """
    dims = len(kernel)
    extent = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    every = sliding_window_view(xp, extent, axis=tuple(range(2, 2 + dims)))  # (N, C, *positions, *extent)
    windows = (slice(None, None, s) for s in stride)  # every stride-th window
    taps = (slice(None, None, d) for d in dilation)  # every dilation-th tap
    return every[(slice(None), slice(None), *windows, *taps)]


def numpy_conv(x, weight, bias, stride, pads, dilation, groups, mode) -> np.ndarray:
    """Convolution as ``einsum`` over sliding windows, one group of channels at a time."""
    dims = weight.ndim - 2
    xp = np.pad(x, [(0, 0), (0, 0), *pads], mode=NP_PAD_MODES[mode])
    windows = windows_view(xp, weight.shape[2:], stride, dilation)  # (N, C_in, *out, *k)
    out_letters, kernel_letters = "ijl"[:dims], "uvw"[:dims]
    spec = f"nc{out_letters}{kernel_letters},oc{kernel_letters}->no{out_letters}"
    c_group, per_out = weight.shape[1], weight.shape[0] // groups
    parts = [
        np.einsum(spec, windows[:, g * c_group : (g + 1) * c_group], weight[g * per_out : (g + 1) * per_out])
        for g in range(groups)
    ]
    out = np.concatenate(parts, axis=1)
    return out if bias is None else out + bias.reshape(-1, *[1] * dims)


def numpy_conv1d_by_convolve(x, weight, bias, stride, pads, dilation, groups, mode) -> np.ndarray:
    """1-D convolution with ``np.convolve``: true convolution flips the kernel, so flip it back; the
    dilated kernel has ``d − 1`` zeros between taps, and the stride keeps every ``s``-th output."""
    (s,), (d,) = stride, dilation
    xp = np.pad(x, [(0, 0), (0, 0), *pads], mode=NP_PAD_MODES[mode])
    c_out, c_group, k = weight.shape
    dilated = np.zeros((c_out, c_group, d * (k - 1) + 1))
    dilated[..., ::d] = weight
    per_out = c_out // groups
    out = np.stack(
        [
            np.stack([
                sum(
                    np.convolve(xp[b, (o // per_out) * c_group + c], dilated[o, c][::-1], mode="valid")
                    for c in range(c_group)
                )[::s]
                for o in range(c_out)
            ])
            for b in range(x.shape[0])
        ]
    )  # fmt: skip
    return out if bias is None else out + bias[:, None]


def numpy_conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation) -> np.ndarray:
    """Transposed convolution as a plain one: put ``s − 1`` zeros between the inputs, pad ``d(k−1)``
    (and ``output_padding`` more on the right), correlate with the flipped kernel whose in/out channels
    are swapped, then crop ``padding`` from both ends."""
    dims = x.ndim - 2
    kernel = weight.shape[2:]
    stuffed = np.zeros((*x.shape[:2], *[(n - 1) * s + 1 for n, s in zip(x.shape[2:], stride)]))
    stuffed[(slice(None), slice(None), *(slice(None, None, s) for s in stride))] = x
    flipped = np.flip(weight, axis=tuple(range(2, 2 + dims)))  # (C_in, C_out/g, *k)
    per_group = x.shape[1] // groups
    conv_weight = np.concatenate(
        [flipped[g * per_group : (g + 1) * per_group].swapaxes(0, 1) for g in range(groups)]
    )  # (C_out, C_in/g, *k)
    pads = [(d * (k - 1), d * (k - 1) + q) for k, d, q in zip(kernel, dilation, output_padding)]
    full = numpy_conv(stuffed, conv_weight, None, (1,) * dims, pads, dilation, groups, "zeros")
    out = full[(slice(None), slice(None), *(slice(p, n - p) for p, n in zip(padding, full.shape[2:])))]
    return out if bias is None else out + bias.reshape(-1, *[1] * dims)


def numpy_unfold(x, kernel, dilation, padding, stride) -> np.ndarray:
    """``(N, C, *spatial) -> (N, C·Πk, L)``: windows of the zero-padded input, channel then kernel taps down
    the rows, window positions in row-major order along the columns."""
    dims = x.ndim - 2
    xp = np.pad(x, [(0, 0), (0, 0), *[(p, p) for p in padding]])
    windows = windows_view(xp, kernel, stride, dilation)  # (N, C, *out, *k)
    locations = prod(windows.shape[2 : 2 + dims])
    order = (0, 1, *range(2 + dims, 2 + 2 * dims), *range(2, 2 + dims))  # -> (N, C, *k, *out)
    return windows.transpose(order).reshape(x.shape[0], x.shape[1] * prod(kernel), locations)


def unfold_matrix(x_shape, kernel, dilation, padding, stride) -> np.ndarray:
    """The matrix of ``unfold`` (a linear map): column ``j`` is the unfold of the ``j``-th basis array."""
    size = prod(x_shape)
    basis = np.eye(size).reshape(size, *x_shape)
    return np.stack([numpy_unfold(e, kernel, dilation, padding, stride).ravel() for e in basis], axis=1)


def assert_close(actual, expected) -> None:
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, **EXACT)


def conv_args(case: dict) -> tuple:
    """(stride, pads, dilation, groups, mode) as per-axis tuples, for the NumPy oracles."""
    kwargs, dims = case["kwargs"], len(case["x_shape"]) - 2
    return (
        per_axis(kwargs["stride"], dims),
        case["pads"],
        per_axis(kwargs["dilation"], dims),
        kwargs["groups"],
        kwargs["padding_mode"],
    )


# --------------------------------------------------------------------------------------------------
# convolution
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dims", [1, 2, 3])
@given(data=st.data())
def test_conv_equals_loop_reference_and_sliding_window_einsum(dims, data):
    case = with_bias_channels(data.draw(S.conv_geometries(dims=dims, max_groups=3 if dims < 3 else 2), label="case"))
    x, weight, bias = conv_arrays(case)
    out = CONV[dims](*tensors(x, weight, bias), **case["kwargs"]).numpy()

    expected_size = tuple(
        conv_output_size(n + before + after, k, s, 0, d)
        for n, k, s, d, (before, after) in zip(
            x.shape[2:], weight.shape[2:], per_axis(case["kwargs"]["stride"], dims), per_axis(
                case["kwargs"]["dilation"], dims), case["pads"])
    )  # fmt: skip
    assert out.shape == (x.shape[0], weight.shape[0], *expected_size)
    assert out.dtype == np.float64
    assert_close(out, CONV_REFERENCE[dims](x, weight, bias, **case["kwargs"]))
    assert_close(out, numpy_conv(x, weight, bias, *conv_args(case)))


@given(S.conv_geometries(dims=1))
def test_conv1d_equals_np_convolve_with_the_flipped_kernel(case):
    case = with_bias_channels(case)
    x, weight, bias = conv_arrays(case)
    out = F.conv1d(*tensors(x, weight, bias), **case["kwargs"]).numpy()
    assert_close(out, numpy_conv1d_by_convolve(x, weight, bias, *conv_args(case)))


@pytest.mark.parametrize("dims", [1, 2, 3])
@given(data=st.data())
def test_conv_gradients_pass_gradcheck(dims, data):
    """∂/∂x, ∂/∂weight, ∂/∂bias by central differences, over every hyperparameter and padding mode."""
    geometry = S.conv_geometries(dims=dims, max_groups=2, max_extra=1 if dims == 3 else 2)
    case = with_bias_channels(data.draw(geometry, label="case"))
    x, weight, bias = tensors(*conv_arrays(case), requires_grad=True)
    inputs = [x, weight] if bias is None else [x, weight, bias]
    assert gradcheck(lambda *t: CONV[dims](*t, **case["kwargs"]), inputs)


# --------------------------------------------------------------------------------------------------
# transposed convolution: the adjoint of convolution
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_conv_transpose_equals_loop_reference_and_conv_of_zero_stuffed_input(dims, data):
    case = with_bias_channels(data.draw(S.conv_transpose_geometries(dims=dims), label="case"), transposed=True)
    x, weight, bias = conv_arrays(case)
    kwargs = case["kwargs"]
    out = CONV_TRANSPOSE[dims](*tensors(x, weight, bias), **kwargs).numpy()

    geometry = [per_axis(kwargs[key], dims) for key in ("stride", "padding", "output_padding", "dilation")]
    sides = zip(x.shape[2:], weight.shape[2:], *geometry)
    expected_size = tuple(conv_transpose_output_size(n, k, s, p, q, d) for n, k, s, p, q, d in sides)
    assert out.shape == (x.shape[0], case["bias_channels"], *expected_size)
    assert_close(out, CONV_TRANSPOSE_REFERENCE[dims](x, weight, bias, **kwargs))
    stride, padding, output_padding, dilation = geometry
    groups = kwargs["groups"]
    assert_close(out, numpy_conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation))


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_conv_transpose_gradients_pass_gradcheck(dims, data):
    case = with_bias_channels(data.draw(S.conv_transpose_geometries(dims=dims), label="case"), transposed=True)
    x, weight, bias = tensors(*conv_arrays(case), requires_grad=True)
    inputs = [x, weight] if bias is None else [x, weight, bias]
    assert gradcheck(lambda *t: CONV_TRANSPOSE[dims](*t, **case["kwargs"]), inputs)


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_conv_transpose_is_the_adjoint_of_conv(dims, data):
    """``<conv(x, w), y> == <x, conv_transpose(y, w)>`` with the same stride, padding, dilation and groups,
    and ``output_padding`` chosen to give back x's size; and conv's input gradient is that transpose."""
    geometry = S.conv_geometries(dims=dims, modes=("zeros",), padding_kinds=("int", "tuple", "valid"))
    case = with_bias_channels(data.draw(geometry, label="case"))
    x, weight, _ = conv_arrays(case)
    stride, pads, dilation, groups, _ = conv_args(case)
    padding = tuple(before for before, _ in pads)
    y_shape = CONV[dims](Tensor(x), Tensor(weight), **case["kwargs"]).shape
    y = S.seeded_array(case["seed"] + 3, y_shape)
    output_padding = tuple(
        n - conv_transpose_output_size(m, k, s, p, 0, d)
        for n, m, k, s, p, d in zip(x.shape[2:], y_shape[2:], weight.shape[2:], stride, padding, dilation)
    )
    assert all(0 <= q < max(s, d) for q, s, d in zip(output_padding, stride, dilation))
    transposed = CONV_TRANSPOSE[dims](
        Tensor(y), Tensor(weight), stride=stride, padding=padding, output_padding=output_padding, groups=groups,
        dilation=dilation,
    ).numpy()  # fmt: skip
    assert transposed.shape == x.shape
    forward = CONV[dims](Tensor(x), Tensor(weight), **case["kwargs"]).numpy()
    np.testing.assert_allclose(np.sum(forward * y), np.sum(x * transposed), **EXACT)

    xt = Tensor(x, requires_grad=True)
    CONV[dims](xt, Tensor(weight), **case["kwargs"]).backward(y)
    assert_close(xt.grad.numpy(), transposed)


# --------------------------------------------------------------------------------------------------
# unfold and fold: locality and its adjoint
# --------------------------------------------------------------------------------------------------


def unfold_args(case: dict, dims: int) -> tuple:
    kwargs = case["kwargs"]
    return tuple(per_axis(kwargs[key], dims) for key in ("kernel_size", "dilation", "padding", "stride"))


@pytest.mark.parametrize("dims", [2])  # unfold and fold are 2-D, as in PyTorch
@given(data=st.data())
def test_unfold_equals_loop_reference_and_sliding_windows(dims, data):
    case = data.draw(S.unfold_geometries(dims=dims), label="case")
    x = S.seeded_array(case["seed"], case["x_shape"])
    out = F.unfold(Tensor(x), **case["kwargs"]).numpy()
    assert_close(out, R.unfold_reference(x, **case["kwargs"]))
    assert_close(out, numpy_unfold(x, *unfold_args(case, dims)))


@pytest.mark.parametrize("dims", [2])
@given(data=st.data())
def test_fold_equals_loop_reference_and_the_transpose_of_unfolds_matrix(dims, data):
    case = data.draw(S.unfold_geometries(dims=dims), label="case")
    x_shape, kwargs = case["x_shape"], case["kwargs"]
    cols_shape = numpy_unfold(np.zeros(x_shape), *unfold_args(case, dims)).shape
    cols = S.seeded_array(case["seed"], cols_shape)
    out = F.fold(Tensor(cols), x_shape[2:], **kwargs).numpy()
    assert_close(out, R.fold_reference(cols, x_shape[2:], **kwargs))
    matrix = unfold_matrix(x_shape, *unfold_args(case, dims))  # (size of cols, size of x)
    assert_close(out, (matrix.T @ cols.ravel()).reshape(x_shape))


@pytest.mark.parametrize("dims", [2])
@given(data=st.data())
def test_fold_is_the_adjoint_of_unfold(dims, data):
    """The dot-product test: ``<unfold(x), y> == <x, fold(y)>``."""
    case = data.draw(S.unfold_geometries(dims=dims), label="case")
    x = S.seeded_array(case["seed"], case["x_shape"])
    unfolded = F.unfold(Tensor(x), **case["kwargs"]).numpy()
    y = S.seeded_array(case["seed"] + 1, unfolded.shape)
    folded = F.fold(Tensor(y), case["x_shape"][2:], **case["kwargs"]).numpy()
    assert folded.shape == x.shape
    np.testing.assert_allclose(np.sum(unfolded * y), np.sum(x * folded), **EXACT)


@pytest.mark.parametrize("dims", [2])
@given(data=st.data())
def test_unfold_and_fold_gradients_pass_gradcheck(dims, data):
    case = data.draw(S.unfold_geometries(dims=dims), label="case")
    x_shape, kwargs = case["x_shape"], case["kwargs"]
    x = Tensor(S.seeded_array(case["seed"], x_shape), requires_grad=True)
    assert gradcheck(lambda t: F.unfold(t, **kwargs), [x])
    cols = Tensor(S.seeded_array(case["seed"] + 1, F.unfold(x, **kwargs).shape), requires_grad=True)
    assert gradcheck(lambda t: F.fold(t, x_shape[2:], **kwargs), [cols])


# --------------------------------------------------------------------------------------------------
# pad
# --------------------------------------------------------------------------------------------------


@st.composite
def pad_cases(draw: st.DrawFn) -> dict:
    """``F.pad`` arguments: a shape, ``(left, right)`` pairs for 1-3 trailing dims, a mode PyTorch accepts
    for them (reflect: each pad < the side; circular: each pad <= the side)."""
    mode = draw(st.sampled_from(["constant", "circular", "reflect", "replicate"]))
    padded = draw(st.integers(1, 3))
    lead = draw(st.integers(0 if mode == "constant" else 1, 2))
    sides = [draw(st.integers(1, 4)) for _ in range(lead + padded)]
    widths = []
    for n in sides[lead:]:
        high = {"reflect": n - 1, "circular": n}.get(mode, 3)
        widths.append((draw(st.integers(0, min(high, 3))), draw(st.integers(0, min(high, 3)))))
    pad = tuple(v for pair in reversed(widths) for v in pair)  # F.pad lists the last dim first
    value = draw(st.sampled_from([0.0, -1.5])) if mode == "constant" else 0.0
    return {"shape": tuple(sides), "lead": lead, "widths": widths, "pad": pad, "mode": mode, "value": value,
            "seed": draw(st.integers(0, 2**16))}  # fmt: skip


@given(pad_cases())
def test_pad_equals_np_pad(case):
    x = S.seeded_array(case["seed"], case["shape"])
    out = F.pad(Tensor(x), case["pad"], mode=case["mode"], value=case["value"]).numpy()
    np_mode = {"constant": "constant", "circular": "wrap", "reflect": "reflect", "replicate": "edge"}[case["mode"]]
    widths = [(0, 0)] * case["lead"] + case["widths"]
    extra = {"constant_values": case["value"]} if case["mode"] == "constant" else {}
    assert_close(out, np.pad(x, widths, mode=np_mode, **extra))


@given(pad_cases())
def test_pad_gradients_pass_gradcheck(case):
    """Circular, reflect and replicate pad by indexing: repeated indices must accumulate their gradients."""
    x = Tensor(S.seeded_array(case["seed"], case["shape"]), requires_grad=True)
    assert gradcheck(lambda t: F.pad(t, case["pad"], mode=case["mode"], value=case["value"]), [x])


# --------------------------------------------------------------------------------------------------
# the scalar engine computes the same convolution, values and gradients
# --------------------------------------------------------------------------------------------------


def value_weighted_sum(outputs: list, v: np.ndarray) -> Value:
    cells = np.array(outputs, dtype=object)
    return sum((cells[i] * float(v[i]) for i in np.ndindex(cells.shape)), Value(0.0))


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_scalar_value_conv_equals_tensor_conv_values_and_gradients(dims, data):
    """``value_conv`` (one Value per number, zero padding left out of the sums) against the tensor engine:
    outputs, and the gradients of ``<out, v>`` for x, weight and bias, to 1e-10."""
    geometry = S.conv_geometries(dims=dims, modes=("zeros",), padding_kinds=("int", "tuple"), max_groups=1,
                                 max_extra=2)  # fmt: skip
    case = with_bias_channels(data.draw(geometry, label="case"))
    x, weight, bias = conv_arrays(case)
    x = x[0]  # value_conv is unbatched: (C, *spatial)
    stride, pads, dilation, _, _ = conv_args(case)
    padding = tuple(before for before, _ in pads)
    scalar_args = {"stride": stride, "padding": padding, "dilation": dilation}
    if dims == 1:
        scalar_args = {key: value[0] for key, value in scalar_args.items()}
    xv, wv = V.to_values(x), V.to_values(weight)
    bv = None if bias is None else V.to_values(bias)
    out_v = (V.conv1d if dims == 1 else V.conv2d)(xv, wv, bv, **scalar_args)

    xt, wt, bt = tensors(x, weight, bias, requires_grad=True)
    out_t = CONV[dims](xt, wt, bt, stride=stride, padding=padding, dilation=dilation)
    assert_close(V.to_numbers(out_v), out_t.numpy())

    v = S.seeded_array(case["seed"] + 3, out_t.shape)
    value_weighted_sum(out_v, v).backward()
    (out_t * Tensor(v)).sum().backward()
    assert_close(V.to_numbers(xv, grad=True), xt.grad.numpy())
    assert_close(V.to_numbers(wv, grad=True), wt.grad.numpy())
    if bias is not None:
        assert_close(V.to_numbers(bv, grad=True), bt.grad.numpy())


# --------------------------------------------------------------------------------------------------
# dtypes and unbatched inputs
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dims", [1, 2, 3])
@given(data=st.data())
def test_float32_in_float32_out_and_unbatched_input_is_batch_of_one(dims, data):
    case = with_bias_channels(data.draw(S.conv_geometries(dims=dims, max_extra=1), label="case"))
    x, weight, bias = conv_arrays(case)
    x32, w32, b32 = (None if a is None else Tensor(a.astype(np.float32), requires_grad=True) for a in (x, weight, bias))
    out = CONV[dims](x32, w32, b32, **case["kwargs"])
    assert out.dtype == np.float32
    out.sum().backward()
    assert x32.grad.dtype == np.float32 and w32.grad.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), CONV_REFERENCE[dims](x, weight, bias, **case["kwargs"]), rtol=1e-4,
                               atol=1e-4)  # fmt: skip

    batched = CONV[dims](*tensors(x, weight, bias), **case["kwargs"]).numpy()
    unbatched = CONV[dims](*tensors(x[0], weight, bias), **case["kwargs"]).numpy()
    assert unbatched.shape == batched.shape[1:]
    assert_close(unbatched, batched[0])


@pytest.mark.parametrize("dims", [1, 2])
@given(data=st.data())
def test_conv_transpose_keeps_float32_and_takes_unbatched_input(dims, data):
    case = with_bias_channels(data.draw(S.conv_transpose_geometries(dims=dims), label="case"), transposed=True)
    x, weight, bias = conv_arrays(case)
    as32 = [None if a is None else Tensor(a.astype(np.float32)) for a in (x, weight, bias)]
    assert CONV_TRANSPOSE[dims](*as32, **case["kwargs"]).dtype == np.float32
    batched = CONV_TRANSPOSE[dims](*tensors(x, weight, bias), **case["kwargs"]).numpy()
    unbatched = CONV_TRANSPOSE[dims](*tensors(x[0], weight, bias), **case["kwargs"]).numpy()
    assert_close(unbatched, batched[0])


def test_unfold_fold_and_pad_keep_float32():
    x = Tensor(np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5))
    cols = F.unfold(x, (2, 3), padding=1, stride=(1, 2))
    assert cols.dtype == np.float32
    assert F.fold(cols, (4, 5), (2, 3), padding=1, stride=(1, 2)).dtype == np.float32
    for mode in ("constant", "circular", "reflect", "replicate"):
        assert F.pad(x, (1, 2, 2, 1), mode=mode).dtype == np.float32


# --------------------------------------------------------------------------------------------------
# the windows as columns, the batch innermost: (C·Πk, L·N), and the output as a view of (C_out, *out, N)
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x_shape, weight_shape, kwargs",
    [
        ((2, 3, 6, 5), (4, 3, 2, 3), {}),  # 20 windows per image
        ((2, 3, 4, 4), (9, 3, 3, 3), {"dilation": (1, 2), "padding": 1}),  # 8 windows < 9 output channels
        ((2, 3, 5, 5), (7, 3, 5, 5), {}),  # one window per image, as LeNet's C5
        ((2, 4, 5, 6), (8, 1, 3, 2), {"groups": 4, "stride": 2}),  # depthwise, channel multiplier 2
        ((2, 4, 5, 6), (6, 2, 2, 3), {"groups": 2, "padding": "same"}),  # grouped, zeros (0, 1) and (1, 1)
        ((3, 2, 5, 4), (2, 2, 3, 3), {"padding": 1, "padding_mode": "circular"}),  # padded before the windows
    ],
)
def test_the_columns_layout_agrees_with_the_loops_and_passes_gradcheck(x_shape, weight_shape, kwargs):
    """The product gives (C_out, *out, N), handed on as the (N, C_out, *out) view of it: the output agrees with the
    loops, its memory runs along the batch, and the gradients pass gradcheck."""
    x, weight = S.seeded_array(1, x_shape), S.seeded_array(2, weight_shape)
    out = F.conv2d(Tensor(x), Tensor(weight), **kwargs)
    np.testing.assert_allclose(out.numpy(), R.conv2d_reference(x, weight, **kwargs), **EXACT)
    assert out.numpy().transpose(1, 2, 3, 0).flags.c_contiguous  # (N, C_out, H, W) is (C_out, H, W, N) in memory
    assert gradcheck(lambda a, w: F.conv2d(a, w, **kwargs), tensors(x, weight, requires_grad=True))


@pytest.mark.parametrize("kwargs", [{}, {"padding": 1, "stride": 2}, {"dilation": 2, "padding": "same"}])
def test_a_depthwise_conv_takes_its_own_op_and_agrees_with_the_loops_and_gradcheck(kwargs):
    """One input and one output channel per group: ``DepthwiseWindows``, whose input gradient never writes the
    columns' gradient; a channel multiplier of 2 stays with the grouped product."""
    x, weight = S.seeded_array(3, (2, 4, 7, 6)), S.seeded_array(4, (4, 1, 3, 3))
    out = F.conv2d(Tensor(x, requires_grad=True), Tensor(weight, requires_grad=True), groups=4, **kwargs)
    assert "DepthwiseWindows" in _op_names(out) and "WindowColumns" not in _op_names(out)
    np.testing.assert_allclose(out.numpy(), R.conv2d_reference(x, weight, groups=4, **kwargs), **EXACT)
    assert gradcheck(lambda a, w: F.conv2d(a, w, groups=4, **kwargs), tensors(x, weight, requires_grad=True))
    doubled = F.conv2d(Tensor(x, requires_grad=True), Tensor(np.concatenate([weight, weight])), groups=4)
    assert "DepthwiseWindows" not in _op_names(doubled) and "WindowColumns" in _op_names(doubled)


def _op_names(t: Tensor) -> set[str]:
    names, stack = set(), [t]
    while stack:
        node = stack.pop()
        if node._ctx is not None:
            names.add(node._ctx.name)
            stack.extend(node._ctx.parents)
    return names


def test_a_conv_with_few_channels_and_many_windows_takes_its_products_in_pieces(monkeypatch):
    """LeNet-5's C1 on a smaller batch: a ``(6, 25)`` shared matrix over 7,840 windows, so the product (and the
    weight gradient's sum) goes in pieces of columns (``ops._pieces``). The output is the loop oracle's, and the
    output and every gradient are those of one product each."""
    from tinygrad_cnn.engine import ops

    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((10, 1, 32, 32)), rng.standard_normal((6, 1, 5, 5)), rng.standard_normal(6)
    g = rng.standard_normal((10, 6, 28, 28))
    pieces = ops._pieces
    used = []
    monkeypatch.setattr(ops, "_pieces", lambda *shape: used.append(pieces(*shape)) or used[-1])
    results = []
    for _ in ("in pieces", "whole"):
        xt, wt, bt = (Tensor(a, requires_grad=True) for a in (x, w, b))
        out = F.conv2d(xt, wt, bt)
        out.backward(g)
        results.append([out.numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()])
        monkeypatch.setattr(ops, "_pieces", lambda *shape: 0)  # the second time: every product whole
    assert sum(map(bool, used)) >= 2  # the forward product and the weight gradient's sum went in pieces
    np.testing.assert_allclose(results[0][0], R.conv2d_reference(x, w, b), **EXACT)
    for got, whole in zip(*results):
        np.testing.assert_allclose(got, whole, rtol=1e-12, atol=1e-12)
