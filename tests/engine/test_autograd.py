"""The shared graph walk: ``backward_order`` puts every node after all the nodes that consume it, once, for any
DAG (Hypothesis draws them), iteratively; and the scalar engine's float backward leaves nothing behind when a rule
fails half-way."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_cnn import Value
from tinygrad_cnn.engine.autograd import backward_order


class Node:
    def __init__(self, *inputs: Node):
        self.inputs = inputs


@st.composite
def dags(draw: st.DrawFn) -> list[Node]:
    """Nodes 0..n-1, each with 0-3 inputs (repeats allowed) among the nodes before it; the last is the root."""
    nodes: list[Node] = []
    for i in range(draw(st.integers(1, 30))):
        picks = draw(st.lists(st.integers(0, i - 1), max_size=3)) if i else []
        nodes.append(Node(*(nodes[j] for j in picks)))
    return nodes


@given(dags())
def test_backward_order_puts_every_node_after_its_consumers_once(nodes):
    root = nodes[-1]
    order = backward_order(root, lambda n: n.inputs)
    position = {id(n): i for i, n in enumerate(order)}
    assert len(position) == len(order) and order[0] is root  # each node once, the root first
    reachable, stack = {id(root)}, [root]
    while stack:
        for parent in stack.pop().inputs:
            if id(parent) not in reachable:
                reachable.add(id(parent))
                stack.append(parent)
    assert set(position) == reachable
    for node in order:
        assert all(position[id(parent)] > position[id(node)] for parent in node.inputs)


def test_an_input_met_again_deeper_in_the_walk_still_comes_after_its_consumer():
    """root uses c and x, and x uses c: c must come after x, though the walk first meets c through root."""
    c = Node()
    x = Node(c)
    root = Node(c, x)
    assert backward_order(root, lambda n: n.inputs) == [root, x, c]


def test_backward_order_walks_a_long_chain_without_recursion():
    node = Node()
    for _ in range(200_000):
        node = Node(node, node)
    assert len(backward_order(node, lambda n: n.inputs)) == 200_001


def test_a_rule_that_fails_mid_backward_leaves_no_half_summed_gradient():
    x = Value(2.0)
    y = x * x
    z = y + x
    rule = y._backward

    def broken(*args):
        raise ArithmeticError("a rule failed")

    y._backward = broken
    with pytest.raises(ArithmeticError):
        z.backward()
    y._backward = rule
    x.grad = y.grad = z.grad = 0
    z.backward()
    assert x.grad == 5.0  # dz/dx = 2x + 1, nothing left over from the failed pass
