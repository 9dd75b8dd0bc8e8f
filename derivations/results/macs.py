"""Compute: a convolution costs C_out·H'·W'·(C_in/g)·k_h·k_w multiply-accumulates, a dense layer n_in·n_out.

Counting multiply-accumulates (MACs) the way the parameters were counted shows what each of the lecture's
two ideas buys. *Locality* (each output reads a k_h × k_w window, not the whole H × W image) saves compute
and parameters alike, by H·W/(k_h·k_w). *Sharing* (the same filter at every position) saves parameters
only, by H'·W': a locally connected layer, with its own filter at each position, does exactly the
convolution's arithmetic with different numbers.

Examples:
    >>> from derivations import get
    >>> get("macs").result
    Eq(M_c, C_in*C_out*H_out*W_out*k_h*k_w/g)
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp

import tinygrad_cnn.functional as F
from tinygrad_cnn import Tensor, no_grad, shapes
from tinygrad_cnn.conv.value_conv import conv2d as value_conv2d
from tinygrad_cnn.conv.value_conv import to_values

from ..checks import Report, nn, parameter_count
from ..core import Derivation
from ..exact import compile_exact
from ..vocabulary import Example, Step, Var

__all__ = ["DERIVATION", "verify", "count_multiplications"]

C_IN = Var.integer("C_in", "number of input channels", latex="C_{in}")
C_OUT = Var.integer("C_out", "number of output channels", latex="C_{out}")
KH = Var.integer("k_h", "height of the kernel")
KW = Var.integer("k_w", "width of the kernel")
G = Var.integer("g", "number of groups")
H = Var.integer("H", "height of the input")
W = Var.integer("W", "width of the input")
H_OUT = Var.integer("H_out", "height of the output", latex="H'")
W_OUT = Var.integer("W_out", "width of the output", latex="W'")
N_IN = Var.integer("n_in", "inputs of a dense layer", latex="n_{in}")
N_OUT = Var.integer("n_out", "outputs of a dense layer", latex="n_{out}")
M_C = Var.integer("M_c", "multiply-accumulates of a convolution with g groups", latex="M_{conv}")
M_D = Var.integer("M_d", "multiply-accumulates of a dense layer", latex="M_{dense}")
M_L = Var.integer("M_l", "multiply-accumulates of a locally connected layer (no sharing)", latex="M_{local}")
M_DI = Var.integer("M_D", "multiply-accumulates of a dense layer from the image to the same output",
                   latex="M_{dense}'")  # fmt: skip
P_C = Var.integer("P_c", "parameters of the convolution (one group)", latex="P_{conv}")
P_L = Var.integer("P_l", "parameters of the locally connected layer", latex="P_{local}")
P_DI = Var.integer("P_D", "parameters of the dense layer from the image to the same output", latex="P_{dense}'")
R_SP = Var.ratio("R_sp", "parameters saved by sharing: local over conv", latex="R^{P}_{share}")
R_SM = Var.ratio("R_sm", "compute saved by sharing: local over conv", latex="R^{M}_{share}")
R_LM = Var.ratio("R_lm", "compute saved by locality: dense over local", latex="R^{M}_{local}")
R_LP = Var.ratio("R_lp", "parameters saved by locality: dense over local", latex="R^{P}_{local}")
c_in, c_out, kh, kw, g = C_IN.symbol, C_OUT.symbol, KH.symbol, KW.symbol, G.symbol
h, w, h_out, w_out, n_in, n_out = H.symbol, W.symbol, H_OUT.symbol, W_OUT.symbol, N_IN.symbol, N_OUT.symbol
o, u, v, c, a, b, i, j = sp.symbols("o u v c a b i j", integer=True, positive=True)  # indices

POSITIONS = ((o, 1, c_out), (u, 1, h_out), (v, 1, w_out))  # one output value per (map, row, column)
CONV = c_out * h_out * w_out * c_in / g * kh * kw

STEPS = (
    Step("Output value (o, u, v) of a convolution is the dot product of its window with filter o: one "
         "multiply-accumulate per weight of the filter, which spans the C_in/g input channels of its group "
         "and k_h × k_w positions. Count them over every output value.",
         M_C.symbol, sp.Sum(1, (c, 1, c_in / g), (a, 1, kh), (b, 1, kw), *POSITIONS), defines=True),
    Step("C_out·H'·W' output values, each C_in/g·k_h·k_w products.", M_C.symbol, CONV),
    Step("A dense layer: output j = 1…n_out multiplies every input i = 1…n_in by its own weight.",
         M_D.symbol, sp.Sum(1, (i, 1, n_in), (j, 1, n_out)), defines=True),
    Step("One multiply-accumulate per weight.", M_D.symbol, n_in * n_out),
    Step("A locally connected layer (locality without sharing) computes each output value from the same "
         "window as the convolution (one group), only with that position's own filter: the same count.",
         M_L.symbol, sp.Sum(1, (c, 1, c_in), (a, 1, kh), (b, 1, kw), *POSITIONS), defines=True),
    Step("It is the convolution's count with one group.", M_L.symbol, CONV.subs(g, 1)),
    Step("Its parameters: every output value has its own filter of C_in·k_h·k_w weights and its own bias.",
         P_L.symbol, sp.Sum(sp.Sum(1, (c, 1, c_in), (a, 1, kh), (b, 1, kw)) + 1, *POSITIONS), defines=True),
    Step("The convolution shares one filter and bias per output channel (parameter_sharing, one group).",
         P_C.symbol, (c_in * kh * kw + 1) * c_out, defines=True),
    Step("Sharing divides the parameters by the number of output positions…",
         R_SP.symbol, P_L.symbol / P_C.symbol, defines=True),
    Step("…which is H'·W'.", R_SP.symbol, h_out * w_out),
    Step("…but leaves the compute as it was: the same products, with shared numbers.",
         R_SM.symbol, M_L.symbol / M_C.symbol, defines=True),
    Step("The ratio is the number of groups: one for an ordinary convolution (with g groups each filter "
         "reads g times fewer channels, which is a saving of its own).", R_SM.symbol, g),
    Step("A dense layer from the whole C_in × H × W input to the same C_out × H' × W' output: step 4 with "
         "n_in = C_in·H·W and n_out = C_out·H'·W'.", M_DI.symbol, (c_in * h * w) * (c_out * h_out * w_out),
         defines=True),
    Step("Locality (against the locally connected layer) divides the compute by how much of the image an "
         "output reads…",
         R_LM.symbol, M_DI.symbol / M_L.symbol, defines=True),
    Step("…the whole H × W image instead of a k_h × k_w window.", R_LM.symbol, h * w / (kh * kw)),
    Step("The dense layer's parameters (dense_parameters).", P_DI.symbol, (c_in * h * w + 1) * c_out * h_out * w_out,
         defines=True),
    Step("Locality divides the parameters by about the same factor…", R_LP.symbol, P_DI.symbol / P_L.symbol,
         defines=True),
    Step("…the input a unit reads, plus its bias, over the same for a window.",
         R_LP.symbol, (c_in * h * w + 1) / (c_in * kh * kw + 1)),
    Step("So the dense layer has the most of both; against the convolution its parameters are larger by "
         "both factors at once.", P_DI.symbol / P_C.symbol, R_LP.symbol * R_SP.symbol),
)  # fmt: skip


def count_multiplications(outputs: list) -> int:
    """Multiplication nodes in the scalar-engine graph behind ``outputs`` (a nested list of Values)."""
    stack, seen, count = [v for plane in outputs for row in plane for v in row], set(), 0
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        count += node._op == "*"
        stack.extend(node._prev)
    return count


def verify() -> Report:
    """``shapes.conv_macs``/``dense_macs`` on symbols; multiplications counted in real forward passes: the
    unfold matrices of ``conv2d`` (with groups, stride, padding, dilation), the scalar engine's graph, a
    locally connected layer on ``unfold``, and ``nn.Linear``."""
    report = Report(DERIVATION.name)
    result = DERIVATION.result.rhs
    q = sp.Symbol("q", integer=True, positive=True)  # input channels per group: C_in = g·q
    report.identity(
        "shapes.conv_macs(g·q, C_out, (k_h, k_w), (H', W'), groups=g)",
        shapes.conv_macs(g * q, c_out, (kh, kw), (h_out, w_out), groups=g),
        result.subs(c_in, g * q),
    )
    report.identity("shapes.dense_macs(n_in, n_out)", shapes.dense_macs(n_in, n_out), n_in * n_out)
    formula = compile_exact(result)
    rng = np.random.default_rng(0)
    cases = [
        (1, 1, 1, 3, 1, 0, 1),
        (2, 4, 2, 3, 2, 1, 1),
        (3, 6, 3, 2, 1, 1, 2),
        (4, 4, 4, 3, 1, 0, 1),
        (2, 3, 1, 1, 1, 0, 1),
        (4, 2, 2, 3, 2, 2, 2),
        (6, 6, 6, 3, 1, 1, 1),
        (6, 4, 2, 2, 2, 0, 1),
        (1, 5, 1, 5, 1, 2, 1),
        (3, 3, 3, 1, 2, 0, 1),
        (4, 8, 4, 3, 3, 1, 1),
        (2, 2, 1, 2, 1, 0, 3),
        (1, 3, 1, 2, 1, 1, 1),
        (8, 4, 4, 1, 1, 0, 1),
    ]  # (C_in, C_out, g, k, stride, padding, dilation)
    for c1, c2, groups, k, stride, pad, dil in cases:
        _unfold_count(report, rng, formula, c1, c2, groups, k, stride, pad, dil)
    for c1, c2, k, size in [(1, 1, 2, 4), (2, 3, 3, 5), (1, 2, 3, 3), (3, 1, 1, 3), (2, 2, 2, 4)]:
        x = to_values(rng.standard_normal((c1, size, size)))
        weight = to_values(rng.standard_normal((c2, c1, k, k)))
        n = size - k + 1
        report.equal(
            "multiplications in the scalar engine's conv2d graph (no padding)",
            count_multiplications(value_conv2d(x, weight)),
            formula({c_in: c1, c_out: c2, g: 1, kh: k, kw: k, h_out: n, w_out: n}),
            (c1, c2, k, size),
        )
    _local_versus_conv(report, rng)
    for a_in, a_out in [(1, 1), (32 * 32, 100), (7, 3), (120, 84), (84, 10), (3, 17)]:
        layer = nn.Linear(a_in, a_out)
        x = Tensor(np.zeros((1, a_in), np.float32))
        report.equal(
            "nn.Linear forward: a (1 × n_in)·(n_in × n_out) matmul, n_in·n_out products",
            x.shape[1] * layer.weight.T.shape[1],
            shapes.dense_macs(a_in, a_out),
            (a_in, a_out),
        )
    return report


def _unfold_count(report: Report, rng, formula, c1: int, c2: int, groups: int, k: int, stride: int, pad: int,
                  dil: int) -> None:  # fmt: skip
    """Redo conv2d as one matmul per group of its unfold matrix; count the products; compare the output."""
    x = Tensor(rng.standard_normal((1, c1, 7, 6)))
    weight = Tensor(rng.standard_normal((c2, c1 // groups, k, k)))
    geometry = {"stride": stride, "padding": pad, "dilation": dil}
    with no_grad():
        y = F.conv2d(x, weight, groups=groups, **geometry)
        products, parts = 0, []
        for group in range(groups):
            xs = x[:, group * (c1 // groups) : (group + 1) * (c1 // groups)]
            cols = F.unfold(xs, k, dilation=dil, padding=pad, stride=stride)  # (1, C_in/g·k·k, H'·W')
            rows = weight[group * (c2 // groups) : (group + 1) * (c2 // groups)].reshape(c2 // groups, -1)
            products += rows.shape[0] * rows.shape[1] * cols.shape[2]  # (C_out/g × K)·(K × L): each entry K MACs
            parts.append((rows @ cols[0]).numpy())  # (C_out/g, H'·W')
    case = f"C_in={c1}, C_out={c2}, g={groups}, k={k}, s={stride}, p={pad}, d={dil}"
    same = np.allclose(np.concatenate(parts).reshape(y.shape), y.numpy(), atol=1e-12)
    report.equal("the unfold matmuls reproduce conv2d's output", same, True, case)
    point = {c_in: c1, c_out: c2, g: groups, kh: k, kw: k, h_out: y.shape[2], w_out: y.shape[3]}
    report.equal("products in conv2d's unfold matmuls", products, formula(point), case)


def _local_versus_conv(report: Report, rng) -> None:
    """A locally connected layer built on unfold: the convolution's products, H'·W' times its parameters."""
    sharing, local_macs = compile_exact(h_out * w_out), compile_exact(CONV.subs(g, 1))
    for c1, c2, k, size in [(1, 1, 2, 5), (2, 3, 3, 6), (3, 2, 1, 4), (1, 4, 3, 5)]:
        x = Tensor(rng.standard_normal((1, c1, size, size)))
        cols = F.unfold(x, k)  # (1, C_in·k·k, L): one column per output position
        positions = cols.shape[2]
        weights = rng.standard_normal((c2, cols.shape[1], positions))  # a filter per (channel, position)
        biases = rng.standard_normal((c2, positions))
        local = (cols.numpy()[0][None] * weights).sum(1) + biases  # (C_out, L)
        n = size - k + 1
        point = {c_in: c1, c_out: c2, kh: k, kw: k, h_out: n, w_out: n}
        case = f"C_in={c1}, C_out={c2}, k={k}, {size}×{size}"
        report.equal("products of a locally connected layer on unfold", weights.size, local_macs(point), case)
        report.equal("locally connected output size", local.shape, (c2, n * n), case)
        conv = nn.Conv2d(c1, c2, k)
        report.equal(
            "parameters: locally connected / nn.Conv2d",
            Fraction(weights.size + biases.size, parameter_count(conv)),
            sharing(point),
            case,
        )


