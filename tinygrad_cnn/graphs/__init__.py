"""Seeing the computation: trace a graph, write it as DOT (no dependency), render it with Graphviz.

``trace(root)`` walks a Value or Tensor graph iteratively into nodes and one edge per use; ``to_dot(root)``
writes deterministic DOT text; ``draw(root, "graph.svg")`` renders SVG, PNG or PDF through Graphviz.
Shared weights stay one node with one edge per use; models draw as their layers (``layer_graph``); the
lecture's dense / locally connected / convolution pictures come from ``lecture_pictures``. Values, Tensors
and Modules display inline in Jupyter.
"""

from .._lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    "trace": ".tracing", "Graph": ".tracing",
    "to_dot": ".api", "draw": ".api", "svg": ".api",
    "GraphvizNotFound": ".render", "FORMATS": ".render",
    "value_dot": ".values", "tensor_dot": ".tensors",
    "layer_graph": ".modules", "layer_dot": ".modules", "record": ".modules", "parameter_formula": ".modules",
    "lecture_pictures": ".pictures", "pictures_dot": ".pictures",
    "EXAMPLES": ".examples",
})  # fmt: skip
