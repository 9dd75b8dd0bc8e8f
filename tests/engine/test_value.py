"""Tests for the scalar engine (:mod:`tinygrad_cnn.engine.value`).

What is checked, and against what:
* micrograd compatibility: the same script runs on ``micrograd.engine.Value`` and on ours, same numbers;
* numerical stability of ``tanh``/``sigmoid``/``exp`` at ±1000 and clear errors for ``log``/``pow``;
* an iterative backward through 10^6 operations, with the gradient known in closed form;
* reused nodes, and ``backward()`` twice (where micrograd goes wrong);
* first, second and third derivatives of Hypothesis-drawn expressions against SymPy, and first
  derivatives against central differences.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import micrograd.engine
import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tinygrad_cnn import Value, grad
from tinygrad_cnn.engine.autograd import backward_order

MAX_FLOAT = 1.7976931348622732e308

# --------------------------------------------------------------------------------------------------
# micrograd compatibility
# --------------------------------------------------------------------------------------------------


def readme_script(Value: type) -> dict[str, Any]:  # noqa: N803 (the class is the parameter)
    """micrograd's README example, verbatim; returns its named variables."""
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g}


def operators_script(Value: type) -> dict[str, Any]:  # noqa: N803
    """Every operator micrograd has, with numbers on either side, and reused nodes."""
    x = Value(1.5)
    y = Value(-0.75)
    s = 2 + x + 3
    t = 4 - y - 0.5
    u = 2.5 * x * -1.5
    v = 3.0 / x / 0.25
    w = x**2 + y**-1 + (x * x) ** 0.5 - (-y) ** 1.5
    r = (x - y).relu() + (y - x).relu() + (y * 0).relu()
    z = s * t + u / v - w * r + x * x + y + y
    z.backward()
    return {"x": x, "y": y, "s": s, "t": t, "u": u, "v": v, "w": w, "r": r, "z": z}


def mlp_script(Value: type) -> dict[str, Any]:  # noqa: N803
    """A 2-4-4-1 ReLU MLP with fixed weights and micrograd's demo loss (SVM max-margin + L2)."""
    rand = random.Random(1337)

    class Neuron:
        def __init__(self, nin: int, nonlin: bool = True):
            self.w = [Value(rand.uniform(-1, 1)) for _ in range(nin)]
            self.b = Value(0)
            self.nonlin = nonlin

        def __call__(self, x: list) -> Any:
            act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
            return act.relu() if self.nonlin else act

    sizes = [2, 4, 4, 1]
    layers = [
        [Neuron(sizes[i], nonlin=i != len(sizes) - 2) for _ in range(sizes[i + 1])]
        for i in range(len(sizes) - 1)
    ]
    params = [p for layer in layers for n in layer for p in n.w + [n.b]]

    points = [(rand.uniform(-2, 2), rand.uniform(-2, 2)) for _ in range(8)]
    labels = [1 if px * py > 0 else -1 for px, py in points]
    scores = []
    for px, py in points:
        h: Any = [Value(px), Value(py)]
        for layer in layers:
            h = [n(h) for n in layer]
        scores.append(h[0])
    losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in params)
    loss = data_loss + reg_loss
    loss.backward()
    named = {f"param{i}": p for i, p in enumerate(params)}
    named.update({f"score{i}": s for i, s in enumerate(scores)})
    named.update(data_loss=data_loss, reg_loss=reg_loss, loss=loss)
    return named


@pytest.mark.parametrize("script", [readme_script, operators_script, mlp_script])
def test_micrograd_script_gives_the_same_numbers(script: Callable[[type], dict[str, Any]]) -> None:
    """A micrograd script runs unchanged on our Value: equal data, grads equal to 1e-12 relative."""
    theirs = script(micrograd.engine.Value)
    ours = script(Value)
    assert ours.keys() == theirs.keys()
    for name in theirs:
        assert ours[name].data == theirs[name].data, f"{name}.data"
        assert ours[name].grad == pytest.approx(theirs[name].grad, rel=1e-12, abs=1e-300), f"{name}.grad"
    assert any(v.grad != 0 for v in ours.values())  # the comparison is not vacuous


def test_readme_example_matches_published_numbers() -> None:
    """micrograd's README prints g.data = 24.7041, a.grad = 138.8338, b.grad = 645.5773."""
    out = readme_script(Value)
    assert out["g"].data == pytest.approx(24.7041, abs=5e-5)
    assert out["a"].grad == pytest.approx(138.8338, abs=5e-5)
    assert out["b"].grad == pytest.approx(645.5773, abs=5e-5)


