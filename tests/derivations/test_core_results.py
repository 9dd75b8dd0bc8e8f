"""Tests for the ``derivations`` package: every registered derivation checks, verifies and renders.

What is checked, and against what:
* every step of every registered derivation holds (``Derivation.check``), and ``verify()`` agrees with the
  engine (real layers, forward passes, ``tinygrad_cnn.shapes`` on symbols) on a non-trivial number of cases;
* a deliberately wrong step, grid step, lemma, lemma instance or result is caught, and the error names the
  derivation, the step and its reason and shows both sides;
* renderers: text (pretty and str), Markdown, a LaTeX document per derivation and for all of them
  (structurally valid: ASCII, ``\\documentclass`` … ``\\end{document}``, balanced braces, matched
  environments and ``\\left``/``\\right``; compiled with ``pdflatex`` when it is installed), Jupyter hooks;
* substitution shows the arithmetic, and bad substitutions are refused with ``ValueError``;
* the exact evaluator behind grid checks agrees with SymPy;
* the package never turns strings into expressions, and the engine never imports it.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import derivations
from derivations import Derivation, DerivationError, Grid, Lemma, Step, Var, latex_document, to_latex
from derivations.checks import Report, VerificationError
from derivations.exact import as_expr, compile_exact
from derivations.render import to_markdown, to_mathjax, to_text
from derivations.vocabulary import vanishes

ROOT = Path(__file__).resolve().parents[2]
NAMES = derivations.names()


# --------------------------------------------------------------------------------------------------
# every registered derivation
# --------------------------------------------------------------------------------------------------


def test_registry_lists_the_lecture_derivations_in_order():
    assert NAMES == ("dense_parameters", "locality", "parameter_sharing", "translation_equivariance", "macs",
                     "edge_detection", "conv_output_size", "conv_arithmetic", "pool_output_size", "receptive_field",
                     "conv_backprop", "architectures")  # fmt: skip
    assert [d.name for d in derivations.all()] == list(NAMES)
    assert all(derivations.get(name).name == name for name in NAMES)
    with pytest.raises(KeyError, match="known: dense_parameters"):
        derivations.get("no_such_derivation")


@pytest.mark.parametrize("name", NAMES)
def test_every_step_checks(name):
    d = derivations.get(name)
    result = d.check()
    assert sum(result.methods.values()) == len(d.steps)
    assert result.methods.get("symbolic", 0) + result.methods.get("grid", 0) >= 1, "some step must be proved"
    assert isinstance(d.result, sp.Eq)


@functools.cache
def _report(name: str) -> Report:
    return derivations.get(name).verify()


@pytest.mark.parametrize("name", NAMES)
def test_verify_agrees_with_the_engine(name):
    report = _report(name)
    assert isinstance(report, Report) and report.name == name
    hows = {c.how for c in report.comparisons}
    assert "engine" in hows, "verify() must run the engine (layers or forward passes)"
    assert report.cases >= 50
    assert str(report).startswith(f"{name}: ")


@pytest.mark.parametrize("name", [n for n in NAMES if n != "receptive_field"])
def test_verify_proves_the_shapes_formula(name):
    """Each derivation with a formula in tinygrad_cnn.shapes proves it equal to its result."""
    comparisons = _report(name).comparisons
    assert any(c.what.startswith("shapes.") and c.how in ("symbolic", "grid") for c in comparisons)


def test_lemmas_are_checked_on_their_grids():
    d = derivations.get("pool_output_size")
    assert len(d.lemmas) == 2
    for lemma in d.lemmas:
        assert lemma.check(d.name) == lemma.grid.size > 100


# --------------------------------------------------------------------------------------------------
# wrong steps are caught
# --------------------------------------------------------------------------------------------------


def _with_step(d: Derivation, number: int, **changes) -> Derivation:
    steps = list(d.steps)
    steps[number - 1] = dataclasses.replace(steps[number - 1], **changes)
    return dataclasses.replace(d, steps=tuple(steps))


def test_a_wrong_symbolic_step_is_caught():
    dense = derivations.get("dense_parameters")
    n_prev, n = sp.symbols("n_prev n", integer=True, positive=True)
    wrong = _with_step(dense, 7, rhs=n_prev * n)  # forgot the biases
    with pytest.raises(DerivationError) as error:
        wrong.check()
    message = str(error.value)
    assert "dense_parameters, step 7" in message
    assert dense.steps[6].reason in message
    assert "\n    lhs: " in message and message.rstrip().endswith("rhs: n*n_prev")


def test_a_wrong_counting_definition_is_caught_by_the_next_step():
    dense = derivations.get("dense_parameters")
    i, j, n = sp.symbols("i j n", integer=True, positive=True)
    wrong = _with_step(dense, 1, rhs=sp.Sum(1, (i, 1, n), (j, 1, n)))  # counts n·n weights
    with pytest.raises(DerivationError, match="dense_parameters, step 2"):
        wrong.check()


def test_a_wrong_grid_step_is_caught_with_a_counterexample():
    arithmetic = derivations.get("conv_arithmetic")
    last = arithmetic.steps[-1]
    i = sp.Symbol("i", integer=True, positive=True)
    wrong = _with_step(arithmetic, len(arithmetic.steps), rhs=i + sp.floor(i / 7))  # wrong from i = 7 on
    with pytest.raises(DerivationError, match=r"conv_arithmetic, step 22 .* fails at i = 7"):
        wrong.check()
    assert last.method == "grid"


def test_a_wrong_lemma_is_caught():
    conv = derivations.get("conv_output_size")
    lemma = conv.lemmas[0]
    m, s = sorted(lemma.rhs.free_symbols, key=str)
    bad = dataclasses.replace(lemma, rhs=sp.floor(m / s))  # off by one
    with pytest.raises(DerivationError, match="lemma 'window count'.*counting gives 1, the formula"):
        bad.check("conv_output_size")


def test_a_step_that_misquotes_its_lemma_is_caught():
    pool = derivations.get("pool_output_size")
    n, p = sp.symbols("n p", integer=True, positive=True)
    wrong = _with_step(pool, 5, instance={sp.Symbol("m", integer=True): n + p})  # should be n + p − 1
    with pytest.raises(DerivationError, match="pool_output_size, step 5.*is not lemma 'window count'"):
        wrong.check()


def test_a_result_that_does_not_follow_is_caught():
    dense = derivations.get("dense_parameters")
    P, n = sp.symbols("P n", integer=True, positive=True)  # noqa: N806
    wrong = dataclasses.replace(dense, result=sp.Eq(P, n))
    with pytest.raises(DerivationError, match="dense_parameters, result"):
        wrong.check()


def test_an_example_must_use_its_numbers():
    dense = derivations.get("dense_parameters")
    wrong = dataclasses.replace(dense, examples=(derivations.Example("no numbers used", {"n_prev": 3},
                                                                     sp.Eq(sp.Symbol("x"), 1)),))  # fmt: skip
    with pytest.raises(DerivationError, match="uses none of the example's values"):
        wrong.check()


def test_steps_and_derivations_refuse_malformed_input():
    x = sp.Symbol("x")
    with pytest.raises(ValueError, match="only a symbol can be defined"):
        Step("bad", x + 1, x, defines=True)
    with pytest.raises(ValueError, match="instance= says how a lemma is applied"):
        Step("bad", x, x, instance={x: 1})
    with pytest.raises(TypeError, match="never a string"):
        Step("bad", "x", x)
    lemma = derivations.get("conv_output_size").lemmas[0]
    with pytest.raises(ValueError, match="is not in lemmas"):
        Derivation(name="d", title="t", summary="", variables=(), steps=(Step("s", x, x, lemma=lemma),),
                   result=sp.Eq(x, x + 0))  # fmt: skip
    with pytest.raises(ValueError, match="≥ 0 or ≥ 1 only"):
        Var.integer("k", "size", minimum=2)


def test_verify_raises_on_a_mismatch():
    report = Report("demo")
    with pytest.raises(VerificationError, match="demo: Linear at 3 -> 4: the engine gives 16, the derivation 15"):
        report.equal("Linear", 16, 15, "3 -> 4")
    n = sp.Symbol("n", integer=True, positive=True)
    with pytest.raises(VerificationError, match="is not the derived"):
        report.identity("formula", n + 1, n)
    with pytest.raises(VerificationError, match="at n = 1"):
        report.identity("formula", sp.floor(n / 2), sp.floor((n + 1) / 2), grid=Grid({n: (1, 5)}))


def test_a_derivation_without_verifier_says_so():
    d = dataclasses.replace(derivations.get("dense_parameters"), verifier=None)
    with pytest.raises(DerivationError, match="no verifier"):
        d.verify()


# --------------------------------------------------------------------------------------------------
# renderers
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_text_and_markdown_show_every_step(name):
    d = derivations.get(name)
    for text in (to_text(d), to_text(d, pretty=False), str(d)):
        assert d.title in text
        assert all(f"{number}. " in text for number in range(1, len(d.steps) + 1))
        assert "Result:" in text
    markdown = to_markdown(d)
    assert markdown == d._repr_markdown_()
    assert markdown.startswith(f"### {d.title}")
    assert markdown.count("$$") % 2 == 0 and markdown.count("$$") >= 2 * (len(d.steps) + 1)
    assert sp.latex(d.result.rhs, symbol_names=d.latex_names(), mul_symbol="dot") in markdown


@pytest.mark.parametrize("name", NAMES)
def test_jupyter_shows_latex(name):
    d = derivations.get(name)
    latex = d._repr_latex_()
    assert latex == to_mathjax(d)
    assert latex.startswith("$$\\begin{aligned}") and latex.endswith("\\end{aligned}$$")
    _assert_balanced(latex)


@pytest.mark.parametrize("name", NAMES)
def test_latex_document_of_one_derivation_is_well_formed(name):
    d = derivations.get(name)
    document = latex_document(d)
    _assert_well_formed_document(document)
    assert to_latex(d) in document
    assert document.count(r"\paragraph{Step ") == len(d.steps)


def test_latex_document_of_all_derivations_is_well_formed(tmp_path):
    document = latex_document(derivations.all(), title="Machine Learning in Physics: Convolutional NN")
    _assert_well_formed_document(document)
    assert all(rf"\label{{{name}}}" in document for name in NAMES)
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed; the structure was checked instead")
    (tmp_path / "all.tex").write_text(document)
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "all.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:]


def test_latex_of_substituted_derivations_is_well_formed():
    for d in derivations.all():
        values = {name: 3 for name in list(d.inputs)[:3]}
        _assert_well_formed_document(latex_document(d.substitute(values)))


def test_latex_escapes_text_and_refuses_unknown_characters():
    from derivations.render import _md, _tex

    assert _tex("50% of all & {x} #1 $5 ~ ^ <") == (
        r"50\% of all \& \{x\} \#1 \$5 \textasciitilde{} \textasciicircum{} \ensuremath{<}"
    )
    assert _tex("k_h·C_in, r_{l−1}, dense_parameters") == (
        r"\ensuremath{k_{h}}\ensuremath{\cdot}\ensuremath{C_{in}}, \ensuremath{r_{l-1}}, dense\_parameters"
    )
    assert _md("k_h and r_{l−1} * 2, dense_parameters") == r"$k_{h}$ and $r_{l-1}$ \* 2, dense\_parameters"
    assert _tex("nₗ₋₁ ≤ k·s") == r"n\ensuremath{_{l-1}} \ensuremath{\le} k\ensuremath{\cdot}s"
    with pytest.raises(ValueError, match="no LaTeX for the character '☃'"):
        _tex("a snowman ☃")


def _assert_well_formed_document(document: str) -> None:
    assert document.isascii(), [c for c in document if not c.isascii()][:5]
    assert document.startswith("\\documentclass{article}")
    assert "\\usepackage{amsmath}" in document
    assert document.rstrip().endswith("\\end{document}")
    assert document.count("\\begin{document}") == 1
    _assert_balanced(document)
    body = document[document.index("\\begin{document}") :]
    assert "\\section*{" in body
    assert not re.search(r"(?<!\\)\$\s*\$", body), "empty inline math"
    inline = re.sub(r"\\\$", "", body)
    assert inline.count("$") % 2 == 0, "unbalanced inline math"


def _assert_balanced(latex: str) -> None:
    """Braces balance (ignoring ``\\{ \\}``), environments nest properly, ``\\left`` pairs with ``\\right``."""
    depth = 0
    for match in re.finditer(r"\\\\|\\[{}]|[{}]", latex):
        token = match.group()
        if token in ("{", "}"):
            depth += 1 if token == "{" else -1
            assert depth >= 0, f"unbalanced '}}' near {latex[max(0, match.start() - 60) : match.start() + 20]!r}"
    assert depth == 0, "unbalanced '{'"
    stack = []
    for kind, env in re.findall(r"\\(begin|end)\{([^}]*)\}", latex):
        if kind == "begin":
            stack.append(env)
        else:
            assert stack and stack.pop() == env, f"\\end{{{env}}} does not close the open environment"
    assert not stack, f"unclosed environments {stack}"
    assert len(re.findall(r"\\left(?![a-zA-Z])", latex)) == len(re.findall(r"\\right(?![a-zA-Z])", latex))


# --------------------------------------------------------------------------------------------------
# substitution
# --------------------------------------------------------------------------------------------------


def test_substitution_shows_the_lectures_arithmetic():
    dense = derivations.get("dense_parameters")
    worked = dense.substitute({"n_prev": 1024, "n": 100})
    assert dense.values == {} and worked.values == {"n_prev": 1024, "n": 100}
    lhs, shown, value = worked.worked()[-1].arithmetic
    assert (str(lhs), str(shown), value) == ("P", "100*(1024 + 1)", 102500)
    text = to_text(worked, pretty=False)
    assert "P = 100*(1024 + 1) = 102500" in text
    assert "W = 100*1024 = 102400" in text  # each step with the numbers put in, then evaluated
    assert "P = 100 + 102400 = 102500" in text  # defined quantities carry their values forward
    assert "100 \\cdot \\left(1024 + 1\\right) = 102500" in to_markdown(worked)
    assert "&= 102500" in to_latex(worked)
    assert "102500" in to_text(worked)  # pretty


def test_the_lectures_examples_are_worked_out():
    text = to_text(derivations.get("dense_parameters"), pretty=False)
    assert "P = 100*(1024 + 1) = 102500" in text and "P = 100*(1000 + 1) = 100100" in text
    sharing = to_text(derivations.get("parameter_sharing"), pretty=False)
    assert "= 608" in sharing and "= 197005" in sharing
    assert "= 7" in to_text(derivations.get("receptive_field"), pretty=False)


def test_substitution_of_floors_and_partial_substitution():
    conv = derivations.get("conv_output_size").substitute({"n": 7, "k": 3, "s": 2, "p": 1, "d": 2})
    assert conv.worked()[-1].arithmetic[-1] == 3
    partial = derivations.get("dense_parameters").substitute({"n": 100})
    assert partial.worked()[-1].arithmetic[-1] == 100 * sp.Symbol("n_prev", integer=True, positive=True) + 100
    again = partial.substitute({"n_prev": 1024})
    assert again.values == {"n": 100, "n_prev": 1024} and again.worked()[-1].arithmetic[-1] == 102500


@pytest.mark.parametrize(
    ("name", "values", "message"),
    [
        ("dense_parameters", {"m": 3}, r"unknown variable 'm'; known: n_prev, n"),
        ("dense_parameters", {"P": 3}, r"unknown variable 'P' \(it is defined by a step\)"),
        ("dense_parameters", {"n": "100"}, r"n must be an int, got '100' \(str\)"),
        ("dense_parameters", {"n": 2.0}, r"n must be an int, got 2.0 \(float\)"),
        ("dense_parameters", {"n": True}, r"n must be an int, got True \(bool\)"),
        ("dense_parameters", {"n": 0}, r"n must be a positive integer \(n: number of units of layer l\), got 0"),
        ("conv_output_size", {"k": 0}, r"k must be a positive integer \(k: kernel size \(number of taps\)\)"),
        ("conv_output_size", {"p": -1}, r"p must be a non-negative integer \(p: zero padding on each side\)"),
    ],
)  # fmt: skip
def test_bad_substitutions_are_refused(name, values, message):
    with pytest.raises(ValueError, match=message):
        derivations.get(name).substitute(values)


def test_substitution_accepts_numpy_integers():
    worked = derivations.get("dense_parameters").substitute({"n_prev": np.int64(1024), "n": np.int32(100)})
    assert worked.values == {"n_prev": 1024, "n": 100} and type(worked.values["n"]) is int


# --------------------------------------------------------------------------------------------------
# exact evaluation
# --------------------------------------------------------------------------------------------------


def test_compile_exact_agrees_with_sympy():
    n, k, s = sp.symbols("n k s", integer=True, positive=True)
    p = sp.Symbol("p", integer=True, nonnegative=True)
    expressions = [
        sp.floor((n + 2 * p - k) / s) + 1,
        sp.ceiling((n - k) / s) + 1,
        sp.Mod(n + 2 * p - k - 1, s),
        sp.Min(sp.ceiling(n / s), sp.floor((n + p) / s)) * sp.Rational(3, 2),
        sp.Piecewise((1, sp.Ge(n, s * k)), (0, True)),
        (n + 1) ** 2 / s,
    ]
    for expr in expressions:
        f = compile_exact(expr)
        for point in Grid({n: (1, 6), k: (1, 3), s: (1, 3), p: (0, 2)}).points():
            assert f(point) == expr.subs(point), (expr, point)


def test_compile_exact_refuses_what_it_cannot_do_exactly():
    n = sp.Symbol("n", integer=True, positive=True)
    with pytest.raises(TypeError, match="cannot evaluate"):
        compile_exact(sp.sin(n))
    with pytest.raises(TypeError, match="only integer powers"):
        compile_exact(sp.sqrt(n))
    with pytest.raises(KeyError, match="no value for the symbol n"):
        compile_exact(n + 1)({})
    with pytest.raises(TypeError, match="never a string"):
        as_expr("n + 1")


def test_grid_counts_and_describes_its_points():
    m, s = sp.symbols("m s", integer=True)
    grid = Grid({m: (0, 3), s: (1, 2)}, where=sp.Ne(m, s))
    assert grid.size == len(list(grid.points())) == 6
    assert grid.describe() == "m = 0…3, s = 1…2, where m ≠ s (6 points)"
    with pytest.raises(ValueError, match="empty range"):
        Grid({m: (3, 0)})


def test_lemma_counts_directly():
    m, s = sp.symbols("m s", integer=True)
    lemma = Lemma(
        "multiples",
        "#{t ≥ 0 : t·s ≤ m} = ⌊m/s⌋ + 1",
        sp.floor(m / s) + 1,
        lambda m, s: len([t for t in range(m + 1) if t * s <= m]),
        Grid({m: (0, 9), s: (1, 3)}),
    )
    assert lemma.check() == 30


# --------------------------------------------------------------------------------------------------
# hygiene and budget
# --------------------------------------------------------------------------------------------------


def test_no_strings_are_turned_into_expressions():
    forbidden = re.compile(r"\b(sympify|parse_expr|eval|exec)\s*\(|\bS\(\s*[\"']")
    for path in sorted((ROOT / "derivations").glob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not forbidden.search(line), f"{path.name}:{number}: {line.strip()}"


def test_the_engine_never_imports_derivations():
    """Only the apps above it (the tour, which shows the derivations) may; tests/test_layout.py checks the bands."""
    pattern = re.compile(r"^\s*(from|import)\s+derivations\b|importlib.*derivations", re.MULTILINE)
    apps = ROOT / "tinygrad_cnn" / "tour"
    for path in sorted((ROOT / "tinygrad_cnn").rglob("*.py")):
        if apps not in path.parents:
            assert not pattern.search(path.read_text()), path


# Numbers put into any input, alone or a few together, must render in every format or be refused with a
# ValueError (a value outside the variable's domain): never an IndexError or a SymPy error from deep inside.
# The edges 0 and 1 and one ordinary value; the thorough profile tries more.
_FUZZ_VALUES = (0, 1, 2, 3, 7, 100) if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else (0, 1, 7)


def _render_all_or_refuse(derivation: Derivation, values: dict[str, int]) -> None:
    try:
        worked = derivation.substitute(values)
    except ValueError as error:
        assert derivation.name in str(error) and ("must be" in str(error) or "term by term" in str(error)), error
        return
    assert worked.values == values
    text, markdown, latex = to_text(worked), to_markdown(worked), to_latex(worked)
    assert "Steps" in text or "1." in text
    assert markdown and latex
    _assert_balanced(latex)
    inputs = {derivation.inputs[name].symbol for name in values}
    result = worked.worked()[-1].arithmetic
    assert not result or not (result[-1].free_symbols & inputs), (values, result)  # every known number used


@pytest.mark.parametrize("name", derivations.names())
def test_every_single_substitution_renders_or_is_refused(name):
    derivation = derivations.get(name)
    for variable in derivation.inputs:
        for value in _FUZZ_VALUES:
            _render_all_or_refuse(derivation, {variable: value})


@pytest.mark.parametrize("name", derivations.names())
def test_random_partial_substitutions_render_or_are_refused(name):
    derivation = derivations.get(name)
    choose = random.Random(name)  # derandomized: the same subsets on every run
    for _ in range(6):
        subset = choose.sample(list(derivation.inputs), k=min(len(derivation.inputs), choose.choice((2, 3))))
        _render_all_or_refuse(derivation, {variable: choose.choice(_FUZZ_VALUES) for variable in subset})


def test_a_derivative_with_respect_to_a_substituted_index_is_shown_at_the_point():
    backprop = derivations.get("conv_backprop").substitute({"m": 2, "a": 1})
    worked = {line.number: line.arithmetic for line in backprop.worked()}
    g, x = sp.IndexedBase("g"), sp.IndexedBase("x")
    o = sp.Symbol("o", integer=True)
    assert str(worked[3][1]) == "Derivative(L, w[1])"  # ∂L/∂w_a at a = 1: the index is put in, not bound
    assert vanishes(worked[3][-1], sp.Sum(g[o] * x[o + 1], (o, -sp.oo, sp.oo)))  # evaluated from L's definition
    assert str(worked[6][1]) == "Derivative(L, x[2])"
    latex = to_latex(backprop)
    assert r"\frac{d}{d {w}_{1}} L" in latex and r"\frac{d}{d {x}_{2}} L" in latex


@pytest.mark.parametrize(
    ("name", "values", "message"),
    [
        ("receptive_field", {"L": 100}, r"the sum over i from 1 to L would be written out term by term \(100 terms\)"),
        ("translation_equivariance", {"k": 13}, r"with k = 13, the sum over j from 0 to k - 1 .* \(13 terms\)"),
        ("conv_backprop", {"a": 200, "b": 200}, r"with a = 200, b = 200, .* \(401 terms\); at most 12"),
    ],
)  # fmt: skip
def test_numbers_that_would_write_out_long_sums_are_refused(name, values, message):
    with pytest.raises(ValueError, match=message):
        derivations.get(name).substitute(values)


def test_long_sums_are_refused_also_when_the_numbers_come_one_at_a_time_and_closed_forms_are_not():
    backprop = derivations.get("conv_backprop").substitute({"a": 200})  # k = 201 + b: still a symbol
    with pytest.raises(ValueError, match=r"\(401 terms\)"):
        backprop.substitute({"b": 200})
    assert derivations.get("receptive_field").substitute({"L": 12}).values == {"L": 12}  # at the limit
    dense = derivations.get("dense_parameters").substitute({"n_prev": 10**6, "n": 10**4})  # Σ 1, in closed form
    assert dense.worked()[-1].arithmetic[-1] == (10**6 + 1) * 10**4
