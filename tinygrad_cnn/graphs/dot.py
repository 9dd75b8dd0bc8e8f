"""The second layer of drawing: DOT text, written by hand, with no dependency.

:class:`Dot` collects graph attributes, nodes, edges and clusters in the order they are added and writes
them in that order, so the same calls always give byte-for-byte the same text. Every attribute value is
quoted and escaped here (quotes, backslashes, line breaks, control characters), so a user's label can never
break the file; :func:`record_field` also escapes the characters that structure a record label.

Examples:
    >>> dot = Dot(rankdir="LR")
    >>> dot.node("a", label='say "hi"')
    >>> dot.edge("a", "b", label="2×")
    >>> print(dot.source())
    digraph G {
      graph [rankdir="LR"];
      "a" [label="say \\"hi\\""];
      "a" -> "b" [label="2×"];
    }
    <BLANKLINE>
    >>> record_field("{x | y}")
    '\\\\{x \\\\| y\\\\}'
"""

from __future__ import annotations

from typing import Any

__all__ = ["Dot", "Raw", "escape", "record_field", "number"]


class Raw(str):
    """An attribute value that is already escaped DOT text (a record label built from :func:`record_field`)."""

    __slots__ = ()


def escape(text: Any) -> str:
    """``text`` as the inside of a DOT double-quoted string: ``\\`` and ``"`` escaped, a line break as ``\\n``,
    other control characters replaced by ``?``."""
    out = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\r\n", "\n").replace("\n", "\\n")
    return "".join(c if c >= " " or c == "\t" else "?" for c in out)


def record_field(text: Any) -> str:
    """One field of a ``shape=record`` label: :func:`escape`, then ``{ } | < >`` escaped too."""
    out = escape(text)
    for c in "{}|<>":
        out = out.replace(c, "\\" + c)
    return out


def number(x: Any, digits: int = 4) -> str:
    """A number for a label: ``digits`` significant digits, integers without a decimal point.

    Examples:
        >>> number(2.0), number(-0.123456), number(123456.0), number(float("inf"))
        ('2', '-0.1235', '1.235e+05', 'inf')
    """
    try:
        value = float(x)
    except TypeError:  # a create_graph gradient is a Value: its number
        value = float(x.data)
    if value == 0:
        return "0"  # also -0.0
    return f"{value:.{digits}g}"


def _attributes(attrs: dict[str, Any]) -> str:
    parts = []
    for key, value in attrs.items():
        if value is None:
            continue
        text = value if isinstance(value, Raw) else escape(value)
        parts.append(f'{key}="{text}"')
    return f" [{', '.join(parts)}]" if parts else ""


class Dot:
    """A directed graph as DOT text. Keyword arguments are graph attributes (``rankdir="LR"``)."""

    def __init__(self, name: str = "G", *, node_defaults: dict[str, Any] | None = None,
                 edge_defaults: dict[str, Any] | None = None, **graph_attrs: Any) -> None:  # fmt: skip
        self.name = name
        self.graph_attrs = dict(graph_attrs)
        self.node_defaults = dict(node_defaults or {})
        self.edge_defaults = dict(edge_defaults or {})
        self._lines: list[str] = []
        self.node_count = 0
        self.edge_count = 0

    def node(self, node_id: str, **attrs: Any) -> None:
        self._lines.append(f'"{escape(node_id)}"{_attributes(attrs)};')
        self.node_count += 1

    def edge(self, source: str, target: str, **attrs: Any) -> None:
        self._lines.append(f'"{escape(source)}" -> "{escape(target)}"{_attributes(attrs)};')
        self.edge_count += 1

    def subgraph(self, sub: Dot, cluster: bool = True) -> None:
        """Add ``sub`` (its nodes, edges and attributes) as a subgraph; a cluster is drawn in a box."""
        name = f"cluster_{sub.name}" if cluster else sub.name
        self._lines.append(f'subgraph "{escape(name)}" {{')
        self._lines.extend("  " + line for line in sub._body())
        self._lines.append("}")
        self.node_count += sub.node_count
        self.edge_count += sub.edge_count

    def same_rank(self, node_ids: list[str], ordered: bool = False) -> None:
        """Keep ``node_ids`` in one row (one column with ``rankdir="LR"``); ``ordered`` keeps them in the
        given order, with invisible edges between neighbours."""
        names = "; ".join(f'"{escape(n)}"' for n in node_ids)
        self._lines.append(f"{{ rank=same; {names} }}")
        if ordered and len(node_ids) > 1:
            chain = " -> ".join(f'"{escape(n)}"' for n in node_ids)
            self._lines.append(f'{chain} [style="invis"];')

    def _body(self) -> list[str]:
        lines = []
        if self.graph_attrs:
            lines.append(f"graph{_attributes(self.graph_attrs)};")
        if self.node_defaults:
            lines.append(f"node{_attributes(self.node_defaults)};")
        if self.edge_defaults:
            lines.append(f"edge{_attributes(self.edge_defaults)};")
        return lines + self._lines

    def source(self) -> str:
        """The DOT text, ending with a newline."""
        body = "".join(f"  {line}\n" for line in self._body())
        return f'digraph {self.name} {{\n{body}}}\n'
