"""Receptive field of a stack of convolution and pooling layers: r_L = 1 + Σ_l (k_l − 1)·d_l·Π_{i<l} s_i.

Counting gives the recurrence r_l = r_{l−1} + (k_l − 1)·d_l·j_{l−1}, j_l = j_{l−1}·s_l (the jump j_l is the
distance, in inputs, between neighbouring positions of layer l); the closed form is proved by induction,
SymPy checking the base case and the inductive step. The engine check back-propagates from one output
of a real stack and measures the region of inputs with a non-zero gradient.

Examples:
    >>> from derivations import get
    >>> get("receptive_field").substitute({"L": 2}).worked()[-1].arithmetic[-1]
    (k[1] - 1)*d[1] + (k[2] - 1)*d[2]*s[1] + 1
"""

from __future__ import annotations

import numpy as np
import sympy as sp

import tinygrad_cnn.functional as F
from tinygrad_cnn import Tensor

from ..checks import Report
from ..core import Derivation
from ..vocabulary import Example, Step, Var

__all__ = ["DERIVATION", "closed_form", "verify"]

R_PREV = Var.integer("r_prev", "receptive field of a position of layer l − 1, in inputs", latex="r_{l-1}")
J_PREV = Var.integer("j_prev", "jump of layer l − 1: inputs between neighbouring positions", latex="j_{l-1}")
K_L = Var.integer("k_l", "kernel (or pooling window) size of layer l")
D_L = Var.integer("d_l", "dilation of layer l (1 for pooling)")
S_L = Var.integer("s_l", "stride of layer l")
X = Var.integer("x", "offset of the last tap's field from the first tap's, in inputs", minimum=0)
R_L = Var.integer("r_l", "receptive field of a position of layer l")
J_L = Var.integer("j_l", "jump of layer l")
L = Var.integer("L", "number of layers")
R = Var.integer("r_L", "receptive field of the stack's output", latex="r_{L}")
r_prev, j_prev, k_l, d_l, s_l = R_PREV.symbol, J_PREV.symbol, K_L.symbol, D_L.symbol, S_L.symbol
n_layers = L.symbol
k, d, s = sp.IndexedBase("k"), sp.IndexedBase("d"), sp.IndexedBase("s")  # per layer: k[l], d[l], s[l]
l, i = sp.symbols("l i", integer=True, positive=True)  # noqa: E741 (the layer index, as written)


def jump(layers: sp.Expr) -> sp.Product:
    """J = Π_{i=1}^{layers} s_i, the claimed closed form of the jump."""
    return sp.Product(s[i], (i, 1, layers))


def closed_form(layers: sp.Expr) -> sp.Expr:
    """R = 1 + Σ_{l=1}^{layers} (k_l − 1)·d_l·Π_{i<l} s_i, the claimed closed form of the receptive field."""
    return 1 + sp.Sum((k[l] - 1) * d[l] * jump(l - 1), (l, 1, layers))


TERM = (k[l] - 1) * d[l] * jump(l - 1)
UNIFORM = 1 + n_layers * (k_l - 1) * d_l
IDENTICAL = (
    closed_form(n_layers)
    .xreplace({k[l]: k_l, d[l]: d_l, s[i]: 1})
    .replace(lambda e: isinstance(e, sp.Product), lambda e: e.doit())
)  # the empty jumps Π 1 are 1
RECURRENCE = r_prev + (k_l - 1) * d_l * j_prev
LAST = {r_prev: closed_form(n_layers - 1), j_prev: jump(n_layers - 1), k_l: k[n_layers], d_l: d[n_layers]}

