"""Big graphs made readable: a model drawn as its layers, one node per module.

A LeNet-5 forward pass is hundreds of primitive ops; its layer graph is a dozen nodes. :func:`record` runs
one forward pass with every module's ``forward`` watched, so it knows which tensor each module call
returned; :func:`layer_graph` then links the calls by walking the tensor graph back from each call's
inputs to the call that produced them (whatever plain functions ran in between), and draws one node per
module at the chosen ``depth`` with its output shape, its parameter count and the formula for it (as
``tinygrad-cnn summary`` shows them). Activations join the layer before them, repeated identical layers
(a chain of equal blocks, or equal siblings side by side) are drawn once with their count, and
``max_nodes`` caps the drawing. Without an input, a ``Sequential`` is drawn as its chain of layers and
other modules as their tree of sub-modules (no shapes: nothing is run).

Examples:
    >>> from tinygrad_cnn import nn
    >>> model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(),
    ...                       nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(64, 2))
    >>> layers = layer_graph(model, input_shape=(1, 6, 6))
    >>> [(u.name, u.count, u.params) for u in layers.units]
    [('0', 1, 40), ('2', 2, 148), ('6', 1, 0), ('7', 1, 130)]
    >>> layers.units[1].formula, layers.units[1].shape
    ('(4·3·3 + 1)·4', (4, 4, 4))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .. import nn
from ..engine.tensor import Tensor
from ..models.architectures import PartialConv2d, ScaledTanh
from ..shapes import conv_parameter_count, dense_parameter_count
from .dot import Dot, number
from .tensors import FAMILY_COLOURS
from .tracing import parents

__all__ = ["Call", "Recording", "Unit", "LayerGraph", "record", "layer_graph", "layer_dot", "parameter_formula"]

ACTIVATIONS = (nn.ReLU, nn.Tanh, nn.Sigmoid, nn.Softmax, nn.LogSoftmax, ScaledTanh)
CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
POOLS = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d,
         nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d)  # fmt: skip


# ---- parameter counts, with their formula ---------------------------------------------------------------
def parameter_formula(module: nn.Module) -> tuple[int, str]:
    """``(count, formula)`` of a module's parameters: ``(C_in/g·k_h·k_w + 1)·C_out`` for a convolution,
    ``(n_in + 1)·n_out`` for a linear layer (the :mod:`tinygrad_cnn.shapes` formulas), else the sum of its
    own parameters' sizes and of its children's formulas (equal children grouped: ``6·(3·5·5 + 1)``).

    Examples:
        >>> parameter_formula(nn.Conv2d(3, 8, 5))
        (608, '(3·5·5 + 1)·8')
        >>> parameter_formula(nn.Linear(84, 10, bias=False))
        (840, '84·10')
    """
    count = module.num_parameters()
    bias = getattr(module, "bias", None) is not None
    plus = " + 1" if bias else ""
    if isinstance(module, CONVS) and not module._modules:
        g, k = module.groups, "·".join(map(str, module.kernel_size))
        per_group = f"{module.in_channels}/{g}" if g != 1 else f"{module.in_channels}"
        formula = f"({per_group}·{k}{plus})" if bias else f"{per_group}·{k}"
        formula += f"·{module.out_channels}" if module.out_channels != 1 else ""
        expected = conv_parameter_count(module.in_channels, module.out_channels, module.kernel_size, g, bias)
        return _checked(module, count, expected, formula)
    if isinstance(module, nn.Linear):
        formula = f"({module.in_features}{plus})·{module.out_features}" if bias else \
            f"{module.in_features}·{module.out_features}"  # fmt: skip
        expected = dense_parameter_count(module.in_features, module.out_features, bias)
        return _checked(module, count, expected, formula)
    terms = ["·".join(map(str, p.shape)) or "1" for p in module._parameters.values() if p is not None]
    groups: dict[str, int] = {}
    for child in module.children():
        child_count, child_formula = parameter_formula(child)
        if child_count:
            groups[child_formula] = groups.get(child_formula, 0) + 1
    for formula, times in groups.items():
        if times == 1:
            terms.append(formula)
        else:
            terms.append(f"{times}·{formula}" if formula.startswith("(") or "·" not in formula else
                         f"{times}·({formula})")  # fmt: skip
    return count, " + ".join(terms) or "0"


STATISTICS = ("running_mean", "running_var", "num_batches_tracked")  # buffers that are measured, not weights


def fixed_weight_count(module: nn.Module) -> int:
    """How many weights of ``module`` and its children are fixed, not trained: buffers other than batch-norm
    statistics (LeNet-5's output layer keeps its ±1 prototypes so).

    Examples:
        >>> from tinygrad_cnn.models import RBF
        >>> fixed_weight_count(RBF(84, 10)), fixed_weight_count(nn.BatchNorm1d(4))
        (840, 0)
    """
    return sum(int(b.numel()) for name, b in module.named_buffers() if name.rpartition(".")[2] not in STATISTICS)


def _checked(module: nn.Module, count: int, expected: int, formula: str) -> tuple[int, str]:
    if count != expected:  # a subclass with extra parameters: show what it really has
        return count, f"{formula} + {count - expected}"
    return count, formula


def describe(module: nn.Module) -> str:
    """A few words for a layer node: ``Conv2d 1→6, 5×5``, ``Linear 84→10``, ``MaxPool2d 2×2``.

    Examples:
        >>> describe(nn.Conv2d(3, 8, 3, stride=2, padding=1)), describe(nn.Linear(4, 2))
        ('Conv2d 3→8, 3×3 /2 p1', 'Linear 4→2')
    """
    kind = type(module).__name__
    if isinstance(module, CONVS):
        text = f"{kind} {module.in_channels}→{module.out_channels}, {'×'.join(map(str, module.kernel_size))}"
        if set(module.stride) != {1}:
            text += f" /{module.stride[0] if len(set(module.stride)) == 1 else module.stride}"
        if isinstance(module.padding, str):
            text += f" {module.padding}"
        elif any(module.padding):
            text += f" p{module.padding[0] if len(set(module.padding)) == 1 else module.padding}"
        return text + (f", g={module.groups}" if module.groups != 1 else "")
    if isinstance(module, nn.Linear):
        return f"{kind} {module.in_features}→{module.out_features}"
    if isinstance(module, POOLS):
        size = getattr(module, "kernel_size", None) or getattr(module, "output_size", None)
        size = (size,) if isinstance(size, int) else tuple(size)
        return f"{kind} {'×'.join(map(str, size))}"
    if isinstance(module, (nn.Flatten, nn.Identity)):
        return kind
    extra = module.extra_repr()
    return f"{kind}({extra})" if extra and len(extra) <= 30 and "\n" not in extra else kind


def _family(module: nn.Module) -> str:
    if isinstance(module, (*CONVS, PartialConv2d)):
        return "locality"
    if isinstance(module, nn.Linear):
        return "linear algebra"
    if isinstance(module, POOLS):
        return "reduction"
    if isinstance(module, ACTIVATIONS):
        return "elementwise, unary"
    if isinstance(module, (nn.Flatten, nn.Dropout, nn.Identity)):
        return "movement"
    return "other"


# ---- recording one forward pass ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Call:
    """One call of a module during :func:`record`: its dotted name, the tensors it got and returned."""

    order: int
    name: str
    module: nn.Module
    inputs: tuple[Tensor, ...]
    outputs: tuple[Tensor, ...]


@dataclass(frozen=True)
class Recording:
    """The calls of one forward pass (in the order they started), the model's input and its output."""

    model: nn.Module
    calls: tuple[Call, ...]
    input: Tensor
    output: Any
    batch_added: bool


def _tensors(value: Any) -> tuple[Tensor, ...]:
    if isinstance(value, Tensor):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(t for item in value for t in _tensors(item))
    return ()


def record(model: nn.Module, x: Tensor | None = None, input_shape: Sequence[int] | None = None,
           seed: int = 0) -> Recording:  # fmt: skip
    """Run ``model`` once on ``x`` (or on a seeded random input of ``input_shape``, given without the batch
    dimension) in evaluation mode, recording every module call. The model is left as it was: same mode,
    same ``forward`` methods, no running statistics updated."""
    batch_added = x is None
    if x is None:
        if input_shape is None:
            raise ValueError("record: give an input tensor x or an input_shape such as (1, 28, 28)")
        shape = tuple(int(n) for n in input_shape)
        if not shape or min(shape) < 1 or int(np.prod(shape)) > 10_000_000:
            raise ValueError(f"record: input_shape must be positive sizes (at most 10⁷ values), got {shape}")
        x = Tensor(np.random.default_rng(seed).standard_normal((1, *shape)).astype(np.float32))
    elif not isinstance(x, Tensor):
        raise TypeError(f"record: x must be a Tensor, got {type(x).__name__}")
    x = Tensor(x.data, requires_grad=True) if not x.requires_grad and x.dtype.kind == "f" else x  # so a graph exists
    calls: list[Call] = []
    counter = [0]
    modes = {id(m): m.training for m in model.modules()}
    patched = []

    def watch(name: str, module: nn.Module, forward: Any) -> Any:
        def watched(*args: Any, **kwargs: Any) -> Any:
            order = counter[0]
            counter[0] += 1
            out = forward(*args, **kwargs)
            calls.append(Call(order, name, module, _tensors((args, tuple(kwargs.values()))), _tensors(out)))
            return out

        return watched

    try:
        model.eval()
        for name, module in model.named_modules():
            patched.append((module, module.__dict__.get("forward")))
            object.__setattr__(module, "forward", watch(name, module, module.forward))
        output = model(x)
    finally:
        for module, previous in patched:
            if previous is None:
                module.__dict__.pop("forward", None)
            else:
                object.__setattr__(module, "forward", previous)
        for module in model.modules():
            object.__setattr__(module, "training", modes.get(id(module), module.training))
    return Recording(model, tuple(sorted(calls, key=lambda c: c.order)), x, output, batch_added)


# ---- the layer graph -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Unit:
    """One node of a layer graph: a module (or ``count`` equal ones), what it outputs and its parameters."""

    name: str
    module: nn.Module
    kind: str
    shape: tuple[int, ...] | None
    params: int
    formula: str
    count: int = 1
    names: tuple[str, ...] = ()
    activation: str = ""
    grad_norm: float | None = None
    arrangement: str = ""  # for count > 1: "in a row" (a chain of equal layers) or "side by side"
    fixed: int = 0  # weights set by hand and never trained (buffers such as LeNet-5's RBF prototypes)

    def signature(self) -> tuple:
        shapes = tuple(p.shape for p in self.module.parameters())
        return (self.kind, self.activation, self.shape, shapes, self.formula)


@dataclass(frozen=True)
class LayerGraph:
    """Units in order, edges between them (``-1`` is the input, ``len(units)`` the output), and what was
    left out."""

    title: str
    units: tuple[Unit, ...]
    edges: tuple[tuple[int, int], ...]
    input_shape: tuple[int, ...] | None = None
    output_shape: tuple[int, ...] | None = None
    hidden: int = 0
    static: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)


