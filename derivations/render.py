"""Show a derivation to people: plain text, Markdown with ``$$`` math, LaTeX, MathJax for Jupyter, and HTML
with presentation MathML (which browsers render natively: no script, no network).

Every renderer prints the same things in the same order: the title and summary, the variables with their
domains, the assumptions, the lemmas with the grid each was checked on, the numbered steps (the reason,
how it was checked, the equation and, after :meth:`~derivations.core.Derivation.substitute`, the
arithmetic), the result, and the worked examples. Reasons are written in plain Unicode; the LaTeX
renderer translates the few mathematical characters they use and refuses any other non-ASCII one, so the
document always compiles with a plain ``pdflatex``.

Examples:
    >>> from derivations import get
    >>> lines = to_text(get("dense_parameters").substitute({"n_prev": 1024, "n": 100}), pretty=False).splitlines()
    >>> print(lines[lines.index("Result:") + 2])
        P = 100*(1024 + 1) = 102500
    >>> html = to_html(get("dense_parameters").substitute({"n_prev": 1024, "n": 100}))
    >>> html.count('<math display="block">') > 7, "<mn>102500</mn>" in html
    (True, True)
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import sympy as sp
from sympy.printing.mathml import MathMLPresentationPrinter
from sympy.printing.pretty.pretty import PrettyPrinter
from sympy.printing.pretty.stringpict import stringPict

if TYPE_CHECKING:  # the renderers only read a derivation's attributes (Renderable); core imports this module
    from .arithmetic import Worked
    from .vocabulary import Grid, Renderable

__all__ = ["to_text", "to_markdown", "to_latex", "latex_document", "to_mathjax", "to_html", "to_mathml"]

WIDTH = 100
_METHOD_TAGS = {"definition": "definition", "symbolic": "symbolic", "grid": "grid", "lemma": "lemma"}


# -- plain text --------------------------------------------------------------------------------------------
def to_text(d: Renderable, *, pretty: bool = True) -> str:
    """Plain text: numbered steps, each its reason, how it is checked, then the equation
    (``sympy.pretty``, or ``str`` with ``pretty=False``)."""
    out = [f"{d.title}  [{d.name}]", "=" * len(d.title), *_wrap(d.summary, ""), "", "Variables:"]
    names = _unicode_names(d)
    out += [f"  {v.name}{f' ({names[v.symbol]})' if v.symbol in names else ''}: {v.meaning}; {v.domain}"
            for v in d.variables]  # fmt: skip
    if d.assumptions:
        out += ["Assumptions:", *(line for a in d.assumptions for line in _wrap(a, "  - ", "    "))]
    for number, lemma in enumerate(d.lemmas, 1):
        out += _wrap(f"Lemma {number} ({lemma.name}). {lemma.statement}", "", "    ")
        out += _wrap(f"Checked by counting at every point of {lemma.grid.describe()}. {lemma.why}", "    ", "    ")
    if d.values:
        out.append("With " + ", ".join(f"{k} = {v}" for k, v in d.values.items()) + ":")
    out += ["", "Steps:"]
    for line in d.worked():
        out += _text_line(line, pretty, names)
    examples = d.example_lines()
    if examples:
        out += ["", "Examples:"]
        for line in examples:
            out += _text_line(line, pretty, names)
    return "\n".join(out)


def _unicode_names(d: Renderable) -> dict[sp.Symbol, str]:
    """``symbol -> 'nₗ₋₁'`` for the variables whose LaTeX name is a letter with a subscript that Unicode can
    write (``n_{l-1}``), so the text equations use the same names as the prose (which writes nₗ₋₁)."""
    names = {}
    for v in d.variables:
        match = re.fullmatch(r"([A-Za-z])_\{?([^{}]+)\}?", v.latex or "")
        if match and all(c in _TO_SUBSCRIPT for c in match[2]):
            names[v.symbol] = match[1] + "".join(_TO_SUBSCRIPT[c] for c in match[2])
    return names


def _text_line(line: Worked, pretty: bool, names: dict[sp.Symbol, str] | None = None) -> list[str]:
    if line.method == "result":
        head = ["Result:"]
    elif line.method == "example":
        head = _wrap(line.reason, "  ", "  ")
    else:
        head = _wrap(f"{line.number}. {line.reason} [{line.note}]", "  ", "     ")
    body = [_text_chain(line.chain, pretty, names)] if line.method != "example" else []
    if line.arithmetic:
        body.append(_text_chain(line.arithmetic, pretty, names))
    return head + [textwrap.indent(b, "    ") for b in body]


class _Pretty(PrettyPrinter):
    """SymPy's pretty printer, drawing ``Min``/``Max`` as ``min(…)``/``max(…)`` (SymPy prints them as str)."""

    def _print_Min(self, expr: sp.Min) -> Any:
        return self._helper_print_function(expr.func, expr.args, func_name="min")

    def _print_Max(self, expr: sp.Max) -> Any:
        return self._helper_print_function(expr.func, expr.args, func_name="max")


