"""Parameters of a dense layer: counting weights and biases gives (nₗ₋₁ + 1)·nₗ.

The lecture's example: a 32×32 image (1024 ≈ 1000 inputs) into 100 units needs 102,500 ≈ 100,000
parameters for one layer, which is what makes dense layers slow to train and prone to overfit.

Examples:
    >>> from derivations import get
    >>> get("dense_parameters").result
    Eq(P, n*(n_prev + 1))
"""

from __future__ import annotations

import sympy as sp

from tinygrad_cnn import shapes

from ..checks import Report, nn, output_shape, parameter_count
from ..core import Derivation
from ..exact import compile_exact
from ..vocabulary import Example, Grid, Step, Var

__all__ = ["DERIVATION", "verify"]

N_PREV = Var.integer("n_prev", "number of inputs: the units of layer l−1", latex="n_{l-1}")
N = Var.integer("n", "number of units of layer l", latex="n_{l}")
W = Var.integer("W", "number of weights of layer l")
B = Var.integer("B", "number of biases of layer l")
P = Var.integer("P", "number of parameters of layer l")
n_prev, n = N_PREV.symbol, N.symbol
i, j = sp.symbols("i j", integer=True, positive=True)  # input and unit indices

WEIGHTS = sp.Sum(1, (i, 1, n_prev), (j, 1, n))

STEPS = (
    Step("Unit j of layer l (j = 1…nₗ) forms a weighted sum of every input i = 1…nₗ₋₁, with its own "
         "weight wⱼᵢ for each: count the weights, one per (unit, input) pair.", W.symbol, WEIGHTS, defines=True),
    Step("For each of the nₗ units the inner sum counts nₗ₋₁ ones.", W.symbol, n_prev * n),
    Step("Each unit adds one bias bⱼ to its sum.", B.symbol, sp.Sum(1, (j, 1, n)), defines=True),
    Step("A sum of nₗ ones.", B.symbol, n),
    Step("A unit has no parameters besides its weights and its bias.", P.symbol, W.symbol + B.symbol,
         defines=True),
    Step("Put in the two counts.", P.symbol, n_prev * n + n),
    Step("Factor out nₗ: each unit has nₗ₋₁ + 1 parameters, nₗ₋₁ weights and one bias.",
         P.symbol, (n_prev + 1) * n),
)  # fmt: skip


def verify() -> Report:
    """``nn.Linear`` parameter counts and forward shapes, and ``shapes.dense_parameter_count`` on symbols."""
    report = Report(DERIVATION.name)
    report.identity("shapes.dense_parameter_count(n_prev, n)", shapes.dense_parameter_count(n_prev, n),
                    DERIVATION.result.rhs)  # fmt: skip
    report.identity("shapes.dense_parameter_count(n_prev, n, bias=False)",
                    shapes.dense_parameter_count(n_prev, n, bias=False), WEIGHTS)  # fmt: skip
    formula, weights = compile_exact(DERIVATION.result.rhs), compile_exact(WEIGHTS.doit())
    grid = Grid({n_prev: (1, 12), n: (1, 8)})
    for point in [*grid.points(), {n_prev: 32 * 32, n: 100}]:
        a, b = point[n_prev], point[n]
        report.equal("nn.Linear(n_prev, n) parameter count", parameter_count(nn.Linear(a, b)), formula(point),
                     case=f"Linear({a}, {b})")  # fmt: skip
        report.equal(
            "nn.Linear(n_prev, n, bias=False) parameter count",
            parameter_count(nn.Linear(a, b, bias=False)),
            weights(point),
            case=f"Linear({a}, {b})",
        )
        report.equal("nn.Linear(n_prev, n) forward shape (N, n_prev) -> (N, n)",
                     output_shape(nn.Linear(a, b), 2, a), (2, b), case=f"Linear({a}, {b})")  # fmt: skip
    return report


DERIVATION = Derivation(
    name="dense_parameters",
    title="Parameters of a dense layer",
    summary="A dense (fully connected) layer connects each of its nₗ units to every one of the nₗ₋₁ "
    "units of the layer before. Counting one weight per connection and one bias per unit gives the "
    "lecture's (nₗ₋₁ + 1)·nₗ.",
    variables=(N_PREV, N, W, B, P),
    steps=STEPS,
    result=sp.Eq(P.symbol, (n_prev + 1) * n),
    assumptions=("Every unit of layer l is connected to every unit of layer l−1, and has one bias.",),
    examples=(
        Example(
            "The lecture's first layer: a 32×32 image gives 32·32 = 1024 inputs, and 100 units; "
            "that is 102,500 parameters, 'only 100,000 params for 1 layer'.",
            {"n_prev": 1024, "n": 100},
        ),
        Example("With the lecture's rounding 32·32 ≈ 1000:", {"n_prev": 1000, "n": 100}),
    ),  # fmt: skip
    verifier=verify,
)