def _depth(name: str) -> int:
    return 0 if not name else name.count(".") + 1


def _unit_names(model: nn.Module, depth: int, called: set[str] | None = None) -> list[str]:
    """Modules drawn as one node: those ``depth`` levels down, and leaves above that. With the names of the
    modules a forward pass ``called``, a module none of whose sub-modules ran is a leaf too (its children only
    hold its weights, as LeNet-5's C3 holds one small kernel per map and runs one convolution)."""
    chosen = []
    for name, module in model.named_modules():
        d = _depth(name)
        if called is None:
            has_children = any(True for _ in module.children())
        else:
            prefix = f"{name}." if name else ""
            has_children = any(other != name and other.startswith(prefix) for other in called)
        if d == depth or (d < depth and not has_children):
            chosen.append(name)
    return chosen


def _grad_norm(module: nn.Module) -> float | None:
    grads = [p.grad.data for p in module.parameters() if p.grad is not None]
    if not grads:
        return None
    return float(np.sqrt(sum(float(np.sum(np.asarray(g, dtype=np.float64) ** 2)) for g in grads)))


def _strip(shape: tuple[int, ...], batch_added: bool) -> tuple[int, ...]:
    return shape[1:] if batch_added and shape and shape[0] == 1 else shape


def _from_recording(rec: Recording, depth: int) -> tuple[list[Unit], list[tuple[int, int]]]:
    names = set(_unit_names(rec.model, depth, {c.name for c in rec.calls}))
    calls = [c for c in rec.calls if c.name in names]
    produced: dict[int, int] = {}
    for i, call in enumerate(calls):  # units do not nest, so they finish in the order they start
        for t in call.outputs:
            produced[id(t)] = i  # a call that returns its input unchanged takes over (data flows through it)
    units = []
    for call in calls:
        params, formula = parameter_formula(call.module)
        shape = _strip(call.outputs[0].shape, rec.batch_added) if call.outputs else None
        units.append(Unit(call.name or "(model)", call.module, describe(call.module), shape, params, formula,
                          names=(call.name,), grad_norm=_grad_norm(call.module),
                          fixed=fixed_weight_count(call.module)))  # fmt: skip
    edges: list[tuple[int, int]] = []
    for i, call in enumerate(calls):
        for source in _producers(call.inputs, produced, rec.input, skip=i):
            if (source, i) not in edges:
                edges.append((source, i))
    for source in _producers(_tensors(rec.output), produced, rec.input, skip=None):
        edges.append((source, len(calls)))
    return units, edges


