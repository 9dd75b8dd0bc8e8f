"""Output size of pooling, with ``ceil_mode`` as PyTorch (and the engine) implement it.

Floor mode counts windows exactly as convolution does. Ceil mode also lets a last window hang over the
right end of the input, but never start in the right padding or beyond; counting both conditions gives
min(⌈m/s⌉ + 1, ⌊(n + p − 1)/s⌋ + 1), which is PyTorch's "⌈m/s⌉ + 1, minus one if the last window starts
at or after n + p" (checked on a grid: it involves ceilings).

Examples:
    >>> from derivations import get
    >>> get("pool_output_size").substitute({"n": 6, "k": 3, "s": 2, "p": 0, "d": 1}).worked()[-1].arithmetic[-1]
    3
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
from .conv_output import WINDOW_COUNT, output_size

__all__ = ["DERIVATION", "verify"]

N = Var.integer("n", "input length (along one axis)")
K = Var.integer("k", "window size")
S = Var.integer("s", "stride (PyTorch's default: the window size)")
P = Var.integer("p", "padding on each side (−∞ for max pooling)", minimum=0)
D = Var.integer("d", "dilation")
M = Var.integer("m", "last start at which a whole window fits", minimum=None)
O_F = Var.integer("o_f", "number of windows in floor mode", latex="o_{\\text{floor}}")
O_U = Var.integer("o_u", "number of windows starting before m + s", latex="o_{<m+s}")
O_L = Var.integer("o_l", "number of windows starting inside the input or its left padding", latex="o_{<n+p}")
OUT = Var.integer("o", "number of windows in ceil mode: the output length")
n, k, s, p, d = N.symbol, K.symbol, S.symbol, P.symbol, D.symbol
m = M.symbol  # the same symbol as in WINDOW_COUNT (SymPy symbols are equal by name and assumptions)


def _starts_before(m: int, s: int) -> int:
    """#{t ≥ 0 : t·s < m + s}, by enumeration."""
    return sum(1 for t in range(m + s + 1) if t * s < m + s)


CEIL_COUNT = Lemma(
    name="windows starting before m + s",
    statement="For integers m ≥ 0 and s ≥ 1, the number of integers t ≥ 0 with t·s < m + s is ⌈m/s⌉ + 1: "
              "t·s < m + s ⟺ t < m/s + 1 ⟺ t ≤ ⌈m/s⌉ for an integer t.",
    rhs=sp.ceiling(m / s) + 1,
    count=_starts_before,
    grid=Grid({m: (0, 60), s: (1, 12)}),
)  # fmt: skip

CEIL_MODE = sp.Min(sp.ceiling((n + 2 * p - d * (k - 1) - 1) / s) + 1, sp.floor((n + p - 1) / s) + 1)
PYTORCH_LIMIT = sp.And(sp.Ge(n + 2 * p - d * (k - 1) - 1, 0), sp.Le(2 * p, d * (k - 1) + 1))

STEPS = (
    Step("As for convolution (conv_output_size), a window starting at x fits inside the padded input when "
         "x ≤ m.", m, n + 2 * p - d * (k - 1) - 1, defines=True),
    Step("Floor mode (the default) counts the windows that fit: starts t·s ≤ m.",
         O_F.symbol, sp.floor(m / s) + 1, defines=True, lemma=WINDOW_COUNT),
    Step("It is the convolution's output size.", O_F.symbol, output_size(n, k, s, p, d)),
    Step("Ceil mode also admits a last window that hangs over the right end, as long as it starts less than "
         "one stride past m: t·s < m + s. The overhang holds no values: −∞ for max pooling, and it is left "
         "out of the average.", O_U.symbol, sp.ceiling(m / s) + 1, defines=True, lemma=CEIL_COUNT),
    Step("But no window may start in the right padding or beyond: in padded coordinates the input ends at "
         "n + p − 1, so t·s ≤ n + p − 1.", O_L.symbol, sp.floor((n + p - 1) / s) + 1, defines=True,
         lemma=WINDOW_COUNT, instance={m: n + p - 1}),
    Step("Both conditions bound t from above, so the windows kept are t = 0, 1, … below the smaller bound, and "
         "their number is the smaller count.", OUT.symbol, sp.Min(O_U.symbol, O_L.symbol), defines=True),
    Step("Put in m.", OUT.symbol, CEIL_MODE),
    Step("Only the last window is ever dropped: with PyTorch's limit p ≤ (d(k − 1) + 1)/2, ⌈m/s⌉ + 1 exceeds "
         "the count by one exactly when the last window, at s·⌈m/s⌉, starts at or past n + p; otherwise by "
         "none. This is the rule PyTorch implements (a subtraction of one).",
         O_U.symbol - OUT.symbol, sp.Piecewise((1, sp.Ge(s * sp.ceiling(m / s), n + p)), (0, True)),
         grid=Grid({n: (1, 12), k: (1, 4), s: (1, 4), p: (0, 2), d: (1, 2)}, where=PYTORCH_LIMIT)),
    Step("When s divides m, ceil mode adds no window.",
         sp.Subs(sp.ceiling(m / s) - sp.floor(m / s), m, s * sp.Symbol("q", integer=True)),
         0),
)  # fmt: skip


