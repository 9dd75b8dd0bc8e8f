"""Architecture tables: LeNet-5, AlexNet and VGG-16 counted layer by layer with the derived formulas.

Each layer's parameters are (C_in/g·k² + 1)·C_out (:mod:`.sharing`), and LeCun et al.'s *connections* (an
output value's links to its window and its bias) are the parameters times H'·W', since sharing uses every
parameter at every position. LeNet-5 adds two kinds of layer: subsampling (2 parameters per map) and C3's
partial connection table; its C1 to F6 hold exactly the paper's 60,000 trainable parameters, and the 840
weights of its RBF output units are fixed by hand, counted apart. The tables themselves (``tinygrad-cnn
summary lenet5``, :mod:`.summary`) are computed from small layer lists with the :mod:`tinygrad_cnn.shapes`
formulas, without allocating weights; the steps sum them and compare with the published totals. AlexNet's
first layer shows the paper's 224-versus-227 inconsistency.

Examples:
    >>> from derivations import get
    >>> get("architectures").result
    Eq(P_LeNet, 60000)
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from tinygrad_cnn import Tensor, no_grad, shapes
from tinygrad_cnn.models.architectures import ARCHITECTURES, RBF, build, thinned

from ..checks import Report, parameter_count
from ..core import Derivation
from ..summary import summarize, summary
from ..vocabulary import Example, Step, Var

__all__ = ["DERIVATION", "verify"]

C_IN = Var.integer("C_in", "input maps (channels) of the layer", latex="C_{in}")
C_OUT = Var.integer("C_out", "output maps of the layer", latex="C_{out}")
K = Var.integer("k", "kernel (window) side")
G = Var.integer("g", "groups")
H_OUT = Var.integer("H_out", "output height", latex="H'")
W_OUT = Var.integer("W_out", "output width", latex="W'")
N_IN = Var.integer("n", "input side (AlexNet's first layer)")
S = Var.integer("s", "stride")
PAD = Var.integer("p", "zero padding", minimum=0)
P = Var.integer("P", "parameters of a convolution layer")
N = Var.integer("N", "connections of a convolution layer")
P_S = Var.integer("P_S", "parameters of a LeNet subsampling layer with C_in maps", latex="P_{S}")
N_S = Var.integer("N_S", "connections of a LeNet subsampling layer", latex="N_{S}")
P_C3 = Var.integer("P_C3", "parameters of LeNet-5's partially connected C3", latex="P_{C3}")
TOTALS = {
    "lenet5_params": Var.integer("P_LeNet", "trainable parameters of LeNet-5 (C1 to F6)", latex="P_{LeNet-5}"),
    "lenet5_fixed": Var.integer("F_LeNet", "fixed weights of LeNet-5's RBF output units", latex="F_{LeNet-5}"),
    "lenet5_connections": Var.integer("N_LeNet", "connections of LeNet-5", latex="N_{LeNet-5}"),
    "alexnet2012": Var.integer("P_AlexNet12", "parameters of AlexNet (2012)", latex="P_{AlexNet\\,2012}"),
    "alexnet": Var.integer("P_AlexNet", "parameters of torchvision's AlexNet", latex="P_{AlexNet}"),
    "vgg16": Var.integer("P_VGG16", "parameters of VGG-16", latex="P_{VGG-16}"),
}
c_in, c_out, k, g, h_out, w_out = C_IN.symbol, C_OUT.symbol, K.symbol, G.symbol, H_OUT.symbol, W_OUT.symbol
n, s, pad = N_IN.symbol, S.symbol, PAD.symbol
o, c, u, v, r, q, m = sp.symbols("o c u v r q m", integer=True, positive=True)  # indices

PARAMS = (c_in / g * k**2 + 1) * c_out
CONNECTIONS = PARAMS * h_out * w_out
FIRST = sp.floor((n + 2 * pad - k) / s) + 1  # conv_output_size with d = 1
POSITIONS = ((r, 1, h_out), (q, 1, w_out))
WINDOW = sp.Sum(1, (c, 1, c_in / g), (u, 1, k), (v, 1, k))


def _unevaluated_sum(values: list[int]) -> sp.Expr:
    return sp.Add(*map(sp.Integer, values), evaluate=False)


def _total_steps(key: str, name: str, column: str, text: str, published: int, fixed: bool | None = None
                 ) -> tuple[Step, Step]:  # fmt: skip
    """Define a total as the sum of the table's per-layer counts (only the trainable or only the fixed layers'
    if ``fixed`` says so), then equate it to the published number."""
    rows = [row for row in summarize(name) if getattr(row, column) and (fixed is None or row.fixed == fixed)]
    values = [getattr(row, column) for row in rows]
    layers = ", ".join(f"{row.name} {getattr(row, column):,}" for row in rows)
    symbol = TOTALS[key].symbol
    return (Step(f"{text} Per layer, from the table (tinygrad-cnn summary {name}): {layers}.",
                 symbol, _unevaluated_sum(values), defines=True),
            Step(f"The published number: {published:,}.", symbol, published))  # fmt: skip


STEPS = (
    Step("A convolution layer (parameter_sharing): filter o = 1…C_out has C_in/g·k·k weights and a bias.",
         P.symbol, sp.Sum(WINDOW + 1, (o, 1, c_out)), defines=True),
    Step("Count them.", P.symbol, PARAMS),
    Step("LeCun et al. count connections: every output value (o, row, column) is linked to each input of its "
         "window and to its bias.", N.symbol, sp.Sum(WINDOW + 1, (o, 1, c_out), *POSITIONS), defines=True),
    Step("Sharing uses every parameter at every one of the H'·W' positions.", N.symbol, P.symbol * h_out * w_out),
    Step("LeNet-5's subsampling maps (S2, S4): the k×k window of map c summed, times one trainable coefficient, "
         "plus one trainable bias.", P_S.symbol, sp.Sum(2, (c, 1, c_in)), defines=True),
    Step("Two per map.", P_S.symbol, 2 * c_in),
    Step("Its connections: the window and the bias, at every output position of every map.",
         N_S.symbol, sp.Sum(k**2 + 1, (c, 1, c_in), *POSITIONS), defines=True),
    Step("Count them.", N_S.symbol, (k**2 + 1) * c_in * h_out * w_out),
    Step("C3 (Table I of the paper): maps 0–5 see 3 contiguous S2 maps, maps 6–11 see 4 contiguous ones, "
         "maps 12–14 see 4 discontinuous ones, and map 15 sees all 6; each map has a bias.",
         P_C3.symbol, sp.Sum(3 * k**2 + 1, (m, 1, 6)) + sp.Sum(4 * k**2 + 1, (m, 1, 9)) + (6 * k**2 + 1),
         defines=True),
    Step("Count them: 60 of the 96 possible (map, S2 map) links, with a bias per map.", P_C3.symbol, 60 * k**2 + 16),
    *_total_steps("lenet5_params", "lenet5", "params", "LeNet-5's trainable parameters: C1 (1·25 + 1)·6 = 156, "
                  "S2 2·6, C3 60·25 + 16 = 1,516, S4 2·16, C5 and F6.", 60_000, fixed=False),
    *_total_steps("lenet5_fixed", "lenet5", "params", "The output layer's 10 RBF units have 84 weights each, set "
                  "by hand to ±1 and not trained, so not among the 'trainable free parameters'.", 840, fixed=True),
    *_total_steps("lenet5_connections", "lenet5", "connections", "LeNet-5's connections (step 4 for C1, C3, "
                  "C5; step 8 for S2, S4; one per weight and bias for F6 and the output).", 340_908),
    Step("AlexNet's first layer: 11×11 kernels with stride 4 and no padding (p = 0). On the paper's stated "
         "224×224 input, ⌊213/4⌋ + 1 = ⌊53.25⌋ + 1: 54, not the 55×55 of its Figure 2.",
         sp.Subs(FIRST, (n, k, s, pad), (224, 11, 4, 0)), 54),
    Step("On 227×227 (what the network needs) (227 − 11)/4 = 54 exactly: 55.",
         sp.Subs(FIRST, (n, k, s, pad), (227, 11, 4, 0)), 55),
    Step("torchvision keeps 224 and pads by 2: ⌊217/4⌋ + 1 = 55.", sp.Subs(FIRST, (n, k, s, pad), (224, 11, 4, 2)), 55),
    *_total_steps("alexnet2012", "alexnet2012", "params", "AlexNet (2012): conv1 (3·11·11 + 1)·96; conv2, "
                  "conv4, conv5 on two GPUs, g = 2; conv3 g = 1; fc6 sees 256·6·6 = 9,216 inputs.", 60_965_224),
    *_total_steps("alexnet", "alexnet", "params", "torchvision's one-tower AlexNet, 64-192-384-256-256 "
                  "channels:", 61_100_840),
    *_total_steps("vgg16", "vgg16", "params", "VGG-16 (configuration D): thirteen 3×3 convolutions with "
                  "padding 1, five 2×2 max-pools, and fc6 on 512·7·7 = 25,088 inputs.", 138_357_544),
)  # fmt: skip


def verify() -> Report:
    """Table totals against the published numbers; ``shapes.conv_parameter_count`` on symbols; the real
    LeNet-5 built from the engine's layers (per-layer parameters and forward shapes); AlexNet and VGG-16 with
    channels divided by 16 or 32 (same output sizes) as real models; ``from_module`` round trips."""
    report = Report(DERIVATION.name)
    q_ = sp.Symbol("q", integer=True, positive=True)  # C_in = g·q
    report.identity(
        "shapes.conv_parameter_count(g·q, C_out, (k, k), groups=g)",
        shapes.conv_parameter_count(g * q_, c_out, (k, k), groups=g),
        PARAMS.subs(c_in, g * q_),
    )
    published = {"lenet5": ("connections", 340_908), "alexnet": ("params", 61_100_840),
                  "alexnet2012": ("params", 60_965_224), "vgg16": ("params", 138_357_544)}  # fmt: skip
    for name, (column, number) in published.items():
        result = summary(name)
        total = result.params if column == "params" else result.total(column)
        report.equal("table total = the published number", total, number, f"{name} {column}")
    lenet = summary("lenet5")
    report.equal("LeNet-5's trainable parameters = the paper's 60,000, exactly", lenet.trainable, 60_000, "lenet5")
    report.equal("LeNet-5's fixed RBF weights = 84·10", lenet.fixed, 840, "lenet5")
    lenet_model = build(ARCHITECTURES["lenet5"], generator=np.random.default_rng(0))
    report.equal("the built LeNet-5 trains exactly 60,000 parameters", lenet_model.num_parameters(), 60_000,
                 "build(lenet5).num_parameters()")  # fmt: skip
    _real_model(report, "lenet5", ARCHITECTURES["lenet5"])
    for name, divisor in (("alexnet", 16), ("alexnet2012", 16), ("vgg16", 32)):
        _real_model(report, name, thinned(ARCHITECTURES[name], divisor))
    return report


def _real_model(report: Report, name: str, architecture) -> None:
    """Build the layers as engine modules; compare each layer's parameters and forward shape with the table."""
    rows = {row.name: row for row in summarize(architecture)}
    full = {row.name: row.output for row in summarize(name)}  # the unthinned sizes
    model = build(architecture, generator=np.random.default_rng(0))
    x = Tensor(np.zeros((1, *architecture.input_shape), np.float32))
    with no_grad():
        for key, module in model.named_children():
            x = module(x)
            if key in rows:
                case = f"{architecture.name} {key}"
                report.equal("real layer's parameters (fixed ones included) = the table's formula",
                             parameter_count(module) + _fixed_count(module), rows[key].params, case)  # fmt: skip
                report.equal("real forward shape = the table's output shape", x.shape[1:], rows[key].output, case)
                report.equal("output size with thinned channels = the full architecture's", x.shape[2:],
                             full[key][1:], case)  # fmt: skip
    report.equal(
        "summarize(the real nn.Sequential) = summarize(the layer list)",
        summarize(model, architecture.input_shape),
        list(rows.values()),
        architecture.name,
    )


