"""The lecture's three pictures: counting the drawn edges and distinct weights gives the derivations' counts."""

from __future__ import annotations

from dot_text import parse
from hypothesis import given
from hypothesis import strategies as st

import derivations
from tinygrad_cnn.graphs import lecture_pictures, pictures_dot


def _derived(name: str, **values: int) -> int:
    """A derivation's result with numbers put in (symbols matched by name)."""
    rhs = derivations.get(name).result.rhs
    return int(rhs.subs({s: values[s.name] for s in rhs.free_symbols}))


def _counts(source: str) -> dict[str, tuple[int, int]]:
    """Per picture: (edges, distinct parameters named on the edges)."""
    parsed = parse(source)
    counts = {}
    for kind in ("dense", "local", "conv"):
        edges = parsed.in_cluster(f"cluster_{kind}")
        counts[kind] = (len(edges), len({attrs["comment"] for _, _, attrs in edges}))
    return counts


@st.composite
def geometries(draw):
    n = draw(st.integers(1, 9))
    return n, draw(st.integers(1, n)), draw(st.integers(1, 3))


@given(geometries())
def test_edges_and_distinct_weights_are_the_derived_parameter_counts(geometry):
    n, k, s = geometry
    n_out = (n - k) // s + 1
    counts = _counts(pictures_dot(lecture_pictures(n, k, s)))
    dense = _derived("dense_parameters", n_prev=n, n=n_out)
    local = _derived("locality", n=n_out, C=1, k_h=1, k_w=k)
    shared = _derived("parameter_sharing", C_in=1, C_out=1, k_h=1, k_w=k, g=1)
    assert counts["dense"] == (dense, dense)  # every connection its own weight
    assert counts["local"] == (local, local)  # only the windows' connections, still their own weights
    assert counts["conv"] == (local, shared)  # the same connections, k + 1 shared weights


def test_the_default_pictures_give_28_16_and_4():
    pictures = lecture_pictures()
    assert [(p.edges, p.parameters, p.expected) for p in pictures] == [(28, 28, 28), (16, 16, 16), (16, 4, 4)]
    source = pictures_dot(pictures)
    assert "28 edges, 28 distinct parameters" in source and "16 edges, 4 distinct parameters" in source
