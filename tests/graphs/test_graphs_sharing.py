"""Sharing made visible, read from the DOT text: a kernel weight of a 1-D convolution is one node with one
edge per window, and the gradients on its edges add up to its grad."""

from __future__ import annotations

import math

from dot_text import parse, record_fields
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_cnn import Value
from tinygrad_cnn.conv.value_conv import conv1d, to_values
from tinygrad_cnn.graphs import to_dot


@st.composite
def conv_cases(draw):
    n = draw(st.integers(1, 12))
    k = draw(st.integers(1, n))
    s = draw(st.integers(1, 4))
    x = draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n))
    w = draw(st.lists(st.integers(-2, 2), min_size=k, max_size=k))
    return n, k, s, x, w


def _records(parsed):
    """{first field: (node id, fields)} of the value records."""
    out = {}
    for node, attrs in parsed.nodes.items():
        if attrs.get("shape") == "record":
            fields = record_fields(attrs["label"])
            out[fields[0]] = (node, fields)
    return out


@given(conv_cases())
def test_each_shared_weight_has_one_use_edge_per_window_and_their_gradients_sum_to_its_grad(case):
    n, k, s, x, w = case
    inputs = to_values([x], "x")
    kernel = to_values([[w]], "w")  # labels w[0,0,j]
    bias = [Value(0.5, label="b")]
    y = conv1d(inputs, kernel, bias, stride=s)[0]
    loss = sum((float(j + 1) * yj for j, yj in enumerate(y)), Value(0.0))  # distinct upstream gradients
    loss.backward()
    windows = (n - k) // s + 1
    assert len(y) == windows

    parsed = parse(to_dot(loss, partials=True))
    records = _records(parsed)
    for weight in kernel[0][0] + bias:
        node, fields = records[weight.label]
        uses = parsed.out_edges(node)
        assert len(uses) == windows  # never merged: one edge per window
        if windows > 1:
            assert f"used {windows}×" in fields
        labels = [float(attrs["label"]) for _, _, attrs in uses]  # integers here: exact in 4 digits
        assert sum(labels) == weight.grad
        shares = [float(attrs["tooltip"].rsplit(" ", 1)[1]) for _, _, attrs in uses]  # full precision
        assert math.fsum(shares) == weight.grad
        if windows > 1:
            assert fields[-1] == f"its {windows} edges add up to {weight.grad:g}"


def test_the_cli_example_shows_each_tap_used_at_every_window():
    from tinygrad_cnn.graphs.examples import EXAMPLES

    records = _records(parse(EXAMPLES["conv1d"].build(grads=True)))
    for name in ("w[0]", "w[1]", "w[2]", "b"):
        assert "used 3×" in records[name][1]