def _text_chain(chain: tuple[sp.Expr, ...], pretty: bool, names: dict[sp.Symbol, str] | None = None) -> str:
    if not pretty:
        return " = ".join(str(e) for e in chain)
    if names:  # the prose's names (nₗ₋₁), as plain symbols of the same assumptions
        renamed = {symbol: sp.Symbol(name, **symbol.assumptions0) for symbol, name in names.items()}
        chain = tuple(e.xreplace(renamed) if isinstance(e, sp.Basic) else e for e in chain)
    printer = _Pretty({"use_unicode": True, "wrap_line": False})
    parts: list[Any] = []
    for expr in chain:
        parts += [" = ", printer._print(expr)] if parts else [printer._print(expr)]
    picture = stringPict(*stringPict.next(*parts))
    return picture.render(wrap_line=False, num_columns=None).rstrip()


def _wrap(text: str, first: str, rest: str | None = None) -> list[str]:
    if not text:
        return []
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=first if rest is None else rest)


# -- Markdown ----------------------------------------------------------------------------------------------
def to_markdown(d: Renderable) -> str:
    """Markdown with ``$$ … $$`` display math (``sympy.latex``), as Jupyter and GitHub render it."""
    math = _latex_printer(d)
    out = [f"### {_md(d.title)} (`{d.name}`)", "", _md(d.summary), "", "**Variables.**", ""]
    out += [f"- ${math(v.symbol)}$ (`{v.name}`): {_md(v.meaning)}; {v.domain}" for v in d.variables]
    if d.assumptions:
        out += ["", "**Assumptions.**", "", *(f"- {_md(a)}" for a in d.assumptions)]
    for number, lemma in enumerate(d.lemmas, 1):
        checked = f"Checked by counting at every point of {lemma.grid.describe()}. {lemma.why}"
        out += ["", f"**Lemma {number}** ({_md(lemma.name)}). {_md(lemma.statement)} *{_md(checked)}*"]
    if d.values:
        out += ["", "With " + ", ".join(f"${math(d.inputs[k].symbol)} = {v}$" for k, v in d.values.items()) + "."]
    out.append("")
    for line in d.worked():
        if line.method == "result":
            out += ["**Result.**", ""]
        else:
            out += [f"{line.number}. {_md(line.reason)} *({_md(line.note)})*", ""]
        indent = "" if line.method == "result" else "   "
        out += [f"{indent}$${_latex_chain(line.chain, math)}$$", ""]
        if line.arithmetic:
            out += [f"{indent}$${_latex_chain(line.arithmetic, math)}$$", ""]
    for line in d.example_lines():
        out += [f"**Example.** {_md(line.reason)}", "", f"$${_latex_chain(line.arithmetic, math)}$$", ""]
    return "\n".join(out).rstrip() + "\n"