def trace(root: Any) -> tuple[set, set]:
    """micrograd's ``draw_dot`` traversal (from its trace_graph notebook), using ``_prev`` only."""
    nodes, edges = set(), set()

    def build(v: Any) -> None:
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def test_draw_dot_traversal_attributes() -> None:
    """``_prev`` and ``_op`` exist and describe the same graph as micrograd's (same nodes, edges, ops)."""
    ours, theirs = readme_script(Value), readme_script(micrograd.engine.Value)
    our_nodes, our_edges = trace(ours["g"])
    their_nodes, their_edges = trace(theirs["g"])
    assert len(our_nodes) == len(their_nodes)
    assert len(our_edges) == len(their_edges)
    assert Counter(n._op for n in our_nodes) == Counter(n._op for n in their_nodes)
    assert all(isinstance(n._op, str) for n in our_nodes)
    assert ours["a"]._op == "" and tuple(ours["a"]._prev) == ()
    x = Value(2.0)
    assert tuple((x * x)._prev) == (x, x) and (x * x)._op == "*"


def test_label_data_grad_and_repr() -> None:
    """``Value(data, label=...)`` keeps the label; ``grad`` starts at 0; repr shows data and grad."""
    a = Value(3.0, label="a")
    assert (a.label, a.data, a.grad) == ("a", 3.0, 0)
    assert Value(1).label == ""
    assert repr(a) == "Value(data=3.0, grad=0)"


@pytest.mark.parametrize("bad", ["a", None, [1.0], 1 + 2j, Value(1.0)])
def test_non_real_data_raises_type_error(bad: Any) -> None:
    """Only real numbers can be wrapped; the message names the offending type."""
    with pytest.raises(TypeError, match="real number"):
        Value(bad)


def test_operators_with_numbers_on_either_side() -> None:
    """Reflected operators and unary minus give the right values and gradients."""
    x = Value(2.0)
    cases = {
        "3 + x": (lambda: 3 + x, 5.0, 1.0),
        "x + 3": (lambda: x + 3, 5.0, 1.0),
        "3 - x": (lambda: 3 - x, 1.0, -1.0),
        "x - 3": (lambda: x - 3, -1.0, 1.0),
        "3 * x": (lambda: 3 * x, 6.0, 3.0),
        "3 / x": (lambda: 3 / x, 1.5, -0.75),
        "x / 4": (lambda: x / 4, 0.5, 0.25),
        "-x": (lambda: -x, -2.0, -1.0),
        "x ** 3": (lambda: x**3, 8.0, 12.0),
        "3 ** x": (lambda: 3**x, 9.0, 9.0 * math.log(3.0)),
    }
    for name, (build, value, slope) in cases.items():
        x.grad = 0
        out = build()
        out.backward()
        assert isinstance(out, Value), name
        assert out.data == pytest.approx(value, rel=1e-15), name
        assert x.grad == pytest.approx(slope, rel=1e-15), name


def test_pow_with_value_exponent() -> None:
    """d(a**b)/da = b a**(b-1) and d(a**b)/db = a**b ln a."""
    a, b = Value(2.0), Value(3.0)
    c = a**b
    c.backward()
    assert c.data == 8.0
    assert a.grad == pytest.approx(12.0, rel=1e-15)
    assert b.grad == pytest.approx(8.0 * math.log(2.0), rel=1e-15)


def test_unary_functions_values_and_gradients() -> None:
    """relu, tanh, sigmoid, exp, log at a few points against their closed forms."""
    for x0 in (-1.3, 0.4, 2.0):
        sig = 1 / (1 + math.exp(-x0))
        expected = {
            "relu": (max(x0, 0.0), 1.0 if x0 > 0 else 0.0),
            "tanh": (math.tanh(x0), 1 - math.tanh(x0) ** 2),
            "sigmoid": (sig, sig * (1 - sig)),
            "exp": (math.exp(x0), math.exp(x0)),
        }
        if x0 > 0:
            expected["log"] = (math.log(x0), 1 / x0)
        for name, (value, slope) in expected.items():
            x = Value(x0)
            out = getattr(x, name)()
            out.backward()
            assert out.data == pytest.approx(value, rel=1e-14), (name, x0)
            assert x.grad == pytest.approx(slope, rel=1e-14), (name, x0)


