"""Translation equivariance: convolving a shifted input gives the shifted output; stride and pooling break it.

Sharing is what makes this true: the same weights are used at every position, so moving the input moves
the output and changes nothing else. The proof is an index argument for any kernel length k and shift t
(also on a ring of n positions, the circular case, where ((i + j) mod n − t) mod n = (i + j − t) mod n);
in matrix form the circulant convolution matrix commutes with the cyclic shift, which SymPy proves entry by
entry for symbolic kernels at every size n ≤ 6 and every shift (a lemma: the general n is the index
argument). With stride s the output moves only when s divides the shift; the engine computes a
counterexample with stride 2 and shift 1, and one for max pooling.

Examples:
    >>> from derivations import get
    >>> print(get("translation_equivariance").result)
    Eq(Subs(z_s, t, q*s), Subs(y_s, i, i - q))
"""

from __future__ import annotations

import numpy as np
import sympy as sp

import tinygrad_cnn.functional as F
from tinygrad_cnn import Tensor, shapes

from ..checks import Report
from ..core import Derivation
from ..vocabulary import Example, Grid, Lemma, Step, Var

__all__ = ["DERIVATION", "verify", "circulant", "cyclic_shift"]

K = Var.integer("k", "kernel length")
T = Var.integer("t", "shift of the input (positive: to the right)", minimum=None)
S = Var.integer("s", "stride")
Q = Var.integer("q", "shift of the output, when t = s·q", minimum=None)
N = Var.integer("n", "number of positions on the ring (circular case)")
I = Var.integer("i", "output position", minimum=None)  # noqa: E741 (the index's usual name)
Y = Var(sp.Symbol("y", real=True), "output of the convolution at i", "y_{i}")
Z = Var(sp.Symbol("z", real=True), "output at i of the convolution of the shifted input", "z_{i}")
Y_S = Var(sp.Symbol("y_s", real=True), "output at i of the convolution with stride s", "y^{(s)}_{i}")
Z_S = Var(sp.Symbol("z_s", real=True), "the same, for the shifted input", "z^{(s)}_{i}")
Y_C = Var(sp.Symbol("y_c", real=True), "output at i of the circular convolution", "y^{\\circ}_{i}")
Z_C = Var(sp.Symbol("z_c", real=True), "the same, for the cyclically shifted input", "z^{\\circ}_{i}")
E = Var.integer("E", "entries at which C·Sₜ and Sₜ·C differ", minimum=0)
k, t, s, q, n, i = K.symbol, T.symbol, S.symbol, Q.symbol, N.symbol, I.symbol
j = sp.Symbol("j", integer=True)  # kernel tap
x = sp.Function("x", real=True)  # the input signal, on all integers
w = sp.IndexedBase("w")  # the kernel w_0 … w_{k−1}


def _conv(index: sp.Expr) -> sp.Sum:
    """Σⱼ wⱼ·x(index), the kernel laid at the window whose tap j reads position ``index``."""
    return sp.Sum(w[j] * x(index), (j, 0, k - 1))


def circulant(kernel: list[sp.Expr]) -> sp.Matrix:
    """The matrix of circular cross-correlation: (C·x)ᵣ = Σⱼ cⱼ·x₍ᵣ₊ⱼ₎ mod n."""
    size = len(kernel)
    return sp.Matrix(size, size, lambda row, col: kernel[(col - row) % size])


def cyclic_shift(size: int, shift: int) -> sp.Matrix:
    """The matrix S_shift of (S_shift·x)ᵣ = x₍ᵣ₋shift₎ mod n."""
    return sp.Matrix(size, size, lambda row, col: int(col == (row - shift) % size))


def _differing_entries(n: int, t: int) -> int:
    """Entries of C·Sₜ − Sₜ·C that do not vanish identically, for a kernel of n symbols."""
    matrix = circulant(list(sp.symbols(f"c0:{n}")))
    shift = cyclic_shift(n, t)
    return sum(1 for entry in matrix * shift - shift * matrix if sp.expand(entry) != 0)


COMMUTE = Lemma(
    name="circulant matrices commute with cyclic shifts",
    statement="For every n ≤ 6 and every shift t = 0…n − 1, with a kernel of n symbols c₀…cₙ₋₁ (any kernel "
              "of length k ≤ n, padded with zeros), the circulant matrix C of circular convolution and the "
              "cyclic shift Sₜ commute: no entry of C·Sₜ − Sₜ·C is non-zero.",
    rhs=sp.Integer(0),
    count=_differing_entries,
    grid=Grid({n: (1, 6), t: (0, 5)}, where=sp.Lt(t, n)),
    why="The matrices have n² entries, so each size is its own identity; steps 7–9 prove every n at once.",
)  # fmt: skip

