"""The report as data, and its two writers: one self-contained HTML page and the same page in Markdown.

A :class:`Report` is a list of :class:`Section` s, each a list of blocks: :class:`Paragraph` (text with
:class:`Code`, :class:`Strong` and :class:`Math` spans), :class:`Table`, :class:`Figure`, :class:`Preformatted`
and :class:`DerivationBlock`. The writers escape every piece of text they are given (HTML with
``html.escape``, Markdown by backslashes), so a label or a number can never become markup. Math is
presentation MathML in HTML, which browsers render natively, with no script and no network, and ``$…$``
LaTeX in Markdown. Images are files beside the page, referenced by relative paths.

Examples:
    >>> import sympy as sp
    >>> report = Report("Demo <1>", [Section("one", "A & B", [Paragraph("x < y, ", Code("f(x)"), " and ",
    ...     Math(sp.Symbol("n") + 1)), Table(("k", "n"), [("3", "<5>")])])])
    >>> page = to_html(report)
    >>> "<title>Demo &lt;1&gt;</title>" in page, "<td>&lt;5&gt;</td>" in page, "<math><mrow><mi>n</mi>" in page
    (True, True, True)
    >>> print(to_markdown(report).splitlines()[0])
    # Demo \\<1\\>
    >>> print(to_markdown(report).splitlines()[4])
    x \\< y, `f(x)` and $n + 1$
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from derivations.render import to_html as derivation_html
from derivations.render import to_markdown as derivation_markdown
from derivations.render import to_mathml

__all__ = ["Report", "Section", "Paragraph", "Code", "Strong", "Math", "Table", "Figure", "Image", "Preformatted",
           "DerivationBlock", "to_html", "to_markdown", "STYLE"]  # fmt: skip


# ---- inline spans --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Code:
    """``monospace`` text: a name, a command."""

    text: str


@dataclass(frozen=True)
class Strong:
    """**Bold** text."""

    text: str


@dataclass(frozen=True)
class Math:
    """An expression, or a chain ``a = b = c`` given as a tuple, set inline."""

    expr: Any


Span = str | Code | Strong | Math


# ---- blocks -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Paragraph:
    """A paragraph of spans; ``Paragraph("The loss fell to ", Strong("0.12"), ".")``."""

    spans: tuple[Span, ...]
    kind: str = ""  # "note" draws a box around it

    def __init__(self, *spans: Span, kind: str = "") -> None:
        object.__setattr__(self, "spans", spans)
        object.__setattr__(self, "kind", kind)


@dataclass(frozen=True)
class Table:
    """A table of text cells; columns whose cells all look like numbers are right-aligned."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    caption: str = ""


@dataclass(frozen=True)
class Image:
    """One picture: ``path`` relative to the report's folder."""

    path: str
    alt: str
    width: int | None = None  # CSS pixels, or the picture's own width


@dataclass(frozen=True)
class Figure:
    """One or more pictures side by side, with a caption."""

    images: Sequence[Image]
    caption: str = ""


@dataclass(frozen=True)
class Preformatted:
    """Text shown as it is, in a monospace box (a summary table, a terminal line)."""

    text: str


@dataclass(frozen=True)
class DerivationBlock:
    """A derivation (``derivations.Derivation``, symbolic or with numbers put in), shown step by step; in HTML
    folded under a one-line summary (``open`` unfolds it)."""

    derivation: Any
    open: bool = False


Block = Paragraph | Table | Figure | Preformatted | DerivationBlock


@dataclass
class Section:
    """One part of the lecture: a key (its HTML anchor), a title, blocks, and the numbers it computed."""

    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)


@dataclass
class Report:
    """The whole page: a title, sections in the lecture's order, and lines for the page's footer."""

    title: str
    sections: list[Section]
    intro: list[Block] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)


# ---- HTML -----------------------------------------------------------------------------------------------------
STYLE = """
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d1d1f;
       max-width: 1100px; margin: 0 auto; padding: 1.5em; background: #fff; }
h1 { font-size: 1.9em; margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #e3e6ea; padding-bottom: 0.2em;
margin-top: 2.2em; } h3 { margin-top: 1.4em; }
nav ol { columns: 2; } code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.9em; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; border-radius: 6px; line-height: 1.35; }
table { border-collapse: collapse; margin: 0.8em 0; } caption { caption-side: bottom; color: #555;
font-size: 0.9em; padding-top: 0.3em; text-align: left; }
th, td { border: 1px solid #d0d7de; padding: 0.25em 0.6em; } th { background: #f0f3f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; } figure .images { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; margin-top: 0.3em; }
.note { background: #fff8e1; border-left: 4px solid #f2b600; padding: 0.6em 0.9em; }
details.derivation-box { border: 1px solid #d0d7de; border-radius: 6px; padding: 0.4em 0.9em; margin: 0.8em 0; }
details.derivation-box > summary { cursor: pointer; font-weight: 600; }
section.derivation h3 { margin-top: 0.6em; } ol.steps li { margin-bottom: 0.5em; }
math[display="block"] { margin: 0.4em 0; overflow-x: auto; overflow-y: hidden; }
math { font-size: 1.1em; }
footer { margin-top: 3em; color: #666; font-size: 0.85em; border-top: 1px solid #e3e6ea; padding-top: 0.6em; }
"""

_NUMBER = re.compile(r"^[−+\-]?[\d,.]+(\s?[%×s])?$|^[−+\-]?\d[\d,.]*\s*[×x]\s*[\d,.]+$")


def _span_html(span: Span) -> str:
    if isinstance(span, Code):
        return f"<code>{html.escape(span.text)}</code>"
    if isinstance(span, Strong):
        return f"<strong>{html.escape(span.text)}</strong>"
    if isinstance(span, Math):
        return to_mathml(span.expr, display=False)
    return html.escape(str(span))