def _producers(tensors: Sequence[Tensor], produced: dict[int, int], model_input: Tensor,
               skip: int | None) -> list[int]:  # fmt: skip
    """The units whose outputs ``tensors`` were computed from (``-1``: the model's input), walking back
    through the plain operations between modules (iteratively, each tensor once)."""
    found: list[int] = []
    seen: set[int] = set()
    stack = list(reversed(tensors))
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        source = produced.get(id(t))
        if source is not None and source != skip:
            found.append(source)
            continue
        if t is model_input:
            found.append(-1)
            continue
        stack.extend(reversed(parents(t)))
    return list(dict.fromkeys(found))


def _static(model: nn.Module, depth: int) -> tuple[list[Unit], list[tuple[int, int]], bool]:
    """Without a forward pass: a Sequential as its chain, any other module as its tree of sub-modules."""
    names = _unit_names(model, depth)
    modules = dict(model.named_modules())
    units = []
    for name in names:
        params, formula = parameter_formula(modules[name])
        units.append(Unit(name or "(model)", modules[name], describe(modules[name]), None, params, formula,
                          names=(name,), grad_norm=_grad_norm(modules[name]),
                          fixed=fixed_weight_count(modules[name])))  # fmt: skip
    chain = all(isinstance(modules[n.rpartition(".")[0]] if "." in n else model, nn.Sequential) for n in names if n)
    if chain:
        edges = [(i - 1, i) for i in range(len(units))] + [(len(units) - 1, len(units))]
        return units, edges, True
    index = {name: i for i, name in enumerate(names)}
    edges = []
    for i, name in enumerate(names):
        parent = name.rpartition(".")[0] if "." in name else ""
        while parent and parent not in index:
            parent = parent.rpartition(".")[0] if "." in parent else ""
        edges.append((index.get(parent, -1) if name else -1, i))
    return units, edges, False