def _fixed_count(module) -> int:
    """The weights a layer keeps fixed (buffers that the table counts as parameters: LeNet-5's RBF units)."""
    return int(module.weight.numel()) if isinstance(module, RBF) else 0


DERIVATION = Derivation(
    name="architectures",
    title="Architecture tables: LeNet-5, AlexNet, VGG-16",
    summary="Counting parameters ((C_in/g·k² + 1)·C_out) and connections (parameters × H'·W', since sharing "
    "uses each parameter at every position) layer by layer reproduces the published tables exactly: LeNet-5's "
    "340,908 connections and 60,000 trainable parameters (plus the 840 fixed weights of its RBF output), "
    "AlexNet's 60,965,224 "
    "(two GPUs, 2012) and 61,100,840 (torchvision), and VGG-16's 138,357,544. AlexNet's first layer "
    "only gives 55×55 on a 227×227 input, not the paper's 224×224.",
    variables=(C_IN, C_OUT, K, G, H_OUT, W_OUT, N_IN, S, PAD, P, N, P_S, N_S, P_C3, *TOTALS.values()),
    steps=STEPS,
    result=sp.Eq(TOTALS["lenet5_params"].symbol, 60_000),
    assumptions=(
        "g divides C_in and C_out; kernels are square, k × k, as in all three papers.",
        "Connections count the bias as one link, as LeCun et al. do; pooling without parameters "
        "(AlexNet, VGG) has connections but no parameters.",
        "The per-layer numbers summed in the totals come from the table (tinygrad-cnn summary NAME), "
        "whose formulas are those of steps 2, 4, 6, 8 and 10 and of dense_parameters.",
    ),
    examples=(
        Example(
            "LeNet-5's C1: a 32×32 input, six 5×5 maps of 28×28: 156 parameters, 122,304 connections.",
            {"C_in": 1, "C_out": 6, "k": 5, "g": 1, "H_out": 28, "W_out": 28},
            sp.Eq(N.symbol, CONNECTIONS),
        ),
        Example(
            "LeNet-5's S2: six maps, 2×2 windows, 14×14 outputs.",
            {"C_in": 6, "k": 2, "H_out": 14, "W_out": 14},
            sp.Eq(N_S.symbol, (k**2 + 1) * c_in * h_out * w_out),
        ),
        Example("LeNet-5's C3, 5×5 kernels:", {"k": 5}, sp.Eq(P_C3.symbol, 60 * k**2 + 16)),
        Example(
            "AlexNet 2012's conv2: 96 maps in two groups of 48, 256 filters of 5×5, 27×27 outputs.",
            {"C_in": 96, "C_out": 256, "k": 5, "g": 2, "H_out": 27, "W_out": 27},
            sp.Eq(N.symbol, CONNECTIONS),
        ),
        Example(
            "AlexNet's first layer on 224 (the paper's text) and on 227:",
            {"n": 224, "k": 11, "s": 4, "p": 0},
            sp.Eq(sp.Symbol("H_out"), FIRST),
        ),
        Example("…on 227:", {"n": 227, "k": 11, "s": 4, "p": 0}, sp.Eq(sp.Symbol("H_out"), FIRST)),
    ),  # fmt: skip
    verifier=verify,
)