def _md(text: str) -> str:
    """Escape a reason for Markdown; subscripted names such as ``k_h`` or ``r_{l−1}`` become inline math."""
    parts = []
    for plain, name, subscript in _split_subscripts(text):
        parts.append(plain.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_"))
        if name:
            parts.append(f"${_math(name)}_{{{_math(subscript)}}}$")
    return "".join(parts)


# -- LaTeX -------------------------------------------------------------------------------------------------
def to_latex(d: Renderable) -> str:
    """One derivation as a LaTeX section (for :func:`latex_document`): reasons as text, one ``equation*``
    per step, the arithmetic in ``align*``."""
    math = _latex_printer(d)
    out = [rf"\section*{{{_tex(d.title)}}}", rf"\label{{{d.name}}}", _tex(d.summary), "",
           r"\paragraph{Variables.}", r"\begin{itemize}"]  # fmt: skip
    out += [rf"\item ${math(v.symbol)}$: {_tex(v.meaning)}; {v.domain}." for v in d.variables]
    out.append(r"\end{itemize}")
    if d.assumptions:
        out += [r"\paragraph{Assumptions.}", r"\begin{itemize}", *(rf"\item {_tex(a)}" for a in d.assumptions),
                r"\end{itemize}"]  # fmt: skip
    for number, lemma in enumerate(d.lemmas, 1):
        out += [rf"\paragraph{{Lemma {number} ({_tex(lemma.name)}).}} {_tex(lemma.statement)}",
                rf"\emph{{Checked by counting at every point of {_grid_latex(lemma.grid, math)}. "
                rf"{_tex(lemma.why)}}}", ""]  # fmt: skip
    if d.values:
        values = ", ".join(f"${math(d.inputs[k].symbol)} = {v}$" for k, v in d.values.items())
        out += [rf"\paragraph{{With {values}.}}", ""]
    for line in d.worked():
        if line.method == "result":
            out.append(r"\paragraph{Result.}")
        else:
            out.append(rf"\paragraph{{Step {line.number}.}} {_tex(line.reason)} ({_note_latex(line, d, math)})")
        out += _display(_latex_chain(line.chain, math))
        out += _align(line.arithmetic, math)
    for line in d.example_lines():
        out += [rf"\paragraph{{Example.}} {_tex(line.reason)}", *_align(line.arithmetic, math)]
    return "\n".join(out) + "\n"


def latex_document(derivations: Renderable | Iterable[Renderable], title: str = "Derivations") -> str:
    """A standalone document (``article`` + ``amsmath``) for one derivation or several; compiles with
    ``pdflatex`` as it is."""
    items = [derivations] if hasattr(derivations, "worked") else list(derivations)
    head = [r"\documentclass{article}", r"\usepackage{amsmath}", r"\usepackage{amssymb}",
            r"\usepackage[margin=2cm]{geometry}", rf"\title{{{_tex(title)}}}", r"\date{}",
            r"\begin{document}", r"\maketitle"]  # fmt: skip
    return "\n".join(head) + "\n\n" + "\n".join(to_latex(d) for d in items) + "\n\\end{document}\n"


def _align(chain: tuple[sp.Expr, ...], math: Any) -> list[str]:
    if not chain:
        return []
    rows = [f"{math(chain[0])} &= {math(chain[1])}", *(f"&= {math(e)}" for e in chain[2:])]
    return [r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]


def _note_latex(line: Worked, d: Renderable, math: Any) -> str:
    if line.method == "grid":
        step = d.steps[line.number - 1]
        return rf"checked exactly at every point of {_grid_latex(step.grid, math)}"
    return _tex(line.note)


def _grid_latex(grid: Grid, math: Any) -> str:
    box = ", ".join(rf"${math(s)} = {low}, \dots, {high}$" for s, (low, high) in grid.ranges.items())
    where = "" if grid.where is sp.true else rf", where ${math(grid.where)}$"
    return f"{box}{where} ({grid.size} points)"


# -- MathJax, for Jupyter's _repr_latex_ ------------------------------------------------------------------
def to_mathjax(d: Renderable) -> str:
    """The derivation as one display-math block (``aligned``), which Jupyter renders through MathJax."""
    math = _latex_printer(d)
    rows = [rf"&\textbf{{{_mathjax_text(d.title)}}}"]
    if d.values:
        rows.append(r"&\text{With } " + ", ".join(f"{math(d.inputs[k].symbol)} = {v}" for k, v in d.values.items()))
    for line in d.worked():
        label = "Result" if line.method == "result" else f"{line.number}. {line.reason}"
        note = "" if line.method == "result" else f" ({line.note})"
        rows += [rf"&\text{{{_mathjax_text(label + note)}}}", rf"&\qquad {_latex_chain(line.chain, math)}"]
        if line.arithmetic:
            rows.append(rf"&\qquad {_latex_chain(line.arithmetic, math)}")
    return "$$\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}$$"


def _mathjax_text(text: str) -> str:
    return text.replace("\\", "/").replace("{", r"\{").replace("}", r"\}").replace("$", "").replace("&", "and")


# -- HTML with MathML ---------------------------------------------------------------------------------------
def to_html(d: Renderable, *, heading: int = 3) -> str:
    """An HTML fragment (a ``<section>``): every text escaped, every equation presentation MathML, which
    browsers render natively; the same content, in the same order, as :func:`to_markdown`."""
    math = _MathML(d.latex_names())
    h = f"h{heading}"
    out = [f'<section class="derivation" id="derivation-{html.escape(d.name)}">',
           f"<{h}>{_html(d.title)} <code>{html.escape(d.name)}</code></{h}>", f"<p>{_html(d.summary)}</p>",
           "<p><strong>Variables.</strong></p>", "<ul>"]  # fmt: skip
    out += [f"<li>{math.inline(v.symbol)} (<code>{html.escape(v.name)}</code>): {_html(v.meaning)}; {v.domain}</li>"
            for v in d.variables]  # fmt: skip
    out.append("</ul>")
    if d.assumptions:
        out += ["<p><strong>Assumptions.</strong></p>", "<ul>", *(f"<li>{_html(a)}</li>" for a in d.assumptions),
                "</ul>"]  # fmt: skip
    for number, lemma in enumerate(d.lemmas, 1):
        checked = f"Checked by counting at every point of {lemma.grid.describe()}. {lemma.why}"
        out.append(f"<p><strong>Lemma {number}</strong> ({_html(lemma.name)}). {_html(lemma.statement)} "
                   f"<em>{_html(checked)}</em></p>")  # fmt: skip
    if d.values:
        values = ", ".join(f"{math.inline(d.inputs[k].symbol, str(v))}" for k, v in d.values.items())
        out.append(f"<p>With {values}.</p>")
    steps = [line for line in d.worked() if line.method != "result"]
    out.append('<ol class="steps">')
    for line in steps:
        out += [f"<li><p>{_html(line.reason)} <em>({_html(line.note)})</em></p>", math.block(line.chain)]
        out += [math.block(line.arithmetic)] if line.arithmetic else []
        out.append("</li>")
    out.append("</ol>")
    for line in d.worked():
        if line.method == "result":
            out += ['<p class="result"><strong>Result.</strong></p>', math.block(line.chain)]
            out += [math.block(line.arithmetic)] if line.arithmetic else []
    for line in d.example_lines():
        out += [f"<p><strong>Example.</strong> {_html(line.reason)}</p>", math.block(line.arithmetic)]
    return "\n".join(out + ["</section>"]) + "\n"


def to_mathml(expr: sp.Basic | tuple[sp.Basic, ...], *, display: bool = True,
              names: dict[sp.Symbol, str] | None = None) -> str:  # fmt: skip
    """One expression, or a chain ``a = b = c`` given as a tuple, as a ``<math>`` element.

    Examples:
        >>> n = sp.Symbol("n", positive=True, integer=True)
        >>> to_mathml((sp.Symbol("P"), (n + 1) * n), display=False)
        '<math><mi>P</mi><mo>=</mo><mrow><mi>n</mi><mo>&#xB7;</mo><mrow><mo>(</mo><mrow><mi>n</mi><mo>+</mo><mn>1</mn></mrow><mo>)</mo></mrow></mrow></math>'
    """
    math = _MathML(names or {})
    chain = expr if isinstance(expr, tuple) else (expr,)
    return math.block(chain) if display else math.inline_chain(chain)


class _MathML(MathMLPresentationPrinter):
    """SymPy's presentation MathML, completed for what the derivations use: numbers put in
    (:class:`~derivations.arithmetic.Shown`), the variables' LaTeX spellings (``C_{in}``, ``H'``), ``Subs``,
    ``Product``, ``Mod``, Kronecker's delta, ``Piecewise``, partial derivatives; every text escaped."""

    def __init__(self, names: dict[sp.Symbol, str]) -> None:
        super().__init__({"mul_symbol": "dot"})
        self.names = names

    # one <math> element per equation
    def block(self, chain: tuple[sp.Basic, ...]) -> str:
        return f'<math display="block">{self._chain(chain)}</math>'

    def inline(self, expr: sp.Basic, value: str | None = None) -> str:
        tail = "" if value is None else f"<mo>=</mo><mn>{html.escape(value)}</mn>"
        return f"<math>{self.doprint(expr)}{tail}</math>"

    def inline_chain(self, chain: tuple[sp.Basic, ...]) -> str:
        return f"<math>{self._chain(chain)}</math>"

    def _chain(self, chain: tuple[sp.Basic, ...]) -> str:
        return "<mo>=</mo>".join(self.doprint(e) for e in chain)

    # small DOM helpers (SymPy's text nodes are written raw, so every text goes through html.escape)
    def _el(self, tag: str, *children: Any, text: str | None = None) -> Any:
        node = self.dom.createElement(tag)
        if text is not None:
            node.appendChild(self.dom.createTextNode(html.escape(text, quote=False)))
        for child in children:
            node.appendChild(child)
        return node

    def _row(self, *children: Any) -> Any:
        return self._el("mrow", *children)

    def _call(self, name: str, *args: sp.Basic) -> Any:
        return self._row(self._el("mi", text=name), self._paren_comma_separated(*args))

    # the symbols
    def _print_Shown(self, e: sp.Basic) -> Any:
        return self._el("mn", text=str(e.value))

    def _print_Symbol(self, sym: sp.Symbol, style: str = "plain") -> Any:
        if sym in self.names:
            return self._from_latex(self.names[sym])
        return super()._print_Symbol(sym, style)

    _LATEX_NAME = re.compile(r"^([A-Za-z]+)(?:_\{([^{}]*)\})?('*)$")

    def _from_latex(self, latex: str) -> Any:
        """The simple LaTeX names variables use: ``C_{in}``, ``r_{l-1}``, ``H'``, ``P_{AlexNet\\,2012}``."""
        match = self._LATEX_NAME.match(latex)
        if match is None:
            return self._el("mi", text=latex)
        base, sub, primes = match.groups()
        node = self._el("mi", text=base)
        if sub:
            parts = re.findall(r"[A-Za-z]+|[0-9]+|-|\\,", sub)
            tokens = [self._el("mn", text=p) if p.isdigit() else self._el("mo", text="−") if p == "-" else
                      self._el("mspace", ) if p == "\\," else self._el("mi", text=p) for p in parts]  # fmt: skip
            node = self._el("msub", node, tokens[0] if len(tokens) == 1 else self._row(*tokens))
        if primes:
            node = self._el("msup", node, self._el("mo", text="′" * len(primes)))
        return node

    def _print_Indexed(self, e: sp.Indexed) -> Any:
        indices = [self._print(i) for i in e.indices]
        if len(indices) > 1:
            separated = []
            for index in indices:
                separated += [self._el("mo", text=","), index] if separated else [index]
            indices = [self._row(*separated)]
        return self._el("msub", self._print(e.base), indices[0])

    # what SymPy prints as a plain function call
    def _print_Subs(self, e: sp.Subs) -> Any:
        pairs = []
        for variable, point in zip(e.variables, e.point):
            pairs += [self._el("mo", text=",")] if pairs else []
            pairs += [self._print(variable), self._el("mo", text="="), self._print(point)]
        bar = self._row(self._el("mo", text="("), self._print(e.expr), self._el("mo", text=")"))
        return self._el("msub", self._row(bar, self._el("mo", text="|")), self._row(*pairs))

    def _print_Product(self, e: sp.Product) -> Any:
        variable, low, high = e.limits[0]
        under = self._row(self._print(variable), self._el("mo", text="="), self._print(low))
        return self._row(self._el("munderover", self._el("mo", text="∏"), under, self._print(high)),
                         self.parenthesize(e.function, 50))  # fmt: skip

    def _print_Mod(self, e: sp.Mod) -> Any:
        return self._row(self._el("mo", text="("), self._print(e.args[0]), self._el("mo", text="mod"),
                         self._print(e.args[1]), self._el("mo", text=")"))  # fmt: skip

    def _print_KroneckerDelta(self, e: sp.KroneckerDelta) -> Any:
        a, b = (self._print(i) for i in e.args)
        return self._el("msub", self._el("mi", text="δ"), self._row(a, self._el("mo", text=","), b))

    def _print_Piecewise(self, e: sp.Piecewise) -> Any:
        rows = []
        for value, condition in e.args:
            when = self._el("mtext", text="otherwise") if condition is sp.true else self._row(
                self._el("mtext", text="if\u00a0"), self._print(condition))  # fmt: skip
            rows.append(self._el("mtr", self._el("mtd", self._print(value)), self._el("mtd", when)))
        return self._row(self._el("mo", text="{"), self._el("mtable", *rows))

    def _print_Derivative(self, e: sp.Derivative) -> Any:
        below = []
        for variable, count in e.variable_count:
            part = self._print(variable)
            below += [self._el("mo", text="∂"), part if count == 1 else self._el("msup", part, self._print(count))]
        order = sum(count for _, count in e.variable_count)
        top = self._el("mo", text="∂") if order == 1 else self._el("msup", self._el("mo", text="∂"),
                                                                      self._print(order))  # fmt: skip
        return self._row(self._el("mfrac", top, self._row(*below)), self._print(e.expr))

    def _print_Relational(self, e: sp.Basic) -> Any:
        symbols = {"==": "=", "!=": "≠", "<": "<", ">": ">", "<=": "≤", ">=": "≥"}
        return self._row(self._print(e.lhs), self._el("mo", text=symbols.get(e.rel_op, e.rel_op)), self._print(e.rhs))

    def _print_Min(self, e: sp.Min) -> Any:
        return self._call("min", *e.args)

    def _print_Max(self, e: sp.Max) -> Any:
        return self._call("max", *e.args)

    def _print_AppliedUndef(self, e: sp.Function) -> Any:
        return self._call(str(e.func), *e.args)


def _html(text: str) -> str:
    """Escape a reason for HTML; subscripted names such as ``k_h`` or ``r_{l−1}`` become inline MathML."""
    parts = []
    for plain, name, subscript in _split_subscripts(text):
        parts.append(html.escape(plain, quote=False))
        if name:
            parts.append(f"<math><msub><mi>{html.escape(name)}</mi><mi>{html.escape(subscript)}</mi></msub></math>")
    return "".join(parts)


# -- shared ------------------------------------------------------------------------------------------------
def _latex_printer(d: Renderable) -> Any:
    names = d.latex_names()

    def math(expr: sp.Basic) -> str:
        return sp.latex(expr, symbol_names=names, mul_symbol="dot")

    return math


def _latex_chain(chain: tuple[sp.Expr, ...], math: Any) -> str:
    return " = ".join(math(e) for e in chain)


LATEX_LINE = 80  # characters of LaTeX source a displayed line may hold before a long sum is broken


def _display(latex: str) -> list[str]:
    """One displayed equation; a long sum (VGG-16's sixteen layers) is broken after a ``+`` into the lines of
    a ``multline*``, so it stays on the page.

    Examples:
        >>> _display("x = 1 + 2")[1]
        'x = 1 + 2'
        >>> print("\\n".join(_display(" + ".join(["123456789"] * 12))))  # 12 terms: two lines
        \\begin{multline*}
        123456789 + 123456789 + 123456789 + 123456789 + 123456789 + 123456789 \\\\
        {} + 123456789 + 123456789 + 123456789 + 123456789 + 123456789 + 123456789
        \\end{multline*}
    """
    if len(latex) <= LATEX_LINE:
        return [r"\begin{equation*}", latex, r"\end{equation*}"]
    lines, current = [], ""
    for piece in _top_level_terms(latex):
        if current and len(current) + len(piece) > LATEX_LINE:
            lines.append(current)
            current = ""
        current += piece
    lines.append(current)
    if len(lines) == 1:
        return [r"\begin{equation*}", latex, r"\end{equation*}"]
    body = [lines[0].rstrip(), *(r"{} " + line.strip() for line in lines[1:])]  # "{} +" keeps + binary
    return [r"\begin{multline*}", " \\\\\n".join(body), r"\end{multline*}"]


def _top_level_terms(latex: str) -> list[str]:
    """``latex`` cut just before each `` + `` that is not inside braces or ``\\left…\\right``."""
    pieces, depth, start, i = [], 0, 0, 0
    while i < len(latex):
        if latex.startswith(r"\left", i):
            depth, i = depth + 1, i + 5
            continue
        if latex.startswith(r"\right", i):
            depth, i = depth - 1, i + 6
            continue
        depth += {"{": 1, "}": -1}.get(latex[i], 0)
        if depth == 0 and latex.startswith(" + ", i) and i > start:
            pieces.append(latex[start:i])
            start = i
        i += 1
    pieces.append(latex[start:])
    return pieces


# Characters the reasons may use, and their LaTeX; any other non-ASCII character is an error.
_TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                "<": r"\ensuremath{<}", ">": r"\ensuremath{>}", "|": r"\ensuremath{|}"}  # fmt: skip
_TEX_UNICODE = {
    "·": r"\cdot", "×": r"\times", "−": "-", "≤": r"\le", "≥": r"\ge", "≠": r"\ne", "≈": r"\approx",
    "⌊": r"\lfloor", "⌋": r"\rfloor", "⌈": r"\lceil", "⌉": r"\rceil", "Σ": r"\Sigma", "Π": r"\Pi",
    "∑": r"\sum", "∏": r"\prod", "…": r"\dots", "→": r"\to", "⇒": r"\Rightarrow", "∈": r"\in",
    "⟺": r"\iff", "⇔": r"\Leftrightarrow", "⟹": r"\implies", "≡": r"\equiv", "±": r"\pm", "∀": r"\forall",
    "∃": r"\exists", "⊆": r"\subseteq", "∉": r"\notin", "⊂": r"\subset", "∪": r"\cup", "∩": r"\cap",
    "∣": r"\mid", "ℓ": r"\ell", "′": "'",
    "α": r"\alpha", "β": r"\beta", "δ": r"\delta", "∂": r"\partial", "∞": r"\infty", "√": r"\surd",
}  # fmt: skip
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ", "0123456789+-=()aeoxhklmnpstijruv"))
_TO_SUBSCRIPT = {plain: sub for sub, plain in _SUBSCRIPTS.items()}
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ⁿⁱᵀ", "0123456789+-()niT"))
_TEX_TEXT = {"–": "--", "—": "---", "“": "``", "”": "''", "‘": "`", "’": "'", "\u00a0": "~"}