# --------------------------------------------------------------------------------------------------
# numerical stability and error messages
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["tanh", "sigmoid", "exp"])
@pytest.mark.parametrize("x0", [-1000.0, 1000.0, -1e308, 1e308])
def test_saturating_functions_stay_finite(op: str, x0: float) -> None:
    """tanh, sigmoid and exp of huge arguments: finite values and gradients, no OverflowError."""
    x = Value(x0)
    out = getattr(x, op)()
    out.backward()
    assert math.isfinite(out.data) and math.isfinite(x.grad), (op, x0, out.data, x.grad)
    limits = {
        "tanh": math.copysign(1.0, x0),
        "sigmoid": 1.0 if x0 > 0 else 0.0,
        "exp": MAX_FLOAT if x0 > 0 else 0.0,
    }
    assert out.data == limits[op]
    if op != "exp":
        assert x.grad == 0.0


def test_saturating_functions_stay_finite_with_create_graph() -> None:
    """The same at ±1000 when the gradients are Values (second derivatives finite too)."""
    for op in ("tanh", "sigmoid", "exp"):
        for x0 in (-1000.0, 1000.0):
            x = Value(x0)
            (dx,) = grad(getattr(x, op)(), [x], create_graph=True)
            (dxx,) = grad(dx, [x])
            assert math.isfinite(dx.data) and math.isfinite(dxx), (op, x0, dx, dxx)


@pytest.mark.parametrize("x0", [0.0, -0.0, -1.0, -1e-300])
def test_log_of_non_positive_raises(x0: float) -> None:
    """log(0) and log(negative) raise ValueError saying the argument must be positive."""
    with pytest.raises(ValueError, match=r"log\(.*\) is undefined; the argument must be positive"):
        Value(x0).log()


@pytest.mark.parametrize(
    "build",
    [
        lambda: Value(-8.0) ** (1 / 3),
        lambda: Value(-2.0) ** 0.5,
        lambda: Value(-2.0) ** Value(1.5),
        lambda: (-2.0) ** Value(0.5),
    ],
)
def test_pow_with_complex_result_raises(build: Callable[[], Value]) -> None:
    """A negative base with a fractional exponent would be complex: ValueError, not a complex Value."""
    with pytest.raises(ValueError, match="not a real number"):
        build()


def test_pow_value_exponent_gradient_at_zero_and_negative_base() -> None:
    """d(a**b)/db = a**b ln a: 0 at a = 0 (as PyTorch), nan for a < 0 (ln a is not real)."""
    a, b = Value(0.0), Value(2.0)
    (a**b).backward()
    assert (a.grad, b.grad) == (0.0, 0.0)
    a, b = Value(-2.0), Value(2.0)
    (a**b).backward()
    assert a.grad == -4.0 and math.isnan(b.grad)


def test_pow_negative_base_integer_exponent_is_fine() -> None:
    """(-2)**3 is real: no error, and the gradient is 3(-2)² = 12."""
    x = Value(-2.0)
    y = x**3
    y.backward()
    assert (y.data, x.grad) == (-8.0, 12.0)


# --------------------------------------------------------------------------------------------------
# graph structure: deep chains, reuse, repeated backward
# --------------------------------------------------------------------------------------------------


def test_backward_through_a_million_operations() -> None:
    """y ← y·c + d repeated 5·10^5 times (10^6 ops): dy/dx = c^m, dy/dd = (c^m − 1)/(c − 1)."""
    m, c0, d0 = 500_000, 1.0 + 1e-6, 0.5
    x, c, d = Value(1.0), Value(c0), Value(d0)
    y = x
    for _ in range(m):
        y = y * c + d
    y.backward()
    cm = c0**m
    geometric = (cm - 1) / (c0 - 1)
    assert y.data == pytest.approx(cm + d0 * geometric, rel=1e-9)
    assert x.grad == pytest.approx(cm, rel=1e-9)
    assert d.grad == pytest.approx(geometric, rel=1e-9)


