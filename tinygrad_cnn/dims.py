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

    slots = _shared_positional(list(inspect.signature(general).parameters.values()), kept)
    keywords = frozenset(p.name for p in kept)
    required = frozenset(p.name for p in kept if p.default is p.empty)  # (no *args or **kwargs: slots is empty)

    def specialized(*args: Any, **kwargs: Any) -> Any:
        given = slots[: len(args)]
        if len(args) <= len(slots) and keywords.issuperset(kwargs) and not kwargs.keys() & given \
                and required <= kwargs.keys() | set(given):  # fmt: skip
            return general(*args, dims=dims, **kwargs)  # the common call, nothing to refuse: no binding (10 µs)
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


def _shared_positional(general: list[inspect.Parameter], kept: list[inspect.Parameter]) -> list[str]:
    """The leading parameters a positional argument fills alike in ``general`` and in the kept signature (none if
    either takes ``*args`` or ``**kwargs``): calls within them can go straight to ``general``."""
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in general):
        return []
    shared = []
    for ours, theirs in zip(general, kept):
        if ours.name != theirs.name or ours.kind not in (ours.POSITIONAL_ONLY, ours.POSITIONAL_OR_KEYWORD):
            break
        shared.append(ours.name)
    return shared
