"""Tensor graphs (op nodes, names from the module tree, gradient norms, convolution as windows × one
shared matrix) and layer graphs (one node per module, counts and formulas, repeats drawn once)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from dot_text import parse

from derivations.summary import summarize
from tinygrad_cnn import Tensor, cat, nn
from tinygrad_cnn.graphs import layer_dot, layer_graph, parameter_formula, record, to_dot
from tinygrad_cnn.graphs.dot import number
from tinygrad_cnn.graphs.tensors import FAMILIES, FAMILY_COLOURS
from tinygrad_cnn.models import ARCHITECTURES, build


def _small_cnn() -> nn.Sequential:
    features = nn.Sequential(nn.Conv2d(1, 3, 3, generator=np.random.default_rng(0)), nn.ReLU())
    return nn.Sequential(features, nn.Flatten(), nn.Linear(3 * 4 * 4, 2, generator=np.random.default_rng(1)))


def test_a_tensor_graph_names_parameters_from_the_module_tree_and_shows_grad_norms():
    model = _small_cnn()
    x = Tensor(np.random.default_rng(2).standard_normal((1, 1, 6, 6)), dtype=np.float32, requires_grad=True)
    loss = (model(x) ** 2).sum()
    loss.backward()
    parsed = parse(to_dot(loss, module=model, names={"x": x}))
    labels = {a["label"].split("\n")[0]: a for a in parsed.nodes.values()}
    weight = labels["0.0.weight"]
    norm = number(np.linalg.norm(model[0][0].weight.grad.numpy()))
    assert weight["label"] == f"0.0.weight\n(3, 1, 3, 3) float32\n‖grad‖ {norm}"
    assert "2.bias" in labels and "x" in labels
    matmuls = [a for a in parsed.nodes.values() if a["label"].startswith("Matmul")]
    assert matmuls and all(a["fillcolor"] == FAMILY_COLOURS["linear algebra"] for a in matmuls)


def test_a_convolution_is_drawn_as_windows_times_one_shared_matrix():
    model = _small_cnn()
    x = Tensor(np.ones((1, 1, 6, 6), dtype=np.float32), requires_grad=True)
    parsed = parse(to_dot(model(x), module=model))
    inside = {a["label"].split("\n")[0] for n, a in parsed.nodes.items() if parsed.cluster_of[n] == "cluster_conv0"}
    assert {"WindowColumns (locality): one column per window", "Reshape: one shared weight matrix",
            "Matmul: every window × shared W"} <= inside  # fmt: skip
    weight = next(n for n, a in parsed.nodes.items() if a["label"].startswith("0.0.weight"))
    assert parsed.cluster_of[weight] == ""  # the parameter itself stays outside, feeding the matrix
    assert len(parsed.out_edges(weight)) == 1


def test_a_depthwise_convolution_is_one_node_that_says_what_it_computes():
    conv = nn.Conv2d(2, 2, 3, groups=2, generator=np.random.default_rng(0))
    x = Tensor(np.ones((1, 2, 5, 5), dtype=np.float32), requires_grad=True)
    parsed = parse(to_dot(conv(x), module=conv))
    node = next(a for a in parsed.nodes.values() if a["label"].startswith("DepthwiseWindows"))
    head = node["label"].split("\n")[0]
    assert head == "DepthwiseWindows (locality × sharing): each channel's windows × its own kernel"
    assert node["fillcolor"] == FAMILY_COLOURS["locality"]
    weight = next(n for n, a in parsed.nodes.items() if a["label"].startswith("weight"))
    assert len(parsed.out_edges(weight)) == 1  # the kernel goes straight into the op


def test_lenet5_is_a_readable_layer_graph_with_the_summary_counts():
    model = build(ARCHITECTURES["lenet5"], generator=np.random.default_rng(0))
    layers = layer_graph(model, input_shape=(1, 32, 32))
    parsed = parse(layer_dot(layers))
    assert len(parsed.nodes) <= 25
    rows = {row.name: row for row in summarize("lenet5")}
    for unit in layers.units:
        if unit.name in rows:
            row = rows[unit.name]
            assert (unit.fixed if row.fixed else unit.params) == row.params  # the RBF's 840 are fixed, not trained
            assert unit.shape == row.output
            if not row.fixed:
                assert sp.sympify(unit.formula.replace("·", "*")) == unit.params  # our own formula text
    assert sum(u.params * u.count for u in layers.units) == model.num_parameters() == 60_000  # the paper's
    assert sum(u.fixed for u in layers.units) == 840
    assert "60,000 trainable parameters, 840 fixed" in layer_dot(layers)
    assert [u.activation for u in layers.units if u.name == "C1"] == ["ScaledTanh"]  # joined to its layer


def test_repeated_blocks_are_drawn_once_with_a_count():
    chain = nn.Sequential(*[nn.Sequential(nn.Conv2d(4, 4, 3, padding=1), nn.ReLU()) for _ in range(4)])
    units = layer_graph(chain, input_shape=(4, 5, 5)).units
    assert [(u.count, u.arrangement, u.params) for u in units] == [(4, "in a row", 148)]

    class Branches(nn.Module):  # three equal 3×3 paths and a 1×1 one, side by side on the same input
        def __init__(self):
            super().__init__()
            self.paths = nn.ModuleList([nn.Conv2d(2, 1, 3, padding=1) for _ in range(3)] + [nn.Conv2d(2, 1, 1)])

        def forward(self, x):
            return cat([path(x) for path in self.paths], dim=1)

    units = layer_graph(Branches(), input_shape=(2, 5, 5), depth=2).units
    side_by_side = [u for u in units if u.name.startswith("paths")]
    assert sorted((u.count, u.params) for u in side_by_side) == [(1, 3), (3, 19)]
    assert all(u.arrangement == "side by side" for u in side_by_side if u.count > 1)


def test_a_module_whose_children_only_hold_weights_is_one_node():
    """LeNet-5's C3 keeps one small kernel per map (its children) but runs one convolution: at any depth it is
    one node, its formula counting the maps' kernels of 3, 4 and 6 input maps."""
    lenet = build(ARCHITECTURES["lenet5"], generator=np.random.default_rng(0))
    for depth in (1, 3):
        units = layer_graph(lenet, input_shape=(1, 32, 32), depth=depth).units
        c3 = [u for u in units if u.name.startswith("C3")]
        assert [(u.name, u.count, u.params, u.shape) for u in c3] == [("C3", 1, 1516, (16, 10, 10))]
        assert c3[0].formula == "6·(3·5·5 + 1) + 9·(4·5·5 + 1) + (6·5·5 + 1)" and c3[0].activation == "ScaledTanh"
    x = Tensor(np.ones((1, 6, 5, 5), dtype=np.float32), requires_grad=True)
    parsed = parse(to_dot(lenet.C3(x), module=lenet.C3))  # its tensor graph: the gathered kernel feeds one conv
    inside = {a["label"].split("\n")[0] for n, a in parsed.nodes.items() if parsed.cluster_of[n] == "cluster_conv0"}
    assert {"WindowColumns (locality): one column per window", "Reshape: one shared weight matrix",
            "Matmul: every window × shared W"} <= inside
    gather = next(n for n, a in parsed.nodes.items() if a["label"].startswith("Getitem"))
    assert parsed.cluster_of[gather] == "" and "convolution with the kernel" in to_dot(lenet.C3(x))


