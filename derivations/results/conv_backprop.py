"""Backprop through a convolution: ∂L/∂w is the correlation of the input with the upstream gradient, and
∂L/∂x the full correlation of the upstream gradient with the flipped kernel, i.e. the transposed convolution.

In 1-D with stride 1 the derivation is index-level and general (any n, any k): SymPy differentiates the
sums, evaluates the Kronecker deltas, and identifies the result with the transposed convolution's
definition (each upstream value spreads itself times the kernel). Two claims it cannot sum symbolically
are lemmas, each checked with symbolic entries at every size of a grid: that reversing the kernel's order
(j = k − 1 − i) gives the same sum (the "flipped kernel"), for k ≤ 8; and the general case with stride,
padding and dilation, whose sums run over the outputs o with s·o = m + p − d·j (a divisibility
condition), at every small size. The verifier compares both formulas with the engine's autograd, in 1-D
and 2-D, against ``conv_transpose1d``/``2d`` and against correlations computed with ``conv1d``/``2d``.

Examples:
    >>> from derivations import get
    >>> get("conv_backprop").result
    Eq(G_x, T)
"""

from __future__ import annotations

import numpy as np
import sympy as sp

import tinygrad_cnn.functional as F
from tinygrad_cnn import Tensor, shapes

from ..checks import Report
from ..core import Derivation
from ..vocabulary import Example, Grid, Lemma, Step, Var

__all__ = ["DERIVATION", "verify", "partials_matching"]

N = Var.integer("n", "input length")
A = Var.integer("a", "a tap of the kernel: the taps before it", minimum=0)
B = Var.integer("b", "taps after tap a", minimum=0)
K = Var.integer("k", "kernel length")
M = Var.integer("m", "an input position", minimum=None)
S = Var.integer("s", "stride (in the general lemma)")
P = Var.integer("p", "zero padding on each side (in the general lemma)", minimum=0)
D = Var.integer("d", "dilation (in the general lemma)")
LOSS = Var(sp.Symbol("L", real=True), "the loss, linearised at the upstream gradient")
G_W = Var(sp.Symbol("G_w", real=True), "∂L/∂w_a, the gradient of tap a", "\\frac{\\partial L}{\\partial w_{a}}")
G_X = Var(sp.Symbol("G_x", real=True), "∂L/∂x_m, the gradient of input m", "\\frac{\\partial L}{\\partial x_{m}}")
T = Var(sp.Symbol("T", real=True), "the transposed convolution of g with w, at position m", "T_{m}")
F_FLIP = Var.integer("F", "terms of the sum in step 8 that occur in the flipped-kernel correlation", minimum=0)
E = Var.integer("E", "partial derivatives that match the formulas, at one size (general lemma)", minimum=0)
n, a, b, k, m = N.symbol, A.symbol, B.symbol, K.symbol, M.symbol
s, p, d = S.symbol, P.symbol, D.symbol
o, j, i = sp.symbols("o j i", integer=True)  # output position, kernel tap, flipped tap
x, w, g = sp.IndexedBase("x"), sp.IndexedBase("w"), sp.IndexedBase("g")  # input, kernel, upstream gradient

ALL = (o, -sp.oo, sp.oo)  # every output position; g is zero outside the n − k + 1 real ones
BY_TAP = sp.Sum(sp.KroneckerDelta(a, j) * sp.Sum(g[o] * x[o + j], ALL), (j, 0, k - 1))  # ∂L/∂w_a, term by term
SPREAD = sp.Sum(w[j] * sp.Sum(g[o] * sp.KroneckerDelta(m, o + j), ALL), (j, 0, k - 1))  # what lands on m
FLIPPED = sp.Sum(w[k - 1 - i] * g[m - (k - 1) + i], (i, 0, k - 1))


def _flip_terms(k: int) -> int:
    """Terms w_j·g_{m−j} of Σⱼ wⱼ g_{m−j} that occur in Σᵢ w_{k−1−i} g_{m−k+1+i}, for a symbolic m."""
    flipped = sp.expand(FLIPPED.subs(K.symbol, k).doit()).as_ordered_terms()
    return sum(1 for term in range(k) if w[term] * g[m - term] in flipped)


FLIP = Lemma(
    name="flipping the kernel",
    statement="For every k ≤ 8, the k terms w_j·g_{m−j} (j = 0…k − 1) are exactly the terms of "
              "Σᵢ w_{k−1−i}·g_{m−(k−1)+i} (i = 0…k − 1): substituting j = k − 1 − i only reverses their order.",
    rhs=k,
    count=_flip_terms,
    grid=Grid({k: (1, 8)}),
    why="SymPy cannot reverse the order of a sum with a symbolic number of terms.",
)  # fmt: skip