def _fold_activations(units: list[Unit], edges: list[tuple[int, int]]) -> tuple[list[Unit], list[tuple[int, int]]]:
    """An activation whose only input is a layer that feeds only it joins that layer: ``Conv2d + Tanh``."""
    while True:
        for v, unit in enumerate(units):
            if not isinstance(unit.module, ACTIVATIONS):
                continue
            into = [s for s, t in edges if t == v]
            if len(into) != 1 or into[0] < 0:
                continue
            u = into[0]
            if [t for s, t in edges if s == u] != [v] or units[u].activation:
                continue
            units[u] = replace(units[u], shape=unit.shape, activation=type(unit.module).__name__,
                               names=units[u].names + unit.names)  # fmt: skip
            return_edges = [(u if s == v else s, t) for s, t in edges if t != v]
            units, edges = _remove(units, return_edges, v)
            break
        else:
            return units, edges


def _remove(units: list[Unit], edges: list[tuple[int, int]], gone: int) -> tuple[list[Unit], list[tuple[int, int]]]:
    """Drop unit ``gone`` and renumber the edges (the output node moves down by one too)."""

    def renumber(i: int) -> int:
        return i - 1 if i > gone else i

    kept = [u for i, u in enumerate(units) if i != gone]
    new_edges = list(dict.fromkeys((renumber(s), renumber(t)) for s, t in edges if gone not in (s, t)))
    return kept, new_edges