def verify() -> Report:
    """``shapes.pool_output_size`` (on symbols in floor mode, on a grid in ceil mode), and real ``max_pool1d``,
    ``max_pool2d``, ``avg_pool2d`` and ``nn.MaxPool2d`` forward shapes in both modes."""
    report = Report(DERIVATION.name)
    floor_mode = output_size(n, k, s, p, d)
    report.identity("shapes.pool_output_size(n, k, s, p, d) (floor mode)", shapes.pool_output_size(n, k, s, p, d),
                    floor_mode)  # fmt: skip
    report.identity("shapes.pool_output_size(n, k, s, p, d, ceil_mode=True)",
                    lambda n, k, s, p, d: shapes.pool_output_size(n, k, s, p, d, ceil_mode=True),
                    DERIVATION.result.rhs, grid=STEPS[-2].grid)  # fmt: skip
    modes = {False: compile_exact(floor_mode), True: compile_exact(DERIVATION.result.rhs)}
    for point in Grid({n: (1, 9), k: (1, 3), s: (1, 3), p: (0, 1), d: (1, 2)}, where=PYTORCH_LIMIT).points():
        length, size, stride, pad, dilation = (point[x] for x in (n, k, s, p, d))
        for ceil in (False, True):
            out = F.max_pool1d(zeros(1, 1, length), size, stride, pad, dilation, ceil_mode=ceil)
            report.equal(f"max_pool1d forward length (ceil_mode={ceil})", out.shape[2], modes[ceil](point),
                         {**{x.name: v for x, v in point.items()}, "ceil_mode": ceil})  # fmt: skip
    rng = np.random.default_rng(0)
    for case in range(30):
        ceil, (height, width) = bool(case % 2), (int(x) for x in rng.integers(4, 12, 2))
        size, stride = tuple(int(x) for x in rng.integers(1, 4, 2)), tuple(int(x) for x in rng.integers(1, 4, 2))
        pad = tuple(int(rng.integers(0, x // 2 + 1)) for x in size)
        expected = tuple(modes[ceil]({n: a, k: b, s: c, p: e, d: 1}) for a, b, c, e in
                         zip((height, width), size, stride, pad))  # fmt: skip
        where = f"{height}×{width}, k={size}, s={stride}, p={pad}, ceil_mode={ceil}"
        x = zeros(1, 1, height, width)
        report.equal("max_pool2d forward shape", F.max_pool2d(x, size, stride, pad, ceil_mode=ceil).shape[2:],
                     expected, where)  # fmt: skip
        report.equal("avg_pool2d forward shape", F.avg_pool2d(x, size, stride, pad, ceil_mode=ceil).shape[2:],
                     expected, where)  # fmt: skip
        report.equal("nn.MaxPool2d forward shape",
                     output_shape(nn.MaxPool2d(size, stride, pad, ceil_mode=ceil), 1, 1, height, width)[2:],
                     expected, where)  # fmt: skip
    return report


DERIVATION = Derivation(
    name="pool_output_size",
    title="Output size of pooling, floor and ceil mode",
    summary="Pooling slides a window exactly as convolution does, so in floor mode its output size is the "
    "convolution's. In ceil mode PyTorch lets a last window hang over the right end, provided it "
    "starts inside the input or its left padding; counting the starts that satisfy both conditions "
    "gives min(⌈m/s⌉ + 1, ⌊(n + p − 1)/s⌋ + 1) with m = n + 2p − d(k − 1) − 1.",
    variables=(N, K, S, P, D, M, O_F, O_U, O_L, OUT),
    steps=STEPS,
    result=sp.Eq(OUT.symbol, CEIL_MODE),
    assumptions=(
        "At least one window fits: m ≥ 0.",
        "p ≤ (d(k − 1) + 1)/2, as PyTorch requires (a window never holds only padding).",
    ),  # fmt: skip
    lemmas=(WINDOW_COUNT, CEIL_COUNT),
    examples=(
        Example(
            "6 inputs, windows of 3 with stride 2: floor mode has 2 windows, ceil mode adds one that overhangs by one.",
            {"n": 6, "k": 3, "s": 2, "p": 0, "d": 1},
        ),
        Example(
            "5 inputs, windows of 2, stride 2, padding 1: the overhanging window would start in the right "
            "padding, so ceil mode drops it.",
            {"n": 5, "k": 2, "s": 2, "p": 1, "d": 1},
        ),
    ),  # fmt: skip
    verifier=verify,
)