def test_reused_nodes_get_summed_gradients() -> None:
    """x*x, a+a and a diamond (two paths from one node to the output) sum their contributions."""
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0

    a = Value(5.0)
    (a + a).backward()
    assert a.grad == 2.0

    t = Value(0.7)
    top = t * 2.0  # the diamond: top feeds left and right, which meet in out
    left, right = top.tanh(), top.exp()
    out = left * right
    out.backward()
    u = 1.4
    expected_top = (1 - math.tanh(u) ** 2) * math.exp(u) + math.tanh(u) * math.exp(u)
    assert top.grad == pytest.approx(expected_top, rel=1e-14)
    assert t.grad == pytest.approx(2 * expected_top, rel=1e-14)

    w = Value(2.0)
    y = w * w * w + w  # three uses in one product plus one more
    y.backward()
    assert w.grad == 3 * 2.0**2 + 1


def test_backward_twice_doubles_every_gradient_exactly() -> None:
    """A second backward() adds exactly the same gradient to every node, intermediate ones included."""
    named = readme_script(Value)  # runs backward once
    nodes = backward_order(named["g"], lambda n: n._prev)
    first = {id(n): n.grad for n in nodes}
    named["g"].backward()
    for n in nodes:
        assert n.grad == 2 * first[id(n)], (n._op, first[id(n)], n.grad)
    assert named["g"].grad == 2.0


def test_micrograd_backward_twice_is_not_a_doubling() -> None:
    """Why we don't copy micrograd here: its backward *sets* the root's grad to 1 and then propagates
    the already-accumulated grads of intermediate nodes, so x → y = 2x → z = 3y gives, after two calls,
    z.grad = 1 (not 2), y.grad = 6 (doubled) and x.grad = 6 + 2·6 = 18 (tripled, not 12)."""
    for V, expected in [(micrograd.engine.Value, (1, 6, 18)), (Value, (2.0, 6.0, 12.0))]:
        x = V(3.0)
        y = x * 2
        z = y * 3
        z.backward()
        assert (z.grad, y.grad, x.grad) == (1, 3, 6)
        z.backward()
        assert (z.grad, y.grad, x.grad) == expected, V.__module__


def test_grad_function_leaves_grad_fields_alone() -> None:
    """grad() returns gradients instead of accumulating them; unused inputs get 0."""
    x, y, unused = Value(2.0), Value(5.0), Value(1.0)
    out = x * y + x
    gx, gy, gu = grad(out, [x, y, unused])
    assert (gx, gy, gu) == (6.0, 2.0, 0.0)
    assert (x.grad, y.grad, out.grad) == (0, 0, 0)


# --------------------------------------------------------------------------------------------------
# Hypothesis-drawn expressions: one tree, evaluated on Values, on SymPy symbols, or for finite differences
# --------------------------------------------------------------------------------------------------

N_VARS = 3
SMOOTH_UNARY = ["neg", "exp", "log", "tanh", "sigmoid", "square", "cube", "inv", "sqrt", "pow1.5", "rpow"]
BINARY = ["+", "-", "*", "/", "powv"]
CONST_OPS = ["c+", "+c", "c-", "-c", "c*", "*c", "c/", "/c"]
CONSTANTS = [-2.0, -0.5, 0.25, 1.0, 1.5, 3.0]  # exact in binary, so SymPy sees the same numbers


def expressions(n_vars: int = N_VARS, relu: bool = False) -> st.SearchStrategy:
    """Trees of ops as nested tuples; leaves are variables ``("x", i)``."""
    unary = SMOOTH_UNARY + (["relu"] if relu else [])
    leaves = st.tuples(st.just("x"), st.integers(0, n_vars - 1))

    def extend(children: st.SearchStrategy) -> st.SearchStrategy:
        return st.one_of(
            st.tuples(st.sampled_from(unary), children),
            st.tuples(st.sampled_from(BINARY), children, children),
            st.tuples(st.sampled_from(CONST_OPS), children, st.sampled_from(CONSTANTS)),
        )

    return st.recursive(leaves, extend, max_leaves=10)


def point(n_vars: int = N_VARS) -> st.SearchStrategy:
    return st.lists(
        st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False), min_size=n_vars, max_size=n_vars
    )


VALUE_OPS = SimpleNamespace(
    const=float,
    exp=lambda v: v.exp(),
    log=lambda v: v.log(),
    tanh=lambda v: v.tanh(),
    sigmoid=lambda v: v.sigmoid(),
    relu=lambda v: v.relu(),
)
SYMPY_OPS = SimpleNamespace(
    const=sympy.Rational,  # the exact binary value of the float
    exp=sympy.exp,
    log=sympy.log,
    tanh=sympy.tanh,
    sigmoid=lambda v: 1 / (1 + sympy.exp(-v)),
    relu=None,
)


