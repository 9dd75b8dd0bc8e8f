"""Bad input to convolution and pooling fails early with a ValueError that names the layer and shows the numbers.

The kernel-too-large message carries the output-size formula with the numbers filled in (from
:func:`tinygrad_cnn.shapes.conv_output_size_formula`), e.g.
``conv2d(k=5, s=1, p=0, d=1) on a 4×4 input: ⌊(4 + 2·0 − 1·(5−1) − 1)/1⌋ + 1 = 0, needs ≥ 1``; a ``layer=``
name given by the caller replaces the op's name in every message.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_cnn.functional as F
from tinygrad_cnn import Tensor
from tinygrad_cnn.shapes import conv_output_size, conv_output_size_formula, pool_output_size, pool_output_size_formula

CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
CONV_TRANSPOSE = {1: F.conv_transpose1d, 2: F.conv_transpose2d}
MAX_POOL = {1: F.max_pool1d, 2: F.max_pool2d}
AVG_POOL = {1: F.avg_pool1d, 2: F.avg_pool2d}


def zeros(*shape: int) -> Tensor:
    return Tensor(np.zeros(shape))


def error_of(fn, *args, **kwargs) -> str:
    """The message of the ValueError that ``fn(*args, **kwargs)`` raises (any other outcome fails the test)."""
    with pytest.raises(ValueError) as info:
        fn(*args, **kwargs)
    return str(info.value)


def assert_mentions(message: str, *fragments: str) -> None:
    missing = [f for f in fragments if f not in message]
    assert not missing, f"message {message!r} does not mention {missing}"


def axes_text(sides) -> str:
    return "×".join(map(str, sides))


# --------------------------------------------------------------------------------------------------
# the kernel does not fit: the message shows the filled-in output-size formula
# --------------------------------------------------------------------------------------------------


def test_kernel_larger_than_the_input_message_shows_the_formula():
    message = error_of(F.conv2d, zeros(1, 1, 4, 4), zeros(1, 1, 5, 5))
    assert message == "conv2d(k=5, s=1, p=0, d=1) on a 4×4 input: ⌊(4 + 2·0 − 1·(5−1) − 1)/1⌋ + 1 = 0, needs ≥ 1"


def test_layer_keyword_names_the_layer_in_the_message():
    message = error_of(F.conv2d, zeros(1, 1, 4, 4), zeros(1, 1, 5, 5), layer="encoder.conv1")
    assert message == "encoder.conv1 on a 4×4 input: ⌊(4 + 2·0 − 1·(5−1) − 1)/1⌋ + 1 = 0, needs ≥ 1"
    assert_mentions(error_of(F.max_pool2d, zeros(1, 1, 4, 4), 5, layer="pool3"), "pool3", "= 0, needs ≥ 1")
    assert_mentions(error_of(F.conv2d, zeros(1, 1, 4, 4), zeros(1, 1, 3, 3), stride=0, layer="enc"), "enc")
    message = error_of(F.conv_transpose2d, zeros(1, 1, 4, 4), zeros(1, 1, 2, 2), output_padding=1, layer="up1")
    assert_mentions(message, "up1", "output_padding", "1")


@st.composite
def too_large_kernels(draw: st.DrawFn) -> dict:
    """A conv geometry where at least one axis has no room for a window: ``conv_output_size < 1``."""
    dims = draw(st.integers(1, 3))
    padding = draw(st.integers(0, 1))
    bad = draw(st.integers(0, dims - 1))  # this axis gets a kernel longer than the padded input
    kernel = [draw(st.integers(1, 4)) for _ in range(dims)]
    kernel[bad] = draw(st.integers(2 * padding + 2, 2 * padding + 5))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    sides = [draw(st.integers(1, 6)) for _ in range(dims)]
    sides[bad] = draw(st.integers(1, dilation[bad] * (kernel[bad] - 1) - 2 * padding))  # n + 2p < d(k−1) + 1
    kernel = tuple(kernel)
    return {"dims": dims, "kernel": kernel, "stride": stride, "dilation": dilation, "padding": padding, "sides": sides}


@given(too_large_kernels())
def test_kernel_too_large_for_any_geometry_reports_the_first_axis_that_fails(case):
    dims, sides, padding = case["dims"], case["sides"], case["padding"]
    geometry = list(zip(sides, case["kernel"], case["stride"], [padding] * dims, case["dilation"]))
    failing = [g for g in geometry if conv_output_size(*g) < 1]
    assert failing  # by construction
    x, weight = zeros(1, 1, *sides), zeros(1, 1, *case["kernel"])
    kwargs = {"stride": case["stride"], "padding": padding, "dilation": case["dilation"]}
    message = error_of(CONV[dims], x, weight, **kwargs)
    assert message.startswith(f"conv{dims}d(")
    assert_mentions(message, f" on a {axes_text(sides)} input: ", conv_output_size_formula(*failing[0]), "needs ≥ 1")
    if dims == 2:  # unfold is 2-D, as in PyTorch
        message = error_of(F.unfold, x, case["kernel"], case["dilation"], padding, case["stride"])
        assert message.startswith("unfold(")
        assert_mentions(message, conv_output_size_formula(*failing[0]), "needs ≥ 1")


@given(st.integers(1, 2), st.integers(2, 5), st.booleans(), st.data())
def test_pool_window_too_large_reports_the_pool_formula(dims, k, ceil_mode, data):
    sides = [data.draw(st.integers(1, k - 1)) for _ in range(dims)]  # no room for one window without padding
    failing = [(n, k, k, 0, 1, ceil_mode) for n in sides if pool_output_size(n, k, k, 0, 1, ceil_mode) < 1]
    if not failing:  # ceil_mode keeps one window that hangs over the border: a legal output
        assert MAX_POOL[dims](zeros(1, 1, *sides), k, ceil_mode=ceil_mode).shape[2:] == (1,) * dims
        return
    for pool in (MAX_POOL[dims], AVG_POOL[dims]):
        message = error_of(pool, zeros(1, 1, *sides), k, ceil_mode=ceil_mode)
        assert message.startswith(pool.__name__)
        assert_mentions(message, axes_text(sides), pool_output_size_formula(*failing[0]), "needs ≥ 1")


# --------------------------------------------------------------------------------------------------
# channels and groups
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_groups_must_divide_the_channels(dims):
    spatial = (4,) * dims
    kernel = (3,) * dims
    message = error_of(CONV[dims], zeros(1, 2, *spatial), zeros(3, 1, *kernel), groups=2)
    assert_mentions(message, f"conv{dims}d", "groups=2", "out_channels=3")
    message = error_of(CONV[dims], zeros(1, 3, *spatial), zeros(2, 1, *kernel), groups=2)
    assert_mentions(message, f"conv{dims}d", "groups=2", "2 input channels", str((1, 3, *spatial)))
    for groups in (0, -1, 1.5):
        message = error_of(CONV[dims], zeros(1, 2, *spatial), zeros(2, 2, *kernel), groups=groups)
        assert_mentions(message, f"conv{dims}d", "groups", str(groups))


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_input_channels_must_match_the_weight(dims):
    spatial, kernel = (4,) * dims, (3,) * dims
    message = error_of(CONV[dims], zeros(1, 3, *spatial), zeros(2, 2, *kernel))
    assert_mentions(message, f"conv{dims}d", "2 input channels", str((1, 3, *spatial)))


@pytest.mark.parametrize("dims", [1, 2])
def test_conv_transpose_channels_and_groups(dims):
    spatial, kernel = (4,) * dims, (2,) * dims
    message = error_of(CONV_TRANSPOSE[dims], zeros(1, 3, *spatial), zeros(2, 1, *kernel))
    assert_mentions(message, f"conv_transpose{dims}d", "2 input channels", str((1, 3, *spatial)))
    message = error_of(CONV_TRANSPOSE[dims], zeros(1, 3, *spatial), zeros(3, 1, *kernel), groups=2)
    assert_mentions(message, f"conv_transpose{dims}d", "groups=2")


def test_bias_must_have_one_entry_per_output_channel():
    message = error_of(F.conv2d, zeros(1, 2, 4, 4), zeros(2, 2, 3, 3), zeros(3))
    assert_mentions(message, "conv2d", "bias", "3")


def test_wrong_number_of_dims():
    assert_mentions(error_of(F.conv2d, zeros(1, 1, 2, 4, 4), zeros(1, 1, 3, 3)), "conv2d", "(1, 1, 2, 4, 4)")
    assert_mentions(error_of(F.conv2d, zeros(1, 1, 4, 4), zeros(1, 1, 3)), "conv2d", "(1, 1, 3)")
    assert_mentions(error_of(F.max_pool2d, zeros(1, 1, 1, 4, 4), 2), "max_pool2d", "(1, 1, 1, 4, 4)")


# --------------------------------------------------------------------------------------------------
# hyperparameters: non-positive, non-integer, unknown
# --------------------------------------------------------------------------------------------------

BAD_CONV_ARGUMENTS = [
    ({"stride": 0}, ["stride", "0"]),
    ({"stride": -2}, ["stride", "-2"]),
    ({"stride": 1.5}, ["stride", "1.5"]),
    ({"dilation": -1}, ["dilation", "-1"]),
    ({"dilation": 0}, ["dilation", "0"]),
    ({"padding": -1}, ["padding", "-1"]),
    ({"padding": 0.5}, ["padding", "0.5"]),
    ({"padding": "foo"}, ["padding", "'foo'"]),
    ({"padding_mode": "bogus"}, ["padding_mode", "'bogus'"]),
    ({"padding": "same", "stride": 2}, ["'same'", "stride", "2"]),
    ({"stride": (1, 1, 1, 1)}, ["stride", "(1, 1, 1, 1)"]),
]


def argument_ids(cases) -> list[str]:
    return [", ".join(f"{key}={value!r}" for key, value in kwargs.items()) for kwargs, _ in cases]


@pytest.mark.parametrize(("kwargs", "fragments"), BAD_CONV_ARGUMENTS, ids=argument_ids(BAD_CONV_ARGUMENTS))
def test_bad_conv_hyperparameters_name_the_layer_and_the_value(kwargs, fragments):
    for dims in (1, 2, 3):
        x, weight = zeros(1, 2, *[5] * dims), zeros(2, 2, *[3] * dims)
        assert_mentions(error_of(CONV[dims], x, weight, **kwargs), f"conv{dims}d", *fragments)
        message = error_of(CONV[dims], x, weight, **kwargs, layer="block2.conv")
        assert_mentions(message, "block2.conv", *fragments)


def test_a_kernel_of_size_zero_is_rejected():
    for dims in (1, 2, 3):
        kernel = (0,) + (3,) * (dims - 1)
        message = error_of(CONV[dims], zeros(1, 2, *[5] * dims), zeros(2, 2, *kernel))
        assert_mentions(message, f"conv{dims}d", "kernel", "0")


@pytest.mark.parametrize("mode", ["reflect", "circular"])
def test_padding_mode_limits(mode):
    """PyTorch's limits: each reflect pad < the side, each circular pad ≤ the side."""
    too_much = 2 if mode == "reflect" else 3
    x, weight = zeros(1, 1, 2, 5), zeros(1, 1, 3, 3)
    message = error_of(F.conv2d, x, weight, padding=too_much, padding_mode=mode)
    assert_mentions(message, "conv2d", mode, str(too_much), "2")
    F.conv2d(x, weight, padding=too_much - 1, padding_mode=mode)  # one less is fine
    message = error_of(F.pad, zeros(1, 1, 2), (too_much, 0), mode=mode)
    assert_mentions(message, "pad", mode, str(too_much), "2")


