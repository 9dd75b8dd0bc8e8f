"""Parameter sharing: one filter for every position gives k + 1 parameters, and (C_in/g·k_h·k_w + 1)·C_out
for a convolution layer, whatever the size of the image.

Examples:
    >>> from derivations import get
    >>> get("parameter_sharing").result
    Eq(P, C_out*(C_in*k_h*k_w/g + 1))
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from tinygrad_cnn import shapes

from ..checks import Report, nn, output_shape, parameter_count
from ..core import Derivation
from ..exact import compile_exact
from ..vocabulary import Example, Grid, Step, Var

__all__ = ["DERIVATION", "verify"]

K = Var.integer("k", "number of weights of a 1-D filter")
C_IN = Var.integer("C_in", "number of input channels", latex="C_{in}")
C_OUT = Var.integer("C_out", "number of output channels (filters)", latex="C_{out}")
KH = Var.integer("k_h", "height of the kernel")
KW = Var.integer("k_w", "width of the kernel")
G = Var.integer("g", "number of groups (g = 1: every filter sees every input channel)")
H = Var.integer("H", "height of the input")
W = Var.integer("W", "width of the input")
H_OUT = Var.integer("H_out", "height of the output", latex="H'")
W_OUT = Var.integer("W_out", "width of the output", latex="W'")
F = Var.integer("F", "number of parameters of one shared 1-D filter")
P0 = Var.integer("P_0", "number of parameters of a convolution layer without groups", latex="P_{0}")
P = Var.integer("P", "number of parameters of a convolution layer with g groups")
D = Var.integer("D", "number of parameters of a dense layer with the same input and output sizes")
R = Var.ratio("R", "how many times more parameters the dense layer has")
k, c_in, c_out, kh, kw, g = K.symbol, C_IN.symbol, C_OUT.symbol, KH.symbol, KW.symbol, G.symbol
h, w, h_out, w_out = H.symbol, W.symbol, H_OUT.symbol, W_OUT.symbol
i, o, c, u, v = sp.symbols("i o c u v", integer=True, positive=True)  # indices

RATIO = (c_in * h * w + 1) * h_out * w_out / (c_in * kh * kw + 1)

STEPS = (
    Step("Sharing (the lecture's symmetry): every output position uses the same k weights w₁…wₖ and the same "
         "bias, so the distinct parameters are those of one window.", F.symbol, sp.Sum(1, (i, 1, k)) + 1,
         defines=True),
    Step("k weights and a bias, however many outputs there are.", F.symbol, k + 1),
    Step("A 2-D convolution layer has one shared filter per output channel o = 1…C_out; a filter spans the "
         "k_h × k_w window in all C_in input channels, and has one bias.",
         P0.symbol, sp.Sum(sp.Sum(1, (c, 1, c_in), (u, 1, kh), (v, 1, kw)) + 1, (o, 1, c_out)), defines=True),
    Step("Each filter has C_in·k_h·k_w weights and a bias.", P0.symbol, (c_in * kh * kw + 1) * c_out),
    Step("With g groups the channels are split into g groups, and output channel o sees only the C_in/g "
         "input channels of its own group.",
         P.symbol, sp.Sum(sp.Sum(1, (c, 1, c_in / g), (u, 1, kh), (v, 1, kw)) + 1, (o, 1, c_out)), defines=True),
    Step("Each filter has C_in/g·k_h·k_w weights and a bias.", P.symbol, (c_in / g * kh * kw + 1) * c_out),
    Step("One group is the layer of step 4.", P0.symbol, sp.Subs((c_in / g * kh * kw + 1) * c_out, g, 1)),
    Step("A dense layer from the same C_in × H × W input to the same C_out × H' × W' output has "
         "(nₗ₋₁ + 1)·nₗ parameters with nₗ₋₁ = C_in·H·W and nₗ = C_out·H'·W' (dense_parameters).",
         D.symbol, (c_in * h * w + 1) * c_out * h_out * w_out, defines=True),
    Step("How many times more parameters the dense layer has than the convolution (one group).",
         R.symbol, D.symbol / P0.symbol, defines=True),
    Step("C_out cancels: the ratio grows with the image (H·W·H'·W'), the convolution does not.",
         R.symbol, RATIO),
)  # fmt: skip


def verify() -> Report:
    """``nn.Conv1d`` / ``nn.Conv2d`` parameter counts (with groups, with and without bias), the ratio to a
    real ``nn.Linear``, and ``shapes.conv_parameter_count`` on symbols."""
    report = Report(DERIVATION.name)
    result = DERIVATION.result.rhs
    q = sp.Symbol("q", integer=True, positive=True)  # input channels per group: C_in = g·q
    report.identity(
        "shapes.conv_parameter_count(C_in, C_out, (k_h, k_w))",
        shapes.conv_parameter_count(c_in, c_out, (kh, kw)),
        result.subs(g, 1),
    )
    report.identity(
        "shapes.conv_parameter_count(g·q, C_out, (k_h, k_w), groups=g)",
        shapes.conv_parameter_count(g * q, c_out, (kh, kw), groups=g),
        result.subs(c_in, g * q),
    )
    report.identity("shapes.conv_parameter_count(1, 1, k) (one 1-D filter)",
                    shapes.conv_parameter_count(1, 1, k), k + 1)  # fmt: skip
    formula = compile_exact(result)
    divides = sp.And(sp.Eq(sp.Mod(c_in, g), 0), sp.Eq(sp.Mod(c_out, g), 0))
    for point in Grid({c_in: (1, 4), c_out: (1, 4), g: (1, 4), kh: (1, 3), kw: (1, 3)}, where=divides).points():
        a, b, groups, size = point[c_in], point[c_out], point[g], (point[kh], point[kw])
        case = f"({a}, {b}, {size}, groups={groups})"
        conv = nn.Conv2d(a, b, size, groups=groups)
        report.equal("nn.Conv2d parameter count", parameter_count(conv), formula(point), case)
        report.equal(
            "nn.Conv2d(bias=False) parameter count = the result minus C_out biases",
            parameter_count(nn.Conv2d(a, b, size, groups=groups, bias=False)),
            formula(point) - b,
            case,
        )
        if point[kh] == 1:
            report.equal(
                "nn.Conv1d parameter count (k_h = 1, k_w = k)",
                parameter_count(nn.Conv1d(a, b, point[kw], groups=groups)),
                formula(point),
                case,
            )
    ratio = compile_exact(RATIO)
    for a, b, size, window in [(1, 1, 32, 2), (1, 1, 8, 3), (3, 2, 6, 3), (2, 4, 5, 1)]:  # (C_in, C_out, H=W, k)
        conv = nn.Conv2d(a, b, window)
        _, _, rows, cols = output_shape(conv, 1, a, size, size)
        dense = nn.Linear(a * size * size, b * rows * cols)
        point = {c_in: a, h: size, w: size, kh: window, kw: window, h_out: rows, w_out: cols}
        report.equal("nn.Linear / nn.Conv2d parameter counts for the same input and output sizes",
                     Fraction(parameter_count(dense), parameter_count(conv)), ratio(point),
                     f"{a}×{size}×{size} -> {b}×{rows}×{cols}, kernel {window}×{window}")  # fmt: skip
    return report


DERIVATION = Derivation(
    name="parameter_sharing",
    title="Parameter sharing: one filter for every position",
    summary="Locality left (k + 1) parameters per output. Sharing them (the same weights at every position, "
    "the lecture's symmetry) leaves k + 1 for the whole layer; a convolution layer has one such "
    "filter per output channel, (C_in·k_h·k_w + 1)·C_out parameters, C_in/g in place of C_in with "
    "g groups, independent of the size of the image.",
    variables=(K, C_IN, C_OUT, KH, KW, G, H, W, H_OUT, W_OUT, F, P0, P, D, R),
    steps=STEPS,
    result=sp.Eq(P.symbol, (c_in / g * kh * kw + 1) * c_out),
    assumptions=(
        "Every output position of a channel uses the same filter (weights and bias).",
        "g divides C_in and C_out.",
    ),  # fmt: skip
    examples=(
        Example(
            "A convolution with 3 input channels, 8 filters of 5×5:",
            {"C_in": 3, "C_out": 8, "k_h": 5, "k_w": 5, "g": 1},
        ),
        Example(
            "A depthwise convolution (one group per channel), 8 channels, 3×3:",
            {"C_in": 8, "C_out": 8, "k_h": 3, "k_w": 3, "g": 8},
        ),
        Example(
            "The lecture's filter w₁…w₄ is 2×2 (k = 4 weights): with its bias, 5 parameters for any image.",
            {"k": 4},
            sp.Eq(F.symbol, k + 1),
        ),
        Example(
            "Against dense, on the lecture's 32×32 image with the 2×2 filter (one channel in and out, a "
            "31×31 output): the dense layer has about 200,000 times more parameters.",
            {"C_in": 1, "H": 32, "W": 32, "k_h": 2, "k_w": 2, "H_out": 31, "W_out": 31},
            sp.Eq(R.symbol, RATIO),
        ),
    ),  # fmt: skip
    verifier=verify,
)