def evaluate(tree: tuple, xs: list, ops: SimpleNamespace) -> Any:
    """Evaluate ``tree`` on ``xs`` (Values or SymPy symbols). Every argument of log, of a fractional
    power and of a denominator is made positive (``u*u + 1/2``), so any point is in the domain."""
    op, *args = tree
    if op == "x":
        return xs[args[0]]
    if op in CONST_OPS:
        u, c = evaluate(args[0], xs, ops), ops.const(args[1])
        pos = u * u + ops.const(0.5)
        return {
            "c+": lambda: c + u, "+c": lambda: u + c, "c-": lambda: c - u, "-c": lambda: u - c,
            "c*": lambda: c * u, "*c": lambda: u * c, "c/": lambda: c / pos, "/c": lambda: u / c,
        }[op]()  # fmt: skip
    if op in BINARY:
        u, v = evaluate(args[0], xs, ops), evaluate(args[1], xs, ops)
        return {
            "+": lambda: u + v,
            "-": lambda: u - v,
            "*": lambda: u * v,
            "/": lambda: u / (v * v + ops.const(0.5)),
            "powv": lambda: (u * u + ops.const(0.5)) ** ops.tanh(v),  # a Value exponent
        }[op]()
    u = evaluate(args[0], xs, ops)
    half = ops.const(0.5)
    return {
        "neg": lambda: -u,
        "exp": lambda: ops.exp(u),
        "log": lambda: ops.log(u * u + half),
        "tanh": lambda: ops.tanh(u),
        "sigmoid": lambda: ops.sigmoid(u),
        "relu": lambda: ops.relu(u),
        "square": lambda: u**2,
        "cube": lambda: u**3,
        "inv": lambda: (u * u + half) ** ops.const(-1),
        "sqrt": lambda: (u * u + half) ** half,
        "pow1.5": lambda: (u * u + half) ** ops.const(1.5),
        "rpow": lambda: ops.const(2.0) ** ops.tanh(u),  # a number raised to a Value
    }[op]()


def build(tree: tuple, at: list[float]) -> tuple[Value, list[Value]]:
    """Our Value graph for ``tree`` at ``at``; rejects points where values get huge (exp of exp...)."""
    xs = [Value(float(p)) for p in at]
    try:
        out = evaluate(tree, xs, VALUE_OPS)
    except OverflowError:  # e.g. exp(x)**3 beyond 1e308: the engine says so, and we skip the point
        assume(False)
    largest = max(abs(n.data) for n in backward_order(out, lambda n: n._prev))
    assume(largest < 1e6)
    return out, xs


SYMBOLS = sympy.symbols(f"x0:{N_VARS}", real=True)


def sympy_value(expr: sympy.Expr, point: list[float]) -> float:
    """``expr`` evaluated at ``point`` with 30 significant digits, then rounded to a float."""
    return float(expr.evalf(30, subs={s: sympy.Rational(p) for s, p in zip(SYMBOLS, point)}))


def close(ours: float, exact: float, scale: float, rel: float = 1e-9) -> bool:
    """Relative agreement to ``rel``; near zero, relative to ``scale`` (the size of the terms that cancel)."""
    return math.isclose(ours, exact, rel_tol=rel, abs_tol=rel * scale)


def graph_scale(*roots: Any) -> float:
    """The largest magnitude of any number in the graphs of ``roots``: the size of the rounding errors."""
    values = [1.0]
    for root in roots:
        if isinstance(root, Value):
            values += [abs(n.data) for n in backward_order(root, lambda n: n._prev)]
    return max(values)


def _data(g: Any) -> float:
    return g.data if isinstance(g, Value) else float(g)


@given(expressions(), point())
def test_gradient_and_hessian_match_sympy(tree: tuple, at: list[float]) -> None:
    """grad(..., create_graph=True) twice gives the full gradient and Hessian that SymPy derives."""
    out, xs = build(tree, at)
    expr = evaluate(tree, list(SYMBOLS), SYMPY_OPS)
    assert close(out.data, sympy_value(expr, at), graph_scale(out))

    first = grad(out, xs, create_graph=True)
    for i, gi in enumerate(first):
        exact = sympy_value(sympy.diff(expr, SYMBOLS[i]), at)
        assert close(_data(gi), exact, graph_scale(gi)), (tree, i, _data(gi), exact)
        second = grad(gi, xs) if isinstance(gi, Value) else [0.0] * N_VARS
        for j, gij in enumerate(second):
            exact = sympy_value(sympy.diff(expr, SYMBOLS[i], SYMBOLS[j]), at)
            assert close(gij, exact, graph_scale(gi)), (tree, i, j, gij, exact)