BAD_CONV_TRANSPOSE_ARGUMENTS = [
    ({"stride": 0}, ["stride", "0"]),
    ({"stride": 1.5}, ["stride", "1.5"]),
    ({"dilation": 0}, ["dilation", "0"]),
    ({"padding": -1}, ["padding", "-1"]),
    ({"padding": "same"}, ["padding", "'same'"]),
    ({"output_padding": 1}, ["output_padding", "1", "stride", "dilation"]),
    ({"output_padding": 2, "stride": 2}, ["output_padding (2)", "stride (2)"]),
    ({"output_padding": 2, "dilation": 2, "stride": 1}, ["output_padding (2)", "dilation (2)"]),
    ({"padding": 5}, ["padding", "-5"]),
]


@pytest.mark.parametrize(
    ("kwargs", "fragments"), BAD_CONV_TRANSPOSE_ARGUMENTS, ids=argument_ids(BAD_CONV_TRANSPOSE_ARGUMENTS)
)
def test_bad_conv_transpose_hyperparameters_name_the_layer_and_the_value(kwargs, fragments):
    for dims in (1, 2):
        x, weight = zeros(1, 1, *[4] * dims), zeros(1, 1, *[2] * dims)
        message = error_of(CONV_TRANSPOSE[dims], x, weight, **kwargs)
        assert_mentions(message, f"conv_transpose{dims}d", *fragments)
        message = error_of(CONV_TRANSPOSE[dims], x, weight, **kwargs, layer="decoder.up")
        assert_mentions(message, "decoder.up", *fragments)