STEPS = (
    Step("One position of layer l sees k_l positions of layer l − 1, d_l apart (taps u = 0…k_l − 1). "
         "Neighbouring positions of layer l − 1 are j_{l−1} inputs apart, so tap u's field starts u·d_l·j_{l−1} "
         "inputs after tap 0's: the last tap's starts x later.", X.symbol, (k_l - 1) * d_l * j_prev,
         defines=True),
    Step("The last tap sees r_{l−1} inputs from there on, so the taps' fields together run from tap 0's first "
         "input to x + r_{l−1} − 1: an extent of x + r_{l−1} inputs (with holes when d_l skips inputs).",
         R_L.symbol, X.symbol + r_prev, defines=True),
    Step("The recurrence for the receptive field; the input itself has r₀ = 1.", R_L.symbol, RECURRENCE),
    Step("Neighbouring positions of layer l are s_l positions of layer l − 1 apart; the input has j₀ = 1.",
         J_L.symbol, s_l * j_prev, defines=True),
    Step("Claim: J_L = Π_{i≤L} s_i and r_L = 1 + Σ_{l≤L} (k_l − 1)·d_l·J_{l−1}. Base case, no layers: the "
         "empty product is 1 = j₀.", jump(0), 1),
    Step("Base case: the empty sum leaves 1 = r₀.", closed_form(0), 1),
    Step("Inductive step for the jump: split off the last factor.",
         jump(n_layers), jump(n_layers - 1) * sp.Product(s[i], (i, n_layers, n_layers))),
    Step("A product over the single index i = L is its factor: J_L = J_{L−1}·s_L, the recurrence of step 4.",
         jump(n_layers - 1) * sp.Product(s[i], (i, n_layers, n_layers)), jump(n_layers - 1) * s[n_layers]),
    Step("Inductive step for the receptive field: split off the last term.",
         closed_form(n_layers), closed_form(n_layers - 1) + sp.Sum(TERM, (l, n_layers, n_layers))),
    Step("A sum over the single index l = L is its term: that is the recurrence of step 3, with r_{L−1} and "
         "j_{L−1} the closed forms for L − 1 layers and k_L, d_L the last layer's.",
         closed_form(n_layers - 1) + sp.Sum(TERM, (l, n_layers, n_layers)), RECURRENCE.xreplace(LAST)),
    Step("Both closed forms hold for no layers (steps 5 and 6) and pass from L − 1 layers to L (steps 7–10), so "
         "by induction they hold for every L.", R.symbol, closed_form(n_layers), defines=True,
         note="conclusion by induction on L, steps 5–10"),
    Step("A stack of L identical layers with stride 1 (k_l = k, d_l = d, s_l = 1 for every l): every term of "
         "the sum is the same.", IDENTICAL, UNIFORM),
    Step("For example, three layers.", closed_form(3),
         1 + (k[1] - 1) * d[1] + (k[2] - 1) * d[2] * s[1] + (k[3] - 1) * d[3] * s[1] * s[2]),
)  # fmt: skip


