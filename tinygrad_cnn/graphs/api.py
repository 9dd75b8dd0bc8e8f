"""One entry point for everything drawable: :func:`to_dot` (text, no dependency), :func:`draw` (a file through
Graphviz) and :func:`svg` (inline SVG for Jupyter, with a size limit).

A root is a :class:`~tinygrad_cnn.Value` (or lists of them), a :class:`~tinygrad_cnn.Tensor` (or lists of
them), or an ``nn.Module`` (drawn as its layers). Options that do not apply to a root are refused, so a
typo does not go unnoticed.

Examples:
    >>> from tinygrad_cnn import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b
    >>> print(to_dot(c).splitlines()[4])
      "v0" [shape="record", label="{ data -6 | grad 0 }", penwidth="2"];
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

from .. import nn
from ..engine.tensor import Tensor
from ..engine.value import Value
from .modules import layer_dot, layer_graph, record
from .render import GraphvizNotFound, pipe, render_to
from .tensors import tensor_dot
from .tracing import roots_of, trace
from .values import value_dot

__all__ = ["to_dot", "draw", "svg", "repr_svg", "NOTEBOOK_MAX_NODES"]

NOTEBOOK_MAX_NODES = 300  # a Jupyter display beyond this falls back to the layer view or the nearest nodes

_VALUE_OPTIONS = {"names", "partials", "max_nodes", "title", "rankdir", "rank_leaves"}
_TENSOR_OPTIONS = {"names", "module", "max_nodes", "title", "rankdir"}
_MODULE_OPTIONS = {"x", "input_shape", "depth", "max_nodes", "title", "rankdir", "expand", "recording"}


def _engine(root: Any) -> str:
    if isinstance(root, nn.Module):
        return "module"
    nodes = roots_of(root)
    kinds = {type(n) is Value or isinstance(n, Value) for n in nodes}
    if kinds == {True}:
        return "value"
    if all(isinstance(n, Tensor) for n in nodes):
        return "tensor"
    raise TypeError("to_dot: a root mixes Values and Tensors; draw each engine's graph separately")


def _check_options(engine: str, options: dict[str, Any]) -> None:
    allowed = {"value": _VALUE_OPTIONS, "tensor": _TENSOR_OPTIONS, "module": _MODULE_OPTIONS}[engine]
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise TypeError(f"to_dot: {', '.join(unknown)} do not apply to a {engine} graph; "
                        f"its options are {', '.join(sorted(allowed))}")  # fmt: skip


def to_dot(root: Any, **options: Any) -> str:
    """DOT text for ``root``; deterministic (the same graph gives the same bytes).

    Value graphs: ``names`` (e.g. ``locals()``), ``partials`` (each edge's share of the gradient),
    ``max_nodes``, ``title``, ``rankdir``. Tensor graphs: ``names``, ``module`` (names parameters as
    ``features.0.weight``), ``max_nodes``, ``title``, ``rankdir``. Modules: ``x`` or ``input_shape`` (run one
    forward pass for shapes and data flow), ``depth``, ``max_nodes`` (default 25), ``expand`` (every tensor op
    of the forward pass instead of one node per layer), ``title``.
    """
    engine = _engine(root)
    _check_options(engine, options)
    if engine == "value":
        return value_dot(root, **options)
    if engine == "tensor":
        return tensor_dot(root, **options)
    expand = options.pop("expand", False)
    rankdir = options.pop("rankdir", "TB")
    if expand:
        recording = options.get("recording") or record(root, options.get("x"), options.get("input_shape"))
        return tensor_dot(recording.output, module=root, names={"input": recording.input},
                          max_nodes=options.get("max_nodes"), title=options.get("title"), rankdir=rankdir)  # fmt: skip
    return layer_dot(layer_graph(root, **options), rankdir=rankdir)


def draw(root: Any, path: str | os.PathLike, format: str | None = None, **options: Any) -> Path:  # noqa: A002
    """Draw ``root`` into ``path`` as ``format`` (``svg``, ``png``, ``pdf`` or ``dot``; default: the file's
    extension) through Graphviz; options as for :func:`to_dot`. If Graphviz's ``dot`` is missing, the DOT
    text is written beside ``path`` (``.dot``) and :class:`GraphvizNotFound` says how to install it."""
    return render_to(to_dot(root, **options), path, format)


def svg(root: Any, max_nodes: int = NOTEBOOK_MAX_NODES, **options: Any) -> str:
    """Inline SVG of ``root`` for a notebook. A graph of more than ``max_nodes`` nodes is not drawn whole
    (Graphviz would take minutes): a Module falls back to its layer view, a Value or Tensor graph to the
    ``max_nodes`` nodes nearest its root."""
    if isinstance(root, nn.Module):
        options.setdefault("max_nodes", 25)
        return pipe(to_dot(root, **options), "svg").decode("utf-8")
    graph = trace(root, max_nodes)
    text = (value_dot if _engine(root) == "value" else tensor_dot)(root, graph=graph, **options)
    return pipe(text, "svg").decode("utf-8")


def repr_svg(root: Any) -> str | None:
    """What ``_repr_svg_`` of a Value, Tensor or Module returns: SVG, or ``None`` (plain text is shown) for a
    leaf with no graph to draw or when Graphviz is missing (with a warning saying how to install it)."""
    if isinstance(root, (Value, Tensor)) and not (root._prev if isinstance(root, Value) else root._ctx):
        return None
    try:
        return svg(root)
    except GraphvizNotFound as error:
        warnings.warn(f"cannot draw the graph: {error}", stacklevel=3)
        return None

