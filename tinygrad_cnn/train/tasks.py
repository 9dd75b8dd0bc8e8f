"""The tasks ``tinygrad-cnn train TASK`` knows, named with the standard library only (so ``--help`` stays
fast): each maps to the ``"module:attribute"`` of its :class:`~tinygrad_cnn.train.recipes.Task` and one line
of help. A new task (the Ising model's, say) is one more entry here pointing at its own ``Task``.

Examples:
    >>> sorted(TASKS)
    ['digits', 'edges', 'ising', 'mnist1d']
"""

from __future__ import annotations

__all__ = ["TASKS"]

TASKS: dict[str, tuple[str, str]] = {
    "digits": ("tinygrad_cnn.train.recipes:DIGITS", "8×8 handwritten digits (bundled): a 1,370-parameter CNN"),
    "mnist1d": ("tinygrad_cnn.train.recipes:MNIST1D", "MNIST-1D signals (generated offline): the paper's recipe"),
    "edges": ("tinygrad_cnn.train.recipes:EDGES", "edge maps by regression: one 3×3 conv learns Sobel's kernel"),
    "ising": ("tinygrad_cnn.train.ising_cli:run", "the 2-D Ising model's T_c from a 98-parameter circular CNN"),
}