def test_max_nodes_and_depth_keep_big_models_small():
    model = nn.Sequential(*[nn.Linear(i + 2, i + 3) for i in range(30)])  # 30 different layers
    layers = layer_graph(model, input_shape=(2,), max_nodes=10)
    assert len(layers.units) == 7 and layers.hidden == 23
    assert "… 23 more layers" in layer_dot(layers)
    nested = nn.Sequential(nn.Sequential(nn.Linear(2, 3), nn.Tanh()), nn.Sequential(nn.Linear(3, 1)))
    assert [u.name for u in layer_graph(nested, input_shape=(2,), depth=1).units] == ["0", "1"]
    assert [u.name for u in layer_graph(nested, input_shape=(2,), depth=2).units] == ["0.0", "1.0"]


def test_recording_leaves_the_model_as_it_was():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Dropout(0.5))
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    recording = record(model, input_shape=(1, 5, 5))
    assert [c.name for c in recording.calls] == ["", "0", "1", "2"]
    assert model.training and all(m.training for m in model.modules())
    assert all("forward" not in m.__dict__ for m in model.modules())
    assert all(np.array_equal(before[k], v.numpy()) for k, v in model.state_dict().items())


def test_without_an_input_a_module_is_drawn_as_its_structure():
    assert "structure only (chain" in to_dot(_small_cnn())

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body, self.head = nn.Conv2d(1, 2, 3), nn.Linear(2, 1)

        def forward(self, x):
            return self.head(self.body(x).mean((2, 3)))

    tree = to_dot(Net())
    assert "structure only (tree" in tree
    drawn = layer_graph(Net(), input_shape=(1, 4, 4))  # a forward pass links them through the mean
    assert drawn.edges == ((-1, 0), (0, 1), (1, 2))


def test_parameter_formulas_use_the_shapes_formulas():
    assert parameter_formula(nn.Conv2d(6, 16, 5, groups=2)) == (1216, "(6/2·5·5 + 1)·16")
    assert parameter_formula(nn.Linear(1024, 100)) == (102_500, "(1024 + 1)·100")
    assert parameter_formula(nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))) == (12, "2·(2 + 1)·2")


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="max_nodes must be at least 3"):
        layer_graph(_small_cnn(), max_nodes=1)
    with pytest.raises(ValueError, match="input_shape must be positive"):
        record(_small_cnn(), input_shape=(0, 4))
    with pytest.raises(TypeError, match="expected an nn.Module"):
        layer_graph("model")


def test_every_primitive_has_a_colour_family():
    """A new primitive in engine/ops.py must be given a family here (and in the README's table), or its nodes
    would be drawn uncoloured as 'other'."""
    import inspect

    from tinygrad_cnn.engine import ops

    primitives = {name for name, kind in vars(ops).items()
                  if inspect.isclass(kind) and issubclass(kind, ops.Function) and kind is not ops.Function}  # fmt: skip
    assert primitives == {op for members in FAMILIES.values() for op in members}
