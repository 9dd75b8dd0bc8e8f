"""LeNet-5's own layers against their definitions.

* ``PartialConv2d`` (C3) runs one convolution with a gathered kernel; its definition is one single-map
  convolution per output map on its own input maps, then concatenated. Values and gradients (input, every map's
  weight and bias) agree in float64 to 1e-10 on random tables, kernels and inputs; the gradients pass central
  differences and the dot-product test; the kernel's zeros are no parameters; bad tables and inputs are refused.
* ``Subsampling`` (S2, S4) sums each window by a depthwise convolution with a kernel of ones; its definition is
  the loop over each k×k window's sum (``avg_pool2d_reference`` times k²), times the map's coefficient, plus its
  bias.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_cnn import Tensor, cat, gradcheck, nn
from tinygrad_cnn.conv.reference import avg_pool2d_reference
from tinygrad_cnn.models import ARCHITECTURES, PartialConv2d, Subsampling, build
from tinygrad_cnn.models.architectures import LENET5_C3_TABLE, connection_index

EXACT = {"rtol": 1e-10, "atol": 1e-10}


@st.composite
def partial_convs(draw: st.DrawFn) -> tuple[PartialConv2d, np.ndarray]:
    """A float64 ``PartialConv2d`` with a random table (each map a random non-empty subset of the input maps, in
    any order) and kernel, and an input batch (or one unbatched image) with at least the maps the table reads."""
    channels = draw(st.integers(1, 4))
    maps = st.permutations(range(channels)).flatmap(lambda p: st.integers(1, channels).map(lambda n: tuple(p[:n])))
    table = draw(st.lists(maps, min_size=1, max_size=4))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    size = (kernel[0] + draw(st.integers(0, 2)), kernel[1] + draw(st.integers(0, 2)))
    extra = draw(st.integers(0, 1))  # an input map no output map reads
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    layer = PartialConv2d(table, kernel, generator=rng)
    for conv in layer.maps:
        conv.weight = nn.Parameter(conv.weight.numpy().astype(np.float64))
        conv.bias = nn.Parameter(conv.bias.numpy().astype(np.float64))
    batch = draw(st.sampled_from([(), (1,), (2,)]))  # () is one unbatched image
    x = rng.standard_normal((*batch, max(max(m) for m in table) + 1 + extra, *size))
    return layer, x


def by_definition(layer: PartialConv2d, x: Tensor) -> Tensor:
    """Output map m: a single-map convolution of the input maps table[m] (the paper's, and the old forward)."""
    batched = x if x.ndim == 4 else x.unsqueeze(0)
    out = cat([conv(batched[:, list(maps)]) for conv, maps in zip(layer.maps, layer.table)], dim=1)
    return out if x.ndim == 4 else out[0]


def gradients(layer: PartialConv2d, x: np.ndarray, forward, g: np.ndarray) -> list[np.ndarray]:
    xt = Tensor(x, requires_grad=True)
    layer.zero_grad()
    forward(layer, xt).backward(g)
    return [xt.grad.numpy()] + [p.grad.numpy() for p in layer.parameters()]


@given(partial_convs())
def test_one_gathered_convolution_is_the_separate_convolutions(case):
    layer, x = case
    out = layer(Tensor(x)).numpy()
    np.testing.assert_allclose(out, by_definition(layer, Tensor(x)).numpy(), **EXACT)
    g = np.random.default_rng(0).standard_normal(out.shape)
    for ours, defined in zip(gradients(layer, x, PartialConv2d.__call__, g), gradients(layer, x, by_definition, g)):
        np.testing.assert_allclose(ours, defined, **EXACT)


@given(partial_convs())
def test_gradients_pass_central_differences(case):
    layer, x = case
    params = list(layer.parameters())
    assert all(p.dtype == np.float64 for p in params)
    gradcheck(lambda xt, *_: layer(xt), [Tensor(x, requires_grad=True), *params], samples=6)


def test_the_kernel_gathers_each_map_onto_its_input_maps_with_zeros_elsewhere():
    layer = PartialConv2d([(2, 0), (1,)], (1, 2), generator=np.random.default_rng(0))
    full = layer.full_weight(3).numpy()  # (2 maps, 3 input maps, 1, 2)
    np.testing.assert_array_equal(full[0, 2], layer.maps[0].weight.numpy()[0, 0])  # table order, not sorted
    np.testing.assert_array_equal(full[0, 0], layer.maps[0].weight.numpy()[0, 1])
    np.testing.assert_array_equal(full[1, 1], layer.maps[1].weight.numpy()[0, 0])
    assert not full[0, 1].any() and not full[1, 0].any() and not full[1, 2].any()
    index = connection_index(layer.table, (1, 2), 3)
    assert index.shape == (2, 3, 1, 2) and not index.flags.writeable
    assert sorted(index.ravel()) == list(range(12))  # 6 weights, then 3 unread (map, input map) pairs' 2 zeros each


def test_lenet5_c3_keeps_the_papers_parameters_and_state_dict():
    c3 = build(ARCHITECTURES["lenet5"], generator=np.random.default_rng(0)).C3
    assert c3.num_parameters() == 1516 and c3.table == tuple(tuple(sorted(m)) for m in LENET5_C3_TABLE)
    keys = list(c3.state_dict())
    assert keys[:2] == ["maps.0.weight", "maps.0.bias"] and len(keys) == 32
    x = Tensor(np.random.default_rng(1).standard_normal((2, 6, 14, 14)).astype(np.float32), requires_grad=True)
    c3(x).sum().backward()
    assert [p.grad.shape for p in c3.maps[14].parameters()] == [(1, 4, 5, 5), (1,)]  # only the map's own weights
    assert repr(c3).splitlines()[:2] == ["PartialConv2d(", "  6→16, 5×5"]


def test_bad_tables_and_inputs_are_refused_by_name():
    with pytest.raises(ValueError, match=r"PartialConv2d: table must list, per output map, distinct"):
        PartialConv2d([(0, 0)], 3)
    with pytest.raises(ValueError, match=r"PartialConv2d: the table needs at least one output map"):
        PartialConv2d([], 3)
    layer = PartialConv2d([(0, 3)], 3)
    with pytest.raises(ValueError, match=r"PartialConv2d: input of shape \(1, 3, 5, 5\) has 3 maps, but its "
                                         r"table reads map 3"):  # fmt: skip
        layer(Tensor(np.zeros((1, 3, 5, 5), np.float32)))
    with pytest.raises(ValueError, match="conv2d"):
        layer(Tensor(np.zeros((5, 5), np.float32)))  # the functional conv runs, and its checks name it


@st.composite
def subsamplings(draw: st.DrawFn) -> tuple[Subsampling, np.ndarray]:
    """A float64 ``Subsampling`` and an input (batched or not) whose sides need not be multiples of k."""
    channels, k = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    layer = Subsampling(channels, k, generator=rng)
    layer.weight = nn.Parameter(layer.weight.numpy().astype(np.float64))
    layer.bias = nn.Parameter(layer.bias.numpy().astype(np.float64))
    batch = draw(st.sampled_from([(), (1,), (2,)]))
    x = rng.standard_normal((*batch, channels, draw(st.integers(k, 3 * k + 1)), draw(st.integers(k, 3 * k + 1))))
    return layer, x


@given(subsamplings())
def test_subsampling_is_each_windows_sum_times_a_coefficient_plus_a_bias(case):
    layer, x = case
    k, batched = layer.kernel_size, x if x.ndim == 4 else x[None]
    sums = avg_pool2d_reference(batched, (k, k), (k, k), (0, 0)) * k * k  # the loop oracle
    expected = sums * layer.weight.numpy()[:, None, None] + layer.bias.numpy()[:, None, None]
    np.testing.assert_allclose(layer(Tensor(x)).numpy(), expected if x.ndim == 4 else expected[0], **EXACT)
    gradcheck(lambda xt, *_: layer(xt), [Tensor(x, requires_grad=True), layer.weight, layer.bias], samples=6)


def test_subsampling_refuses_a_wrong_input_by_name():
    with pytest.raises(ValueError, match=r"Subsampling: needs an input \(\[N,\] 6, H, W\) with H, W ≥ 2, got shape "
                                         r"\(1, 4, 8, 8\)"):  # fmt: skip
        Subsampling(6)(Tensor(np.zeros((1, 4, 8, 8), np.float32)))
    with pytest.raises(ValueError, match=r"got shape \(6, 1, 8\)"):
        Subsampling(6)(Tensor(np.zeros((6, 1, 8), np.float32)))
