"""The fifteen relationships of Dumoulin & Visin's "A guide to convolution arithmetic for deep learning"
(arXiv:1603.07285), each proved as a special case of the general output sizes.

Convolution (relationships 1–7 and 15) specialises ⌊(i + 2p − d(k−1) − 1)/s⌋ + 1 (:mod:`.conv_output`).
Transposed convolution (8–14) specialises o' = s(i' − 1) + d(k − 1) + a − 2p + 1, derived here by counting
the positions its windows cover, in PyTorch's convention: the transposed convolution of a convolution
with kernel k, stride s and padding p takes the *same* k, s, p (the paper's k' = k, s' = 1,
p' = k − p − 1 on a stretched input is the same operation, written as a direct convolution), and ``a`` is
PyTorch's ``output_padding``.

The paper states relationships 12–14 for the transposed convolution that undoes a convolution's shape;
the last steps prove it does: with a = (i + 2p − d(k−1) − 1) mod s (the paper's (i + 2p − k) mod s when
d = 1) it maps the convolution's output size i' back to i. That step needs 0 ≤ a < s, which SymPy's
assumptions cannot express, so it is checked on a grid.

Examples:
    >>> from derivations import get
    >>> get("conv_arithmetic").result
    Eq(o_T, a + d*(k - 1) - 2*p + s*(i_T - 1) + 1)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

import tinygrad_cnn.functional as F
from tinygrad_cnn import shapes

from ..checks import Report, zeros
from ..core import Derivation
from ..exact import as_expr, compile_exact
from ..vocabulary import Example, Grid, Step, Var
from .conv_output import output_size

__all__ = ["DERIVATION", "RELATIONSHIPS", "verify"]

I = Var.integer("i", "input size of the convolution")  # noqa: E741 (the paper's name)
K = Var.integer("k", "kernel size")
S = Var.integer("s", "stride")
P = Var.integer("p", "zero padding on each side", minimum=0)
D = Var.integer("d", "dilation")
J = Var.integer("j", "half the kernel size, rounded down: k = 2j + 1 for an odd kernel", minimum=0)
I_T = Var.integer("i_T", "input size of the transposed convolution", latex="i'")
A = Var.integer("a", "output padding of the transposed convolution (0 ≤ a < s)", minimum=0)
Q = Var.integer("q", "quotient: i + 2p − d(k − 1) − 1 = s·q", minimum=0)
F_T = Var.integer("F", "length the transposed convolution's windows cover, before cropping")
O_T = Var.integer("o_T", "output size of the transposed convolution", latex="o'")
i, k, s, p, d, j = I.symbol, K.symbol, S.symbol, P.symbol, D.symbol, J.symbol
i_t, a, q = I_T.symbol, A.symbol, Q.symbol

CONV = output_size(i, k, s, p, d)  # ⌊(i + 2p − d(k−1) − 1)/s⌋ + 1
TRANSPOSED = s * (i_t - 1) + d * (k - 1) + a - 2 * p + 1


@dataclass(frozen=True)
class Relationship:
    """One of the paper's relationships: the general formula with ``setting`` put in equals ``formula``."""

    number: int
    title: str
    op: str  # "conv", "pool" or "transposed": which engine function checks it
    setting: dict = field(default_factory=dict)  # symbol -> value or expression
    formula: sp.Expr = sp.S.Zero

    @property
    def general(self) -> sp.Expr:
        return TRANSPOSED if self.op == "transposed" else CONV

    def step(self) -> Step:
        variables, values = zip(*self.setting.items()) if self.setting else ((), ())
        conditions = ", ".join(f"{x} = {_text(v)}" for x, v in self.setting.items()) or "the general formula"
        lhs = sp.Subs(self.general, variables, values) if variables else self.general
        return Step(f"Relationship {self.number} ({self.title}): {conditions}.", lhs, self.formula)


def _text(expr: sp.Expr) -> str:
    return str(expr).replace("*", "").replace("-", "−")