STEPS = (
    Step("Convolution (cross-correlation, as in the engine) of a signal x on the integers with a kernel "
         "w₀…wₖ₋₁: output i reads the window i, …, i + k − 1.", Y.symbol, _conv(i + j), defines=True),
    Step("Shift the input by t, x(m) → x(m − t), and convolve with the same (shared) kernel.",
         Z.symbol, _conv(i + j - t), defines=True),
    Step("That is y at position i − t: the output, shifted by t. Nothing else changed, because every position "
         "uses the same weights.", Z.symbol, sp.Subs(Y.symbol, i, i - t)),
    Step("With stride s, output i reads the window starting at s·i.", Y_S.symbol, _conv(s * i + j), defines=True),
    Step("The shifted input, with the same stride.", Z_S.symbol, _conv(s * i + j - t), defines=True),
    Step("If the shift is a multiple of the stride, t = s·q, the output moves by q. If s does not divide t, "
         "s·i + j − t is never of the form s·i′ + j: the windows read the input at other phases, and in "
         "general no shift of the output matches (the engine's counterexample: stride 2, shift 1).",
         sp.Subs(Z_S.symbol, t, s * q), sp.Subs(Y_S.symbol, i, i - q)),
    Step("On a ring of n positions (circular padding) the window of output i wraps around.",
         Y_C.symbol, _conv(sp.Mod(i + j, n)), defines=True),
    Step("Shift cyclically, x(m) → x((m − t) mod n), and convolve; SymPy reduces ((i + j) mod n − t) mod n "
         "to (i + j − t) mod n.", Z_C.symbol, _conv(sp.Mod(sp.Mod(i + j, n) - t, n)), defines=True),
    Step("That is the circular output at (i − t) mod n, for every n, k and t.",
         Z_C.symbol, sp.Subs(Y_C.symbol, i, sp.Mod(i - t, n))),
    Step("In matrix form: circular convolution is a circulant matrix C, the shift a permutation Sₜ, and "
         "C·Sₜ = Sₜ·C entry by entry.", E.symbol, 0, defines=True, lemma=COMMUTE),
)  # fmt: skip


def verify() -> Report:
    """Real ``conv1d``/``conv2d`` (circular padding) commute with ``np.roll`` for every shift and several
    kernels; a shifted finite signal gives a shifted output; stride 2 with shift 1, and max pooling with
    stride 2, give outputs that are no shift of the original (counterexamples); stride-1 pooling commutes."""
    report = Report(DERIVATION.name)
    report.identity("shapes.conv_output_size(n + k − 1, k): circular padding by k − 1 keeps the n positions of "
                    "the ring", shapes.conv_output_size(n + k - 1, k), n)  # fmt: skip
    rng = np.random.default_rng(0)
    for length, size in [(6, 1), (6, 3), (7, 2), (8, 5), (5, 5)]:
        signal, kernel = rng.standard_normal(length), rng.standard_normal(size)
        for shift in range(length):
            same = np.allclose(_circular_conv(np.roll(signal, shift), kernel),
                               np.roll(_circular_conv(signal, kernel), shift), atol=1e-12)  # fmt: skip
            report.equal("conv1d (circular padding) of a rolled input = the rolled output", same, True,
                         f"n = {length}, k = {size}, t = {shift}")  # fmt: skip
    image, kernel = rng.standard_normal((1, 1, 6, 7)), rng.standard_normal((2, 1, 3, 3))
    for shift in [(0, 1), (2, 3), (5, 6), (1, 0)]:
        rolled = F.conv2d(F.pad(Tensor(np.roll(image, shift, (2, 3))), (1, 1, 1, 1), mode="circular"), Tensor(kernel))
        moved = np.roll(F.conv2d(F.pad(Tensor(image), (1, 1, 1, 1), mode="circular"), Tensor(kernel)).numpy(),
                        shift, (2, 3))  # fmt: skip
        report.equal("conv2d (circular padding) commutes with 2-D shifts", np.allclose(rolled.numpy(), moved), True,
                     f"shift {shift}")  # fmt: skip
    _finite_signal(report, rng)
    _counterexamples(report)
    return report


def _circular_conv(signal: np.ndarray, kernel: np.ndarray, stride: int = 1) -> np.ndarray:
    padded = F.pad(Tensor(signal[None, None]), (0, len(kernel) - 1), mode="circular")  # (1, 1, n + k − 1)
    return F.conv1d(padded, Tensor(kernel[None, None]), stride=stride).numpy()[0, 0]


