"""Stratified splits: exact sizes, classes in proportion, disjoint and complete, fixed by the seed."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_cnn.data import stratified_split
from tinygrad_cnn.data.splitting import split_sizes


@st.composite
def fraction_tuples(draw: st.DrawFn) -> tuple[float, ...]:
    weights = draw(st.lists(st.integers(0, 10), min_size=1, max_size=4).filter(lambda w: sum(w) > 0))
    return tuple(w / sum(weights) for w in weights)


@given(labels=hnp.arrays(np.int64, st.integers(1, 200), elements=st.integers(0, 4)), fractions=fraction_tuples(),
       seed=st.integers(0, 2**32 - 1))  # fmt: skip
def test_parts_are_disjoint_complete_exact_and_stratified(labels, fractions, seed):
    parts = stratified_split(labels, fractions, seed)
    assert len(parts) == len(fractions)
    joined = np.concatenate(parts)
    assert sorted(joined.tolist()) == list(range(len(labels)))  # every index once
    n = len(labels)
    assert [len(part) for part in parts] == split_sizes(n, fractions)
    for part, fraction in zip(parts, fractions):
        assert part.dtype == np.int64 and np.all(np.diff(part) > 0)
        assert abs(len(part) - fraction * n) < 1  # exact sizes: largest-remainder rounding
        for c in np.unique(labels):  # each class in proportion: its exact share rounded down or up
            n_c = int(np.sum(labels == c))
            assert abs(int(np.sum(labels[part] == c)) - fraction * n_c) < 1
    assert [p.tolist() for p in stratified_split(labels, fractions, seed)] == [p.tolist() for p in parts]


def test_tiny_classes_still_split():
    parts = stratified_split(np.array([0, 0, 0, 1]), (0.0, 0.5, 0.5), seed=0)
    assert [len(p) for p in parts] == [0, 2, 2]


def test_a_seed_names_the_same_split_on_every_numpy():
    """Golden digest: default_rng(seed).random and a stable argsort are stable across NumPy versions."""
    labels = np.arange(100) % 7
    parts = stratified_split(labels, (0.6, 0.2, 0.2), seed=0)
    digest = hashlib.sha256(b"".join(p.astype("<i8").tobytes() for p in parts)).hexdigest()
    assert [len(p) for p in parts] == [60, 20, 20]
    assert digest == GOLDEN_SPLIT_DIGEST
    other = stratified_split(labels, (0.6, 0.2, 0.2), seed=1)
    assert any(a.tolist() != b.tolist() for a, b in zip(parts, other))


GOLDEN_SPLIT_DIGEST = "541d749966685853cf972551dee2e65c0bfe5fa7226eda4bd0e415c5bf32a34c"


@pytest.mark.parametrize(
    ("labels", "fractions", "message"),
    [
        (np.zeros((2, 2)), (1.0,), "labels must be 1-D"),
        (np.zeros(4), (0.5, 0.4), "sum to 1"),
        (np.zeros(4), (1.5, -0.5), ">= 0"),
        (np.zeros(4), (), ">= 0"),
    ],
)
def test_bad_arguments_name_what_is_wrong(labels, fractions, message):
    with pytest.raises(ValueError, match=message):
        stratified_split(labels, fractions, seed=0)
