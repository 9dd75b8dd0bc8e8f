"""PyTorch's per-dimension names (``conv1d``, ``conv2d``, ``conv3d``, ``max_pool2d_reference``, ...) made from
one N-d function each, instead of a hand-written copy per number of dims.

A made function has its own name, docstring (with its own runnable example) and signature: the N-d
function's, without ``dims`` and without the arguments PyTorch leaves out for that dimension (``avg_pool1d``
has no ``divisor_override``). A module that makes them lists them in its ``__test__`` so doctest runs their
examples.

Examples:
    >>> def scale(x, factor=1, *, dims):
    ...     return [x * factor] * dims
    >>> scale2 = for_dims(scale, 2, "scale2", "Two copies of ``x · factor``.")
    >>> scale2(3, factor=2), scale2.__name__, str(inspect.signature(scale2))
    ([6, 6], 'scale2', '(x, factor=1)')
    >>> scale2(3, dims=5)
    Traceback (most recent call last):
    ...
    TypeError: scale2: got an unexpected keyword argument 'dims'
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["for_dims"]


def for_dims(general: Callable[..., Any], dims: int, name: str, doc: str, *, drop: Sequence[str] = ()) -> Callable:
    """``general`` (which takes a keyword ``dims``) with ``dims`` fixed, named ``name``, documented by ``doc``,
    refusing ``dims`` and the arguments in ``drop`` as Python refuses unknown arguments."""
    signature = inspect.signature(general)
    kept = [p for p in signature.parameters.values() if p.name != "dims" and p.name not in drop]
    signature = signature.replace(parameters=kept)

    def specialized(*args: Any, **kwargs: Any) -> Any:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as error:
            raise TypeError(f"{name}: {error}") from None
        return general(*bound.args, dims=dims, **bound.kwargs)

    specialized.__name__ = specialized.__qualname__ = name
    specialized.__doc__ = inspect.cleandoc(doc)
    specialized.__signature__ = signature  # type: ignore[attr-defined]
    specialized.__module__ = general.__module__
    return specialized
