"""The training tasks' architectures: registered by name, built into real modules of the right size, read back
from those modules (1-D layers included), and summarised with 1-D shapes."""

import dataclasses

import numpy as np
import pytest

from derivations.summary import format_table, summary
from tinygrad_cnn import Tensor, nn
from tinygrad_cnn.models import ARCHITECTURES, Layer, build, from_module, output_shapes
from tinygrad_cnn.models.tasks import TASK_ARCHITECTURES


@pytest.mark.parametrize("architecture", TASK_ARCHITECTURES, ids=lambda a: a.name)
def test_registered_built_and_read_back(architecture):
    assert ARCHITECTURES[architecture.name] is architecture
    model = build(architecture, generator=np.random.default_rng(0))
    assert model.num_parameters() == architecture.published["parameters"]
    read_back = [dataclasses.replace(layer, inputs=0) for layer in from_module(model)]
    assert read_back == [dataclasses.replace(layer, inputs=0) for layer in architecture.layers]
    x = Tensor(np.zeros((2, *architecture.input_shape), np.float32))
    out = model(x)
    expected = output_shapes(architecture.layers, architecture.input_shape)[-1]
    assert out.shape == (2, *expected)


def test_one_d_layers_build_as_conv1d_and_count_like_the_paper():
    model = build(ARCHITECTURES["mnist1d_cnn"])
    assert [type(m).__name__ for m in model][:2] == ["Conv1d", "ReLU"]
    assert output_shapes(ARCHITECTURES["mnist1d_cnn"].layers, (1, 40)) == [(25, 19), (25, 10), (25, 5), (10,)]
    rows = summary("mnist1d_cnn").rows
    assert [(r.params, r.formula, r.receptive_field) for r in rows[:2]] == [
        (150, "(1·5 + 1)·25", (5,)), (1900, "(25·3 + 1)·25", (9,))
    ]
    assert rows[0].macs == 25 * 19 * 5 and "all (40)" in format_table(summary("mnist1d_cnn"))


def test_from_module_reads_one_d_pooling_and_batchnorm():
    model = nn.Sequential(nn.Conv1d(2, 4, 3, padding="same"), nn.BatchNorm1d(4), nn.MaxPool1d(2), nn.AvgPool1d(2),
                          nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(4, 3))  # fmt: skip
    layers = from_module(model)
    assert [layer.kind for layer in layers] == ["conv", "batchnorm", "maxpool", "avgpool", "adaptive_avg", "dense"]
    assert layers[0].padding == (1,) and layers[2].kernel == (2,) and layers[4].kernel == (1,)
    assert output_shapes(layers, (2, 12)) == [(4, 12), (4, 12), (4, 6), (4, 3), (4, 1), (3,)]
    rebuilt = build(layers, (2, 12))
    assert rebuilt.num_parameters() == model.num_parameters()


def test_mismatched_sizes_and_inputs_are_refused():
    with pytest.raises(ValueError, match="kernel, stride, padding and dilation need as many sizes"):
        Layer("conv", "c", 4, (3,), (1, 1), (0,), (1,))
    with pytest.raises(ValueError, match=r"c \(conv 3\) on a 1×8×8 input: needs a C×L input"):
        output_shapes([Layer.conv1d("c", 4, 3)], (1, 8, 8))
    with pytest.raises(ValueError, match="input shape must be positive sizes C×H×W or C×L, got 40"):
        output_shapes([Layer.dense("fc", 40, 10)], (40,))
