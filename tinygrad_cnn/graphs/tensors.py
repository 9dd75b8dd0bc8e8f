"""Tensor graphs as DOT: one node per primitive op with its output shape and dtype, coloured by family.

Leaves are boxes: parameters (yellow) named from the module tree (``features.0.weight``, from
``module.named_parameters()``), from ``names=`` or from their ``label``, with ``‖grad‖`` once backward has
run; constants and inputs are white. A convolution is drawn as what it is built of, in one box: the
``WindowColumns`` op (locality: every window as one column), the kernel reshaped into one shared weight matrix
(sharing), and the ``Matmul`` that applies that one matrix to every window.

Examples:
    >>> import numpy as np
    >>> from tinygrad_cnn import Tensor
    >>> import tinygrad_cnn.functional as F
    >>> x = Tensor(np.ones((1, 1, 4, 4)), requires_grad=True)    # else its windows are not recorded
    >>> w = Tensor(np.ones((2, 1, 3, 3)), requires_grad=True)
    >>> text = tensor_dot(F.conv2d(x, w).sum(), names={"kernel": w})
    >>> "one column per window" in text, "one shared weight matrix" in text, "every window × shared W" in text
    (True, True, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .dot import Dot, number
from .tracing import Graph, names_from, trace

__all__ = ["tensor_dot", "FAMILIES", "FAMILY_COLOURS", "conv_clusters"]

FAMILIES = {  # the primitives of tinygrad_cnn/engine/ops.py, by family (the README's table)
    "elementwise, binary": ("Add", "Sub", "Mul", "Div", "Pow", "Maximum", "Where"),
    "elementwise, unary": ("Neg", "Exp", "Log", "ReLU", "Tanh", "Sigmoid", "Cast"),
    "reduction": ("Sum", "Max"),
    "movement": ("Reshape", "Permute", "Expand", "Getitem", "Pad", "Cat"),
    "linear algebra": ("Matmul",),
    "locality": ("Windows", "FoldWindows", "WindowColumns", "DepthwiseWindows", "WindowMax"),
}
FAMILY_COLOURS = {
    "elementwise, binary": "#c8e6c9", "elementwise, unary": "#f8bbd0", "reduction": "#fff9c4",
    "movement": "#eeeeee", "linear algebra": "#90caf9", "locality": "#ffcc80", "other": "#ffffff",
}  # fmt: skip
_FAMILY_OF = {op: family for family, ops in FAMILIES.items() for op in ops}
PARAMETER_FILL = "#fff59d"
MOVEMENT = ("Reshape", "Permute")
OP_ROLES = {"DepthwiseWindows": "DepthwiseWindows (locality × sharing): each channel's windows × its own kernel"}
WINDOW_ROLES = {  # the windows as a view, and as the columns of one matrix (im2col): what each is in a conv
    "Windows": "Windows (locality)",
    "WindowColumns": "WindowColumns (locality): one column per window",
}


def _op(t: Any) -> str:
    return t._ctx.name if t._ctx is not None else ""


def _shape(t: Any) -> str:
    return "(" + ", ".join(map(str, t.shape)) + ("," if len(t.shape) == 1 else "") + ")"


def _grad_norm(t: Any) -> str | None:
    if t.grad is None:
        return None
    return f"‖grad‖ {number(np.linalg.norm(np.asarray(t.grad.data, dtype=np.float64)))}"


def conv_clusters(graph: Graph) -> list[dict[str, Any]]:
    """Find each convolution: a ``Windows`` or ``WindowColumns`` op whose windows reach a ``Matmul`` (through
    reshapes), the other
    operand of which is a leaf weight (or a kernel computed from weights alone, not from the windows' input)
    reshaped (and transposed) into one matrix. Returns, per convolution,
    its ``members`` (node indices), and the ``windows``, ``rows`` (one row per window), ``matmul``, ``weight``
    and ``matrix`` nodes (``rows`` and ``matrix`` may be ``None``)."""
    inputs, consumers = graph.inputs_of(), graph.consumers_of()
    found = []
    for w, node in enumerate(graph.nodes):
        if _op(node) not in WINDOW_ROLES:
            continue
        members = [w]
        pads = [s for s, _ in inputs[w] if _op(graph.nodes[s]) == "Pad"]
        members += pads
        chain, frontier, matmul = [], [w], None
        while frontier and matmul is None:  # forward through reshapes to the matmul
            nxt = []
            for i in frontier:
                for c in consumers[i]:
                    if _op(graph.nodes[c]) == "Matmul":
                        matmul = c
                    elif _op(graph.nodes[c]) in MOVEMENT:
                        nxt.append(c)
            chain += nxt
            frontier = nxt if len(chain) < 8 else []
        if matmul is None:
            continue  # pooling or unfold: windows without a shared matrix
        members += chain + [matmul]
        weight, matrix, path = None, None, []
        for source, _ in inputs[matmul]:
            if source in chain or source == w:
                continue
            i = source
            while _op(graph.nodes[i]) in MOVEMENT and len(inputs[i]) == 1:  # back to the kernel
                path.append(i)
                i = inputs[i][0][0]
            if graph.nodes[i]._ctx is None or not _reaches(inputs, i, {s for s, _ in inputs[w]}):
                weight = i  # a parameter, or a kernel computed from parameters alone (LeNet-5's C3 gathers its own)
                matrix = next((p for p in reversed(path) if _op(graph.nodes[p]) == "Reshape"), None)
        if weight is None:
            continue
        members += path
        i = matmul
        while len(consumers[i]) == 1 and _op(graph.nodes[consumers[i][0]]) in MOVEMENT:  # back to (N, C, *out)
            i = consumers[i][0]
            members.append(i)
        rows = next((i for i in chain if matmul in consumers[i] and _op(graph.nodes[i]) == "Reshape"), None)
        found.append({"members": sorted(set(members)), "windows": w, "matmul": matmul, "weight": weight,
                      "matrix": matrix, "rows": rows})  # fmt: skip
    return found


def _reaches(inputs: list[list[tuple[int, int]]], start: int, targets: set[int]) -> bool:
    """Whether node ``start`` is computed from any of ``targets`` (an iterative walk over its inputs)."""
    seen, stack = {start}, [start]
    while stack:
        for source, _ in inputs[stack.pop()]:
            if source in targets:
                return True
            if source not in seen:
                seen.add(source)
                stack.append(source)
    return False


def tensor_dot(
    root: Any,
    *,
    names: Mapping[str, Any] | None = None,
    module: Any = None,
    max_nodes: int | None = None,
    title: str | None = None,
    rankdir: str = "TB",
    graph: Graph | None = None,
) -> str:
    """DOT text for the tensor graph of ``root`` (a Tensor, or lists of them).

    ``module`` names parameters by their place in the module tree; ``names`` (e.g. ``locals()``) names any
    tensor; ``max_nodes`` draws only the nodes nearest the root.
    """
    graph = graph if graph is not None else trace(root, max_nodes)
    given = names_from(dict(module.named_parameters()), skip_private=False) if module is not None else {}
    for key, value in names_from(names).items():
        given.setdefault(key, value)
    clusters = conv_clusters(graph)
    role: dict[int, str] = {}
    for c in clusters:
        role[c["windows"]] = WINDOW_ROLES[_op(graph.nodes[c["windows"]])]
        role[c["matmul"]] = "Matmul: every window × shared W"
        if c["matrix"] is not None:
            role[c["matrix"]] = "Reshape: one shared weight matrix"
        if c["rows"] is not None:
            role[c["rows"]] = "Reshape: one row per window"

    def name_of(i: int) -> str:
        t = graph.nodes[i]
        return given.get(id(t)) or t.label

    def draw_node(target: Dot, i: int) -> None:
        t = graph.nodes[i]
        name, op = name_of(i), _op(t)
        if not op:
            kind = "parameter" if t.requires_grad else "constant"
            lines = [name or kind, f"{_shape(t)} {t.dtype}", _grad_norm(t)]
            target.node(f"t{i}", shape="box", label="\n".join(x for x in lines if x),
                        style="filled" if t.requires_grad else None,
                        fillcolor=PARAMETER_FILL if t.requires_grad else None,
                        fontcolor=None if t.requires_grad else "#555555")  # fmt: skip
            return
        family = _FAMILY_OF.get(op, "other")
        head = role.get(i, OP_ROLES.get(op, op)) + (f"  [{name}]" if name else "")
        lines = [head, f"{_shape(t)} {t.dtype}", _grad_norm(t) if t._retains_grad else None]
        target.node(f"t{i}", shape="box", style="rounded,filled", fillcolor=FAMILY_COLOURS[family],
                    label="\n".join(x for x in lines if x), tooltip=family,
                    penwidth=2 if i in graph.roots else None)  # fmt: skip

    dot = Dot("tensors", rankdir=rankdir, label=title, labelloc="t" if title else None, fontname="Helvetica",
              node_defaults={"fontname": "Helvetica", "fontsize": 10, "height": 0.3},
              edge_defaults={"arrowsize": 0.6})  # fmt: skip
    clustered = set()
    for number_, c in enumerate(clusters):
        weight = name_of(c["weight"]) or "the kernel"
        caption = f"convolution with {weight}:\nwindows (locality) × one shared matrix (sharing)"
        sub = Dot(f"conv{number_}", label=caption, labelloc="b", labeljust="l", style="rounded,dashed",
                  color="#ef6c00", fontname="Helvetica", fontsize=10)  # fmt: skip
        for i in c["members"]:
            if i not in clustered:
                draw_node(sub, i)
                clustered.add(i)
        dot.subgraph(sub)
    for i in range(len(graph.nodes)):
        if i not in clustered:
            draw_node(dot, i)
    for source, target, _ in graph.edges:
        dot.edge(f"t{source}", f"t{target}")
    if not graph.complete:
        dot.node("more", shape="note", label=f"… {graph.hidden} more inputs not drawn\n(max_nodes={len(graph.nodes)})")
    return dot.source()
