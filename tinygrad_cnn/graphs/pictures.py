"""The lecture's three pictures: a dense layer, a locally connected layer and a convolution over the same
1-D input, each built from scalar :class:`~tinygrad_cnn.Value` sums and drawn from its own graph.

Each output ``y[j]`` is computed for real (``b + Σ w·x``); :func:`connections` then reads, from the traced
graph of every output, which parameter multiplies which input: one edge per use. Counting gives the
lecture's parameter counts, the ones the derivations prove:

* dense: every output uses every input with its own weight: ``(n + 1)·n_out`` edges and as many parameters
  (``dense_parameters``);
* locally connected: each output sees only its window of ``k`` inputs: ``(k + 1)·n_out`` edges and as many
  parameters (``locality``);
* convolution: the same ``(k + 1)·n_out`` edges, but every window uses the same ``k`` weights and bias,
  so only ``k + 1`` distinct parameters (``parameter_sharing``); in the picture, one colour per weight.

Examples:
    >>> pictures = lecture_pictures(6, 3)                      # 4 outputs
    >>> [(p.kind, p.edges, p.parameters) for p in pictures]
    [('dense', 28, 28), ('local', 16, 16), ('conv', 16, 4)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..conv.value_conv import conv1d
from ..engine.value import Value
from ..shapes import conv_output_size, conv_parameter_count, dense_parameter_count
from .dot import Dot
from .tracing import trace

__all__ = ["Picture", "lecture_pictures", "layer_values", "connections", "pictures_dot", "KINDS"]

KINDS = ("dense", "local", "conv")
TITLES = {"dense": "dense", "local": "locally connected", "conv": "convolution (shared weights)"}
PALETTE = ("#1f77b4", "#ff7f0e", "#d4a600", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")


@dataclass(frozen=True)
class Picture:
    """One of the three layers: its values, the connections read from its graph, and the counts."""

    kind: str
    inputs: tuple[Value, ...]
    outputs: tuple[Value, ...]
    links: tuple[tuple[int | None, int, Value], ...]  # (input index, or None for a bias; output; parameter)
    formula: str
    expected: int  # the parameter count by the shapes formula the derivations prove

    @property
    def edges(self) -> int:
        return len(self.links)

    @property
    def parameters(self) -> int:
        return len({id(p) for _, _, p in self.links})


def layer_values(kind: str, n: int, k: int, stride: int = 1, seed: int = 0, *, inputs: Sequence[float] | None = None,
                 kernel: Sequence[float] | None = None, bias: float | None = None) -> tuple[list[Value], list[Value]]:
    """Inputs ``x[0..n-1]`` and the outputs of a ``kind`` layer (``dense``, ``local`` or ``conv``) with as
    many outputs as a ``k``-tap convolution of stride ``stride`` has: ``⌊(n − k)/s⌋ + 1``. Numbers are small
    seeded integers, or ``inputs`` and (for ``conv``) ``kernel`` and ``bias`` when given."""
    if kind not in KINDS:
        raise ValueError(f"layer_values: kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if not (1 <= k <= n) or stride < 1:
        raise ValueError(f"layer_values: need 1 ≤ k ≤ n and stride ≥ 1, got n={n}, k={k}, stride={stride}")
    if n > 64:
        raise ValueError(f"layer_values: n={n} inputs would not make a readable picture (at most 64)")
    rng = np.random.default_rng(seed)
    n_out = conv_output_size(n, k, stride)
    numbers = rng.integers(-3, 4, n) if inputs is None else inputs
    if len(numbers) != n:
        raise ValueError(f"layer_values: {len(numbers)} inputs given for n={n}")
    x = [Value(float(v), label=f"x[{i}]") for i, v in enumerate(numbers)]

    def param(label: str) -> Value:
        return Value(float(rng.integers(-2, 3)), label=label)

    if kind == "conv":
        w, b = [param(f"w[{t}]") for t in range(k)], param("b")
        if kernel is not None:
            if len(kernel) != k:
                raise ValueError(f"layer_values: a kernel of {len(kernel)} taps given for k={k}")
            w = [Value(float(v), label=f"w[{t}]") for t, v in enumerate(kernel)]
        b = b if bias is None else Value(float(bias), label="b")
        return x, conv1d([x], [[w]], [b], stride=stride)[0]  # one shared kernel for every window
    outputs = []
    for j in range(n_out):
        window = range(n) if kind == "dense" else range(j * stride, j * stride + k)
        terms = [param(f"w[{j},{i}]") * x[i] for i in window]  # weights of output j only: nothing shared
        outputs.append(sum(terms, param(f"b[{j}]")))
    return x, outputs


def connections(inputs: list[Value], outputs: list[Value]) -> list[tuple[int | None, int, Value]]:
    """``(input, output, parameter)`` for every use of a parameter, read from each output's graph: a
    parameter multiplied by input ``x[i]`` links ``x[i]`` to the output; one added on its own is a bias
    (input ``None``). A parameter is any leaf that is not an input."""
    where = {id(x): i for i, x in enumerate(inputs)}
    links: list[tuple[int | None, int, Value]] = []
    for j, y in enumerate(outputs):
        graph = trace(y)
        for source, target, position in graph.edges:
            p, node = graph.nodes[source], graph.nodes[target]
            if p._prev or id(p) in where:
                continue
            if node._op == "*":
                other = node._prev[1 - position]
                links.append((where.get(id(other)), j, p))
            else:
                links.append((None, j, p))
    return links


def lecture_pictures(n: int = 6, k: int = 3, stride: int = 1, seed: int = 0) -> list[Picture]:
    """The three layers over the same ``n`` inputs (``k`` taps, ``stride``), with their counts."""
    n_out = conv_output_size(n, k, stride)
    formulas = {
        "dense": (f"({n} + 1)·{n_out}", dense_parameter_count(n, n_out)),
        "local": (f"({k} + 1)·{n_out}", dense_parameter_count(k, n_out)),  # a dense unit on each window
        "conv": (f"{k} + 1", conv_parameter_count(1, 1, k)),
    }
    pictures = []
    for kind in KINDS:
        x, y = layer_values(kind, n, k, stride, seed)
        formula, expected = formulas[kind]
        pictures.append(Picture(kind, tuple(x), tuple(y), tuple(connections(x, y)), formula, expected))
    return pictures


def pictures_dot(pictures: list[Picture]) -> str:
    """The pictures side by side: inputs in a row on top, outputs below, a ``1`` node feeding the biases.

    Each edge is one use of a parameter (its name in the edge's ``comment``). In the dense and locally
    connected layers every edge has its own weight (grey); in the convolution, edges of one colour share
    one weight."""
    dot = Dot("pictures", rankdir="TB", fontname="Helvetica", nodesep=0.18, ranksep=0.9,
              label="one edge per use of a parameter; the convolution's edges share k + 1 weights (one colour each)",
              labelloc="b", fontsize=11,
              node_defaults={"fontname": "Helvetica", "fontsize": 10, "shape": "circle", "width": 0.42,
                             "fixedsize": "true"},
              edge_defaults={"fontname": "Helvetica", "fontsize": 8, "arrowsize": 0.5})  # fmt: skip
    for pic in pictures:
        sub = Dot(pic.kind, fontname="Helvetica", fontsize=11, style="rounded", color="#9e9e9e",
                  label=f"{TITLES[pic.kind]}\n{pic.edges} edges, {pic.parameters} distinct parameters\n"
                        f"= {pic.formula} = {pic.expected}")  # fmt: skip
        colours: dict[int, str] = {}
        for i, x in enumerate(pic.inputs):
            sub.node(f"{pic.kind}_x{i}", label=x.label, style="filled", fillcolor="#e3f2fd")
        sub.node(f"{pic.kind}_one", label="1", style="filled", fillcolor="#eeeeee")
        for j, _ in enumerate(pic.outputs):
            sub.node(f"{pic.kind}_y{j}", label=f"y[{j}]", style="filled", fillcolor="#d1c4e9")
        sub.same_rank([f"{pic.kind}_x{i}" for i in range(len(pic.inputs))] + [f"{pic.kind}_one"], ordered=True)
        sub.same_rank([f"{pic.kind}_y{j}" for j in range(len(pic.outputs))], ordered=True)
        for i, j, p in pic.links:
            source = f"{pic.kind}_one" if i is None else f"{pic.kind}_x{i}"
            if pic.kind == "conv":
                colour = colours.setdefault(id(p), PALETTE[len(colours) % len(PALETTE)])
                sub.edge(source, f"{pic.kind}_y{j}", comment=p.label, color=colour, fontcolor=colour, label=p.label,
                         penwidth=1.6)  # fmt: skip
            else:
                sub.edge(source, f"{pic.kind}_y{j}", comment=p.label, color="#757575", tooltip=p.label)
        dot.subgraph(sub)
    return dot.source()