def _finite_signal(report: Report, rng: np.random.Generator) -> None:
    """A signal that is zero near both ends: shifting it within the zeros shifts the (valid) output."""
    signal = np.zeros(16)
    signal[6:10] = rng.standard_normal(4)
    for size in (1, 2, 3):
        kernel = Tensor(rng.standard_normal((1, 1, size)))
        for shift in (-3, -1, 2, 4):
            out = F.conv1d(Tensor(np.roll(signal, shift)[None, None]), kernel).numpy()
            moved = np.roll(F.conv1d(Tensor(signal[None, None]), kernel).numpy(), shift)
            report.equal("conv1d (no padding) of a shifted compact signal = the shifted output",
                         np.allclose(out, moved), True, f"k = {size}, t = {shift}")  # fmt: skip


def _is_a_shift(a: np.ndarray, b: np.ndarray) -> bool:
    return any(np.allclose(np.roll(a, r), b) for r in range(len(a)))


def _counterexamples(report: Report) -> None:
    delta = np.eye(8)[0]
    kernel = np.array([1.0, 2.0])
    y, z = _circular_conv(delta, kernel, stride=2), _circular_conv(np.roll(delta, 1), kernel, stride=2)
    report.equal(
        "stride 2, shift 1: the output of the shifted input is some shift of the output",
        _is_a_shift(y, z),
        False,
        f"x = δ₀, w = (1, 2): y = {y.tolist()}, z = {z.tolist()}",
    )
    y2, z2 = _circular_conv(delta, kernel, stride=2), _circular_conv(np.roll(delta, 2), kernel, stride=2)
    report.equal("stride 2, shift 2 = 2·1: the output moves by q = 1", np.allclose(np.roll(y2, 1), z2), True,
                 "x = δ₀, w = (1, 2)")  # fmt: skip
    pool = [F.max_pool1d(Tensor(v[None, None]), 2, 2).numpy()[0, 0] for v in np.eye(6)[:3]]  # δ₀, δ₁, δ₂
    moved_first, moved_second = np.array_equal(pool[0], pool[1]), np.array_equal(np.roll(pool[1], 1), pool[2])
    report.equal(
        "max pooling (2, stride 2): shifting δ₀ by 1 leaves the output, shifting δ₁ by 1 moves it",
        (moved_first, moved_second),
        (True, True),
        f"outputs {[p.tolist() for p in pool]}",
    )
    signal = np.random.default_rng(1).standard_normal(7)
    for shift in range(7):
        padded = F.pad(Tensor(np.roll(signal, shift)[None, None]), (0, 1), mode="circular")
        base = F.pad(Tensor(signal[None, None]), (0, 1), mode="circular")
        same = np.allclose(F.max_pool1d(padded, 2, 1).numpy(), np.roll(F.max_pool1d(base, 2, 1).numpy(), shift))
        report.equal("max pooling with stride 1 (circular) commutes with shifts", same, True, f"t = {shift}")


DERIVATION = Derivation(
    name="translation_equivariance",
    title="Translation equivariance of convolution",
    summary="The lecture's symmetry argument, run backwards: because every position uses the same weights, "
    "convolving a shifted input gives the shifted output, for any kernel length and shift, on the "
    "integers and on a ring (circular convolution, where the circulant matrix commutes with the "
    "cyclic shift). With stride s only shifts by multiples of s survive (the output moves by t/s); "
    "other shifts, and pooling with stride, break the symmetry: the engine computes counterexamples.",
    variables=(K, T, S, Q, N, I, Y, Z, Y_S, Z_S, Y_C, Z_C, E),
    steps=STEPS,
    result=sp.Eq(sp.Subs(Z_S.symbol, t, s * q), sp.Subs(Y_S.symbol, i, i - q)),
    assumptions=(
        "x is a signal on all integers (zero outside a finite window, say) or on a ring of n positions; "
        "the kernel w₀…wₖ₋₁ is the same at every position.",
        "Not proved symbolically: that no output shift matches when s does not divide t. It is shown "
        "by the engine's counterexample (stride 2, shift 1, a two-tap kernel); the matrix form is "
        "proved at every n ≤ 6 (the lemma) and the index form (steps 7–9) for every n.",
    ),
    lemmas=(COMMUTE,),
    examples=(
        Example("Stride 2 and a shift by 4 move the output by 2:", {"s": 2, "q": 2}, sp.Eq(t, s * q)),
    ),  # fmt: skip
    verifier=verify,
)