DERIVATION = Derivation(
    name="macs",
    title="Compute: multiply-accumulates of convolution and dense layers",
    summary="Each output value of a convolution is one dot product of a window with a filter; counting the "
    "products gives C_out·H'·W'·(C_in/g)·k_h·k_w multiply-accumulates, and n_in·n_out for a dense "
    "layer. Comparing a dense layer, a locally connected layer and a convolution shows that locality "
    "saves compute and parameters, by H·W/(k_h·k_w), while sharing saves parameters only, by H'·W'.",
    variables=(
        C_IN,
        C_OUT,
        KH,
        KW,
        G,
        H,
        W,
        H_OUT,
        W_OUT,
        N_IN,
        N_OUT,
        M_C,
        M_D,
        M_L,
        M_DI,
        P_C,
        P_L,
        P_DI,
        R_SP,
        R_SM,
        R_LM,
        R_LP,
    ),
    steps=STEPS,
    result=sp.Eq(M_C.symbol, CONV),
    assumptions=(
        "g divides C_in and C_out.",
        "A multiply-accumulate is one product added to a running sum; adding the bias is not counted.",
        "The locally connected layer has its own filter and bias at every output position (untied).",
    ),
    examples=(
        Example(
            "LeNet-5's C1: one 32×32 input map, six 5×5 filters, 28×28 outputs.",
            {"C_in": 1, "C_out": 6, "k_h": 5, "k_w": 5, "g": 1, "H_out": 28, "W_out": 28},
        ),
        Example(
            "VGG-16's first layer: 3 channels to 64, 3×3, padding 1 keeps 224×224; about 87 million.",
            {"C_in": 3, "C_out": 64, "k_h": 3, "k_w": 3, "g": 1, "H_out": 224, "W_out": 224},
        ),
        Example(
            "AlexNet 2012's conv2 on two GPUs (groups = 2): 96 maps to 256, 5×5, 27×27 outputs.",
            {"C_in": 96, "C_out": 256, "k_h": 5, "k_w": 5, "g": 2, "H_out": 27, "W_out": 27},
        ),
        Example(
            "The lecture's dense layer, 32·32 inputs to 100 units:",
            {"n_in": 1024, "n_out": 100},
            sp.Eq(M_D.symbol, n_in * n_out),
        ),
        Example(
            "Locality on a 32×32 image with a 5×5 window: 40.96 times less compute.",
            {"H": 32, "W": 32, "k_h": 5, "k_w": 5},
            sp.Eq(R_LM.symbol, h * w / (kh * kw)),
        ),
    ),  # fmt: skip
    verifier=verify,
)