@given(expressions(n_vars=1), point(n_vars=1))
def test_backward_create_graph_second_derivative_matches_sympy(tree: tuple, at: list[float]) -> None:
    """backward(create_graph=True) leaves Values in .grad; differentiating one again gives f''."""
    out, (x,) = build(tree, at)
    out.backward(create_graph=True)
    fx = x.grad
    assert isinstance(fx, Value)
    x.grad = 0
    fx.backward()
    expr = evaluate(tree, list(SYMBOLS), SYMPY_OPS)
    assert close(fx.data, sympy_value(sympy.diff(expr, SYMBOLS[0]), at), graph_scale(fx))
    assert close(x.grad, sympy_value(sympy.diff(expr, SYMBOLS[0], 2), at), graph_scale(fx))


@settings(max_examples=30)  # SymPy's third derivatives of nested expressions are slow
@given(expressions(n_vars=2), point(n_vars=2))
def test_third_derivatives_match_sympy(tree: tuple, at: list[float]) -> None:
    """Three nested grad(..., create_graph=True) calls give d³f/dx0 dx1 dx0 and d³f/dx1³."""
    out, (x0, x1) = build(tree, at)
    expr = evaluate(tree, list(SYMBOLS), SYMPY_OPS)
    s0, s1 = SYMBOLS[0], SYMBOLS[1]
    for path in [(x0, x1, x0), (x1, x1, x1)]:
        g: Any = out
        for var in path:
            g = grad(g, [var], create_graph=True)[0] if isinstance(g, Value) else 0.0
        exact = sympy_value(sympy.diff(expr, *[s0 if v is x0 else s1 for v in path]), at)
        assert close(_data(g), exact, graph_scale(g), rel=1e-8), (tree, path, _data(g), exact)


def test_known_higher_derivatives() -> None:
    """Hand-checked cases: (x³)''' = 6, tanh'''(0) = -2, and d²(xy)/dxdy = 1."""
    x = Value(1.7)
    g = x**3
    for _ in range(3):
        (g,) = grad(g, [x], create_graph=True)
    assert g.data == pytest.approx(6.0, rel=1e-15)

    x = Value(0.0)
    g = x.tanh()
    for _ in range(3):
        (g,) = grad(g, [x], create_graph=True)
    assert g.data == pytest.approx(-2.0, rel=1e-15)

    x, y = Value(2.0), Value(3.0)
    gx, gy = grad(x * y, [x, y], create_graph=True)
    assert grad(gx, [x, y]) == [0.0, 1.0]
    assert grad(gy, [x, y]) == [1.0, 0.0]


@given(expressions(relu=True), point())
def test_gradient_matches_central_differences(tree: tuple, at: list[float]) -> None:
    """backward() agrees with (f(x+h) - f(x-h)) / 2h in float64, away from relu's kink."""
    out, xs = build(tree, at)
    kinks = [abs(n._prev[0].data) for n in backward_order(out, lambda n: n._prev) if n._op == "ReLU"]
    assume(min(kinks, default=1.0) > 1e-3)
    out.backward()

    def f(shifted: list[float]) -> float:
        return evaluate(tree, [Value(p) for p in shifted], VALUE_OPS).data

    h = 1e-6
    scale = graph_scale(out)
    for i, x in enumerate(xs):
        plus, minus = list(at), list(at)
        plus[i] += h
        minus[i] -= h
        central = (f(plus) - f(minus)) / (2 * h)
        assert math.isclose(x.grad, central, rel_tol=1e-5, abs_tol=1e-6 * scale), (tree, i, x.grad, central)


def test_power_derivative_at_zero_is_infinite_not_an_exception():
    """d/dx sqrt(x) at 0 is +inf (as PyTorch), for a number or a Value exponent; no ZeroDivisionError."""
    x = Value(0.0)
    (x**0.5).backward()
    assert x.grad == math.inf
    x, e = Value(0.0), Value(0.5)
    (x**e).backward()
    assert x.grad == math.inf and e.grad == 0.0


def test_grad_of_an_input_listed_twice_is_given_twice():
    x = Value(3.0)
    assert grad(x * x, [x, x]) == [6.0, 6.0]
