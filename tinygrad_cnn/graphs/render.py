"""The third layer of drawing: DOT text to SVG, PNG or PDF through Graphviz, written atomically.

Rendering needs the ``graphviz`` Python package and Graphviz's ``dot`` program. When ``dot`` is missing,
:func:`render_to` writes the DOT text beside the requested file (``picture.png`` -> ``picture.dot``), so
nothing is lost, and raises :class:`GraphvizNotFound`, whose message says how to install Graphviz.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..files import write_bytes, write_text

__all__ = ["FORMATS", "GraphvizNotFound", "render_to", "pipe", "check_format", "INSTALL_HINT"]

FORMATS = ("svg", "png", "pdf", "dot")
INSTALL_HINT = (
    "install Graphviz: `sudo apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS), "
    "`conda install graphviz`, or https://graphviz.org/download"
)


class GraphvizNotFound(OSError):
    """Graphviz's ``dot`` program (or the ``graphviz`` Python package) is not available."""


def check_format(format: str | None, path: str | os.PathLike | None = None) -> str:  # noqa: A002 (the natural name)
    """The output format: ``format`` if given, else the file's extension; one of :data:`FORMATS`."""
    if format is None:
        suffix = Path(path).suffix.lower().lstrip(".") if path is not None else ""
        format = suffix or "svg"
        if format == "gv":
            format = "dot"
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    return format


def pipe(source: str, format: str) -> bytes:  # noqa: A002
    """Run ``dot -T<format>`` on ``source`` and return its output."""
    try:
        import graphviz
    except ImportError:  # a declared dependency, but say what to do if it is gone
        raise GraphvizNotFound("the graphviz Python package is not installed: `pip install graphviz`, and "
                               + INSTALL_HINT) from None  # fmt: skip
    try:
        return graphviz.Source(source).pipe(format=format)
    except graphviz.ExecutableNotFound:
        raise GraphvizNotFound(f"Graphviz's `dot` program was not found on PATH; {INSTALL_HINT}") from None
    except graphviz.CalledProcessError as error:
        detail = (error.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"Graphviz's dot failed: {detail[-1] if detail else error}") from None


def render_to(source: str, path: str | os.PathLike, format: str | None = None) -> Path:  # noqa: A002
    """Write ``source`` rendered as ``format`` (default: the extension of ``path``) to ``path``, atomically.

    ``format="dot"`` writes the text itself. If Graphviz is missing, the DOT text goes to ``path`` with the
    suffix ``.dot`` and :class:`GraphvizNotFound` says where it is and how to install Graphviz.
    """
    format = check_format(format, path)
    path = Path(path)
    folder = path.resolve().parent
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write {path}: the folder {folder} does not exist")
    if format == "dot":
        _write(path, source)
        return path
    try:
        data = pipe(source, format)
    except GraphvizNotFound as error:
        fallback = path.with_suffix(".dot")
        _write(fallback, source)
        raise GraphvizNotFound(f"{path} was not drawn: {error}. The graph was saved as {fallback}; "
                               f"render it later with `dot -T{format} {fallback} -o {path}`") from None  # fmt: skip
    _write(path, data)
    return path


def _write(path: Path, content: str | bytes) -> None:
    try:
        if isinstance(content, str):
            write_text(path, content)
        else:
            write_bytes(path, content)
    except OSError as error:
        reason = error.strerror or str(error)
        raise type(error)(f"cannot write {path}: {reason}") from None