def test_a_transposed_kernel_of_size_zero_is_rejected():
    message = error_of(F.conv_transpose2d, zeros(1, 2, 4, 4), zeros(2, 2, 0, 3))
    assert_mentions(message, "conv_transpose2d", "kernel", "0")


BAD_POOL_ARGUMENTS = [
    ({"kernel_size": 0}, ["kernel_size", "0"]),
    ({"kernel_size": 2, "stride": 0}, ["stride", "0"]),
    ({"kernel_size": 2, "stride": 1.5}, ["stride", "1.5"]),
    ({"kernel_size": 2, "padding": -1}, ["padding", "-1"]),
    ({"kernel_size": 3, "padding": 2}, ["padding 2", "3"]),
    ({"kernel_size": 2, "padding": 2}, ["padding 2", "2"]),
]


@pytest.mark.parametrize(("kwargs", "fragments"), BAD_POOL_ARGUMENTS, ids=argument_ids(BAD_POOL_ARGUMENTS))
def test_bad_pool_hyperparameters_name_the_layer_and_the_value(kwargs, fragments):
    for dims, pool in [(1, F.max_pool1d), (2, F.max_pool2d), (1, F.avg_pool1d), (2, F.avg_pool2d)]:
        x = zeros(1, 1, *[6] * dims)
        assert_mentions(error_of(pool, x, **kwargs), pool.__name__, *fragments)
        message = error_of(pool, x, **kwargs, layer="features.pool")
        assert_mentions(message, "features.pool", *fragments)