def _merge_repeats(units: list[Unit], edges: list[tuple[int, int]]) -> tuple[list[Unit], list[tuple[int, int]]]:
    """Equal layers drawn once with a count: a chain ``u -> v`` of equal layers, or equal siblings that share
    their inputs and their consumers."""
    while True:
        into = {i: tuple(sorted(s for s, t in edges if t == i)) for i in range(len(units))}
        out = {i: tuple(sorted(t for s, t in edges if s == i)) for i in range(len(units))}
        merged = False
        for u in range(len(units)):
            for v in range(u + 1, len(units)):
                if units[u].signature() != units[v].signature():
                    continue
                chain = out[u] == (v,) and into[v] == (u,)
                siblings = into[u] == into[v] and out[u] == out[v]
                if not (chain or siblings):
                    continue
                a, b = units[u], units[v]
                units[u] = replace(a, count=a.count + b.count, names=a.names + b.names,
                                   grad_norm=_combine(a.grad_norm, b.grad_norm),
                                   arrangement="in a row" if chain else "side by side")  # fmt: skip
                if chain:
                    edges = [(u if s == v else s, t) for s, t in edges if (s, t) != (u, v)]
                units, edges = _remove(units, edges, v)
                merged = True
                break
            if merged:
                break
        if not merged:
            return units, edges


