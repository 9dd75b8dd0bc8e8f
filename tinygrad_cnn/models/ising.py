"""The Ising phase classifiers as named architectures: a circular CNN of 98 parameters and the fully
connected network of Carrasquilla and Melko, for an L x L lattice.

The CNN respects the lattice's symmetries: circular padding makes the 3×3 convolution see the torus
(periodic boundaries), and the global average pool makes the output invariant under every translation,
so its parameter count does not depend on L. The MLP sees L² independent pixels.

Examples:
    >>> from tinygrad_cnn.models import build
    >>> [build(ising_architecture(kind, 16)).num_parameters() for kind in ISING_MODELS]
    [98, 25902]
    >>> ising_architecture("cnn", 32).name, build(ising_architecture("cnn", 32)).num_parameters()
    ('ising_cnn_L32', 98)
    >>> ising_architecture("cnn", 16).layers[0].describe()
    'conv 3×3 p1 circular + relu'
"""

from __future__ import annotations

from .architectures import Architecture, Layer

__all__ = ["ISING_MODELS", "ISING_CHANNELS", "ISING_HIDDEN", "ising_architecture", "ISING_ARCHITECTURES"]

ISING_MODELS = ("cnn", "mlp")
ISING_CHANNELS = 8  # 8 maps: 8·(9 + 1) + (8 + 1)·2 = 98 parameters
ISING_HIDDEN = 100  # Carrasquilla and Melko's hidden layer
DEFAULT_L = 16

CARRASQUILLA_MELKO = (
    "J. Carrasquilla, R. G. Melko, 'Machine learning phases of matter', Nature Physics 13, 431-434 (2017)"
)


def ising_architecture(kind: str, L: int) -> Architecture:
    """The ``"cnn"`` or ``"mlp"`` phase classifier for L x L spin configurations (input ``1×L×L``).

    Named ``ising_cnn`` / ``ising_mlp`` at L = 16 (the default lattice), ``ising_cnn_L32`` etc. otherwise.
    """
    if kind not in ISING_MODELS:
        raise ValueError(f"ising_architecture: kind must be one of {ISING_MODELS}, got {kind!r}")
    if isinstance(L, bool) or not isinstance(L, int) or L < 3:
        raise ValueError(f"ising_architecture: L must be an integer >= 3, got {L!r}")
    name = f"ising_{kind}" + ("" if L == DEFAULT_L else f"_L{L}")
    if kind == "cnn":
        c = ISING_CHANNELS
        return Architecture(
            name, f"Ising CNN (conv 3×3 circular, {c} maps, global average, linear)", (1, L, L),
            (
                Layer.conv("conv", c, 3, 1, 1, activation="relu", padding_mode="circular"),
                Layer("adaptive_avg", "average", 0, (1, 1)),
                Layer.dense("fc", c, 2),
            ),
            "tinygrad_cnn: a tiny CNN for the phases of the 2-D Ising model (issue 11), after " + CARRASQUILLA_MELKO,
            {"parameters": c * 10 + (c + 1) * 2},
            ("Circular padding sees the periodic lattice; the global average makes the output translation "
             "invariant, and the count independent of L.",),
        )  # fmt: skip
    return Architecture(
        name, f"Carrasquilla-Melko MLP {L * L}→{ISING_HIDDEN} sigmoid→2", (1, L, L),
        (
            Layer.dense("hidden", L * L, ISING_HIDDEN, activation="sigmoid"),
            Layer.dense("output", ISING_HIDDEN, 2),
        ),
        CARRASQUILLA_MELKO,
        {"parameters": (L * L + 1) * ISING_HIDDEN + (ISING_HIDDEN + 1) * 2},
        ("Fully connected: every spin has its own weights, with nothing that knows the lattice's translations.",),
    )  # fmt: skip


ISING_ARCHITECTURES = tuple(ising_architecture(kind, DEFAULT_L) for kind in ISING_MODELS)
