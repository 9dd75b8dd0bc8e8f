"""Architecture tables by formula: per layer the output shape, parameters (value and formula), connections,
multiply-accumulates and receptive field, with nothing allocated.

The counts are the derived ones: parameters (C_in/g·k_h·k_w + 1)·C_out (:mod:`.sharing`), connections
(every output value is linked to its window and its bias: parameters × H'·W' for a shared-weight layer,
LeCun et al.'s count), multiply-accumulates C_out·H'·W'·(C_in/g)·k_h·k_w (:mod:`.macs`), receptive field
r_l = r_{l−1} + (k_l − 1)·d_l·j_{l−1} (:mod:`.receptive_field`). Output sizes come from
:func:`tinygrad_cnn.models.output_shapes` (the :mod:`tinygrad_cnn.shapes` formulas).

A model is a name (``lenet5``, ``alexnet``, ``alexnet2012``, ``vgg16``), an
:class:`~tinygrad_cnn.models.Architecture`, a list of :class:`~tinygrad_cnn.models.Layer`,
or an ``nn.Sequential`` of engine layers; a checkpoint is summarised from its metadata's ``architecture``
(a name or a list of layer dicts) or, failing that, from its state dict's shapes.

Examples:
    >>> rows = summarize("lenet5")
    >>> [(r.name, r.output, r.params, r.connections) for r in rows[:2]]
    [('C1', (6, 28, 28), 156, 122304), ('S2', (6, 14, 14), 12, 5880)]
    >>> rows[2].formula
    '6·(3·5·5 + 1) + 9·(4·5·5 + 1) + 1·(6·5·5 + 1)'
    >>> result = summary("lenet5")
    >>> result.trainable, result.fixed, result.total("connections")   # the paper's numbers, exactly
    (60000, 840, 340908)
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from tinygrad_cnn import nn, shapes
from tinygrad_cnn.models.architectures import (
    ARCHITECTURES,
    Architecture,
    Layer,
    architecture_from_metadata,
    from_module,
    layer_from_dict,
    output_shapes,
)
from tinygrad_cnn.serialization import LOAD_LIMIT, load, load_metadata, model_state
from tinygrad_cnn.subcommands import printable

__all__ = ["Row", "Summary", "summary", "summarize", "summarize_checkpoint", "format_table", "layer_from_dict"]

BUFFERS = ("running_mean", "running_var", "num_batches_tracked")


@dataclass(frozen=True)
class Row:
    """One layer of a summary; ``None`` where the value cannot be known (a checkpoint without architecture)."""

    name: str
    layer: str
    output: tuple[int, ...] | None
    params: int
    formula: str
    connections: int | None
    macs: int | None
    receptive_field: tuple[int, int] | None  # (height, width) in input pixels; None: the whole input
    fixed: bool = False  # the parameters are set by hand and never trained (LeNet-5's RBF units)

    def cells(self, input_size: tuple[int, int] | None) -> list[str]:
        """The row as table cells."""

        def number(value: int | None) -> str:
            return "?" if value is None else f"{value:,}"

        shape = "?" if self.output is None else "×".join(map(str, self.output))
        if self.output is None:
            field_text = "?"
        elif self.receptive_field is None:
            field_text = "all" + (f" ({'×'.join(map(str, input_size))})" if input_size else "")
        else:
            field_text = "×".join(map(str, self.receptive_field))
        params = number(self.params) + (" fixed" if self.fixed else "")
        return [printable(self.name), printable(self.layer), shape, params, self.formula, number(self.connections),
                number(self.macs), field_text]  # fmt: skip


@dataclass(frozen=True)
class Summary:
    """A model's table: its rows, the input, and what is known about it (published totals, notes)."""

    title: str
    input_shape: tuple[int, ...] | None
    rows: tuple[Row, ...]
    published: Mapping[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    source: str = ""

    @property
    def params(self) -> int:
        """All parameters, trainable and fixed (what a state dict stores)."""
        return sum(r.params for r in self.rows)

    @property
    def trainable(self) -> int:
        """The parameters that training changes."""
        return sum(r.params for r in self.rows if not r.fixed)

    @property
    def fixed(self) -> int:
        """The parameters set by hand and never trained."""
        return sum(r.params for r in self.rows if r.fixed)

    def total(self, column: str) -> int | None:
        """The sum of ``connections`` or ``macs``; ``None`` if some layer's value is unknown."""
        values = [getattr(r, column) for r in self.rows]
        return None if any(v is None for v in values) else sum(values)


# ---- counting one layer --------------------------------------------------------------------------------------
def _count(layer: Layer, shape: tuple[int, ...], out: tuple[int, ...]) -> tuple[int, str, int | None, int | None]:
    """(parameters, their formula, connections, MACs) of ``layer`` on an input of ``shape``."""
    positions = math.prod(out[1:]) if len(out) > 1 else 1  # windows per map; 1 after a dense layer
    if layer.kind == "conv":
        return _conv(layer, shape[0], positions)
    if layer.kind in ("dense", "rbf"):
        n_in = math.prod(shape)
        if layer.kind == "rbf" or not layer.bias:
            return n_in * layer.out, f"{n_in}·{layer.out}", n_in * layer.out, n_in * layer.out
        return shapes.dense_parameter_count(n_in, layer.out), f"({n_in} + 1)·{layer.out}", \
            shapes.dense_parameter_count(n_in, layer.out), shapes.dense_macs(n_in, layer.out)  # fmt: skip
    channels, window = shape[0], math.prod(layer.kernel)
    if layer.kind == "subsample":  # a window sum times one coefficient, plus one bias, per map
        return 2 * channels, f"2·{channels}", (window + 1) * channels * positions, channels * positions
    if layer.kind == "batchnorm":  # a scale and a shift per channel
        per = 2 if layer.bias else 1
        return per * channels, f"{per}·{channels}", None, channels * positions
    if layer.kind == "adaptive_avg":
        rows, cols = (_adaptive_span(n, o) for n, o in zip(shape[1:], out[1:]))
        return 0, "0", channels * rows * cols, 0
    return 0, "0", window * channels * positions, 0  # pooling: windows, no parameters, no products


def _conv(layer: Layer, c_in: int, positions: int) -> tuple[int, str, int, int]:
    kernel, taps = layer.kernel, "·".join(map(str, layer.kernel))  # (kh, kw) -> "kh·kw"; (k,) for a signal
    bias = 1 if layer.bias else 0
    if layer.table:  # a partial connection table: map m sees len(table[m]) input maps
        sizes = Counter(len(maps) for maps in layer.table)
        params = sum(count * shapes.conv_parameter_count(size, 1, kernel, bias=layer.bias)
                     for size, count in sizes.items())  # fmt: skip
        formula = " + ".join(f"{count}·({size}·{taps}{' + 1' if bias else ''})" for size, count in sizes.items())
        macs = sum(count * shapes.conv_macs(size, 1, kernel, 1) for size, count in sizes.items()) * positions
        return params, formula, params * positions, macs
    g = layer.groups
    params = shapes.conv_parameter_count(c_in, layer.out, kernel, groups=g, bias=layer.bias)
    per_group = f"{c_in}/{g}" if g != 1 else f"{c_in}"
    formula = f"({per_group}·{taps} + 1)·{layer.out}" if bias else f"{per_group}·{taps}·{layer.out}"
    macs = shapes.conv_macs(c_in, layer.out, kernel, positions, groups=g)
    return params, formula, params * positions, macs


def _adaptive_span(n: int, o: int) -> int:
    """Total length of an adaptive pooling's windows along one axis: window t runs from ⌊t·n/o⌋ to ⌈(t+1)·n/o⌉
    (PyTorch's rule), and Σₜ (⌈(t+1)n/o⌉ − ⌊tn/o⌋) = n + o − gcd(n, o): each of the o − 1 inner borders adds one
    overlap unless it falls on a whole number, which happens gcd(n, o) − 1 times. In closed form, so 10^9
    bins cost no more than 2.

    Examples:
        >>> [_adaptive_span(5, 3), sum(-(-(t + 1) * 5 // 3) - (t * 5 // 3) for t in range(3))]
        [7, 7]
    """
    return n + o - math.gcd(n, o)


def _field(layer: Layer, field_and_jump: tuple[tuple[int, int], tuple[int, int]] | None, shape: tuple[int, ...],
           out: tuple[int, ...]):  # fmt: skip
    """The next (receptive field, jump) per axis: r += (k − 1)·d·j, j ×= s; None once a dense layer mixes all."""
    if field_and_jump is None or layer.kind in ("dense", "rbf"):
        return None
    fields_, jumps = field_and_jump
    if layer.kind == "batchnorm":
        return field_and_jump
    if layer.kind == "adaptive_avg":
        kernel = tuple(-(-n // o) for n, o in zip(shape[1:], out[1:]))
        stride, dilation = tuple(n // o for n, o in zip(shape[1:], out[1:])), (1, 1)
    else:
        kernel, stride, dilation = layer.kernel, layer.stride, layer.dilation
    new_fields = tuple(r + (k - 1) * d * j for r, k, d, j in zip(fields_, kernel, dilation, jumps))
    return new_fields, tuple(j * s for j, s in zip(jumps, stride))


# ---- summaries -------------------------------------------------------------------------------------------------
def summary(model: str | Architecture | Sequence[Layer] | nn.Module, input_shape: Sequence[int] | None = None
            ) -> Summary:  # fmt: skip
    """The table of ``model`` on an input of ``input_shape`` (C, H, W); named architectures default to the
    paper's input. A layer that does not fit raises one ``ValueError`` naming it, with the formula."""
    if isinstance(model, str):
        if model not in ARCHITECTURES:
            raise ValueError(f"unknown model {model!r}; known: {', '.join(ARCHITECTURES)}")
        model = ARCHITECTURES[model]
    if isinstance(model, Architecture):
        title, layers, published, notes, source = model.title, model.layers, model.published, model.notes, model.source
        input_shape = tuple(input_shape or model.input_shape)
    else:
        layers = from_module(model) if isinstance(model, nn.Module) else tuple(model)
        title, published, notes, source = type(model).__name__, {}, (), ""
        if input_shape is None:
            raise ValueError("an input shape C×H×W is needed to summarise a list of layers or a module")
    try:
        outs = output_shapes(layers, input_shape)
    except ValueError as error:
        raise ValueError(f"{title}: {error}") from None
    rows, shape, field_and_jump = [], tuple(input_shape), ((1, 1), (1, 1))
    for number, (layer, out) in enumerate(zip(layers, outs)):
        params, formula, connections, macs = _count(layer, shape, out)
        field_and_jump = _field(layer, field_and_jump, shape, out)
        described = replace(layer, inputs=math.prod(shape)) if layer.kind in ("dense", "rbf") else layer
        rows.append(Row(layer.name or f"{layer.kind}{number}", described.describe(), out, params, formula, connections,
                        macs, None if field_and_jump is None else field_and_jump[0], layer.fixed))  # fmt: skip
        shape = out
    return Summary(title, tuple(input_shape), tuple(rows), published, notes, source)


def summarize(model: str | Architecture | Sequence[Layer] | nn.Module, input_shape: Sequence[int] | None = None
              ) -> list[Row]:  # fmt: skip
    """The rows of :func:`summary`."""
    return list(summary(model, input_shape).rows)


# ---- checkpoints -------------------------------------------------------------------------------------------------
def summarize_checkpoint(path: str | os.PathLike, input_shape: Sequence[int] | None = None,
                         max_bytes: int = LOAD_LIMIT) -> Summary:  # fmt: skip
    """The table of a checkpoint written by :func:`tinygrad_cnn.save`.

    If its metadata has an ``architecture`` (a name, or a list of layer dicts) the table is the
    architecture's, and the parameter total is checked against the stored arrays. Otherwise the layers are
    inferred from the state dict (conv weights ``(C_out, C_in/g, k_h, k_w)``, dense ``(out, in)``, batchnorm
    running statistics): parameter counts are exact, but strides, padding, pooling, groups and activations
    have no parameters, so output shapes, connections, MACs and receptive fields are unknown ('?').

    Nothing in the file is trusted: the arrays are read within ``max_bytes`` (:func:`tinygrad_cnn.load`), every
    layer is checked as it is made, and the text shown from the file is escaped when printed.
    """
    metadata, state = load_metadata(path, max_bytes), model_state(load(path, max_bytes), os.fspath(path))
    stored = sum(int(t.numel()) for key, t in state.items() if key.rsplit(".", 1)[-1] not in BUFFERS)
    name = os.path.basename(os.fspath(path))
    if isinstance(metadata, Mapping) and metadata.get("architecture") is not None:
        spec, shape, _ = architecture_from_metadata(metadata, name, input_shape)
        result = summary(spec, shape)
        note = f"{name}: architecture from the checkpoint's metadata; its arrays hold {stored:,} parameters" + (
            "" if stored == result.params else f", but the architecture has {result.params:,}"
        )
        return Summary(result.title, result.input_shape, result.rows, result.published, (note, *result.notes),
                       result.source)  # fmt: skip
    rows = _inferred_rows(state)
    notes = (f"{name}: no 'architecture' in the metadata; layers inferred from the state dict's shapes.",
             "Strides, padding, pooling, groups and activations have no parameters, so a state dict does not "
             "record them: output shapes, connections, MACs and receptive fields are unknown (?). Save with "
             "metadata={'architecture': ...} (a name or a list of layers) to get them.")  # fmt: skip
    if input_shape is not None:
        notes += ("The input shape cannot be used without the layers' strides and padding.",)
    return Summary(f"checkpoint {name}", None, tuple(rows), {}, notes)


def _inferred_rows(state: Mapping[str, object]) -> list[Row]:
    modules: dict[str, dict[str, tuple[int, ...]]] = {}
    for key, value in state.items():
        prefix, _, leaf = key.rpartition(".")
        modules.setdefault(prefix, {})[leaf] = tuple(value.shape)
    rows = []
    for prefix, entries in modules.items():
        params = sum(math.prod(s) for leaf, s in entries.items() if leaf not in BUFFERS)
        weight, bias = entries.get("weight"), "bias" in entries
        plus = " + 1" if bias else ""
        if weight is not None and len(weight) == 4:
            c_out, per_group, kh, kw = weight
            layer = f"conv {kh}×{kw}, {per_group}·g → {c_out} maps (stride, padding, groups unknown)"
            formula = f"({per_group}·{kh}·{kw}{plus})·{c_out}"
        elif weight is not None and len(weight) == 2:
            layer, formula = f"dense {weight[1]}→{weight[0]}", f"({weight[1]}{plus})·{weight[0]}"
        elif weight is not None and len(weight) == 1 and "running_mean" in entries:
            layer, formula = f"batchnorm ({weight[0]} channels)", f"{2 if bias else 1}·{weight[0]}"
        else:
            layer = "unknown: " + ", ".join(
                f"{leaf} {'×'.join(map(str, s)) or 'scalar'}" for leaf, s in entries.items()
            )
            formula = " + ".join(
                f"{'·'.join(map(str, s)) or '1'}" for leaf, s in entries.items() if leaf not in BUFFERS
            )
        rows.append(Row(prefix or "(top)", layer, None, params, formula or "0", None, None, None))
    return rows


# ---- text ----------------------------------------------------------------------------------------------------
HEADER = ["layer", "kind", "output", "params", "params formula", "connections", "MACs", "receptive field"]


def format_table(result: Summary) -> str:
    """The summary as a plain-text table, with totals and the published numbers they are compared with."""
    size = tuple(result.input_shape[1:]) if result.input_shape else None
    body = [row.cells(size) for row in result.rows]
    total = [
        "total",
        "",
        "",
        f"{result.trainable:,}" + (f" + {result.fixed:,} fixed" if result.fixed else ""),
        "",
        *("?" if result.total(c) is None else f"{result.total(c):,}" for c in ("connections", "macs")),
        "",
    ]
    table = [HEADER, *body, total]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]
    numeric = {3, 5, 6}

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    rule = "  ".join("-" * w for w in widths)
    shape = "×".join(map(str, result.input_shape)) if result.input_shape else "unknown"
    out = [f"{printable(result.title)}, input {shape}", "", line(HEADER), rule, *map(line, body), rule, line(total)]
    if result.fixed:
        fixed = ", ".join(printable(r.name) for r in result.rows if r.fixed)
        out.append(f"parameters: {result.trainable:,} trainable, {result.fixed:,} fixed (set by hand, not trained: "
                   f"{fixed}), {result.params:,} in all")  # fmt: skip
    for key, value in result.published.items():
        ours = result.trainable if key == "parameters" else result.total(key)
        what = "trainable parameters" if key == "parameters" and result.fixed else key
        verdict = "equal" if ours == value else f"the table gives {ours:,}"
        out.append(f"published {what}: {value:,} ({verdict})")
    if result.source:
        out.append(f"source: {printable(result.source)}")
    out += [f"note: {printable(note)}" for note in result.notes]
    return "\n".join(line.rstrip() for line in out)
