"""The lecture's formulas, derived and proved step by step with SymPy, and checked against the engine.

Each derivation counts something (parameters, windows, inputs seen), writes every step as an equation with
the sentence that justifies it, and checks each step: ``simplify(lhs − rhs) == 0``, or, where ``floor``
makes SymPy give up, exactly at every point of a stated bounded grid (a *lemma* says in prose what is
claimed and is checked against a direct count). Then ``verify()`` compares the result with the engine:
real layers' parameter counts, real forward passes' shapes, and the engine's own formulas in
:mod:`tinygrad_cnn.shapes` evaluated on SymPy symbols.

Examples:
    >>> import derivations
    >>> derivations.names()  # doctest: +NORMALIZE_WHITESPACE
    ('dense_parameters', 'locality', 'parameter_sharing', 'translation_equivariance', 'macs', 'edge_detection',
     'conv_output_size', 'conv_arithmetic', 'pool_output_size', 'receptive_field', 'conv_backprop',
     'architectures')
    >>> d = derivations.get("dense_parameters")
    >>> print(d.check())
    dense_parameters: 7 steps (3 definition, 4 symbolic)
    >>> print(d.substitute({"n_prev": 1024, "n": 100}).worked()[-1].arithmetic)
    (P, 100*(1024 + 1), 102500)
    >>> print(d.verify().comparisons[0])
    shapes.dense_parameter_count(n_prev, n) equals the result: proved symbolically

Render with :func:`to_text`, :func:`to_markdown`, :func:`to_latex` (a section), :func:`latex_document`
(a standalone document, for one derivation or all) or :func:`~derivations.render.to_html` (HTML with MathML);
in Jupyter a derivation displays itself as LaTeX.

Summarise a model you wrote yourself (per layer: output shape, parameters and their formula, connections,
multiply-accumulates, receptive field), an ``nn.Sequential`` of the engine's layers or a list of layer specs:

    >>> from derivations.summary import format_table, summary
    >>> from tinygrad_cnn import nn
    >>> table = summary(nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 10)),
    ...                 input_shape=(1, 8, 8))
    >>> table.params, [row.formula for row in table.rows if row.params]
    (1490, ['(1·3·3 + 1)·4', '(144 + 1)·10'])

The package
-----------
``vocabulary.py`` the proof's words: :class:`Var`, :class:`Step`, :class:`Lemma`, :class:`Grid`,
                  :class:`Example`, :class:`CheckResult`, :class:`DerivationError`, ``vanishes``
``exact.py``      exact evaluation of an expression at integer points (the arithmetic of grid checks)
``arithmetic.py`` numbers put in: each step shown with the numbers, then evaluated
``render.py``     text, Markdown, LaTeX and MathJax (reads any :class:`~derivations.vocabulary.Renderable`)
``checks.py``     :class:`~derivations.checks.Report` and helpers for ``verify()``
``core.py``       :class:`Derivation` (``check``, ``verify``, ``substitute``), built on all of the above
``results/``      one module per derivation: ``dense.py``, ``locality.py``, ``sharing.py``,
                  ``translation_equivariance.py``, ``macs.py``, ``edge_detection.py``, ``conv_output.py``,
                  ``conv_arithmetic.py``, ``pool_output.py``, ``receptive_field.py``, ``conv_backprop.py``,
                  ``architectures.py``
``registry.py``   the explicit list of derivations: ``names()``, ``get(name)``, ``all()``
``summary.py``    per-layer tables of a model; ``cli.py`` and ``command.py``: the ``derive`` and ``summary``
                  commands

How to add a derivation
-----------------------
1. Write ``derivations/results/<topic>.py`` (``dense.py`` is the model, about 80 lines):

   * one :class:`Var` per quantity: ``Var.integer("k_h", "height of the kernel")`` (``minimum=0`` for
     padding, ``latex="n_{l-1}"`` for a nicer symbol, :meth:`Var.ratio` for a ratio);
   * ``STEPS``, a tuple of :class:`Step` (reason, lhs, rhs). Count with ``sp.Sum(1, (i, 1, n))`` and name
     the count with ``defines=True``; the next step states its value (``simplify`` checks it, with the
     definitions put back in). Use ``sp.Subs`` to show a special case and ``evaluate=False`` to keep an
     expression from collapsing before it is shown;
   * where ``floor``/``ceiling`` stop SymPy: a :class:`Lemma` (statement in prose, the closed form, a
     function that counts directly, a :class:`Grid`) used by a step with ``lemma=``, or a step checked
     with ``grid=Grid({symbol: (low, high)}, where=condition)``. Keep grids to a few thousand points;
   * ``verify() -> Report``: build real layers or call :mod:`tinygrad_cnn.functional` for many settings
     and ``report.equal(what, engine_value, derived_value, case)``; evaluate a :mod:`tinygrad_cnn.shapes`
     function on the symbols and ``report.identity(what, engine_expr, derived_expr)`` (pass ``grid=`` when
     floor forbids a proof). Evaluate the derived formula with :func:`~derivations.exact.compile_exact`
     so the engine is compared with the very expression that was proved;
   * ``DERIVATION = Derivation(name=..., title=..., summary=..., variables=..., steps=STEPS,
     result=sp.Eq(...), assumptions=(...), lemmas=(...), examples=(Example(text, {name: int}),),
     verifier=verify)``.

2. Add ``<topic>.DERIVATION`` to ``DERIVATIONS`` in ``registry.py`` (one line; nothing registers itself).

3. ``tests/derivations/test_core_results.py`` runs every registered derivation's checks, verifier and renderers; run
   ``python benchmarks/bench_derivations.py`` to see that the whole registry stays within its 10-second
   budget.

Write reasons in plain Unicode (``·``, ``×``, ``−``, ``≤``, ``⌊⌋``, subscripts like ``nₗ₋₁``): the LaTeX
renderer translates these and refuses any other non-ASCII character. Never turn text into expressions
(``sympify``, ``parse_expr``, ``eval``): numbers come in through :meth:`Derivation.substitute` as ints,
validated against each variable's domain. The engine never imports this package.
"""

from tinygrad_cnn._lazy import lazy_exports

__all__ = [
    "Derivation", "DerivationError", "CheckResult", "Example", "Grid", "Lemma", "Step", "Var", "Worked",
    "all", "get", "names", "to_text", "to_markdown", "to_latex", "latex_document",
]  # fmt: skip
__getattr__, __dir__ = lazy_exports(__name__, {
    "Derivation": ".core", "Worked": ".arithmetic",
    **{name: ".vocabulary" for name in ("DerivationError", "CheckResult", "Example", "Grid", "Lemma", "Step", "Var")},
    **{name: ".registry" for name in ("all", "get", "names", "registry")},
    **{name: ".render" for name in ("to_text", "to_markdown", "to_latex", "latex_document")},
})  # fmt: skip
