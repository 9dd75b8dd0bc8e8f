"""The step-by-step proof: variables, steps, lemmas, grids, and the :class:`Derivation` that checks them.

A derivation is a list of equations, each with the sentence that justifies it, and each **checked**:

* a *definition* (``defines=True``) names a quantity, usually by counting it (a ``Sum`` of ones);
  later steps may use the name, and are checked with the definition put back in;
* a *symbolic* step holds when ``simplify(lhs − rhs) == 0``;
* a *grid* step (``grid=``) holds at every point of a stated bounded grid, evaluated exactly: this is for
  ``floor`` and ``ceiling``, where SymPy cannot prove the general case;
* a *lemma* step (``lemma=``) uses a :class:`Lemma`: a claim stated in prose and checked exhaustively on a
  grid against a direct count (``#{t ≥ 0 : t·s ≤ m}`` by enumeration, say).

:meth:`Derivation.check` runs every check and raises :class:`DerivationError` naming the derivation, the
step and its reason on the first that fails. :meth:`Derivation.substitute` puts numbers in, so the
renderers (:mod:`derivations.render`) can show the arithmetic.

Examples:
    >>> import sympy as sp
    >>> n = Var.integer("n", "number of units")
    >>> B = Var.integer("B", "number of biases")
    >>> i = sp.Symbol("i", integer=True, positive=True)
    >>> d = Derivation(
    ...     name="biases", title="One bias per unit", summary="Count the biases.", variables=(n, B),
    ...     steps=(Step("Unit i = 1…n has one bias.", B.symbol, sp.Sum(1, (i, 1, n.symbol)), defines=True),
    ...            Step("A sum of n ones is n.", B.symbol, n.symbol)),
    ...     result=sp.Eq(B.symbol, n.symbol))
    >>> print(d.check())
    biases: 2 steps (1 definition, 1 symbolic)
    >>> d.substitute({"n": 0})
    Traceback (most recent call last):
    ...
    ValueError: biases: n must be a positive integer (n: number of units), got 0
"""

from __future__ import annotations

import dataclasses
import numbers
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

import sympy as sp

from .arithmetic import Worked, arithmetic, evaluate
from .checks import Report
from .exact import compile_exact
from .render import to_markdown, to_mathjax, to_text
from .vocabulary import CheckResult, DerivationError, Example, Grid, Lemma, Step, Var, plain, point_text, vanishes

__all__ = ["Derivation", "EXPANSION_LIMIT"]

# The most terms a sum or product of indexed terms may get from substituted numbers: SymPy writes those out
# term by term and simplifies them, in up to 5 s at 12 terms (conv_backprop, k = 12), 44 s at 20, a minute or
# more at 100 (receptive_field, L = 100).
EXPANSION_LIMIT = 12