odd = {k: 2 * j + 1, p: j}  # half padding: an odd kernel k = 2j + 1 and p = ⌊k/2⌋ = j
RELATIONSHIPS = (
    Relationship(1, "no zero padding, unit strides", "conv", {s: 1, p: 0, d: 1}, i - k + 1),
    Relationship(2, "zero padding, unit strides", "conv", {s: 1, d: 1}, i - k + 2 * p + 1),
    Relationship(3, "half (same) padding", "conv", {**odd, s: 1, d: 1}, i),
    Relationship(4, "full padding", "conv", {p: k - 1, s: 1, d: 1}, i + k - 1),
    Relationship(5, "no zero padding, non-unit strides", "conv", {p: 0, d: 1}, sp.floor((i - k) / s) + 1),
    Relationship(6, "zero padding, non-unit strides", "conv", {d: 1}, sp.floor((i + 2 * p - k) / s) + 1),
    Relationship(7, "pooling: the same windows, a fixed reduction", "pool", {p: 0, d: 1},
                 sp.floor((i - k) / s) + 1),
    Relationship(8, "transposed, no zero padding, unit strides", "transposed", {s: 1, p: 0, a: 0, d: 1},
                 i_t + (k - 1)),
    Relationship(9, "transposed, zero padding, unit strides", "transposed", {s: 1, a: 0, d: 1},
                 i_t + (k - 1) - 2 * p),
    Relationship(10, "transposed, half padding", "transposed", {**odd, s: 1, a: 0, d: 1}, i_t),
    Relationship(11, "transposed, full padding", "transposed", {p: k - 1, s: 1, a: 0, d: 1}, i_t - (k - 1)),
    Relationship(12, "transposed, no zero padding, non-unit strides", "transposed", {p: 0, a: 0, d: 1},
                 s * (i_t - 1) + k),
    Relationship(13, "transposed, zero padding, non-unit strides", "transposed", {a: 0, d: 1},
                 s * (i_t - 1) + k - 2 * p),
    Relationship(14, "transposed, zero padding, non-unit strides, output padding a = (i + 2p − k) mod s",
                 "transposed", {d: 1}, s * (i_t - 1) + a + k - 2 * p),
    Relationship(15, "dilated convolution", "conv", {}, sp.floor((i + 2 * p - k - (k - 1) * (d - 1)) / s) + 1),
)  # fmt: skip

REMAINDER = sp.Mod(i + 2 * p - d * (k - 1) - 1, s)
ROUND_TRIP = sp.Subs(TRANSPOSED, (i_t, a), (CONV, REMAINDER))
FITS = sp.Ge(i + 2 * p - d * (k - 1) - 1, 0)
DIVISIBLE = s * q - 2 * p + d * (k - 1) + 1  # an input size i with i + 2p − d(k − 1) − 1 = s·q

STEPS = (
    Step("Transposed convolution runs a convolution backwards: input position t = 0…i' − 1 spreads its value "
         "over the window starting at t·s of an uncropped output. The last window starts at (i' − 1)s and "
         "covers d(k − 1) + 1 positions.", F_T.symbol, s * (i_t - 1) + d * (k - 1) + 1, defines=True),
    Step("The convolution's padding p is cropped from both ends, and the output padding a is added at the end "
         "(it restores the input sizes that the stride rounded away).", O_T.symbol, F_T.symbol - 2 * p + a,
         defines=True),
    Step("Together:", O_T.symbol, TRANSPOSED),
    Step("Half padding: p = ⌊k/2⌋ is j for an odd kernel k = 2j + 1.", sp.floor((2 * j + 1) / 2, evaluate=False), j),
    *(relationship.step() for relationship in RELATIONSHIPS),
    Step("With unit strides the transposed convolution (a = 0) maps the convolution's output size back to i.",
         sp.Subs(TRANSPOSED, (i_t, a, s), (CONV.subs(s, 1), 0, 1)), i),
    Step("Relationships 12 and 13: when s divides i + 2p − d(k − 1) − 1, say it is s·q, the convolution has "
         "⌊s·q/s⌋ + 1 = q + 1 outputs, and output padding a = 0 maps them back to i = s·q − 2p + d(k − 1) + 1.",
         sp.Subs(TRANSPOSED, (i_t, a), (CONV.subs(i, DIVISIBLE), 0)), DIVISIBLE),
    Step("Relationship 14: in general, with a = (i + 2p − d(k − 1) − 1) mod s, the transposed convolution maps "
         "the convolution's output size back to i. This uses ⌊(s·q + a)/s⌋ = q for 0 ≤ a < s, which SymPy "
         "cannot prove from its assumptions.", ROUND_TRIP, i,
         grid=Grid({i: (1, 14), k: (1, 4), s: (1, 4), p: (0, 2), d: (1, 2)}, where=FITS)),
)  # fmt: skip


def verify() -> Report:
    """Every relationship against real forward passes (``conv1d``, ``max_pool1d``, ``conv_transpose1d``),
    convolution then transposed convolution round trips, ``padding='same'``, and ``shapes`` on symbols."""
    report = Report(DERIVATION.name)
    report.identity("shapes.conv_transpose_output_size(i', k, s, p, a, d)",
                    shapes.conv_transpose_output_size(i_t, k, s, p, a, d), DERIVATION.result.rhs)  # fmt: skip
    report.identity("shapes.conv_output_size(i, k, s, p, d) (the general formula of 1–7, 15)",
                    shapes.conv_output_size(i, k, s, p, d), CONV)  # fmt: skip
    report.identity("sum(shapes.same_padding(k, d)) = d(k − 1), so padding='same' keeps o = i",
                    sum(shapes.same_padding(k, d)), d * (k - 1))  # fmt: skip
    for relationship in RELATIONSHIPS:
        _check_relationship(report, relationship)
    _check_round_trips(report)
    for size in range(1, 6):
        for dilation in (1, 2):
            for length in (5, 9):
                out = F.conv1d(zeros(1, 1, length), zeros(1, 1, size), padding="same", dilation=dilation)
                report.equal("conv1d(padding='same') keeps the length (odd and even k)", out.shape[2], length,
                             f"i = {length}, k = {size}, d = {dilation}")  # fmt: skip
    return report