_SUBSCRIPTED = re.compile(r"(?<![\\\w])([A-Za-zΣΠ])_(\{[^{}]*\}|[A-Za-z0-9]+)")


def _split_subscripts(text: str) -> list[tuple[str, str, str]]:
    """``"see k_h and r_{l−1}."`` -> ``[("see ", "k", "h"), (" and ", "r", "l−1"), (".", "", "")]``."""
    parts, start = [], 0
    for match in _SUBSCRIPTED.finditer(text):
        parts.append((text[start : match.start()], match.group(1), match.group(2).strip("{}")))
        start = match.end()
    return [*parts, (text[start:], "", "")]


def _math(text: str) -> str:
    """A short piece of reason (a subscript) as LaTeX math: ``l−1`` -> ``l-1``."""
    return "".join(_TEX_UNICODE[c] + " " if c in _TEX_UNICODE and c != "−" else "-" if c == "−" else c for c in text)


def _tex(text: str) -> str:
    """Escape a reason for LaTeX text mode: a subscripted name ``k_h``, ``r_{l−1}`` becomes math,
    mathematical Unicode becomes ``\\ensuremath{…}``, a run of Unicode subscripts ``nₗ₋₁`` becomes
    ``n\\ensuremath{_{l-1}}``; other non-ASCII is an error."""
    parts = []
    for plain, name, subscript in _split_subscripts(text):
        parts.append(_tex_plain(plain))
        if name:
            parts.append(rf"\ensuremath{{{_math(name)}_{{{_math(subscript)}}}}}")
    return "".join(parts)


def _tex_plain(text: str) -> str:
    out, index = [], 0
    while index < len(text):
        char = text[index]
        for table, mark in ((_SUBSCRIPTS, "_"), (_SUPERSCRIPTS, "^")):
            run = ""
            while index < len(text) and text[index] in table:
                run, index = run + table[text[index]], index + 1
            if run:
                out.append(rf"\ensuremath{{{mark}{{{run}}}}}")
                break
        else:
            out.append(_tex_char(char, text))
            index += 1
    return "".join(out)


def _tex_char(char: str, text: str) -> str:
    if char in _TEX_SPECIAL:
        return _TEX_SPECIAL[char]
    if char in _TEX_UNICODE:
        return rf"\ensuremath{{{_TEX_UNICODE[char]}}}"
    if char in _TEX_TEXT:
        return _TEX_TEXT[char]
    if ord(char) > 127:
        raise ValueError(f"render: no LaTeX for the character {char!r} (U+{ord(char):04X}) in {text!r}")
    return char
