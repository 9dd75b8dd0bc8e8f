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
from sympy.printing.pretty.stringpict import prettyForm

from .exact import compile_exact

__all__ = ["Worked", "Shown", "arithmetic", "evaluate"]


@dataclass(frozen=True)
class Worked:
    """A step (or the result) ready to print: its equation and, with numbers substituted, the arithmetic.

    ``chain`` is ``(lhs, rhs)``; ``arithmetic`` is empty or ``(lhs, rhs with the numbers shown, value)``
    with repeats dropped, to be printed joined by ``=``.
    """

    number: int | None
    reason: str
    method: str
    note: str
    chain: tuple[sp.Expr, ...]
    arithmetic: tuple[sp.Expr, ...] = ()


class Shown(sp.Dummy):
    """A number standing in a formula where a symbol was, printed as the number: ``(1024 + 1)·100``.

    It keeps the symbol's name (so SymPy orders the terms as in the symbolic formula) but prints its value.
    """

    value: int

    def __new__(cls, symbol: sp.Symbol, value: int) -> Shown:
        shown = super().__new__(cls, symbol.name, **symbol.assumptions0)
        shown.value = int(value)
        return shown

    def _latex(self, printer: Any) -> str:
        return str(self.value)

    def _sympystr(self, printer: Any) -> str:
        return str(self.value)

    def _pretty(self, printer: Any) -> prettyForm:
        return prettyForm(str(self.value))


def evaluate(expr: sp.Expr, known: Mapping[sp.Symbol, int]) -> sp.Expr:
    """The value of ``expr`` with the known numbers put in: exactly when every symbol is known, otherwise
    by SymPy (``doit`` and ``simplify``), leaving the unknown symbols in."""
    try:
        value = compile_exact(expr)(known)
        return sp.Integer(value) if isinstance(value, int) else sp.Rational(value.numerator, value.denominator)
    except (TypeError, KeyError):  # sums, products, indexed symbols, or symbols without a number
        value = _put(expr, {s: sp.Integer(v) for s, v in known.items()}).doit()
        return value if value.is_Number else sp.simplify(value)


def _put(expr: sp.Expr, replacements: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    """Replace symbols: ``xreplace`` (fast), or ``subs`` where a ``Subs`` binds some of them."""
    if expr.has(sp.Subs):
        return expr.subs(replacements, simultaneous=True)
    return expr.xreplace(replacements)


def arithmetic(lhs: sp.Expr, rhs: sp.Expr, known: Mapping[sp.Symbol, int]) -> tuple[sp.Expr, ...]:
    """``(lhs, rhs with numbers shown, value)`` without repeats, or ``()`` if no known symbol occurs."""
    used = {s: v for s, v in known.items() if s in lhs.free_symbols | rhs.free_symbols}
    if not used:
        return ()
    shown = {s: Shown(s, v) for s, v in used.items()}
    left = lhs if isinstance(lhs, sp.Symbol) else _put(lhs, shown)
    chain = [left, _put(rhs, shown), evaluate(rhs, known)]
    unique = [chain[0]]
    for expr in chain[1:]:
        if str(expr) != str(unique[-1]):
            unique.append(expr)
    return tuple(unique)