_RANGES = {i: (1, 9), i_t: (1, 6), k: (1, 4), s: (1, 3), p: (0, 2), d: (1, 2), j: (0, 2), a: (0, 2)}


def _check_relationship(report: Report, relationship: Relationship) -> None:
    """Run the engine at every point of a small grid over the relationship's free symbols."""
    lhs = relationship.general.xreplace(relationship.setting)
    free = lhs.free_symbols | relationship.formula.free_symbols
    free = sorted(free.union(*(as_expr(v).free_symbols for v in relationship.setting.values())), key=str)
    grid = Grid({x: _RANGES[x] for x in free})
    formula = compile_exact(relationship.formula)
    names = (i_t, k, s, p, a, d) if relationship.op == "transposed" else (i, k, s, p, d)
    settings = {x: compile_exact(as_expr(relationship.setting.get(x, x))) for x in names}
    what = f"relationship {relationship.number} ({relationship.title}): {relationship.op} forward size"
    for point in grid.points():
        hyper = {x.name: f(point) for x, f in settings.items()}
        expected = formula(point)
        if expected < 1 or hyper.get("a", 0) >= max(hyper["s"], hyper["d"]):
            continue  # the engine refuses these (empty output, or output padding ≥ stride)
        report.equal(what, _engine_size(relationship.op, hyper), expected, hyper)


def _engine_size(op: str, hyper: dict) -> int:
    if op == "pool":
        return F.max_pool1d(zeros(1, 1, hyper["i"]), hyper["k"], hyper["s"]).shape[2]
    if op == "conv":
        out = F.conv1d(zeros(1, 1, hyper["i"]), zeros(1, 1, hyper["k"]), stride=hyper["s"], padding=hyper["p"],
                       dilation=hyper["d"])  # fmt: skip
        return out.shape[2]
    out = F.conv_transpose1d(zeros(1, 1, hyper["i_T"]), zeros(1, 1, hyper["k"]), stride=hyper["s"],
                             padding=hyper["p"], output_padding=hyper["a"], dilation=hyper["d"])  # fmt: skip
    return out.shape[2]


def _check_round_trips(report: Report) -> None:
    """conv1d then conv_transpose1d with output padding (i + 2p − d(k−1) − 1) mod s gives back length i."""
    remainder = compile_exact(REMAINDER)
    for point in Grid({i: (1, 10), k: (1, 3), s: (1, 3), p: (0, 1), d: (1, 2)}, where=FITS).points():
        hyper = {x.name: v for x, v in point.items()}
        extra = remainder(point)
        if extra >= max(hyper["s"], hyper["d"]):
            continue  # PyTorch (and the engine) allow output padding only below the stride or dilation
        weight = zeros(1, 1, hyper["k"])
        geometry = {"stride": hyper["s"], "padding": hyper["p"], "dilation": hyper["d"]}
        down = F.conv1d(zeros(1, 1, hyper["i"]), weight, **geometry)
        up = F.conv_transpose1d(down, weight, output_padding=extra, **geometry)
        report.equal("conv1d then conv_transpose1d(output_padding=a) restores the length", up.shape[2],
                     hyper["i"], hyper)  # fmt: skip


DERIVATION = Derivation(
    name="conv_arithmetic",
    title="Convolution arithmetic: the fifteen relationships of Dumoulin and Visin",
    summary="Every relationship of 'A guide to convolution arithmetic for deep learning' is the general "
    "output size of a convolution or of a transposed convolution with some hyperparameters fixed. "
    "The transposed convolution's output size is derived first, by counting; then each relationship "
    "is proved by substitution; then that the transposed convolution undoes the convolution's shape.",
    variables=(I, K, S, P, D, J, I_T, A, Q, F_T, O_T),
    steps=STEPS,
    result=sp.Eq(O_T.symbol, TRANSPOSED),
    assumptions=(
        "Sizes are positive: the convolution has at least one window (i + 2p − d(k − 1) − 1 ≥ 0) and "
        "the transposed convolution at least one output.",
        "Output padding is smaller than the stride or the dilation, as PyTorch requires: 0 ≤ a < max(s, d).",
        "In relationships 3 and 10 the kernel is odd, k = 2j + 1.",
    ),  # fmt: skip
    examples=(
        Example(
            "Undo a stride-2, 3×3, padding-1 convolution of a 7-pixel side (4 outputs): output padding "
            "a = (7 + 2 − 2 − 1) mod 2 = 0.",
            {"i_T": 4, "k": 3, "s": 2, "p": 1, "a": 0, "d": 1},
        ),
        Example(
            "The same for an 8-pixel side (also 4 outputs): a = 1 tells the two apart.",
            {"i_T": 4, "k": 3, "s": 2, "p": 1, "a": 1, "d": 1},
        ),
    ),  # fmt: skip
    verifier=verify,
)
