"""Edge detection: the Sobel kernel computes −8h·∂f/∂x + O(h³), the Prewitt kernel −6h·∂f/∂x + O(h³).

The lecture's example kernel (cross-correlation, as the engine computes it) is

    [[1, 0, −1],
     [2, 0, −2],      K_ij = −j·(2 − i²),  rows i = −1, 0, 1 (y), columns j = −1, 0, 1 (x),
     [1, 0, −1]]

a central difference in x (−j) smoothed in y by (1, 2, 1) = 2 − i²; Prewitt smooths by (1, 1, 1), K_ij = −j.
Applied to samples f(x + j·h, y + i·h) of a smooth image, with f replaced by its Taylor polynomial of
degree 4 (all that matters up to h⁴), SymPy finds

    Sobel:   −8h·f_x − h³·(4/3·f_xxx + 2·f_xyy) + O(h⁵),
    Prewitt: −6h·f_x − h³·(f_xxx + 2·f_xyy) + O(h⁵).

No even power of h appears (the kernels are odd in j). So the kernel divided by −8h (or −6h) is exactly
∂f/∂x for every polynomial of degree ≤ 2, and not for degree 3 (f = x³ gives an error −8h³); up to
degree 4 the expansion above is exact. The verifier samples polynomials, runs the engine's ``conv2d`` and
compares at every pixel.

Examples:
    >>> from derivations import get
    >>> print(get("edge_detection").result)
    Eq(S, -h**3*(2*D[1, 2] + 4*D[3, 0]/3) - 8*h*D[1, 0])
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import sympy as sp

import tinygrad_cnn.functional as F
from tinygrad_cnn import Tensor, shapes
from tinygrad_cnn.conv.kernels import PREWITT_X, SOBEL_X

from ..checks import Report
from ..core import Derivation
from ..vocabulary import Example, Step, Var

__all__ = ["DERIVATION", "verify", "SOBEL", "PREWITT", "kernel_matrix"]

H = Var.ratio("h", "grid spacing (pixel size)")
S_SOBEL = Var(sp.Symbol("S", real=True), "the Sobel kernel applied to the samples of f around (x, y)")
S_PREWITT = Var(sp.Symbol("P", real=True), "the Prewitt kernel applied to the same samples")
S_QUAD = Var(sp.Symbol("S_2", real=True), "the Sobel kernel applied to a polynomial of degree 2", "S_{2}")
h = H.symbol
x, y = sp.symbols("x y", real=True)  # the pixel the kernel is centred on (not substituted: f is expanded about it)
i, j = sp.symbols("i j", integer=True)  # kernel row (y) and column (x), −1…1
d, c = sp.IndexedBase("D"), sp.IndexedBase("c")

SOBEL = -j * (2 - i**2)  # K_ij: central difference in x (−j) times smoothing (1, 2, 1) in y
PREWITT = -j  # smoothing (1, 1, 1)


def kernel_matrix(weight: sp.Expr) -> list[list[int]]:
    """The 3×3 kernel K_ij as rows (i = −1, 0, 1) of columns (j = −1, 0, 1)."""
    return [[int(weight.subs({i: row, j: col})) for col in (-1, 0, 1)] for row in (-1, 0, 1)]


def _taylor(u: sp.Expr, v: sp.Expr, degree: int = 4) -> sp.Expr:
    """f(x + u, y + v) to the given degree: Σ_{a+b ≤ degree} D[a, b]·u^a·v^b / (a!·b!)."""
    return sp.Add(*(d[a, b] * u**a * v**b / (sp.factorial(a) * sp.factorial(b))
                    for a in range(degree + 1) for b in range(degree + 1 - a)))  # fmt: skip


def _sampled(name: str, polynomial: Callable[[sp.Expr, sp.Expr], sp.Expr]) -> type[sp.Function]:
    """A function ``name(x + u, y + v)`` of the image, printed as such, whose ``doit()`` is ``polynomial(u, v)``.

    While its position still depends on the kernel indices i, j it stays a symbol, so that summing over the
    kernel is nine substitutions (SymPy's summation of the polynomial itself would be slow); the sum's final
    ``doit`` then expands each sample.
    """

    def doit(self: sp.Function, **hints: object) -> sp.Expr:
        at = [arg.doit(**hints) for arg in self.args]
        if any(arg.has(i, j) for arg in at):
            return self.func(*at)
        return polynomial(at[0] - x, at[1] - y)

    return type(name, (sp.Function,), {"doit": doit, "nargs": 2, "__doc__": doit.__doc__})


def _apply(weight: sp.Expr, image: type[sp.Function]) -> sp.Sum:
    """Σ_{i,j} K_ij · image(x + j·h, y + i·h): cross-correlation at the pixel (x, y)."""
    return sp.Sum(weight * image(x + j * h, y + i * h), (j, -1, 1), (i, -1, 1))


QUADRATIC = sp.Add(*(c[a, b] * x**a * y**b for a in range(3) for b in range(3 - a)))  # the general f of degree 2
TAYLOR = _sampled("f", _taylor)  # f near (x, y): its Taylor polynomial of degree 4
QUAD = _sampled("q", lambda du, dv: QUADRATIC.subs({x: x + du, y: y + dv}, simultaneous=True))
CUBE = _sampled("f_3", lambda du, dv: (x + du) ** 3)  # f = x³
SOBEL_RESULT = -8 * h * d[1, 0] - h**3 * (sp.Rational(4, 3) * d[3, 0] + 2 * d[1, 2])
PREWITT_RESULT = -6 * h * d[1, 0] - h**3 * (d[3, 0] + 2 * d[1, 2])


def _moment(weight: sp.Expr, a: int, b: int) -> sp.Expr:
    """The coefficient of h^(a+b)·D[a, b]: Σ K_ij j^a i^b / (a!·b!)."""
    return sp.Sum(weight * j**a * i**b, (j, -1, 1), (i, -1, 1)) / (sp.factorial(a) * sp.factorial(b))


STEPS = (
    Step("Apply the Sobel kernel K_ij = −j·(2 − i²) at the pixel (x, y): tap (i, j) reads f(x + j·h, y + i·h). "
         "Up to h⁴ only the derivatives of order ≤ 4 at (x, y) matter, so f(x + u, y + v) here stands for its "
         "Taylor polynomial Σ_{a+b≤4} D[a, b]·u^a·v^b/(a!·b!).",
         S_SOBEL.symbol, _apply(SOBEL, TAYLOR), defines=True),
    Step("The coefficient of h^(a+b)·D[a, b] is a moment of the kernel, Σ K_ij·j^a·i^b/(a!·b!). Of order 0: the "
         "sum of the entries, 0, so a flat image gives no response.", _moment(SOBEL, 0, 0), 0),
    Step("The first moment in x: the kernel's 'x-derivative' weight.", _moment(SOBEL, 1, 0), -8),
    Step("The kernel is even in i, so odd powers of i cancel: no ∂f/∂y.", _moment(SOBEL, 0, 1), 0),
    Step("Of order 3, the moments of f_xxx…", _moment(SOBEL, 3, 0), sp.Rational(-4, 3)),
    Step("…and of f_xyy.", _moment(SOBEL, 1, 2), -2),
    Step("Collect the terms: the kernel is odd in j, so every moment with an even power of j vanishes, and with "
         "it the whole h² and h⁴ terms; what is left is f_x at h and f_xxx, f_xyy at h³.", S_SOBEL.symbol,
         SOBEL_RESULT),
    Step("Prewitt: the same with the smoothing (1, 1, 1), K_ij = −j.", S_PREWITT.symbol,
         _apply(PREWITT, TAYLOR), defines=True),
    Step("Its first moment is −6.", S_PREWITT.symbol, PREWITT_RESULT),
    Step("For a polynomial q = Σ_{a+b≤2} c[a, b]·x^a·y^b of degree ≤ 2 the Taylor polynomial is q itself and "
         "the third derivatives vanish: the kernel gives exactly −8h·∂q/∂x.",
         S_QUAD.symbol, _apply(SOBEL, QUAD), defines=True),
    Step("Exact at every pixel, for every h: −8h·∂q/∂x.", S_QUAD.symbol, -8 * h * sp.diff(QUADRATIC, x)),
    Step("Degree 3 is not exact: f₃ = x³ gives −8h·3x² and an error −8h³ (the h³ term, 4/3·∂³f₃/∂x³ = 8).",
         _apply(SOBEL, CUBE), -8 * h * 3 * x**2 - 8 * h**3),
)  # fmt: skip


def verify() -> Report:
    """The engine's ``conv2d`` with the Sobel and Prewitt kernels on sampled polynomials: degree ≤ 2 gives
    exactly −8h·f_x (−6h·f_x), degree 3 and 4 the expansion with its h³ term (and degree 3 differs from
    −8h·f_x); the tour's kernel is K_ij = −j·(2 − i²), and its response to a step edge is −4."""
    report = Report(DERIVATION.name)
    report.equal("conv.kernels.SOBEL_X is K_ij = −j·(2 − i²)", SOBEL_X.tolist(), kernel_matrix(SOBEL), "3×3")
    report.equal("conv.kernels.PREWITT_X is K_ij = −j", PREWITT_X.tolist(), kernel_matrix(PREWITT), "3×3")
    side = sp.Symbol("n", integer=True, positive=True)
    report.identity("shapes.conv_output_size(n, 3): an n-pixel side has n − 2 pixels with a full 3×3 neighbourhood",
                    shapes.conv_output_size(side, 3), side - 2)  # fmt: skip
    xs, ys = sp.symbols("x y", real=True)
    polynomials = {1: 3 * xs - 2 * ys + 1, 2: xs**2 - 3 * xs * ys + 2 * ys**2 + xs - ys + 3,
                   3: xs**3 + 2 * xs**2 * ys - xs * ys**2 + ys**3 + xs,
                   4: xs**4 - 2 * xs**2 * ys**2 + xs**3 * ys + 3 * ys**4 + xs * ys - 2}  # fmt: skip
    for degree, spacing in [(1, 1.0), (1, 0.5), (2, 1.0), (2, 0.5), (2, 0.25), (2, 0.125), (3, 1.0), (3, 0.5),
                            (3, 0.25), (4, 0.5), (4, 0.25), (4, 0.125)]:  # fmt: skip
        poly = polynomials[degree]
        case = f"degree {degree}, h = {spacing}, f = {poly}"
        for name, weight, result in [("Sobel", SOBEL, SOBEL_RESULT), ("Prewitt", PREWITT, PREWITT_RESULT)]:
            response = _engine_response(poly, weight, spacing, xs, ys)  # at the interior pixels
            report.equal("conv2d output size", response.shape, (GRID - 2,) * 2, case)
            derivatives = {d[a, b]: sp.diff(poly, xs, a, ys, b) for a, b in ((1, 0), (3, 0), (1, 2))}
            at_h = result.subs(h, sp.nsimplify(spacing))
            expansion = _on_grid(at_h.subs(derivatives), spacing, xs, ys)
            leading = _on_grid(at_h.subs({d[3, 0]: 0, d[1, 2]: 0}).subs(derivatives), spacing, xs, ys)
            factor = {"Sobel": 8, "Prewitt": 6}[name]
            if degree <= 2:
                report.equal(f"{name} conv2d = exactly −{factor}h·∂f/∂x, degree ≤ 2",
                             np.array_equal(response, leading), True, case)  # fmt: skip
            else:
                report.equal(
                    f"{name} conv2d = the expansion with its h³ term, degree 3 and 4",
                    bool(np.allclose(response, expansion, rtol=1e-12, atol=1e-9)),
                    True,
                    case,
                )
                report.equal(f"{name} conv2d ≠ −{factor}h·∂f/∂x alone, degree ≥ 3",
                             bool(np.allclose(response, leading)), False, case)  # fmt: skip
    edge = np.zeros((1, 1, 5, 6))
    edge[..., 3:] = 1.0  # dark left, bright right: f_x > 0 at the edge
    response = F.conv2d(Tensor(edge), Tensor(np.array(kernel_matrix(SOBEL), float)[None, None])).numpy()
    report.equal("Sobel on a step edge (dark to bright): −4 on the edge, 0 elsewhere, sign of −f_x",
                 sorted(set(response.ravel().tolist())), [-4.0, 0.0], "5×6 step")  # fmt: skip
    return report


GRID = 7  # pixels per side of the sampled images


def _pixels(spacing: float) -> np.ndarray:
    return (np.arange(GRID) - 3) * spacing  # positions −3h…3h, exact in binary for h = 2^−n


def _on_grid(expr: sp.Expr, spacing: float, xs: sp.Symbol, ys: sp.Symbol) -> np.ndarray:
    """``expr`` at the interior pixels (those a 3×3 kernel's centre can reach), as float64."""
    inner = _pixels(spacing)[1:-1]
    function = sp.lambdify((xs, ys), expr, "numpy")
    return np.broadcast_to(function(inner[None, :], inner[:, None]), (GRID - 2, GRID - 2)).astype(float)


def _engine_response(poly: sp.Expr, weight: sp.Expr, spacing: float, xs: sp.Symbol, ys: sp.Symbol) -> np.ndarray:
    positions = _pixels(spacing)
    image = sp.lambdify((xs, ys), poly, "numpy")(positions[None, :], positions[:, None])  # rows: y, columns: x
    image = np.broadcast_to(image, (GRID, GRID)).astype(float)
    kernel = np.array(kernel_matrix(weight), dtype=float)
    return F.conv2d(Tensor(image[None, None]), Tensor(kernel[None, None])).numpy()[0, 0]


DERIVATION = Derivation(
    name="edge_detection",
    title="Edge detection: Sobel and Prewitt kernels are scaled, smoothed derivatives",
    summary="The lecture's edge-detection kernel [[1, 0, −1], [2, 0, −2], [1, 0, −1]] (cross-correlation) is "
    "a central difference in x smoothed in y. Applying it to Taylor-expanded samples f(x + j·h, y + i·h) "
    "gives −8h·∂f/∂x − h³·(4/3·f_xxx + 2·f_xyy) + O(h⁵); Prewitt's gives −6h·∂f/∂x − h³·(f_xxx + "
    "2·f_xyy) + O(h⁵). So the output is a derivative, exactly so for polynomials of degree ≤ 2.",
    variables=(H, S_SOBEL, S_PREWITT, S_QUAD),
    steps=STEPS,
    result=sp.Eq(S_SOBEL.symbol, SOBEL_RESULT),
    assumptions=(
        "The kernel is centred on the pixel (x, y); D[a, b] = ∂^(a+b)f/∂x^a∂y^b at (x, y); q = Σ c[a, b]·x^a·y^b "
        "is a polynomial of degree ≤ 2 with arbitrary coefficients c[a, b].",
        "f is smooth (five times differentiable) near (x, y); the pixels are h apart in both directions.",
        "Cross-correlation, as in the engine and PyTorch: with true convolution (the kernel flipped) the "
        "sign is the opposite, +8h·∂f/∂x.",
        "The O(h⁵) remainder is Taylor's: the degree-4 polynomial has every term up to h⁴ of the "
        "expansion, and SymPy shows the h⁴ term is 0; the remainder itself is not computed.",
    ),
    examples=(
        Example(
            "On pixels of size h = 1, a ramp f = x + 2y (f_x = 1, no third derivatives) gives −8:",
            {"h": 1},
            sp.Eq(S_SOBEL.symbol, SOBEL_RESULT.subs({d[1, 0]: 1, d[3, 0]: 0, d[1, 2]: 0})),
        ),
    ),  # fmt: skip
    verifier=verify,
)