def test_max_pool_dilation_must_be_positive_and_avg_divisor_nonzero():
    assert_mentions(error_of(F.max_pool2d, zeros(1, 1, 6, 6), 2, dilation=0), "max_pool2d", "dilation", "0")
    assert_mentions(error_of(F.avg_pool2d, zeros(1, 1, 6, 6), 2, divisor_override=0), "avg_pool2d", "divisor")


def test_bad_adaptive_output_sizes():
    for size in (0, -1, 1.5, (2, 0)):
        message = error_of(F.adaptive_avg_pool2d, zeros(1, 1, 4, 4), size)
        assert_mentions(message, "adaptive_avg_pool2d", str(size))


def test_bad_unfold_and_fold_arguments():
    x = zeros(1, 1, 4, 4)
    assert_mentions(error_of(F.unfold, x, 0), "unfold", "kernel_size", "0")
    assert_mentions(error_of(F.unfold, x, 2, stride=0), "unfold", "stride", "0")
    assert_mentions(error_of(F.unfold, x, 2, stride=1.5), "unfold", "stride", "1.5")
    assert_mentions(error_of(F.unfold, x, 2, padding=-1), "unfold", "padding", "-1")
    message = error_of(F.fold, zeros(1, 4, 5), (3, 3), 2)  # 2×2 kernels fit 4 times in 3×3, not 5
    assert_mentions(message, "fold", "(1, 4, 5)", "4")
    assert_mentions(error_of(F.fold, zeros(1, 4, 4), (3, 3), 2, stride=0), "fold", "stride", "0")


def test_bad_pad_arguments():
    x = zeros(1, 1, 4, 4)
    assert_mentions(error_of(F.pad, x, (1, 1), mode="bogus"), "pad", "'bogus'")
    assert_mentions(error_of(F.pad, x, (1,)), "pad", "(1,)")
    assert_mentions(error_of(F.pad, x, (-1, 1)), "pad", "-1")


