"""The first layer of drawing: walk a computation graph into plain lists of nodes and edges.

:func:`trace` works on both engines. A node is a :class:`~tinygrad_cnn.Value` or a
:class:`~tinygrad_cnn.Tensor`; an edge ``(source, target, position)`` says that node ``source`` is argument
number ``position`` of the operation that made node ``target``. A node used twice by one operation
(``x * x``) or by many operations (a shared kernel weight) has **one edge per use**: edges are never merged,
so counting a node's outgoing edges counts its uses.

The walk is iterative (an explicit stack, a visited set keyed by identity), so a chain of 10⁵ operations
traces without recursion, and its order is stable: roots first, then depth first through each node's
arguments in order. The same graph always gives the same lists, hence byte-for-byte the same DOT text.

Examples:
    >>> from tinygrad_cnn import Value
    >>> x = Value(3.0, label="x")
    >>> y = x * x + 1
    >>> graph = trace(y)
    >>> [n.label or n._op for n in graph.nodes]
    ['+', '*', 'x', '']
    >>> graph.edges                    # x is used twice by '*': two edges 2 -> 1
    ((1, 0, 0), (3, 0, 1), (2, 1, 0), (2, 1, 1))
    >>> graph.uses(2)
    2
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..engine.tensor import Tensor
from ..engine.value import Value

__all__ = ["Graph", "trace", "parents", "roots_of", "leaves", "names_from"]

Edge = tuple[int, int, int]  # (source node, target node, argument position)


@dataclass(frozen=True)
class Graph:
    """Nodes in a stable order and one edge per use. ``complete`` is False when ``max_nodes`` cut the walk;
    ``hidden`` then counts the edges that lead to nodes left out."""

    nodes: tuple[Any, ...]
    edges: tuple[Edge, ...]
    roots: tuple[int, ...] = (0,)
    complete: bool = True
    hidden: int = 0
    _index: dict[int, int] = field(default_factory=dict, repr=False, compare=False)

    def index(self, node: Any) -> int:
        """The position of ``node`` in :attr:`nodes` (``KeyError`` if it is not in the graph)."""
        return self._index[id(node)]

    def __contains__(self, node: Any) -> bool:
        return id(node) in self._index

    def uses(self, i: int) -> int:
        """How many times node ``i`` is an argument of an operation in the graph."""
        return self.out_degree[i]

    @cached_property
    def out_degree(self) -> list[int]:
        """How many times each node is used (computed once)."""
        counts = [0] * len(self.nodes)
        for source, _, _ in self.edges:
            counts[source] += 1
        return counts

    def inputs_of(self) -> list[list[tuple[int, int]]]:
        """For each node, its ``(source, position)`` pairs in argument order."""
        inputs: list[list[tuple[int, int]]] = [[] for _ in self.nodes]
        for source, target, position in self.edges:
            inputs[target].append((source, position))
        return inputs

    def consumers_of(self) -> list[list[int]]:
        """For each node, the nodes that use it (one entry per use)."""
        consumers: list[list[int]] = [[] for _ in self.nodes]
        for source, target, _ in self.edges:
            consumers[source].append(target)
        return consumers


def parents(node: Any) -> tuple[Any, ...]:
    """The arguments of the operation that produced ``node`` (empty for a leaf), with repeats."""
    if isinstance(node, Value):
        return node._prev
    if isinstance(node, Tensor):
        return node._ctx.parents if node._ctx is not None else ()
    raise TypeError(f"trace: expected a Value or a Tensor, got {type(node).__name__}")


def roots_of(root: Any) -> list[Any]:
    """The Values / Tensors in ``root``: one node, or (nested) lists and tuples of them, in order."""
    found: list[Any] = []
    stack = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, (Value, Tensor)):
            found.append(item)
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        else:
            raise TypeError(f"trace: expected a Value, a Tensor or lists of them, got {type(item).__name__}")
    if not found:
        raise ValueError("trace: nothing to trace (an empty list)")
    return found


def trace(root: Any, max_nodes: int | None = None) -> Graph:
    """Every node reachable from ``root`` (a Value, a Tensor, or nested lists of them) and one edge per use.

    With ``max_nodes`` the walk stops discovering nodes after that many (the nodes nearest the roots, in
    the same stable order); edges to nodes left out are counted in :attr:`Graph.hidden`.
    """
    if max_nodes is not None and max_nodes < 1:
        raise ValueError(f"trace: max_nodes must be at least 1, got {max_nodes}")
    starts = roots_of(root)
    index: dict[int, int] = {}
    nodes: list[Any] = []
    limit = max_nodes if max_nodes is not None else float("inf")
    complete = True
    for start in starts:
        stack = [start]
        while stack:  # depth first, arguments in order: push them reversed
            node = stack.pop()
            if id(node) in index:
                continue
            if len(nodes) >= limit:
                complete = False
                continue
            index[id(node)] = len(nodes)
            nodes.append(node)
            stack.extend(reversed(parents(node)))
    edges: list[Edge] = []
    hidden = 0
    for target, node in enumerate(nodes):
        for position, parent in enumerate(parents(node)):
            source = index.get(id(parent))
            if source is None:
                hidden += 1
            else:
                edges.append((source, target, position))
    roots = tuple(dict.fromkeys(index[id(s)] for s in starts if id(s) in index))
    return Graph(tuple(nodes), tuple(edges), roots, complete, hidden, index)


def leaves(graph: Graph) -> Iterable[int]:
    """Indices of the nodes that no operation produced."""
    return (i for i, node in enumerate(graph.nodes) if not parents(node))


def names_from(mapping: Any, *, skip_private: bool = True) -> dict[int, str]:
    """``{id(node): name}`` from a mapping such as ``locals()``: Values and Tensors by their key, and those
    inside (nested) lists and tuples as ``key[i][j]``. The first name found for a node wins; names that
    start with ``_`` (IPython's ``_``, ``_1``, ...) are skipped."""
    if mapping is None:
        return {}
    if not hasattr(mapping, "items"):
        raise TypeError(f"names must map names to Values/Tensors (e.g. locals()), got {type(mapping).__name__}")
    found: dict[int, str] = {}
    for key, value in mapping.items():
        if not isinstance(key, str) or (skip_private and key.startswith("_")):
            continue
        stack: list[tuple[str, Any, int]] = [(key, value, 0)]
        while stack:
            name, item, depth = stack.pop()
            if isinstance(item, (Value, Tensor)):
                found.setdefault(id(item), name)
            elif isinstance(item, (list, tuple)) and depth < 4 and len(item) <= 10_000:
                stack.extend((f"{name}[{i}]", inner, depth + 1) for i, inner in reversed(list(enumerate(item))))
    return found

