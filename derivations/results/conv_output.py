"""Output size of a convolution, by counting window positions: ⌊(n + 2p − d(k−1) − 1)/s⌋ + 1.

The only step SymPy cannot do is the count of multiples of s up to m, ⌊m/s⌋ + 1: it is stated as a lemma
and checked exhaustively on a grid against a direct count.

Examples:
    >>> from derivations import get
    >>> get("conv_output_size").result
    Eq(o, floor((-d*(k - 1) + n + 2*p - 1)/s) + 1)
"""

from __future__ import annotations

import numpy as np
import sympy as sp

import tinygrad_cnn.functional as F
from tinygrad_cnn import shapes

from ..checks import Report, nn, output_shape, zeros
from ..core import Derivation
from ..exact import compile_exact
from ..vocabulary import Example, Grid, Lemma, Step, Var

__all__ = ["DERIVATION", "WINDOW_COUNT", "output_size", "verify"]

N = Var.integer("n", "input length (along one axis)")
K = Var.integer("k", "kernel size (number of taps)")
S = Var.integer("s", "stride")
P = Var.integer("p", "zero padding on each side", minimum=0)
D = Var.integer("d", "dilation (distance between taps)")
N_PAD = Var.integer("N", "length of the padded input")
E = Var.integer("e", "extent of the dilated kernel, from its first tap to its last")
M = Var.integer("m", "last position at which a window can start", minimum=None)
OUT = Var.integer("o", "number of windows: the output length", minimum=0)
n, k, s, p, d = N.symbol, K.symbol, S.symbol, P.symbol, D.symbol
m = M.symbol


def output_size(n: sp.Expr, k: sp.Expr, s: sp.Expr, p: sp.Expr, d: sp.Expr) -> sp.Expr:
    """The derived formula ⌊(n + 2p − d(k−1) − 1)/s⌋ + 1, for other derivations to specialise."""
    return sp.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1


def _multiples_up_to(m: int, s: int) -> int:
    """#{t ≥ 0 : t·s ≤ m}, by enumeration."""
    return sum(1 for t in range(m + 1) if t * s <= m)


WINDOW_COUNT = Lemma(
    name="window count",
    statement="For integers m ≥ 0 and s ≥ 1, the number of integers t ≥ 0 with t·s ≤ m is ⌊m/s⌋ + 1: they "
              "are t = 0, 1, …, ⌊m/s⌋, because for an integer t, t·s ≤ m ⟺ t ≤ m/s ⟺ t ≤ ⌊m/s⌋.",
    rhs=sp.floor(m / s) + 1,
    count=_multiples_up_to,
    grid=Grid({m: (0, 60), s: (1, 12)}),
)  # fmt: skip

STEPS = (
    Step("Zero padding adds p positions on each side of the n inputs; number the padded positions 0…N − 1.",
         N_PAD.symbol, n + 2 * p, defines=True),
    Step("A kernel of k taps, d positions apart, covers the positions x, x + d, …, x + d(k − 1) when it starts "
         "at x: from its first tap to its last it spans e positions.", E.symbol, d * (k - 1) + 1, defines=True),
    Step("A window starting at x fits when its last tap does, x + d(k − 1) ≤ N − 1, that is x ≤ N − e: call "
         "this last admissible start m.", m, N_PAD.symbol - E.symbol, defines=True),
    Step("With stride s the windows start at x = t·s for t = 0, 1, 2, …; o counts the t ≥ 0 with t·s ≤ m.",
         OUT.symbol, sp.floor(m / s) + 1, defines=True, lemma=WINDOW_COUNT),
    Step("Put in m = N − e = n + 2p − d(k − 1) − 1.", OUT.symbol, output_size(n, k, s, p, d)),
    Step("Without padding, stride or dilation (p = 0, s = d = 1) it is the familiar n − k + 1.",
         sp.Subs(output_size(n, k, s, p, d), (p, s, d), (0, 1, 1)), n - k + 1),
)  # fmt: skip


def verify() -> Report:
    """``shapes.conv_output_size`` on symbols; ``conv1d`` forward lengths on a grid (and refusals when no
    window fits); ``nn.Conv2d`` forward shapes with different hyperparameters per axis."""
    report = Report(DERIVATION.name)
    result = DERIVATION.result.rhs
    report.identity("shapes.conv_output_size(n, k, s, p, d)", shapes.conv_output_size(n, k, s, p, d), result)
    formula = compile_exact(result)
    for point in Grid({n: (1, 9), k: (1, 4), s: (1, 3), p: (0, 2), d: (1, 2)}).points():
        length, size, stride, pad, dilation = (point[x] for x in (n, k, s, p, d))
        expected = formula(point)
        case = f"n = {length}, k = {size}, s = {stride}, p = {pad}, d = {dilation}"
        if expected >= 1:
            out = F.conv1d(zeros(1, 1, length), zeros(1, 1, size), stride=stride, padding=pad, dilation=dilation)
            report.equal("conv1d forward length", out.shape[2], expected, case)
        elif stride == 1:  # no window fits: the engine must refuse rather than return an empty output
            try:
                F.conv1d(zeros(1, 1, length), zeros(1, 1, size), padding=pad, dilation=dilation)
                refused = False
            except ValueError:
                refused = True
            report.equal("conv1d refuses when no window fits (m < 0)", refused, True, case)
    rng = np.random.default_rng(0)
    for _ in range(25):
        size, stride, pad, dilation = (tuple(int(x) for x in rng.integers(lo, hi, 2)) for lo, hi in
                                       ((1, 4), (1, 3), (0, 2), (1, 3)))  # fmt: skip
        height, width = (int(x) for x in rng.integers(7, 12, 2))
        conv = nn.Conv2d(2, 3, size, stride=stride, padding=pad, dilation=dilation)
        expected = tuple(formula({n: a, k: b, s: c, p: e, d: f}) for a, b, c, e, f in
                         zip((height, width), size, stride, pad, dilation))  # fmt: skip
        report.equal(
            "nn.Conv2d forward shape (per-axis k, s, p, d)",
            output_shape(conv, 1, 2, height, width),
            (1, 3, *expected),
            f"{height}×{width}, k={size}, s={stride}, p={pad}, d={dilation}",
        )
    return report


DERIVATION = Derivation(
    name="conv_output_size",
    title="Output size of a convolution",
    summary="A convolution's output has one value per position of its window. Counting the positions at "
    "which a padded, strided, dilated window fits in the input gives ⌊(n + 2p − d(k−1) − 1)/s⌋ + 1.",
    variables=(N, K, S, P, D, N_PAD, E, M, OUT),
    steps=STEPS,
    result=sp.Eq(OUT.symbol, output_size(n, k, s, p, d)),
    assumptions=("At least one window fits: d(k − 1) + 1 ≤ n + 2p, i.e. m ≥ 0 (otherwise the engine refuses).",),
    lemmas=(WINDOW_COUNT,),
    examples=(
        Example(
            "A 32×32 image and a 5×5 kernel, no padding: each side shrinks by 4.",
            {"n": 32, "k": 5, "s": 1, "p": 0, "d": 1},
        ),
        Example(
            "Padding 1 keeps a 3-tap kernel's output the size of the input:", {"n": 32, "k": 3, "s": 1, "p": 1, "d": 1}
        ),
        Example("7 inputs, 3 taps 2 apart, stride 2, padding 1:", {"n": 7, "k": 3, "s": 2, "p": 1, "d": 2}),
    ),  # fmt: skip
    verifier=verify,
)
