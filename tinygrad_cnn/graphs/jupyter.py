"""Jupyter draws graphs inline: a ``Value`` or ``Tensor`` that has a graph, and any ``Module``, display as SVG
(a big graph is cut near the root, a model is drawn as its layers), through IPython's display formatters.

:func:`register` is called when ``tinygrad_cnn`` is imported inside IPython or Jupyter, so nothing needs to be
done by hand; the engine itself knows nothing of drawing. A leaf with no graph keeps its text ``repr``; when
Graphviz's ``dot`` is missing the text ``repr`` is shown, with a warning saying how to install it.

Examples:
    >>> from IPython.core.interactiveshell import InteractiveShell
    >>> from tinygrad_cnn import Value
    >>> shell = InteractiveShell.instance()
    >>> register(shell)
    True
    >>> formats, _ = shell.display_formatter.format(Value(2.0) * 3)
    >>> sorted(formats)
    ['image/svg+xml', 'text/plain']
    >>> formats, _ = shell.display_formatter.format(Value(2.0))   # a leaf: its numbers, as text
    >>> sorted(formats)
    ['text/plain']
"""

from __future__ import annotations

from typing import Any

from .. import nn
from ..engine.tensor import Tensor
from ..engine.value import Value
from .api import repr_svg

__all__ = ["register"]


def register(shell: Any = None) -> bool:
    """Register :func:`~tinygrad_cnn.graphs.api.repr_svg` as the SVG formatter of ``Value``, ``Tensor`` and
    ``Module`` in ``shell`` (default: the running IPython, if any). Returns whether there was a shell."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - only reached where IPython is absent
            return False
        shell = get_ipython()
        if shell is None:
            return False
    formatter = shell.display_formatter.formatters["image/svg+xml"]
    for kind in (Value, Tensor, nn.Module):
        formatter.for_type(kind, repr_svg)
    return True