@dataclass(frozen=True, eq=False)
class Derivation:
    """A result derived step by step, checked step by step, and verified against the engine.

    Attributes:
        name: the registry key, e.g. ``"dense_parameters"``.
        title: a heading for people.
        summary: a paragraph saying what is derived and how.
        variables: every symbol that appears, with its meaning and domain (:class:`Var`).
        steps: the ordered :class:`Step` s.
        result: the equation derived (an ``Eq``); it must follow from the definitions symbolically, or
            repeat the last step (which may be a grid step).
        assumptions: conditions in prose beyond the variables' domains (``k odd``, ``g divides C_in``).
        lemmas: the :class:`Lemma` s the steps use.
        examples: numbers worth putting into the result (the lecture's).
        verifier: a function returning a :class:`~derivations.checks.Report`, comparing the result with
            the engine's layers and its :mod:`tinygrad_cnn.shapes` formulas.
        values: numbers put in by :meth:`substitute` (symbol name → int); empty for the symbolic form.
    """

    name: str
    title: str
    summary: str
    variables: tuple[Var, ...]
    steps: tuple[Step, ...]
    result: sp.Eq
    assumptions: tuple[str, ...] = ()
    lemmas: tuple[Lemma, ...] = ()
    examples: tuple[Example, ...] = ()
    verifier: Callable[[], Report] | None = None
    values: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for number, step in enumerate(self.steps, 1):
            if step.lemma is not None and step.lemma not in self.lemmas:
                raise ValueError(f"{self.name}, step {number}: its lemma '{step.lemma.name}' is not in lemmas")

    # -- the symbols -------------------------------------------------------------------------------------
    @property
    def defined(self) -> tuple[sp.Symbol, ...]:
        """The symbols some step defines (these cannot be substituted: they follow from the others)."""
        return tuple(step.lhs for step in self.steps if step.defines)

    @property
    def inputs(self) -> dict[str, Var]:
        """The variables numbers can be put in for, by name."""
        defined = set(self.defined)
        return {v.name: v for v in self.variables if v.symbol not in defined}

    def latex_names(self) -> dict[sp.Symbol, str]:
        """``symbol -> LaTeX`` for the variables with a LaTeX spelling (for ``sympy.latex(symbol_names=)``)."""
        return {v.symbol: v.latex for v in self.variables if v.latex}

    # -- checking ----------------------------------------------------------------------------------------
    def check(self) -> CheckResult:
        """Check every lemma, every step and the result; raise :class:`DerivationError` at the first failure."""
        methods: Counter[str] = Counter()
        points = sum(lemma.check(self.name) for lemma in self.lemmas)
        definitions: dict[sp.Symbol, sp.Expr] = {}
        for number, step in enumerate(self.steps, 1):
            lhs, rhs = step.lhs.xreplace(definitions), step.rhs.xreplace(definitions)
            if step.method == "grid":
                points += self._check_on_grid(number, step.reason, lhs, rhs, step.grid)
            elif step.method == "lemma":
                claimed = step.lemma.rhs.xreplace(step.instance)
                if not vanishes(step.rhs, claimed):
                    self._fail(number, step.reason, step.rhs, claimed, f"is not lemma '{step.lemma.name}'")
            elif step.method == "symbolic" and not vanishes(lhs, rhs):
                self._fail(number, step.reason, lhs, rhs, "simplify(lhs − rhs) ≠ 0")
            if step.defines:
                if step.lhs in definitions:
                    self._fail(number, step.reason, step.lhs, step.rhs, f"{step.lhs} is already defined")
                definitions[step.lhs] = rhs
            methods[step.method] += 1
        self._check_result(definitions)
        for line in self.example_lines():
            if not line.arithmetic:
                self._fail(None, f"example: {line.reason}", *line.chain, "uses none of the example's values")
        return CheckResult(self.name, dict(methods), points)

    def _check_result(self, definitions: dict[sp.Symbol, sp.Expr]) -> None:
        lhs, rhs = self.result.lhs.xreplace(definitions), self.result.rhs.xreplace(definitions)
        if vanishes(lhs, rhs):
            return
        last = self.steps[-1] if self.steps else None
        if last is not None and last.method == "grid" and (last.lhs, last.rhs) == (self.result.lhs, self.result.rhs):
            return  # the result is the last step, checked on its grid
        self._fail(None, "the result follows from the steps", lhs, rhs, "simplify(lhs − rhs) ≠ 0")

    def _check_on_grid(self, number: int, reason: str, lhs: sp.Expr, rhs: sp.Expr, grid: Grid) -> int:
        try:
            left, right = compile_exact(lhs.doit()), compile_exact(rhs.doit())
        except (TypeError, KeyError) as error:
            self._fail(number, reason, lhs, rhs, f"cannot be evaluated on the grid: {error}")
        cases = 0
        for point in grid.points():
            try:
                a, b = left(point), right(point)
            except KeyError as error:
                self._fail(number, reason, lhs, rhs, f"the grid does not cover every symbol: {error}")
            if a != b:
                self._fail(number, reason, lhs, rhs, f"fails at {point_text(point)}: lhs = {a}, rhs = {b}")
            cases += 1
        return cases

    def _fail(self, number: int | None, reason: str, lhs: Any, rhs: Any, problem: str) -> NoReturn:
        where = f"step {number}" if number is not None else "result"
        raise DerivationError(f"{self.name}, {where} ('{reason}'): {problem}\n    lhs: {lhs}\n    rhs: {rhs}")

    def verify(self) -> Report:
        """Compare the result with the engine (layers, forward passes, :mod:`tinygrad_cnn.shapes`)."""
        if self.verifier is None:
            raise DerivationError(f"{self.name}: no verifier ties this derivation to the engine")
        return self.verifier()

    # -- numbers -----------------------------------------------------------------------------------------
    def substitute(self, values: Mapping[str, int]) -> Derivation:
        """The same derivation with numbers put in (``{"n_prev": 1024, "n": 100}``): renderings then show
        each step's arithmetic. Keys are variable names; values must be ints in the variable's domain."""
        return dataclasses.replace(self, values={**self.values, **self._validated(values)})

    def _validated(self, values: Mapping[str, int]) -> dict[str, int]:
        inputs = self.inputs
        for name, value in values.items():
            if name not in inputs:
                defined = " (it is defined by a step)" if name in {s.name for s in self.defined} else ""
                raise ValueError(f"{self.name}: unknown variable {name!r}{defined}; known: {', '.join(inputs)}")
            var = inputs[name]
            if not isinstance(value, numbers.Integral) or isinstance(value, bool):
                raise ValueError(f"{self.name}: {name} must be an int, got {value!r} ({type(value).__name__})")
            if var.minimum is not None and value < var.minimum:
                raise ValueError(f"{self.name}: {name} must be {var.domain} ({name}: {var.meaning}), got {value}")
        values = {name: int(value) for name, value in values.items()}
        self._check_expansion({**self.values, **values})
        self._check_outcomes({**self.values, **values})
        return values

    def _check_outcomes(self, values: Mapping[str, int]) -> None:
        """Refuse numbers for which a quantity shown as a number (a step's or the result's side) falls outside
        its variable's domain, e.g. an output size of −1 from n = 3, k = 5: show the formula with the numbers.

        A side stands for variable V when it is V itself, or an expression that a step equates to V evaluated
        at some values (``Subs(formula of o, (p, s, d), (0, 1, 1))``)."""
        known = {self.inputs[name].symbol: sp.Integer(value) for name, value in values.items()}
        variables = {v.symbol: v for v in self.variables if v.minimum is not None}
        formulas: dict[sp.Symbol, sp.Expr] = {}
        for step in self.steps:
            if step.defines:
                formulas[step.lhs] = step.rhs.xreplace(formulas)
        sides = [(step.lhs, step.rhs) for step in (*self.steps, self.result)]
        stands_for = {rhs: variables[lhs] for lhs, rhs in sides if lhs in variables}  # o = ⌊m/s⌋ + 1, ...
        for lhs, rhs in sides:
            var = variables.get(lhs) or (stands_for.get(lhs.expr) if isinstance(lhs, sp.Subs) else None)
            if var is None:
                continue
            try:
                value = rhs.xreplace(formulas).xreplace(known)
                if value.free_symbols or value.has(sp.Indexed):
                    continue  # not every number is given: nothing to check yet
                value = sp.simplify(value.doit())
            except (ValueError, TypeError, ArithmeticError):
                continue  # SymPy cannot evaluate this side with these numbers (it is rendered unevaluated)
            if value.is_number and value.is_comparable and value < var.minimum:
                given = ", ".join(f"{name} = {number}" for name, number in values.items())
                shown = plain(lhs) if not isinstance(lhs, sp.Subs) else f"{var.symbol} (at " + ", ".join(
                    f"{a} = {plain(b)}" for a, b in zip(lhs.variables, lhs.point)) + ")"
                raise ValueError(
                    f"{self.name}: with {given}, {shown} = {plain(rhs)} = {plain(value)}, but "
                    f"{var.symbol} ({var.meaning}) must be {var.domain}: these numbers do not fit"
                )

    def _check_expansion(self, values: Mapping[str, int]) -> None:
        """Refuse numbers that make a sum or product of indexed terms (``Σₗ kₗ·dₗ``) longer than
        ``EXPANSION_LIMIT``: SymPy writes those out term by term once the bounds are numbers."""
        known = {self.inputs[name].symbol: sp.Integer(value) for name, value in values.items()}
        definitions: dict[sp.Symbol, sp.Expr] = {}
        for step in self.steps:
            if step.defines:
                definitions[step.lhs] = step.rhs.xreplace(definitions)
        for expr in (*(e for step in self.steps for e in (step.lhs, step.rhs)), self.result.lhs, self.result.rhs):
            for loop in expr.atoms(sp.Sum, sp.Product):
                if not loop.function.has(sp.Indexed):
                    continue  # SymPy sums these in closed form, whatever the bounds
                for index, low, high in loop.limits:
                    terms = sp.expand((high - low + 1).xreplace(definitions).xreplace(known))
                    if terms.is_Integer and terms > EXPANSION_LIMIT:
                        given = ", ".join(f"{name} = {value}" for name, value in values.items())
                        raise ValueError(
                            f"{self.name}: with {given}, the sum over {index} from {plain(low)} to {plain(high)} "
                            f"would be written out term by term ({terms} terms); at most {EXPANSION_LIMIT}"
                        )

    def worked(self) -> list[Worked]:
        """The steps and then the result, each with its arithmetic when numbers are substituted.

        Computed once per derivation and set of values (each renderer asks for it)."""
        cached = self.__dict__.get("_worked")  # values are a field: a new derivation has new values
        if cached is None:
            cached = self.__dict__["_worked"] = tuple(self._work())  # frozen: bypass __setattr__, as cached_property
        return list(cached)

    def _work(self) -> Iterator[Worked]:
        known = {self.inputs[name].symbol: value for name, value in self.values.items()}
        definitions: dict[sp.Symbol, sp.Expr] = {}
        for number, step in enumerate(self.steps, 1):
            yield Worked(number, step.reason, step.method, self._note(step), (step.lhs, step.rhs),
                         arithmetic(step.lhs, step.rhs, known, definitions))  # fmt: skip
            if step.defines:
                definitions[step.lhs] = step.rhs.xreplace(definitions)
                if self.values:  # carry the defined quantity's value forward, when it is a number
                    value = evaluate(definitions[step.lhs], known, definitions)
                    if value.is_Integer:
                        known[step.lhs] = int(value)
        chain = arithmetic(self.result.lhs, self.result.rhs, known, definitions)
        yield Worked(None, "", "result", "", (self.result.lhs, self.result.rhs), chain)

    def example_lines(self) -> list[Worked]:
        """Each example's numbers put into the result, with the arithmetic."""
        lines = []
        for example in self.examples:
            known = {self.inputs[n].symbol: v for n, v in self._validated(example.values).items()}
            equation = example.equation if example.equation is not None else self.result
            chain = arithmetic(equation.lhs, equation.rhs, known)
            lines.append(Worked(None, example.text, "example", "", (equation.lhs, equation.rhs), chain))
        return lines

    def _note(self, step: Step) -> str:
        extra = f"; {step.note}" if step.note else ""
        if step.method == "grid":
            return f"checked exactly at every point of the grid {step.grid.describe()}{extra}"
        if step.method == "lemma":
            number = self.lemmas.index(step.lemma) + 1
            at = ", ".join(f"{s} = {plain(e)}" for s, e in step.instance.items())
            at = f" with {at}" if at else ""
            return f"by Lemma {number} ({step.lemma.name}){at}, checked on {step.lemma.grid.size} points{extra}"
        return {"definition": "definition", "symbolic": "simplify(lhs − rhs) = 0"}[step.method] + extra

    # -- Jupyter -----------------------------------------------------------------------------------------
    def _repr_latex_(self) -> str:
        return to_mathjax(self)

    def _repr_markdown_(self) -> str:
        return to_markdown(self)

    def __str__(self) -> str:
        return to_text(self)

    def __repr__(self) -> str:
        numbers_in = f", values={dict(self.values)}" if self.values else ""
        return f"<Derivation {self.name}: {len(self.steps)} steps{numbers_in}>"
