"""Numbers put into a derivation: each step with the numbers shown in place of the symbols, then its value.

:meth:`~derivations.core.Derivation.substitute` records the numbers; :meth:`~derivations.core.Derivation.worked`
calls :func:`arithmetic` for every step, and the renderers print the chain it returns joined by ``=``:
``P = 100·(1024 + 1) = 102500``.

Examples:
    >>> import sympy as sp
    >>> n_prev, n = sp.symbols("n_prev n", integer=True, positive=True)
    >>> arithmetic(sp.Symbol("P"), (n_prev + 1) * n, {n_prev: 1024, n: 100})
    (P, 100*(1024 + 1), 102500)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.concrete.expr_with_limits import ExprWithLimits
from sympy.printing.pretty.stringpict import prettyForm

from .exact import compile_exact

__all__ = ["Worked", "Shown", "arithmetic", "evaluate", "doit_fully"]


@dataclass(frozen=True)
class Worked:
    """A step (or the result) ready to print: its equation and, with numbers substituted, the arithmetic.

    ``chain`` is ``(lhs, rhs)``; ``arithmetic`` is empty or ``(lhs, rhs with the numbers shown, value)``
    with repeats dropped, to be printed joined by ``=``: never a single expression, so the renderers can
    always print ``first = rest``.
    """

    number: int | None
    reason: str
    method: str
    note: str
    chain: tuple[sp.Expr, ...]
    arithmetic: tuple[sp.Expr, ...] = ()

    def __post_init__(self) -> None:
        if len(self.arithmetic) == 1:
            raise TypeError(f"Worked: arithmetic is empty or an equation, got the single expression {self.arithmetic}")


class Shown(sp.Dummy):
    """A number standing in a formula where a symbol was, printed as the number: ``(1024 + 1)·100``.

    It keeps the symbol's name (so SymPy orders the terms as in the symbolic formula) but prints its value.
    It has none of the symbol's assumptions (integer, positive): those were used when the formula was
    built, and using them again would evaluate what the step keeps unevaluated on purpose, e.g.
    ``floor((2j + 1)/2, evaluate=False)`` would collapse to the number instead of showing ``⌊(2·1 + 1)/2⌋``.
    """

    value: int

    def __new__(cls, symbol: sp.Symbol, value: int) -> Shown:
        shown = super().__new__(cls, symbol.name, commutative=symbol.is_commutative)
        shown.value = int(value)
        return shown

    def _latex(self, printer: Any) -> str:
        return str(self.value)

    def _sympystr(self, printer: Any) -> str:
        return str(self.value)

    def _pretty(self, printer: Any) -> prettyForm:
        return prettyForm(str(self.value))


def evaluate(
    expr: sp.Expr, known: Mapping[sp.Symbol, int], definitions: Mapping[sp.Symbol, sp.Expr] | None = None
) -> sp.Expr:
    """The value of ``expr`` with the known numbers put in: exactly when every symbol is known, otherwise
    by SymPy (``doit`` and ``simplify``), leaving the unknown symbols in.

    ``known`` may give values of defined symbols too; ``definitions`` (defined symbol -> its expression in
    the inputs) is then needed wherever such a symbol stands under a derivative (or another binder) of an
    input it depends on: there the value at one point says nothing, so the definition is put back in.
    """
    try:
        value = compile_exact(expr)(known)
        return sp.Integer(value) if isinstance(value, int) else sp.Rational(value.numerator, value.denominator)
    except (TypeError, KeyError):  # sums, products, indexed symbols, or symbols without a number
        pass
    value = doit_fully(_put(expr, {s: sp.Integer(v) for s, v in known.items()}, definitions, expand=True))
    return value if value.is_Number else sp.simplify(value)


def doit_fully(expr: sp.Expr, rounds: int = 5) -> sp.Expr:
    """``doit()`` until nothing changes (at most ``rounds`` times): a ``Derivative`` of a ``Sum`` evaluates to
    a ``Sum`` of Kronecker deltas, which only the next ``doit`` evaluates."""
    for _ in range(rounds):
        done = expr.doit()
        if done == expr:
            break
        expr = done
    return expr


def _put(
    expr: sp.Basic,
    replacements: Mapping[sp.Symbol, sp.Expr],
    definitions: Mapping[sp.Symbol, sp.Expr] | None = None,
    expand: bool = False,
) -> sp.Basic:
    """Replace symbols by numbers (``Shown`` or ``Integer``), respecting what binds them.

    Like ``xreplace``, except under binders: a symbol bound by a ``Sum``, ``Product``, ``Integral``, ``Subs``
    or ``Lambda`` is left alone (only the limits and points get numbers); a ``Derivative`` with respect to a
    replaced symbol becomes ``Subs(Derivative(…), x, number)``, ``d/dx …|ₓ₌₂``, since one cannot
    differentiate with respect to a number. Under a binder, a defined symbol (a key of ``definitions``)
    whose definition involves a bound symbol is not replaced by its number: it is a function of the bound
    symbol. With ``expand=True`` (for evaluating) it is replaced by its definition instead, so that the
    derivative is computed correctly.
    """
    definitions = definitions or {}
    if expr in replacements:
        return replacements[expr]
    if not expr.args:
        return expr
    if not (_mentioned(expr) & replacements.keys()) and not (expand and definitions and _binds(expr)):
        return expr  # nothing to put in, and no definition to put back under a binder
    bound = _bound_symbols(expr)
    if bound:
        reach = set().union(*(b.free_symbols for b in bound))  # w[a] binds w[a], and so involves w and a
        dependent = {s for s, e in definitions.items() if e.free_symbols & reach}
        inner = {s: v for s, v in replacements.items() if s not in bound and s not in dependent}

        def body(e: sp.Basic) -> sp.Basic:
            if expand and dependent:
                e = e.xreplace({s: definitions[s] for s in dependent})
            return _put(e, inner, definitions, expand)

        if isinstance(expr, sp.Derivative):
            variables = [(_put(v, inner, definitions, expand), n) for v, n in expr.variable_count]
            derivative = sp.Derivative(body(expr.expr), *variables)
            at = {v: replacements[v] for v in expr.variables if v in replacements}  # in order, once each
            return sp.Subs(derivative, tuple(at), tuple(at.values())) if at else derivative
        if isinstance(expr, ExprWithLimits):
            limits = [(limit[0], *(_put(b, inner, definitions, expand) for b in limit[1:])) for limit in expr.limits]
            return expr.func(body(expr.function), *limits)
        if isinstance(expr, sp.Subs):
            point = [_put(v, replacements, definitions, expand) for v in expr.point]
            return sp.Subs(body(expr.expr), expr.variables, point)
        if isinstance(expr, sp.Lambda):
            return sp.Lambda(expr.signature, body(expr.expr))
    args = [_put(arg, replacements, definitions, expand) for arg in expr.args]
    return expr if args == list(expr.args) else expr.func(*args)


def _bound_symbols(expr: sp.Basic) -> set[sp.Basic]:
    """The symbols ``expr`` binds: a derivative's variables, a sum's indices, a ``Subs``'s or ``Lambda``'s."""
    if isinstance(expr, (sp.Derivative, ExprWithLimits, sp.Subs, sp.Lambda)):
        return set(expr.variables)
    return set()


def _mentioned(expr: sp.Basic) -> set[sp.Basic]:
    """The free symbols, and the indices of indexed derivative variables: ``∂L/∂w_a`` depends on ``a``,
    though SymPy counts the variable ``w_a`` as bound, ``a`` with it."""
    symbols = set(expr.free_symbols)
    for derivative in expr.atoms(sp.Derivative):
        for variable in derivative.variables:
            if isinstance(variable, sp.Indexed):
                symbols |= set().union(*(index.free_symbols for index in variable.indices))
    return symbols


def _binds(expr: sp.Basic) -> bool:
    return expr.has(sp.Derivative, sp.Subs, sp.Lambda, ExprWithLimits)


def arithmetic(
    lhs: sp.Expr,
    rhs: sp.Expr,
    known: Mapping[sp.Symbol, int],
    definitions: Mapping[sp.Symbol, sp.Expr] | None = None,
) -> tuple[sp.Expr, ...]:
    """``(lhs, rhs with numbers shown, value)`` without repeats, or ``()`` if no known symbol occurs.

    Never a single expression: when the numbers make every form print alike (``⌊j + 1/2⌋`` with ``j = 1``
    shows ``1`` if SymPy evaluates it), the symbolic ``lhs`` is kept in front: ``⌊j + 1/2⌋ = 1``.
    ``definitions`` are the defined symbols' expressions in the inputs (see :func:`evaluate`).
    """
    mentioned = _mentioned(lhs) | _mentioned(rhs)
    used = {s: v for s, v in known.items() if s in mentioned}
    if not used:
        return ()
    shown = {s: Shown(s, v) for s, v in used.items()}
    left = lhs if isinstance(lhs, sp.Symbol) else _put(lhs, shown, definitions)
    chain = [left, _put(rhs, shown, definitions), evaluate(rhs, known, definitions)]
    unique = [chain[0]]
    for expr in chain[1:]:
        if str(expr) != str(unique[-1]):
            unique.append(expr)
    if len(unique) == 1:
        unique = [lhs, chain[-1]]
    return tuple(unique)
