"""Scalar (:class:`~tinygrad_cnn.Value`) graphs as DOT: a record per value, a small node per operation.

Each value is a record ``name | data | grad``; the operation that made it is a small node beside it. The
name is the user's: ``names[...]`` (e.g. ``names=locals()``), else the value's ``label``. A value used by
several operations (a shared kernel weight) keeps **one node with one edge per use**, is filled orange and
says how often it is used. With ``partials=True`` every edge carries the part of the gradient that this use
sends back, ``∂L/∂out · ∂out/∂in``, and a shared value shows the sum of its edges, which is its ``grad``:
sharing, made visible.

Examples:
    >>> from tinygrad_cnn import Value
    >>> w = Value(2.0, label="w")
    >>> y = w * 3.0 + w * 5.0          # one weight, two uses
    >>> y.backward()
    >>> text = value_dot(y, partials=True)
    >>> "used 2×" in text, 'label="3"' in text, 'label="5"' in text, "its 2 edges add up to 8" in text
    (True, True, True, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .dot import Dot, Raw, number, record_field
from .tracing import Graph, names_from, trace

__all__ = ["value_dot", "use_partials", "OP_COLOURS"]

OP_COLOURS = {  # op family -> fill colour (the Tensor view uses the same palette)
    "add": "#c8e6c9", "mul": "#bbdefb", "power": "#e1bee7", "activation": "#f8bbd0", "exp/log": "#fff9c4",
}  # fmt: skip
SHARED_FILL = "#ffcc80"  # a value used more than once: the lecture's shared weight


def _family(op: str) -> str:
    if op == "+":
        return "add"
    if op == "*":
        return "mul"
    if op.startswith("**"):
        return "power"
    if op in ("exp", "log"):
        return "exp/log"
    return "activation"


def use_partials(graph: Graph) -> dict[tuple[int, int, int], float]:
    """For every edge ``(source, target, position)``, the gradient this one use sends back to ``source``:
    the target's rule applied to the target's ``grad`` (after ``backward()``). Summed over a node's edges
    it gives the node's ``grad`` (when the whole graph from the backward root is traced)."""
    inputs = graph.inputs_of()
    parts: dict[tuple[int, int, int], float] = {}
    for target, node in enumerate(graph.nodes):
        if not node._prev or not inputs[target]:
            continue
        g = node.grad.data if hasattr(node.grad, "data") else node.grad
        contributions = node._backward(float(g), node.data, *[p.data for p in node._prev])
        for source, position in inputs[target]:
            part = contributions[position]
            parts[(source, target, position)] = float(part.data if hasattr(part, "data") else part)
    return parts


def value_dot(
    root: Any,
    *,
    names: Mapping[str, Any] | None = None,
    partials: bool = False,
    max_nodes: int | None = None,
    title: str | None = None,
    rankdir: str = "LR",
    rank_leaves: bool = False,
    graph: Graph | None = None,
) -> str:
    """DOT text for the scalar graph of ``root`` (a Value or nested lists of Values).

    ``names`` maps names to Values (``locals()`` works; nested lists get ``w[0][1]``); ``partials`` labels
    each edge with the gradient that use contributes; ``max_nodes`` draws only the nodes nearest the root;
    ``rank_leaves`` lines up all leaves (inputs and weights) in the first column.
    """
    graph = graph if graph is not None else trace(root, max_nodes)
    given = names_from(names)
    parts = use_partials(graph) if partials else {}
    uses = graph.out_degree
    dot = Dot("values", rankdir=rankdir, label=title, labelloc="t" if title else None, fontname="Helvetica",
              node_defaults={"fontname": "Helvetica", "fontsize": 11},
              edge_defaults={"fontname": "Helvetica", "fontsize": 9, "arrowsize": 0.6})  # fmt: skip
    sums: dict[int, float] = {}
    for (source, _, _), part in parts.items():
        sums[source] = sums.get(source, 0.0) + part
    for i, node in enumerate(graph.nodes):
        name = given.get(id(node)) or node.label
        fields = ([record_field(name)] if name else []) + [f"data {number(node.data)}", f"grad {number(node.grad)}"]
        shared = uses[i] > 1
        if shared:
            fields.append(record_field(f"used {uses[i]}×"))
            if partials:
                fields.append(record_field(f"its {uses[i]} edges add up to {number(sums.get(i, 0.0))}"))
        dot.node(f"v{i}", shape="record", label=Raw("{ " + " | ".join(fields) + " }"),
                 style="filled" if shared else None, fillcolor=SHARED_FILL if shared else None,
                 penwidth=2 if i in graph.roots else None)  # fmt: skip
        if node._op:
            dot.node(f"v{i}op", label=node._op, shape="circle" if len(node._op) <= 2 else "ellipse",
                     style="filled", fillcolor=OP_COLOURS[_family(node._op)], fontsize=10, width=0.3, height=0.3,
                     margin=0.02)  # fmt: skip
            dot.edge(f"v{i}op", f"v{i}")
    for source, target, position in graph.edges:
        part = parts.get((source, target, position))
        label = None if part is None else number(part)
        tooltip = None if part is None else f"this use of node {source} sends back {part!r}"
        dot.edge(f"v{source}", f"v{target}op", label=label, tooltip=tooltip)
    if rank_leaves:
        dot.same_rank([f"v{i}" for i, node in enumerate(graph.nodes) if not node._prev])
    if not graph.complete:
        dot.node("more", shape="note", label=f"… {graph.hidden} more inputs not drawn\n(max_nodes={len(graph.nodes)})")
    return dot.source()
