"""Locality: when each output sees only a window of k inputs, a layer has (k + 1)·nₗ parameters.

In 2-D with C input channels the window of each output is a k_h × k_w patch in every channel, so each of
the nₗ outputs sees C·k_h·k_w inputs and the layer has (C·k_h·k_w + 1)·nₗ parameters. The weights are not
shared yet: that is the next step, :mod:`derivations.results.sharing`.

Examples:
    >>> from derivations import get
    >>> get("locality").result
    Eq(P, n*(C*k_h*k_w + 1))
"""

from __future__ import annotations

import numpy as np
import sympy as sp

import tinygrad_cnn.functional as F
from tinygrad_cnn import Tensor, shapes

from ..checks import Report
from ..core import Derivation
from ..exact import compile_exact
from ..vocabulary import Example, Grid, Step, Var

__all__ = ["DERIVATION", "verify"]

N = Var.integer("n", "number of outputs (units) of layer l", latex="n_{l}")
K = Var.integer("k", "number of inputs in each output's window (1-D)")
C = Var.integer("C", "number of input channels")
KH = Var.integer("k_h", "height of the window")
KW = Var.integer("k_w", "width of the window")
N_PREV = Var.integer("n_prev", "number of inputs of the layer", latex="n_{l-1}")
P1 = Var.integer("P_1", "number of parameters of the 1-D locally connected layer", latex="P_{1}")
P = Var.integer("P", "number of parameters of the 2-D locally connected layer")
D = Var.integer("D", "number of parameters of a dense layer with the same inputs and outputs")
R = Var.ratio("R", "how many times more parameters the dense layer has")
n, k, c, kh, kw, n_prev = N.symbol, K.symbol, C.symbol, KH.symbol, KW.symbol, N_PREV.symbol
i, j, u, v, ch = sp.symbols("i j u v c", integer=True, positive=True)  # indices

PER_OUTPUT_2D = sp.Sum(1, (ch, 1, c), (u, 1, kh), (v, 1, kw))

STEPS = (
    Step("Locality: output j (j = 1…nₗ) is connected only to the k inputs of its window, not to all nₗ₋₁ "
         "inputs. It keeps one weight per connection and its bias: count them.",
         P1.symbol, sp.Sum(sp.Sum(1, (i, 1, k)) + 1, (j, 1, n)), defines=True),
    Step("Each output contributes k weights and one bias.", P1.symbol, (k + 1) * n),
    Step("In 2-D with channels, the window of output j is a k_h × k_w patch (rows u, columns v) in each of "
         "the C input channels: count the inputs it sees, then add the bias.",
         P.symbol, sp.Sum(PER_OUTPUT_2D + 1, (j, 1, n)), defines=True),
    Step("Each output sees C·k_h·k_w inputs.", P.symbol, (c * kh * kw + 1) * n),
    Step("The 1-D count is the case of one channel and a 1 × k window.",
         P1.symbol, sp.Subs((c * kh * kw + 1) * n, (c, kh, kw), (1, 1, k))),
    Step("A dense layer from the same nₗ₋₁ inputs to the same nₗ outputs has (nₗ₋₁ + 1)·nₗ parameters "
         "(dense_parameters).", D.symbol, (n_prev + 1) * n, defines=True),
    Step("How many times more parameters the dense layer has.", R.symbol, D.symbol / P1.symbol, defines=True),
    Step("nₗ cancels: locality divides the count by the number of inputs per output, plus one for the bias, "
         "over the same for dense.", R.symbol, (n_prev + 1) / (k + 1)),
)  # fmt: skip


def verify() -> Report:
    """Back-propagate from one output of a real ``conv2d`` and count the inputs it sees; count the weights a
    locally connected layer built on the engine's ``unfold`` needs; ``shapes.dense_parameter_count`` on a
    window."""
    report = Report(DERIVATION.name)
    report.identity("shapes.dense_parameter_count(C·k_h·k_w, n) (each output: a dense unit on its window)",
                    shapes.dense_parameter_count(c * kh * kw, n), DERIVATION.result.rhs)  # fmt: skip
    formula, sees = compile_exact(DERIVATION.result.rhs), compile_exact(PER_OUTPUT_2D.doit())
    rng = np.random.default_rng(0)
    for point in Grid({c: (1, 3), kh: (1, 3), kw: (1, 3)}).points():
        channels, height, width = point[c], point[kh], point[kw]
        x = Tensor(rng.random((1, channels, height + 2, width + 3)) + 0.5, requires_grad=True)  # positive
        y = F.conv2d(x, Tensor(np.ones((1, channels, height, width))))  # all-ones weights: no cancellation
        y[0, 0, 1, 1].backward()
        case = f"C = {channels}, window {height}×{width}"
        report.equal("inputs one conv2d output depends on (non-zero gradient)",
                     int(np.count_nonzero(x.grad.numpy())), sees(point), case)  # fmt: skip
        cols = F.unfold(x.detach(), (height, width))  # (1, C·k_h·k_w, n): one column per output
        outputs = cols.shape[2]
        weights, bias = Tensor(np.ones(cols.shape[1:])), Tensor(np.zeros(outputs))  # one weight per connection
        local = (cols * weights).sum(1) + bias  # a locally connected layer: (1, n)
        report.equal("locally connected layer on unfold: weight + bias sizes",
                     weights.data.size + bias.data.size, formula({**point, n: outputs}), case)  # fmt: skip
        report.equal("locally connected layer forward shape", local.shape, (1, y.shape[2] * y.shape[3]), case)
    return report


DERIVATION = Derivation(
    name="locality",
    title="Locality: each output sees a window",
    summary="A dense layer connects every output to every input. If instead each output depends only on a "
    "small window of k nearby inputs (locality), counting the remaining connections gives "
    "(k + 1)·nₗ parameters, and (C·k_h·k_w + 1)·nₗ for a 2-D window over C channels.",
    variables=(N, K, C, KH, KW, N_PREV, P1, P, D, R),
    steps=STEPS,
    result=sp.Eq(P.symbol, (c * kh * kw + 1) * n),
    assumptions=(
        "Each output has its own weights (nothing is shared yet) and one bias.",
        "The windows fit in the input: k ≤ nₗ₋₁.",
    ),  # fmt: skip
    examples=(
        Example(
            "The lecture's 2-D example: each output sees a 2×2 patch of one channel (w₁…w₄), 100 outputs; "
            "compare 102,500 for the dense layer.",
            {"C": 1, "k_h": 2, "k_w": 2, "n": 100},
        ),
        Example(
            "How many times fewer parameters than dense, for 1024 inputs and a 4-input window:",
            {"n_prev": 1024, "k": 4},
            sp.Eq(R.symbol, (n_prev + 1) / (k + 1)),
        ),
    ),  # fmt: skip
    verifier=verify,
)
