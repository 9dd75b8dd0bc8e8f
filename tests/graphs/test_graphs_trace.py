"""trace and to_dot: one edge per use, a stable order, deterministic text, deep graphs without recursion."""

from __future__ import annotations

import numpy as np
import pytest
from dot_text import parse, record_fields
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_cnn import Tensor, Value
from tinygrad_cnn.graphs import to_dot, trace


def test_one_edge_per_use_and_a_stable_order():
    x = Value(3.0, label="x")
    y = x * x + x
    graph = trace(y)
    assert [n.label or n._op for n in graph.nodes] == ["+", "*", "x"]
    assert graph.edges == ((1, 0, 0), (2, 0, 1), (2, 1, 0), (2, 1, 1))
    assert graph.uses(2) == 3  # x: twice in x * x, once in + x


def test_a_chain_of_a_hundred_thousand_nodes_traces_and_writes_dot_without_recursion():
    x = Value(1.0, label="x")
    y = x
    for _ in range(50_000):  # each step adds a constant and a sum: 100,001 nodes
        y = y + 1.0
    graph = trace(y)
    assert len(graph.nodes) == 100_001 and len(graph.edges) == 100_000
    text = to_dot(y)
    assert text.count('shape="record"') == 100_001
    assert "x | data 1" in text


def test_a_deep_tensor_chain_traces_too():
    w = Tensor(np.ones(2), requires_grad=True)
    y = w
    for _ in range(3_000):
        y = y * 1.0
    assert len(trace(y).nodes) == 3_001 + 3_000  # the tensors and the constants
    assert to_dot(y).count("Mul") == 3_000


def _expression(values: list[float], ops: list[int]) -> Value:
    """A fixed recipe: a graph with reuse (x * x), diamonds and constants."""
    leaves = [Value(v, label=f"a{i}") for i, v in enumerate(values)]
    out = leaves[0]
    for i, op in enumerate(ops):
        other = leaves[i % len(leaves)]
        out = (out * other, out + other, (out * out).tanh(), out - other * 2.0)[op]
    return out


@given(st.lists(st.floats(-2, 2), min_size=1, max_size=4), st.lists(st.integers(0, 3), min_size=1, max_size=12))
def test_the_same_graph_gives_byte_for_byte_the_same_dot(values, ops):
    first, second = _expression(values, ops), _expression(values, ops)
    first.backward()
    second.backward()
    assert to_dot(first, partials=True) == to_dot(second, partials=True) == to_dot(first, partials=True)


def test_names_come_from_a_mapping_such_as_locals_else_from_labels():
    weight, bias = Value(2.0), Value(1.0, label="b")
    inputs = [Value(1.0), Value(3.0)]
    out = weight * inputs[0] + weight * inputs[1] + bias
    names = {"weight": weight, "inputs": inputs, "_": out, "number": 3}  # '_' and non-Values are skipped
    parsed = parse(to_dot(out, names=names))
    firsts = {record_fields(a["label"])[0] for a in parsed.nodes.values() if a.get("shape") == "record"}
    assert {"weight", "inputs[0]", "inputs[1]", "b"} <= firsts


def test_max_nodes_draws_the_nodes_nearest_the_root_and_says_what_is_left_out():
    y = Value(0.0)
    for _ in range(100):
        y = y + 1.0
    graph = trace(y, max_nodes=10)
    assert len(graph.nodes) == 10 and not graph.complete and graph.hidden > 0
    assert "more inputs not drawn" in to_dot(y, max_nodes=10)


def test_labels_cannot_break_the_dot_text():
    x = Value(1.0, label='a "quoted" {record} | <port>\nnewline \\ backslash')
    parsed = parse(to_dot(x * 2.0))
    label = next(a["label"] for a in parsed.nodes.values() if "quoted" in a.get("label", ""))
    assert '"quoted"' in label and "{record}" in label


def test_bad_roots_and_options_are_refused_clearly():
    with pytest.raises(TypeError, match="mixes Values and Tensors"):
        to_dot([Value(1.0), Tensor([1.0])])
    with pytest.raises(TypeError, match="module do not apply to a value graph"):
        to_dot(Value(1.0), module=None)
    with pytest.raises(TypeError, match="expected a Value, a Tensor"):
        trace("x")
    with pytest.raises(ValueError, match="empty"):
        trace([])