def _block_html(block: Block) -> str:
    if isinstance(block, Paragraph):
        css = f' class="{html.escape(block.kind)}"' if block.kind else ""
        return f"<p{css}>" + "".join(_span_html(s) for s in block.spans) + "</p>"
    if isinstance(block, Table):
        numeric = [all(_NUMBER.match(row[c].strip()) for row in block.rows if row[c].strip()) for c in
                   range(len(block.header))]  # fmt: skip
        out = ["<table>"]
        if block.caption:
            out.append(f"<caption>{html.escape(block.caption)}</caption>")
        out.append("<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in block.header) + "</tr>")
        for row in block.rows:
            cells = (f'<td class="num">{html.escape(c)}</td>' if numeric[i] else f"<td>{html.escape(c)}</td>"
                     for i, c in enumerate(row))  # fmt: skip
            out.append("<tr>" + "".join(cells) + "</tr>")
        return "\n".join(out + ["</table>"])
    if isinstance(block, Figure):
        images = []
        for image in block.images:
            width = f' width="{int(image.width)}"' if image.width else ""
            images.append(f'<img src="{html.escape(image.path)}" alt="{html.escape(image.alt)}"{width}>')
        caption = f"<figcaption>{html.escape(block.caption)}</figcaption>" if block.caption else ""
        return f'<figure><div class="images">{"".join(images)}</div>{caption}</figure>'
    if isinstance(block, Preformatted):
        return f"<pre>{html.escape(block.text)}</pre>"
    if isinstance(block, DerivationBlock):
        d = block.derivation
        opened = " open" if block.open else ""
        return (f'<details class="derivation-box"{opened}><summary>Derivation: {html.escape(d.title)}</summary>\n'
                f"{derivation_html(d, heading=4)}</details>")  # fmt: skip
    raise TypeError(f"report: cannot write a {type(block).__name__} block")


def to_html(report: Report) -> str:
    """The report as one HTML page: inline CSS, MathML, images by relative path; no script, no address
    outside the report's folder."""
    toc = "".join(f'<li><a href="#{html.escape(s.key)}">{html.escape(s.title)}</a></li>' for s in report.sections)
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{html.escape(report.title)}</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
           f"<h1>{html.escape(report.title)}</h1>"]  # fmt: skip
    out += [_block_html(b) for b in report.intro]
    out.append(f"<nav><ol>{toc}</ol></nav>")
    for number, section in enumerate(report.sections, 1):
        out.append(f'<section id="{html.escape(section.key)}">')
        out.append(f"<h2>{number}. {html.escape(section.title)}</h2>")
        out += [_block_html(b) for b in section.blocks]
        out.append("</section>")
    out.append("<footer>" + "<br>".join(html.escape(line) for line in report.footer) + "</footer>")
    return "\n".join(out + ["</body>", "</html>"]) + "\n"


# ---- Markdown -----------------------------------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|$])")


def _md(text: str) -> str:
    """Escape text for Markdown: every character with a meaning gets a backslash (``<`` as well, so no HTML
    passes through); a ``-``, ``+`` or digit-dot at the start of a line cannot start a list."""
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    return re.sub(r"(?m)^(\s*)([-+]|\d+\.)(\s)", lambda m: m.group(1) + "\\" + m.group(2) + m.group(3), escaped)


def _md_code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    return f"{fence}{text.replace(chr(10), ' ')}{fence}"


def _latex(expr: Any) -> str:
    chain = expr if isinstance(expr, tuple) else (expr,)
    return " = ".join(sp.latex(e) for e in chain)


def _span_markdown(span: Span) -> str:
    if isinstance(span, Code):
        return _md_code(span.text)
    if isinstance(span, Strong):
        return f"**{_md(span.text)}**"
    if isinstance(span, Math):
        return f"${_latex(span.expr)}$"
    return _md(str(span))


def _block_markdown(block: Block) -> str:
    if isinstance(block, Paragraph):
        text = "".join(_span_markdown(s) for s in block.spans)
        return f"> {text}" if block.kind == "note" else text
    if isinstance(block, Table):
        def row(cells: Sequence[str]) -> str:
            return "| " + " | ".join(_md(c).replace("\n", " ") for c in cells) + " |"

        lines = [row(block.header), "|" + "---|" * len(block.header), *(row(r) for r in block.rows)]
        return "\n".join(lines + ([f"\n*{_md(block.caption)}*"] if block.caption else []))
    if isinstance(block, Figure):
        images = " ".join(f"![{_md(i.alt)}]({_md_path(i.path)})" for i in block.images)
        return images + (f"\n\n*{_md(block.caption)}*" if block.caption else "")
    if isinstance(block, Preformatted):
        fence = "~~~~" if "```" in block.text else "```"
        return f"{fence}text\n{block.text}\n{fence}"
    if isinstance(block, DerivationBlock):
        return derivation_markdown(block.derivation).replace("### ", "#### ", 1)
    raise TypeError(f"report: cannot write a {type(block).__name__} block")


def _md_path(path: str) -> str:
    return path.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def to_markdown(report: Report) -> str:
    """The report in Markdown (GitHub's, with ``$…$`` math), the same sections and pictures as the page."""
    out = [f"# {_md(report.title)}", ""]
    out += [_block_markdown(b) + "\n" for b in report.intro]
    for number, section in enumerate(report.sections, 1):
        out += [f"## {number}. {_md(section.title)}", ""]
        out += [_block_markdown(b) + "\n" for b in section.blocks]
    out += ["---", "", *(_md(line) + "  " for line in report.footer)]
    return "\n".join(out).rstrip() + "\n"
