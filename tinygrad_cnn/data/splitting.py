"""Stratified splits by seed: every part gets each class in the proportion the whole has.

The table of exact shares ``class size x fraction`` is rounded so that every entry is rounded down or up
(never further), each class keeps its size, and each part gets its exact size (the largest-remainder
rounding of ``fraction * n``): such a rounding always exists (Bacharach, 1966) and a small max-flow finds
one. Then each class, in the seed's random order, is cut into consecutive blocks of its counts. The
randomness is one ``np.random.default_rng(seed).random(n)`` draw and stable sorts, which NumPy keeps
identical across versions: a seed names the same split everywhere.

Examples:
    >>> labels = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    >>> train, test = stratified_split(labels, (0.5, 0.5), seed=0)
    >>> len(train), len(test), np.bincount(labels[test]).tolist()
    (5, 5, [2, 3])
    >>> [part.tolist() for part in stratified_split(labels, (0.5, 0.5), seed=0)] == [train.tolist(), test.tolist()]
    True
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import numpy as np

__all__ = ["stratified_split", "split_sizes"]


def split_sizes(total: int, fractions: Sequence[float]) -> list[int]:
    """Part sizes ``floor(f * total)``, the largest remainders rounded up so that they sum to ``total``.

    >>> split_sizes(1797, (0.7, 0.1, 0.2))
    [1258, 180, 359]
    """
    exact = np.asarray(fractions, dtype=np.float64) * total
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")  # ties: the earlier part first
    counts[order[: total - int(counts.sum())]] += 1
    return counts.tolist()


def _round_table(exact: np.ndarray, row_totals: np.ndarray, column_totals: np.ndarray) -> np.ndarray:
    """Integers ``floor(exact)`` or ``ceil(exact)`` with the given row and column sums (controlled rounding).

    Which entries round up is a bipartite b-matching (rows with a shortfall to columns with one, through
    entries that are not integers), grown one augmenting path at a time; the walk is breadth-first, iterative.
    """
    counts = np.floor(exact).astype(np.int64)
    can_round_up = exact - counts > 0
    rounded_up = np.zeros_like(can_round_up)
    supply = row_totals - counts.sum(axis=1)
    demand = column_totals - counts.sum(axis=0)
    rows, columns = exact.shape
    for _ in range(int(supply.sum())):
        starts = [("row", r) for r in range(rows) if supply[r] > 0]
        parent: dict[tuple[str, int], tuple[str, int]] = {}
        seen, queue, end = set(starts), deque(starts), None
        while queue and end is None:
            kind, i = queue.popleft()
            if kind == "row":  # round one more entry of this row up
                nexts = [("column", c) for c in range(columns) if can_round_up[i, c] and not rounded_up[i, c]]
            else:  # or undo one rounding-up in this column, freeing its row
                nexts = [("row", r) for r in range(rows) if rounded_up[r, i]]
            for node in nexts:
                if node in seen:
                    continue
                seen.add(node)
                parent[node] = (kind, i)
                if node[0] == "column" and demand[node[1]] > 0:
                    end = node
                    break
                queue.append(node)
        if end is None:
            raise RuntimeError("stratified_split: no controlled rounding found (please report this)")
        demand[end[1]] -= 1
        node = end
        while node in parent:
            previous = parent[node]
            if node[0] == "column":
                rounded_up[previous[1], node[1]] = True
            else:
                rounded_up[node[1], previous[1]] = False
            node = previous
        supply[node[1]] -= 1
    return counts + rounded_up


def stratified_split(labels: np.ndarray | Sequence[int], fractions: Sequence[float], seed: int) -> list[np.ndarray]:
    """Split ``range(len(labels))`` into ``len(fractions)`` parts of those proportions (>= 0, summing to 1;
    a 0 gives an empty part), each class within one sample of its share; returns sorted int64 index arrays."""
    labels = np.asarray(labels)
    fractions = np.asarray(fractions, dtype=np.float64)
    if labels.ndim != 1:
        raise ValueError(f"stratified_split: labels must be 1-D, got shape {labels.shape}")
    if fractions.ndim != 1 or len(fractions) < 1 or not np.all(np.isfinite(fractions)) or np.any(fractions < 0):
        raise ValueError(f"stratified_split: fractions must be one or more numbers >= 0, got {fractions.tolist()}")
    if abs(fractions.sum() - 1.0) > 1e-9:
        raise ValueError(f"stratified_split: fractions must sum to 1, got {fractions.tolist()} (sum {fractions.sum()})")
    n = len(labels)
    _, inverse = np.unique(labels, return_inverse=True)
    inverse = inverse.reshape(-1)
    class_sizes = np.bincount(inverse, minlength=int(inverse.max(initial=-1)) + 1)
    counts = _round_table(np.outer(class_sizes, fractions), class_sizes, np.array(split_sizes(n, fractions)))
    keys = np.random.default_rng(seed).random(n)
    by_class = np.lexsort((keys, inverse))  # class by class, each in the seed's random order
    starts = np.cumsum(np.concatenate([[0], class_sizes]))
    parts: list[list[np.ndarray]] = [[] for _ in fractions]
    for start, row in zip(starts[:-1], counts):
        bounds = start + np.concatenate([[0], np.cumsum(row)])
        for p in range(len(fractions)):
            parts[p].append(by_class[bounds[p] : bounds[p + 1]])
    return [np.sort(np.concatenate(part or [np.zeros(0, np.int64)])).astype(np.int64) for part in parts]
