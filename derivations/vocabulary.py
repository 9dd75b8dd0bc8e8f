"""The proof vocabulary: :class:`Var` (a quantity and its domain), :class:`Step` (an equation and the
sentence that justifies it), :class:`Lemma` and :class:`Grid` (claims SymPy cannot prove, checked exactly on a
bounded grid), :class:`Example`, :class:`CheckResult`, and :func:`vanishes`, the symbolic check. The
:class:`~derivations.core.Derivation` that strings them together, the renderers and the verification
reports all build on this module; it imports none of them.

Examples:
    >>> n = Var.integer("n", "number of units")
    >>> n.symbol, n.meaning
    (n, 'number of units')
    >>> import sympy as sp
    >>> vanishes(sp.Sum(1, (sp.Symbol("i", integer=True), 1, n.symbol)), n.symbol)
    True
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

import sympy as sp

from .arithmetic import doit_fully
from .exact import as_expr, compile_exact

if TYPE_CHECKING:
    from .arithmetic import Worked

__all__ = [
    "Var", "Grid", "Lemma", "Step", "Example", "CheckResult", "DerivationError", "vanishes", "relation_text",
    "plain", "point_text", "Renderable",
]  # fmt: skip


class DerivationError(AssertionError):
    """A step, lemma or result that does not hold; the message names the derivation and the step."""


@dataclass(frozen=True)
class Var:
    """A quantity of a derivation: a SymPy symbol, what it means, and how to typeset it.

    The domain is stated twice: as SymPy assumptions on the symbol (``positive``/``nonnegative``,
    ``integer``), which ``simplify`` uses, and as text, which the renderers print.
    """

    symbol: sp.Symbol
    meaning: str
    latex: str | None = None

    @classmethod
    def integer(cls, name: str, meaning: str, *, minimum: int | None = 1, latex: str | None = None) -> Var:
        """An integer symbol ``≥ minimum`` (1: positive, 0: non-negative, None: any integer)."""
        if minimum not in (0, 1, None):
            raise ValueError(f"Var {name}: SymPy can assume ≥ 0 or ≥ 1 only; state larger bounds in prose")
        sign = {1: {"positive": True}, 0: {"nonnegative": True}, None: {}}[minimum]
        return cls(sp.Symbol(name, integer=True, **sign), meaning, latex)

    @classmethod
    def ratio(cls, name: str, meaning: str, *, latex: str | None = None) -> Var:
        """A positive real symbol, for ratios of counts."""
        return cls(sp.Symbol(name, positive=True), meaning, latex)

    @property
    def name(self) -> str:
        return self.symbol.name

    @property
    def minimum(self) -> int | None:
        """The least int the variable may take (``None``: no bound)."""
        if self.symbol.is_positive:
            return 1
        return 0 if self.symbol.is_nonnegative else None

    @property
    def domain(self) -> str:
        """The SymPy assumptions, in words: ``'a positive integer'``."""
        if not self.symbol.is_integer:
            return "a positive real number" if self.symbol.is_positive else "a real number"
        return {1: "a positive integer", 0: "a non-negative integer", None: "an integer"}[self.minimum]


@dataclass(frozen=True)
class Grid:
    """A bounded box of integer points, ``{symbol: (low, high)}`` (both included), cut by ``where``.

    Examples:
        >>> m, s = sp.symbols("m s", integer=True)
        >>> g = Grid({m: (0, 3), s: (1, 2)}, where=sp.Ne(m, s))
        >>> g.size, g.describe()
        (6, 'm = 0…3, s = 1…2, where m ≠ s (6 points)')
    """

    ranges: Mapping[sp.Symbol, tuple[int, int]]
    where: sp.Basic = sp.true

    def __post_init__(self) -> None:
        for symbol, (low, high) in self.ranges.items():
            if low > high:
                raise ValueError(f"Grid: empty range {low}…{high} for {symbol}")

    def points(self) -> Iterator[dict[sp.Symbol, int]]:
        """Every point of the box at which ``where`` holds, in lexicographic order."""
        symbols = list(self.ranges)
        keep = compile_exact(self.where)
        for values in itertools.product(*(range(low, high + 1) for low, high in self.ranges.values())):
            point = dict(zip(symbols, values))
            if keep(point):
                yield point

    @cached_property
    def size(self) -> int:
        return sum(1 for _ in self.points())

    def describe(self, symbol_text: Callable[[sp.Symbol], str] = str) -> str:
        box = ", ".join(f"{symbol_text(s)} = {low}…{high}" for s, (low, high) in self.ranges.items())
        where = "" if self.where is sp.true else f", where {relation_text(self.where)}"
        return f"{box}{where} ({self.size} points)"


@dataclass(frozen=True)
class Lemma:
    """A claim SymPy cannot prove (it involves ``floor``), stated in prose and checked exhaustively.

    ``count`` computes the left-hand side directly (by enumeration), called with the grid point as keyword
    arguments named after the symbols; ``rhs`` is the closed form. :meth:`check` compares them at every
    point of ``grid``.
    """

    name: str
    statement: str
    rhs: sp.Expr
    count: Callable[..., int]
    grid: Grid
    why: str = "SymPy cannot simplify floor and ceiling of symbolic quotients."

    def check(self, derivation: str = "") -> int:
        """Compare ``count`` with ``rhs`` at every grid point; return how many points were checked."""
        closed_form = compile_exact(self.rhs)
        cases = 0
        for point in self.grid.points():
            try:
                direct, formula = self.count(**{s.name: v for s, v in point.items()}), closed_form(point)
            except KeyError as error:
                raise DerivationError(f"{derivation}, lemma '{self.name}': the grid does not fit: {error}") from None
            if direct != formula:
                raise DerivationError(
                    f"{derivation}, lemma '{self.name}' ({self.statement}): fails at {point_text(point)}: "
                    f"counting gives {direct}, the formula {self.rhs} gives {formula}"
                )
            cases += 1
        return cases


@dataclass(frozen=True)
class Step:
    """One line of a derivation: a sentence of reasoning and the equation ``lhs = rhs`` it justifies.

    Exactly one way of checking applies: ``defines`` (``lhs`` is a new symbol, named by ``rhs``),
    ``lemma`` (``rhs`` is the lemma's closed form, with the lemma's symbols replaced as ``instance`` says;
    the step may also define ``lhs``), ``grid`` (exhaustive check, for floor), or, by default, symbolic:
    ``simplify(lhs − rhs) == 0``. ``note`` adds to the rendered tag (e.g. "conclusion by induction").
    """

    reason: str
    lhs: sp.Expr
    rhs: sp.Expr
    defines: bool = False
    grid: Grid | None = None
    lemma: Lemma | None = None
    instance: Mapping[sp.Symbol, sp.Expr] = field(default_factory=dict)
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "lhs", as_expr(self.lhs))  # allow plain ints such as 0
        object.__setattr__(self, "rhs", as_expr(self.rhs))
        if self.grid is not None and (self.lemma is not None or self.defines):
            raise ValueError(f"Step {self.reason!r}: a grid step neither defines nor uses a lemma")
        if self.defines and not isinstance(self.lhs, sp.Symbol):
            raise ValueError(f"Step {self.reason!r}: only a symbol can be defined, got {self.lhs}")
        if self.instance and self.lemma is None:
            raise ValueError(f"Step {self.reason!r}: instance= says how a lemma is applied; give lemma= too")

    @property
    def method(self) -> str:
        """How the step is checked: ``'definition'``, ``'lemma'``, ``'grid'`` or ``'symbolic'``."""
        if self.lemma is not None:
            return "lemma"
        if self.defines:
            return "definition"
        return "grid" if self.grid is not None else "symbolic"


@dataclass(frozen=True)
class Example:
    """Numbers to put into the result (or into ``equation``, one of the steps' equations), with a
    sentence saying where they come from."""

    text: str
    values: Mapping[str, int]
    equation: sp.Eq | None = None


@dataclass(frozen=True)
class CheckResult:
    """What :meth:`Derivation.check` did: how many steps of each kind, and how many grid points."""

    name: str
    methods: Mapping[str, int]
    grid_points: int

    def __str__(self) -> str:
        kinds = ", ".join(f"{n} {kind}" for kind, n in self.methods.items())
        points = f"; {self.grid_points} grid points checked exactly" if self.grid_points else ""
        return f"{self.name}: {sum(self.methods.values())} steps ({kinds}){points}"


def vanishes(lhs: sp.Expr, rhs: sp.Expr) -> bool:
    """``simplify(lhs − rhs) == 0``, trying also with sums and derivatives evaluated (``doit``) and with each
    side simplified on its own first (which merges ``Π_{i<L} · Π_{i=L}`` into ``Π_{i≤L}``).

    Expanding ``(lhs − rhs)`` with everything evaluated (``doit`` until nothing changes: a derivative of a
    sum leaves a sum of Kronecker deltas for the next ``doit``) is tried first: ``doit`` and ``expand`` only
    rewrite an expression into an equal one, so when that gives 0, so would ``simplify``, sooner.
    """
    difference = doit_fully(lhs - rhs)
    if difference == 0 or sp.expand(difference) == 0:
        return True
    if sp.simplify(lhs - rhs) == 0:
        return True
    if sp.simplify(difference) == 0:
        return True
    return sp.simplify(sp.simplify(lhs) - sp.simplify(rhs)) == 0


def point_text(point: Mapping[sp.Symbol, int]) -> str:
    return ", ".join(f"{s} = {v}" for s, v in point.items())


_RELATION_WORDS = {sp.Eq: "=", sp.Ne: "≠", sp.Lt: "<", sp.Le: "≤", sp.Gt: ">", sp.Ge: "≥"}


def relation_text(condition: sp.Basic) -> str:
    """``m ≥ 0 and s ≠ 1``: a grid's condition in words, for the renderers."""
    if isinstance(condition, sp.And):
        return " and ".join(relation_text(c) for c in condition.args)
    for kind, word in _RELATION_WORDS.items():
        if isinstance(condition, kind):
            return f"{plain(condition.lhs)} {word} {plain(condition.rhs)}"
    return plain(condition)


def plain(expr: sp.Basic) -> str:
    return str(expr).replace("**", "^").replace("*", "·")


class Renderable(Protocol):
    """What the renderers read of a derivation (a :class:`~derivations.core.Derivation` is one), so that
    :mod:`derivations.render` needs nothing from :mod:`derivations.core`."""

    name: str
    title: str
    summary: str
    variables: tuple[Var, ...]
    steps: tuple[Step, ...]
    assumptions: tuple[str, ...]
    lemmas: tuple[Lemma, ...]
    values: Mapping[str, int]

    @property
    def inputs(self) -> dict[str, Var]: ...

    def latex_names(self) -> dict[sp.Symbol, str]: ...

    def worked(self) -> list[Worked]: ...

    def example_lines(self) -> list[Worked]: ...