@pytest.mark.parametrize("groups", [0, -1, 2.0, True])
def test_conv_transpose_rejects_bad_groups_by_name(groups):
    with pytest.raises(ValueError, match=r"conv_transpose2d.*groups must be a positive int"):
        F.conv_transpose2d(zeros(1, 2, 3, 3), zeros(2, 1, 2, 2), groups=groups)


def test_adaptive_pooling_needs_floats_and_linear_needs_a_tensor():
    with pytest.raises(ValueError, match="adaptive_avg_pool2d: needs a floating-point input"):
        F.adaptive_avg_pool2d(Tensor(np.ones((1, 1, 4, 4), dtype=np.int64)), 2)
    with pytest.raises(ValueError, match=r"linear: needs an input Tensor of shape \(\.\.\., in_features\)"):
        F.linear(Tensor(1.0), zeros(2, 2))


# ---- a functional call reuses the checked window of the same plain arguments, and still refuses bad ones ----


@pytest.mark.parametrize("bad", [True, 1.0, "1", (1, True), np.int64(0)])
def test_a_window_kept_from_an_earlier_call_does_not_let_an_equal_bad_value_through(bad):
    x, w = zeros(1, 1, 5, 5), zeros(1, 1, 3, 3)
    assert F.conv2d(x, w, stride=1).shape == F.conv2d(x, w, stride=(1, 1)).shape == (1, 1, 3, 3)  # kept windows
    assert_mentions(error_of(F.conv2d, x, w, stride=bad), "conv2d", "stride")  # True == 1, but no stride


def test_a_numpy_integer_is_checked_and_gives_the_same_window():
    x, w = zeros(1, 1, 5, 5), zeros(1, 1, 3, 3)
    assert F.conv2d(x, w, stride=np.int64(2)).shape == F.conv2d(x, w, stride=2).shape == (1, 1, 2, 2)


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda x, w: F.conv2d(), "missing a required argument: 'input'"),
        (lambda x, w: F.conv2d(x), "missing a required argument: 'weight'"),
        (lambda x, w: F.conv2d(x, w, dims=2), "unexpected keyword argument 'dims'"),
        (lambda x, w: F.conv2d(x, w, input=x), "multiple values for argument 'input'"),
        (lambda x, w: F.conv2d(x, w, None, 1, 0, 1, 1, "zeros", 7), "too many positional arguments"),
        (lambda x, w: F.avg_pool1d(x, 2, divisor_override=2), "unexpected keyword argument 'divisor_override'"),
    ],
)
def test_the_per_dimension_functions_refuse_arguments_under_their_own_name(call, fragment):
    """``conv2d`` and the like go straight to the N-d function when a call is plainly right; anything else is
    bound against their own signature, so the error names ``conv2d``, not the N-d function."""
    with pytest.raises(TypeError) as info:
        call(zeros(1, 1, 5, 5), zeros(1, 1, 3, 3))
    assert str(info.value).startswith(("conv2d: ", "avg_pool1d: ")) and fragment in str(info.value)


def test_a_layer_remembers_output_sizes_but_never_an_error():
    """``Window.output_size`` is worked out once per input size: the same answer from then on, and an input too
    small after one that fitted (or before it) still fails with the formula."""
    from tinygrad_cnn import nn
    from tinygrad_cnn.conv import geometry

    pool = nn.MaxPool2d(2)
    assert pool.window.output_size((8, 6)) == pool.window.output_size([8, 6]) == (4, 3)
    assert pool.window.pool_pads((8, 6)) is pool.window.pool_pads([8, 6])  # kept: ((0, 0), (0, 0)), (4, 3)
    assert pool.window.pool_pads((8, 6)) == (((0, 0), (0, 0)), (4, 3))
    for _ in range(2):  # the error is raised every time, never kept as an answer
        assert_mentions(error_of(pool, zeros(1, 1, 1, 5)), "MaxPool2d", "⌊(1 + 2·0 − 1·(2−1) − 1)/2⌋ + 1 = 0")
    assert pool(zeros(1, 1, 8, 6)).shape == (1, 1, 4, 3)
    for n in range(2, 2 + 2 * geometry.KNOWN_SIZES):  # more sizes than it keeps: it starts again, still right
        assert pool.window.output_size((n, 2)) == (n // 2, 1)
    assert len(pool.window._known) <= geometry.KNOWN_SIZES
