"""Lazy package attributes (PEP 562), so that ``import tinygrad_cnn`` and the command line's ``--help`` do
not load NumPy, SymPy or Matplotlib until a name that needs them is used.

Examples:
    >>> getattr_, dir_ = lazy_exports("json", {"dumps": "json"})   # as a package's __getattr__ and __dir__
    >>> getattr_("dumps")([1]), dir_()
    ('[1]', ['dumps'])
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``: ``exports`` maps a public name to the module that
    defines it (absolute, or relative to ``package`` with a leading dot). A name that is itself a
    submodule maps to that submodule."""

    def __getattr__(name: str) -> Any:
        where = exports.get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(where, package)
        value = module if module.__name__.rpartition(".")[2] == name and not hasattr(module, name) else getattr(
            module, name
        )
        return value

    def __dir__() -> list[str]:
        return sorted(exports)

    return __getattr__, __dir__