def partials_matching(n: int, k: int, s: int, p: int, d: int) -> int:
    """How many of the n + k partial derivatives of L = Σₒ gₒ yₒ (y a conv1d with stride s, padding p,
    dilation d of symbols) SymPy finds equal to the correlation (∂L/∂w) and transposed-convolution (∂L/∂x)
    formulas."""
    outputs = shapes.conv_output_size(n, k, s, p, d)
    xs, ws, gs = sp.symbols(f"x0:{n}"), sp.symbols(f"w0:{k}"), sp.symbols(f"g0:{outputs}")

    def padded(q: int) -> sp.Expr:  # the input with p zeros on each side, indexed from the real x_0
        return xs[q] if 0 <= q < n else sp.S.Zero

    def spread(q: int) -> sp.Expr:  # g with s − 1 zeros between its entries
        return gs[q // s] if q % s == 0 and 0 <= q // s < outputs else sp.S.Zero

    loss = sp.Add(*(gs[t] * ws[tap] * padded(s * t + d * tap - p) for t in range(outputs) for tap in range(k)))
    weight_ok = sum(
        sp.expand(sp.diff(loss, ws[tap]) - sum(gs[t] * padded(s * t + d * tap - p) for t in range(outputs))) == 0
        for tap in range(k)
    )
    input_ok = sum(
        sp.expand(sp.diff(loss, xs[q]) - sum(ws[k - 1 - r] * spread(q + p - d * (k - 1) + d * r) for r in range(k)))
        == 0
        for q in range(n)
    )
    return weight_ok + input_ok


GEOMETRY = Lemma(
    name="stride, padding and dilation",
    statement="For every n ≤ 6, k ≤ 3, s ≤ 3, p ≤ 2, d ≤ 2 with at least one window, with symbolic inputs "
              "x₀…xₙ₋₁, kernel w₀…wₖ₋₁ and upstream gradient g: for y_o = Σⱼ wⱼ x_{s·o + d·j − p} (x zero "
              "outside 0…n − 1), ∂L/∂w_j = Σₒ gₒ x_{s·o + d·j − p}, the correlation of the padded input with "
              "g, whose taps are s apart (the forward stride becomes a dilation), and ∂L/∂x_m = "
              "Σᵢ w_{k−1−i} u_{m + p − d(k−1) + d·i}, where u is g with s − 1 zeros between entries: zero "
              "insertion, padding and correlation with the flipped kernel, which is the transposed "
              "convolution. E counts the n + k partial derivatives SymPy finds equal to these formulas.",
    rhs=n + k,
    count=partials_matching,
    grid=Grid({n: (1, 6), k: (1, 3), s: (1, 3), p: (0, 2), d: (1, 2)}, where=sp.Ge(n + 2 * p - d * (k - 1) - 1, 0)),
    why="Which outputs o see input m depends on whether s divides m + p − d·j, a condition SymPy cannot sum "
        "over symbolically; at each size the partial derivatives are compared exactly.",
)  # fmt: skip

STEPS = (
    Step("Name a tap: the kernel w₀…wₖ₋₁ has a taps before tap a and b after it.", k, a + 1 + b, defines=True),
    Step("Forward: yₒ = Σⱼ wⱼ x_{o+j} for the n − k + 1 outputs o = 0…n − k. Backprop receives gₒ = ∂L/∂yₒ, "
         "and by the chain rule the gradients of L are those of Σₒ gₒ·yₒ. With gₒ = 0 outside the real outputs, "
         "o may run over all integers.", LOSS.symbol, sp.Sum(w[j] * sp.Sum(g[o] * x[o + j], ALL), (j, 0, k - 1)),
         defines=True),
    Step("The gradient of tap a.", G_W.symbol, sp.Derivative(LOSS.symbol, w[a]), defines=True),
    Step("Term by term: ∂wⱼ/∂w_a is 1 for j = a and 0 otherwise, a Kronecker delta.", G_W.symbol, BY_TAP),
    Step("The delta keeps the term j = a (a is one of the taps 0…k − 1): ∂L/∂w_a is the correlation of the "
         "input with the upstream gradient (g plays the kernel), summed over the outputs o = 0…n − k.",
         BY_TAP, sp.Sum(g[o] * x[o + a], ALL)),
    Step("The gradient of input m.", G_X.symbol, sp.Derivative(LOSS.symbol, x[m]), defines=True),
    Step("Term by term: output o reads x_m through tap j exactly when o + j = m.", G_X.symbol, SPREAD),
    Step("The delta picks o = m − j.", SPREAD, sp.Sum(w[j] * g[m - j], (j, 0, k - 1))),
    Step("The transposed convolution (the engine's conv_transpose1d): each gₒ spreads gₒ·wⱼ onto position "
         "o + j; T_m collects what lands on m.",
         T.symbol, SPREAD, defines=True),
    Step("It is the same sum as step 8: the delta picks o = m − j.", T.symbol, sp.Sum(w[j] * g[m - j], (j, 0, k - 1))),
    Step("Reversing the order of the k terms (j = k − 1 − i) reads the same sum as the full correlation of g, "
         "padded with k − 1 zeros on each side, with the flipped kernel w_{k−1−i}.",
         F_FLIP.symbol, k, defines=True, lemma=FLIP),
    Step("Written out for k = 3:", sp.Sum(w[j] * g[m - j], (j, 0, 2)), FLIPPED.subs(k, 3)),
    Step("With stride, padding and dilation the same holds at every size of the lemma's grid: ∂L/∂w is a "
         "correlation with g dilated by the stride, ∂L/∂x the transposed convolution with the same stride, "
         "padding and dilation.", E.symbol, n + k, defines=True, lemma=GEOMETRY),
)  # fmt: skip


def verify() -> Report:
    """The engine's autograd through ``conv1d``/``conv2d`` (batches, channels, stride, padding, dilation)
    against ``conv_transpose1d``/``2d`` for ∂L/∂x, against zero insertion + padding + ``conv`` with the
    flipped kernel for ∂L/∂x, and against ``conv`` of the input with the upstream gradient for ∂L/∂w."""
    report = Report(DERIVATION.name)
    report.identity("shapes.conv_transpose_output_size(n − k + 1, k): ∂L/∂x, the transposed convolution of the "
                    "n − k + 1 upstream values, has the input's length", shapes.conv_transpose_output_size(
                        n - k + 1, k), n)  # fmt: skip
    rng = np.random.default_rng(0)
    for size, taps, stride, pad, dil in [(7, 3, 1, 0, 1), (8, 3, 2, 1, 1), (9, 2, 3, 0, 2), (6, 3, 1, 2, 1),
                                         (10, 3, 2, 1, 2), (5, 1, 2, 0, 1), (11, 4, 3, 2, 1), (9, 3, 1, 1, 3),
                                         (12, 2, 4, 1, 2), (6, 4, 1, 3, 1), (13, 3, 3, 0, 3),
                                         (8, 2, 2, 0, 1)]:  # fmt: skip
        _compare(report, rng, (size,), (taps,), stride, pad, dil)
    for size, taps, stride, pad, dil in [
        ((6, 7), (3, 2), 1, 0, 1),
        ((7, 8), (3, 3), 2, 1, 1),
        ((9, 8), (2, 3), 2, 0, 2),
        ((8, 6), (1, 3), 3, 1, 1),
        ((10, 9), (3, 3), 2, 2, 2),
    ]:
        _compare(report, rng, size, taps, stride, pad, dil)
    return report


def _compare(report: Report, rng: np.random.Generator, size: tuple[int, ...], taps: tuple[int, ...],
             stride: int, pad: int, dil: int) -> None:  # fmt: skip
    dims = len(size)
    conv, transpose = (F.conv1d, F.conv_transpose1d) if dims == 1 else (F.conv2d, F.conv_transpose2d)
    x = Tensor(rng.standard_normal((2, 3, *size)), requires_grad=True)  # (N, C_in, *size)
    w = Tensor(rng.standard_normal((4, 3, *taps)), requires_grad=True)  # (C_out, C_in, *k)
    y = conv(x, w, stride=stride, padding=pad, dilation=dil)
    upstream = rng.standard_normal(y.shape)
    (y * Tensor(upstream)).sum().backward()
    case = f"{'×'.join(map(str, size))} input, k = {taps}, s = {stride}, p = {pad}, d = {dil}"
    extra = tuple(n - shapes.conv_transpose_output_size(o, t, stride, pad, 0, dil)
                  for n, o, t in zip(size, y.shape[2:], taps))  # fmt: skip
    dx = transpose(Tensor(upstream), w.detach(), stride=stride, padding=pad, dilation=dil, output_padding=extra)
    report.equal(f"conv{dims}d autograd ∂L/∂x = conv_transpose{dims}d(g, w)", _close(x.grad, dx), True, case)
    report.equal(
        f"conv{dims}d autograd ∂L/∂x = zeros inserted, padded, conv with the flipped kernel",
        _close(x.grad, _flipped_correlation(upstream, w.numpy(), size, stride, pad, dil)),
        True,
        case,
    )
    # ∂L/∂w: channels of x and g become the batch and the output of one correlation; g's taps are s apart
    xs = Tensor(np.moveaxis(x.numpy(), 1, 0))  # (N, C_in, *size) -> (C_in, N, *size)
    gs = Tensor(np.moveaxis(upstream, 1, 0))  # (N, C_out, *out) -> (C_out, N, *out)
    dw = conv(xs, gs, padding=pad, stride=dil, dilation=stride).numpy()  # (C_in, C_out, ≥ k…)
    dw = np.moveaxis(dw[(slice(None), slice(None), *(slice(0, t) for t in taps))], 0, 1)  # -> (C_out, C_in, *k)
    report.equal(f"conv{dims}d autograd ∂L/∂w = conv of the input with g (dilation s, stride d)",
                 _close(w.grad, dw), True, case)  # fmt: skip


def _flipped_correlation(upstream: np.ndarray, weight: np.ndarray, size: tuple[int, ...], stride: int, pad: int,
                         dil: int) -> np.ndarray:  # fmt: skip
    """∂L/∂x as the lecture's 'full correlation with the flipped kernel', with the stride undone by zero
    insertion and the padding by cropping, computed with the engine's forward convolution."""
    dims = len(size)
    spread = np.zeros((*upstream.shape[:2], *((o - 1) * stride + 1 for o in upstream.shape[2:])))
    spread[(slice(None), slice(None), *(slice(None, None, stride),) * dims)] = upstream  # s − 1 zeros between
    flipped = np.flip(np.swapaxes(weight, 0, 1), tuple(range(2, 2 + dims))).copy()  # (C_in, C_out, *k), reversed
    # d(k − 1) zeros on the left (the "full" correlation), and enough on the right to reach position p + n − 1
    pads = [(dil * (t - 1), max(n + pad - u, 0)) for t, n, u in zip(weight.shape[2:], size, spread.shape[2:])]
    padded = np.pad(spread, [(0, 0), (0, 0), *pads])
    corr = (F.conv1d if dims == 1 else F.conv2d)(Tensor(padded), Tensor(flipped), dilation=dil).numpy()
    return corr[(slice(None), slice(None), *(slice(pad, pad + n) for n in size))]  # crop the padding


def _close(actual: object, expected: object) -> bool:
    def array(t: object) -> np.ndarray:
        return t.numpy() if hasattr(t, "numpy") else np.asarray(t)

    a, e = array(actual), array(expected)
    return a.shape == e.shape and bool(np.allclose(a, e, rtol=1e-10, atol=1e-10))


DERIVATION = Derivation(
    name="conv_backprop",
    title="Backpropagation through a convolution",
    summary="Differentiating L = Σₒ gₒ·yₒ (the chain rule, with gₒ = ∂L/∂yₒ from upstream) through "
    "yₒ = Σⱼ wⱼ x_{o+j} gives two correlations: ∂L/∂wⱼ correlates the input with g, and ∂L/∂xₘ is "
    "the full correlation of g with the flipped kernel, which is the transposed convolution. With "
    "stride, padding and dilation: the stride becomes a dilation of g in ∂L/∂w, and ∂L/∂x is the "
    "transposed convolution with the same hyperparameters.",
    variables=(N, A, B, K, M, S, P, D, LOSS, G_W, G_X, T, F_FLIP, E),
    steps=STEPS,
    result=sp.Eq(G_X.symbol, T.symbol),
    assumptions=(
        "x, w and g are real; g (the upstream gradient) is zero outside the outputs 0…n − k.",
        "Proved symbolically for stride 1, every n and k. Not proved symbolically: the flip for a "
        "symbolic k (Lemma 1, k ≤ 8) and the strided, padded, dilated case (Lemma 2, at every size "
        "of its grid); the engine checks both at other sizes, in 1-D and 2-D.",
    ),
    lemmas=(FLIP, GEOMETRY),
    examples=(
        Example(
            "Tap a = 1 of a kernel with one tap after it (k = 3), on an input of length 5:",
            {"a": 1, "b": 1, "n": 5},
            sp.Eq(k, a + 1 + b),
        ),
    ),  # fmt: skip
    verifier=verify,
)