def verify() -> Report:
    """Build random stacks of ``conv2d`` (all-ones weights) and ``avg_pool2d`` on a positive input, back-propagate
    from one output position, and compare the extent of the inputs with a non-zero gradient with the closed
    form, per axis; also the output size, and that ``max_pool2d`` stacks stay inside the field."""
    report = Report(DERIVATION.name)
    rng = np.random.default_rng(0)
    for _ in range(12):
        layers = _random_stack(rng, int(rng.integers(1, 5)))
        fields, jumps = zip(*(_closed_form_values(layers, axis) for axis in (0, 1)))
        size = tuple(r + 2 * j for r, j in zip(fields, jumps))  # three output positions per axis
        description = " -> ".join(f"{kind}(k={kern}, s={stride}, d={dil})" for kind, kern, stride, dil in layers)
        x = Tensor(rng.random((1, 1, *size)) + 0.5, requires_grad=True)  # positive: nothing cancels
        y = _apply(layers, x, pool=F.avg_pool2d)
        report.equal("stack output size = ⌊(n − r_L)/J_L⌋ + 1 per axis", y.shape[2:],
                     tuple((n - r) // j + 1 for n, r, j in zip(size, fields, jumps)), description)  # fmt: skip
        y[0, 0, 1, 1].backward()  # one output position, the middle one
        rows, cols = np.nonzero(x.grad.numpy()[0, 0])
        for axis, where in enumerate((rows, cols)):
            report.equal(
                "extent of inputs with non-zero gradient (conv2d, avg_pool2d stacks)",
                int(where.max() - where.min() + 1),
                fields[axis],
                f"{description}, axis {axis}",
            )
            report.equal("first input of the field = output position × J_L", int(where.min()), jumps[axis],
                         f"{description}, axis {axis}")  # fmt: skip
        _check_max_pool(report, layers, size, fields, jumps, rng, description)
    return report


def _random_stack(rng: np.random.Generator, depth: int) -> list[tuple[str, tuple, tuple, tuple]]:
    """``depth`` layers ``(kind, kernel, stride, dilation)``, each with its own (height, width) values."""
    layers = []
    for _ in range(depth):
        kind = "pool" if rng.random() < 0.3 else "conv"
        kernel = tuple(int(v) for v in rng.integers(2 if kind == "pool" else 1, 4, 2))
        stride = tuple(int(v) for v in rng.integers(1, 3, 2))
        dilation = (1, 1) if kind == "pool" else tuple(int(v) for v in rng.integers(1, 3, 2))
        layers.append((kind, kernel, stride, dilation))
    return layers


def _closed_form_values(layers: list, axis: int) -> tuple[int, int]:
    """r_L and J_L for one axis, from the derivation's result and the jump's closed form."""
    values = {}
    for number, (_, kernel, stride, dilation) in enumerate(layers, 1):
        values.update({k[number]: kernel[axis], s[number]: stride[axis], d[number]: dilation[axis]})
    count = len(layers)
    field = DERIVATION.result.rhs.subs(n_layers, count).doit().xreplace(values)
    return int(field), int(jump(count).doit().xreplace(values))


def _apply(layers: list, x: Tensor, pool) -> Tensor:
    for kind, kernel, stride, dilation in layers:
        if kind == "conv":
            x = F.conv2d(x, Tensor(np.ones((1, 1, *kernel))), stride=stride, dilation=dilation)
        else:
            x = pool(x, kernel, stride)
    return x


def _check_max_pool(report: Report, layers: list, size: tuple, fields: tuple, jumps: tuple,
                    rng: np.random.Generator, description: str) -> None:  # fmt: skip
    """Max pooling passes the gradient to one input per window, so its support is only inside the field."""
    if not any(kind == "pool" for kind, *_ in layers):
        return
    for _ in range(3):
        x = Tensor(rng.random((1, 1, *size)), requires_grad=True)
        _apply(layers, x, pool=F.max_pool2d)[0, 0, 1, 1].backward()
        for axis, where in enumerate(np.nonzero(x.grad.numpy()[0, 0])):
            inside = jumps[axis] <= where.min() and where.max() < jumps[axis] + fields[axis]
            report.equal("max_pool2d stacks: inputs with non-zero gradient lie inside the field", bool(inside),
                         True, f"{description}, axis {axis}")  # fmt: skip


DERIVATION = Derivation(
    name="receptive_field",
    title="Receptive field of a stack of layers",
    summary="Each position of a deep layer depends on a window of the input, its receptive field. Counting "
    "through one layer gives a recurrence; its closed form r_L = 1 + Σ_l (k_l − 1)·d_l·Π_{i<l} s_i "
    "is proved by induction on the number of layers L.",
    variables=(R_PREV, J_PREV, K_L, D_L, S_L, X, R_L, J_L, L, R),
    steps=STEPS,
    result=sp.Eq(R.symbol, closed_form(n_layers)),
    assumptions=(
        "Layer l is a convolution (kernel k_l, dilation d_l, stride s_l) or a pooling layer (d_l = 1); "
        "padding changes where a field lies, not its extent.",
        "k[l], d[l], s[l] are the sizes of layer l; they are positive integers.",
    ),  # fmt: skip
    examples=(
        Example(
            "VGG's argument: three 3×3 convolutions (stride 1) see 7×7 inputs, as one 7×7 convolution "
            "would, with fewer parameters.",
            {"L": 3, "k_l": 3, "d_l": 1},
            sp.Eq(R.symbol, UNIFORM),
        ),
        Example(
            "One layer on the input: r = 1 + (k − 1)·d.",
            {"k_l": 3, "d_l": 2, "r_prev": 1, "j_prev": 1},
            sp.Eq(R_L.symbol, RECURRENCE),
        ),
    ),  # fmt: skip
    verifier=verify,
)