def _combine(a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return a if b is None else b
    return float(np.hypot(a, b))


def layer_graph(
    model: nn.Module,
    x: Tensor | None = None,
    *,
    input_shape: Sequence[int] | None = None,
    recording: Recording | None = None,
    depth: int = 1,
    max_nodes: int | None = 25,
    title: str | None = None,
) -> LayerGraph:
    """The layers of ``model`` as a small graph (see the module's docstring). Give an input ``x``, an
    ``input_shape`` (without the batch dimension) or a ``recording`` to get shapes and data flow; with none,
    the module's structure is drawn."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"layer_graph: expected an nn.Module, got {type(model).__name__}")
    if depth < 0:
        raise ValueError(f"layer_graph: depth must be ≥ 0, got {depth}")
    if max_nodes is not None and max_nodes < 3:
        raise ValueError(f"layer_graph: max_nodes must be at least 3, got {max_nodes}")
    if recording is None and (x is not None or input_shape is not None):
        recording = record(model, x, input_shape)
    title = title or type(model).__name__
    while True:
        if recording is not None:
            units, edges = _from_recording(recording, depth)
            static, in_shape = False, _strip(recording.input.shape, recording.batch_added)
            outputs = _tensors(recording.output)
            out_shape = _strip(outputs[0].shape, recording.batch_added) if outputs else None
        else:
            units, edges, static = _static(model, depth)
            in_shape = out_shape = None
        units, edges = _fold_activations(units, edges)
        units, edges = _merge_repeats(units, edges)
        if max_nodes is None or len(units) + 2 <= max_nodes or depth <= 1:
            break
        depth -= 1
    hidden = 0
    if max_nodes is not None and len(units) + 2 > max_nodes:  # still too many: keep the first ones
        keep = max_nodes - 3
        hidden = len(units) - keep
        edges = [(s, t) for s, t in edges if s < keep and t < keep] + [(keep - 1, keep)]
        units = units[:keep]
    kind = "chain" if static else "tree"
    notes = () if recording is not None else (f"structure only ({kind} of sub-modules): give an input for shapes",)
    return LayerGraph(title, tuple(units), tuple(edges), in_shape, out_shape, hidden, recording is None, notes)


def _shape_text(shape: tuple[int, ...] | None) -> str:
    return "×".join(map(str, shape)) if shape else "?"


def layer_dot(layers: LayerGraph, *, rankdir: str = "TB") -> str:
    """DOT text for a :class:`LayerGraph`: input, one box per unit, output."""
    total = sum(u.params * u.count for u in layers.units)
    fixed = sum(u.fixed * u.count for u in layers.units)
    first, _, rest = layers.title.partition("\n")
    counted = f"{total:,} trainable parameters, {fixed:,} fixed" if fixed else f"{total:,} parameters"
    caption = "\n".join([f"{first}: {counted}", *([rest] if rest else []), *layers.notes])
    dot = Dot("layers", rankdir=rankdir, label=caption, labelloc="t", fontname="Helvetica", fontsize=12,
              nodesep=0.25, ranksep=0.3, node_defaults={"fontname": "Helvetica", "fontsize": 10},
              edge_defaults={"arrowsize": 0.6})  # fmt: skip
    tree = layers.static and not any(t == len(layers.units) for _, t in layers.edges)
    if tree:  # the model at the root of its sub-modules
        dot.node("input", label=layers.title, shape="box", style="filled", fillcolor="#e0e0e0")
    else:
        dot.node("input", label=f"input {_shape_text(layers.input_shape)}" if layers.input_shape else "input",
                 shape="ellipse", style="filled", fillcolor="#e0e0e0")  # fmt: skip
    for i, unit in enumerate(layers.units):
        head = f"{unit.name} · {unit.kind}" + (f" + {unit.activation}" if unit.activation else "")
        if unit.count > 1:
            activation = f" + {unit.activation}" if unit.activation else ""
            head = f"{unit.names[0]} … {unit.names[-1]} · {unit.kind}{activation}   ×{unit.count} {unit.arrangement}"
        lines = [head]
        if unit.shape is not None:
            each = " each" if unit.arrangement == "side by side" else ""
            lines.append(f"→ {_shape_text(unit.shape)}{each}")
        if unit.params:
            each = f"{unit.count} × {unit.params:,} = {unit.count * unit.params:,}" if unit.count > 1 else \
                f"{unit.params:,}"  # fmt: skip
            lines.append(f"{each} parameters = {unit.formula}" if unit.count == 1 else f"{each} parameters, "
                         f"each {unit.formula}")  # fmt: skip
        if unit.fixed:
            lines.append(f"{unit.fixed * unit.count:,} fixed weights (set by hand, not trained)")
        if unit.grad_norm is not None:
            lines.append(f"‖grad‖ {number(unit.grad_norm)}")
        dot.node(f"u{i}", label="\n".join(lines), shape="box", style="rounded,filled",
                 fillcolor=FAMILY_COLOURS[_family(unit.module)], tooltip=", ".join(unit.names) or unit.name,
                 peripheries=2 if unit.count > 1 else None)  # fmt: skip
    if layers.hidden:
        dot.node("more", label=f"… {layers.hidden} more layers (raise max_nodes or lower depth)", shape="note")
    if not tree:
        dot.node("output", label=f"output {_shape_text(layers.output_shape)}" if layers.output_shape else "output",
                 shape="ellipse", style="filled", fillcolor="#e0e0e0")  # fmt: skip
    end = len(layers.units)
    for s, t in layers.edges:
        source = "input" if s < 0 else f"u{s}"
        target = "output" if t == end else f"u{t}"
        if layers.hidden and t == end:
            dot.edge(source, "more")
            dot.edge("more", "output", style="dashed")
            continue
        dot.edge(source, target, style="dashed" if tree else None, arrowhead="none" if tree else None)
    return dot.source()
