"""Tie a derived result to the engine: the :class:`Report` a verifier fills in, and the helpers it uses.

A verifier compares three things with the derivation's result, and records each comparison in a Report
(what was compared, how, and on how many cases), raising :class:`VerificationError` on the first mismatch:

1. **layers**: parameter counts of real layers (``sum of p.size for p in layer.parameters()``);
2. **forward passes**: output shapes of real forward passes through layers or :mod:`tinygrad_cnn.functional`;
3. **the engine's formulas**: the functions of :mod:`tinygrad_cnn.shapes`, called *on SymPy symbols*, proved
   equal to the result (``simplify``), or, when their floors forbid that, compared on a grid.

Examples:
    >>> import sympy as sp
    >>> from tinygrad_cnn import shapes
    >>> n, m = sp.symbols("n m", integer=True, positive=True)
    >>> report = Report("demo")
    >>> report.identity("shapes.dense_parameter_count(n, m)", shapes.dense_parameter_count(n, m), (n + 1) * m)
    >>> report.equal("Linear(3, 4) parameters", parameter_count(nn.Linear(3, 4)), 16, case="3 -> 4")
    >>> print(report)
    demo: 2 cases in 2 comparisons
      - shapes.dense_parameter_count(n, m) equals the result: proved symbolically
      - Linear(3, 4) parameters [engine]: 1 case
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from tinygrad_cnn import Tensor, nn, no_grad

from .exact import compile_exact
from .vocabulary import Grid, vanishes

__all__ = ["Report", "Comparison", "VerificationError", "parameter_count", "zeros", "output_shape", "nn"]


class VerificationError(AssertionError):
    """The engine and a derivation disagree; the message says on what and for which case."""


@dataclass
class Comparison:
    """One kind of comparison: ``how`` is ``'engine'`` (layers / forward passes), ``'symbolic'`` or ``'grid'``."""

    what: str
    how: str
    cases: int = 0

    def __str__(self) -> str:
        if self.how == "symbolic":
            return f"{self.what} equals the result: proved symbolically"
        if self.how == "grid":
            return f"{self.what} equals the result: checked exactly on {_plural(self.cases, 'grid point')}"
        return f"{self.what} [engine]: {_plural(self.cases, 'case')}"


@dataclass
class Report:
    """What a verifier compared with the engine, and how many cases; filled in by the ``equal`` /
    ``identity`` methods, which raise :class:`VerificationError` on a mismatch."""

    name: str
    comparisons: list[Comparison] = field(default_factory=list)

    @property
    def cases(self) -> int:
        return sum(max(c.cases, 1) for c in self.comparisons)

    def _comparison(self, what: str, how: str) -> Comparison:
        for comparison in self.comparisons:
            if comparison.what == what and comparison.how == how:
                return comparison
        self.comparisons.append(Comparison(what, how))
        return self.comparisons[-1]

    def equal(self, what: str, actual: object, expected: object, case: object) -> None:
        """Record one engine case: ``actual`` (from the engine) must equal ``expected`` (from the result)."""
        if actual != expected:
            raise VerificationError(
                f"{self.name}: {what} at {_case_text(case)}: the engine gives {actual}, the derivation {expected}"
            )
        self._comparison(what, "engine").cases += 1

    def identity(
        self, what: str, engine: sp.Expr | Callable[..., int], derived: sp.Expr, grid: Grid | None = None
    ) -> None:
        """Prove an engine formula evaluated on symbols equal to the derived one: symbolically, or, given a
        ``grid`` (for floors SymPy cannot handle), exactly at every grid point. With a grid, ``engine`` may
        also be a function of plain ints (called with the grid's symbol names as keywords), for engine
        formulas that branch and so cannot take symbols."""
        if grid is None:
            if not vanishes(engine, derived):
                raise VerificationError(f"{self.name}: {what} = {engine} is not the derived {derived}")
            self._comparison(what, "symbolic").cases = 1
            return
        if isinstance(engine, sp.Basic):
            compiled = compile_exact(engine)
        else:

            def compiled(point: Mapping[sp.Symbol, int]) -> int:
                return engine(**{symbol.name: value for symbol, value in point.items()})

        right = compile_exact(derived)
        comparison = self._comparison(what, "grid")
        for point in grid.points():
            if compiled(point) != right(point):
                raise VerificationError(
                    f"{self.name}: {what} at {_case_text(point)}: the engine gives {compiled(point)}, "
                    f"but the derived {derived} = {right(point)}"
                )
            comparison.cases += 1

    def __str__(self) -> str:
        lines = [f"{self.name}: {_plural(self.cases, 'case')} in {_plural(len(self.comparisons), 'comparison')}"]
        return "\n".join(lines + [f"  - {c}" for c in self.comparisons])


def parameter_count(module: nn.Module) -> int:
    """The number of trainable numbers of a layer: the sum of its parameters' sizes."""
    return sum(int(p.data.size) for p in module.parameters())


def zeros(*shape: int) -> Tensor:
    """An input of the given shape (zeros: only shapes matter here)."""
    return Tensor(np.zeros(shape, dtype=np.float32))


def output_shape(layer: object, *shape: int) -> tuple[int, ...]:
    """The output shape of a real forward pass of ``layer`` on an input of ``shape`` (no graph recorded)."""
    with no_grad():
        return tuple(layer(zeros(*shape)).shape)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _case_text(case: object) -> str:
    if isinstance(case, Mapping):
        return ", ".join(f"{k} = {v}" for k, v in case.items())
    if isinstance(case, Iterable) and not isinstance(case, str):
        return ", ".join(map(str, case))
    return str(case)
