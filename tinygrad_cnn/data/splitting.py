"""Stratified splits by seed: every part gets each class in the proportion the whole has.

The order comes from one ``np.random.default_rng(seed).random(n)`` draw and a stable argsort, both of which
NumPy keeps identical across versions, so a seed names the same split everywhere. Part sizes are exact: the
held-out parts get ``fraction * n`` samples (largest remainders round), shared out over the classes the same
way, and the first part gets the rest.

Examples:
    >>> labels = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    >>> train, test = stratified_split(labels, (0.5, 0.5), seed=0)
    >>> len(train), len(test), np.bincount(labels[test]).tolist()
    (5, 5, [2, 3])
    >>> [part.tolist() for part in stratified_split(labels, (0.5, 0.5), seed=0)] == [train.tolist(), test.tolist()]
    True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["stratified_split"]


def _largest_remainder(total: int, fractions: np.ndarray) -> np.ndarray:
    """Integers ``>= floor(f * total)`` summing to ``round(sum(f) * total)``: the largest remainders round up."""
    exact = fractions * total
    counts = np.floor(exact).astype(np.int64)
    short = int(round(float(exact.sum()))) - int(counts.sum())
    order = np.argsort(-(exact - counts), kind="stable")  # ties: the earlier one first
    counts[order[:short]] += 1
    return counts


def stratified_split(labels: np.ndarray | Sequence[int], fractions: Sequence[float], seed: int) -> list[np.ndarray]:
    """Split ``range(len(labels))`` into ``len(fractions)`` parts of those proportions, each class shared out
    in proportion; returns sorted int64 index arrays. ``fractions`` are >= 0 and sum to 1; a 0 gives an empty
    part. Raises ``ValueError`` when a class is too small to give each non-empty part its share."""
    labels = np.asarray(labels)
    fractions = np.asarray(fractions, dtype=np.float64)
    if labels.ndim != 1:
        raise ValueError(f"stratified_split: labels must be 1-D, got shape {labels.shape}")
    if fractions.ndim != 1 or len(fractions) < 1 or not np.all(np.isfinite(fractions)) or np.any(fractions < 0):
        raise ValueError(f"stratified_split: fractions must be numbers >= 0, got {fractions.tolist()}")
    if abs(fractions.sum() - 1.0) > 1e-9:
        raise ValueError(f"stratified_split: fractions must sum to 1, got {fractions.tolist()} (sum {fractions.sum()})")
    classes, inverse = np.unique(labels, return_inverse=True)
    per_class = np.bincount(inverse, minlength=len(classes))
    part_totals = _largest_remainder(len(labels), fractions)
    counts = np.zeros((len(classes), len(fractions)), dtype=np.int64)  # samples of class c in part p
    for p in range(1, len(fractions)):
        exact = fractions[p] * per_class
        counts[:, p] = np.floor(exact)
        short = part_totals[p] - counts[:, p].sum()
        counts[np.argsort(-(exact - counts[:, p]), kind="stable")[:short], p] += 1
    counts[:, 0] = per_class - counts[:, 1:].sum(axis=1)
    if np.any(counts[:, 0] < 0):
        small = classes[counts[:, 0] < 0].tolist()
        raise ValueError(f"stratified_split: classes {small} are too small for fractions {fractions.tolist()}")
    keys = np.random.default_rng(seed).random(len(labels))
    parts: list[list[np.ndarray]] = [[] for _ in fractions]
    for c in range(len(classes)):
        members = np.flatnonzero(inverse == c)
        members = members[np.argsort(keys[members], kind="stable")]  # this class in the seed's order
        bounds = np.cumsum(counts[c])
        for p, (start, stop) in enumerate(zip(np.concatenate([[0], bounds[:-1]]), bounds)):
            parts[p].append(members[start:stop])
    return [np.sort(np.concatenate(part)).astype(np.int64) if part else np.zeros(0, np.int64) for part in parts]
