"""Reading back the DOT text that ``tinygrad_cnn.graphs`` writes (one statement per line), for the graph tests.

Only what the writer produces is understood: node statements, edge statements (chains of invisible
ordering edges are skipped), subgraph brackets (each node and edge remembers its innermost cluster).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ID = r'"((?:[^"\\]|\\.)*)"'
_ATTR = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
_NODE = re.compile(rf"^{_ID}(?: \[(.*)\])?;$")
_EDGE = re.compile(rf"^{_ID} -> {_ID}(?: \[(.*)\])?;$")
_CLUSTER = re.compile(rf"^subgraph {_ID} {{$")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def attributes(text: str | None) -> dict[str, str]:
    return {key: _unescape(value) for key, value in _ATTR.findall(text or "")}


@dataclass
class ParsedDot:
    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    edges: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    cluster_of: dict[str, str] = field(default_factory=dict)  # node id -> innermost cluster name ('' if none)

    def out_edges(self, node: str) -> list[tuple[str, str, dict[str, str]]]:
        return [e for e in self.edges if e[0] == node]

    def in_cluster(self, cluster: str) -> list[tuple[str, str, dict[str, str]]]:
        return [e for e in self.edges if self.cluster_of.get(e[0]) == cluster and self.cluster_of.get(e[1]) == cluster]


def parse(source: str) -> ParsedDot:
    parsed = ParsedDot()
    stack: list[str] = []
    lines = source.splitlines()
    assert lines[0].startswith("digraph ") and lines[-1] == "}", "one digraph"
    for raw in lines[1:-1]:
        line = raw.strip()
        if line.startswith(("graph [", "node [", "edge [", "{ rank=same")):
            continue
        if line.endswith('[style="invis"];') and " -> " in line:
            continue  # ordering chains
        if (m := _CLUSTER.match(line)) is not None:
            stack.append(m.group(1))
            continue
        if line == "}":
            stack.pop()
            continue
        if (m := _EDGE.match(line)) is not None:
            parsed.edges.append((_unescape(m.group(1)), _unescape(m.group(2)), attributes(m.group(3))))
            continue
        m = _NODE.match(line)
        assert m is not None, f"unexpected DOT line: {line!r}"
        name = _unescape(m.group(1))
        parsed.nodes[name] = attributes(m.group(2))
        parsed.cluster_of[name] = stack[-1] if stack else ""
    return parsed


def record_fields(label: str) -> list[str]:
    """The fields of a record label ``{ a | b | c }``."""
    assert label.startswith("{ ") and label.endswith(" }"), label
    return label[2:-2].split(" | ")
