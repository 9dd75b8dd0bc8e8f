"""Evaluate a SymPy expression exactly at integer points: the arithmetic behind every grid check.

Where ``floor`` stops ``simplify``, a claim is checked at every point of a bounded grid. That check must
itself be exact: :func:`compile_exact` turns an expression into a Python function over ``int`` and
``fractions.Fraction`` (no floating point, no ``eval``), walking the expression tree once; calling it
costs about a microsecond per node, so grids of thousands of points take milliseconds.

Examples:
    >>> import sympy as sp
    >>> n, s = sp.symbols("n s", integer=True, positive=True)
    >>> f = compile_exact(sp.floor((n - 1) / s) + 1)
    >>> f({n: 7, s: 2}), f({n: 8, s: 2})
    (4, 4)
    >>> compile_exact(sp.Eq(sp.Mod(n, s), 1))({n: 7, s: 3})
    True
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from fractions import Fraction
from functools import reduce

import sympy as sp

__all__ = ["compile_exact", "as_expr", "Point"]

Point = Mapping[sp.Symbol, int]
Exact = Callable[[Point], object]  # returns an int, a Fraction or a bool

_RELATIONS = {
    sp.Eq: operator.eq, sp.Ne: operator.ne, sp.Lt: operator.lt,
    sp.Le: operator.le, sp.Gt: operator.gt, sp.Ge: operator.ge,
}  # fmt: skip
_FUNCTIONS = {  # n-ary functions applied to their evaluated arguments
    sp.floor: math.floor, sp.ceiling: math.ceil, sp.Mod: operator.mod, sp.Min: min, sp.Max: max,
    sp.Abs: abs, sp.And: all, sp.Or: any, sp.Not: operator.not_,
}  # fmt: skip


def as_expr(value: sp.Basic | int) -> sp.Basic:
    """A SymPy expression as it is, or a Python ``int`` as a SymPy ``Integer``; nothing else (never a string:
    this package does not parse text into expressions).

    Examples:
        >>> as_expr(3), as_expr(sp.Symbol("x") + 1)
        (3, x + 1)
    """
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return sp.Integer(value)
    raise TypeError(f"expected a SymPy expression or an int (never a string), got {type(value).__name__}: {value!r}")


def compile_exact(expr: sp.Basic) -> Exact:
    """A function ``point -> value`` computing ``expr`` exactly at a point ``{symbol: int}``.

    Supports the integer arithmetic of output sizes and counts: ``+ − ×``, integer powers, rationals,
    ``floor``, ``ceiling``, ``Mod``, ``Min``, ``Max``, ``Abs``, ``Piecewise``, relations and ``And``/``Or``/
    ``Not``. Anything else (a ``Sum`` with a symbolic bound, say) raises ``TypeError`` when compiled.
    A symbol missing from the point raises ``KeyError`` naming it.
    """
    if expr is sp.true or expr is sp.false:
        value = bool(expr)
        return lambda point: value
    if expr.is_Integer:
        number = int(expr)
        return lambda point: number
    if expr.is_Rational:
        fraction = Fraction(int(expr.p), int(expr.q))
        return lambda point: fraction
    if expr.is_Symbol:
        return lambda point: _lookup(point, expr)
    args = [compile_exact(arg) for arg in expr.args] if not isinstance(expr, sp.Piecewise) else []
    if expr.is_Add:
        return lambda point: sum(f(point) for f in args)
    if expr.is_Mul:
        return lambda point: reduce(operator.mul, (f(point) for f in args), 1)
    if expr.is_Pow:
        return _power(expr, args[0])
    if isinstance(expr, sp.Piecewise):
        return _piecewise(expr)
    for kind, relation in _RELATIONS.items():
        if isinstance(expr, kind):
            return lambda point: relation(args[0](point), args[1](point))
    for kind, function in _FUNCTIONS.items():
        if isinstance(expr, kind):
            return _apply(function, args, unary=kind in (sp.floor, sp.ceiling, sp.Abs, sp.Not))
    raise TypeError(f"compile_exact: cannot evaluate {type(expr).__name__} exactly: {expr}")


def _lookup(point: Point, symbol: sp.Symbol) -> int:
    try:
        return point[symbol]
    except KeyError:
        if any(str(other) == str(symbol) for other in point):
            raise KeyError(
                f"the point's symbol {symbol} has other assumptions than the expression's "
                f"({symbol.assumptions0}): make both from the same Var"
            ) from None
        raise KeyError(f"no value for the symbol {symbol} (the point gives {sorted(map(str, point))})") from None


def _power(expr: sp.Pow, base: Exact) -> Exact:
    if not expr.exp.is_Integer:
        raise TypeError(f"compile_exact: only integer powers are exact, got {expr}")
    exponent = int(expr.exp)
    if exponent >= 0:
        return lambda point: base(point) ** exponent
    return lambda point: Fraction(1) / Fraction(base(point)) ** -exponent


def _piecewise(expr: sp.Piecewise) -> Exact:
    pieces = [(compile_exact(value), compile_exact(condition)) for value, condition in expr.args]

    def evaluate(point: Point) -> object:
        for value, condition in pieces:
            if condition(point):
                return value(point)
        raise ValueError(f"Piecewise {expr}: no condition holds at {dict(point)}")

    return evaluate


def _apply(function: Callable, args: list[Exact], unary: bool) -> Exact:
    if unary:
        (only,) = args
        return lambda point: function(only(point))
    if function in (all, any, min, max):
        return lambda point: function(f(point) for f in args)
    return lambda point: function(*(f(point) for f in args))
