"""The list of derivations: one explicit tuple, in the lecture's order. Add a derivation by adding its
module's ``DERIVATION`` here (and nowhere else: nothing registers itself on import).

Examples:
    >>> names()[:3]
    ('dense_parameters', 'locality', 'parameter_sharing')
    >>> get("dense_parameters").title
    'Parameters of a dense layer'
"""

from __future__ import annotations

from .core import Derivation
from .results import (
    architectures,
    conv_arithmetic,
    conv_backprop,
    conv_output,
    dense,
    edge_detection,
    locality,
    macs,
    pool_output,
    receptive_field,
    sharing,
    translation_equivariance,
)

__all__ = ["names", "get", "all"]

DERIVATIONS: tuple[Derivation, ...] = (
    dense.DERIVATION,
    locality.DERIVATION,
    sharing.DERIVATION,
    translation_equivariance.DERIVATION,
    macs.DERIVATION,
    edge_detection.DERIVATION,
    conv_output.DERIVATION,
    conv_arithmetic.DERIVATION,
    pool_output.DERIVATION,
    receptive_field.DERIVATION,
    conv_backprop.DERIVATION,
    architectures.DERIVATION,
)

_BY_NAME = {d.name: d for d in DERIVATIONS}
if len(_BY_NAME) != len(DERIVATIONS):
    raise ValueError(f"derivations: duplicate names in {[d.name for d in DERIVATIONS]}")


def names() -> tuple[str, ...]:
    """The registered names, in the lecture's order."""
    return tuple(_BY_NAME)


def get(name: str) -> Derivation:
    """The derivation called ``name``; ``KeyError`` listing the names if there is none."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no derivation {name!r}; known: {', '.join(_BY_NAME)}") from None


def all() -> tuple[Derivation, ...]:  # noqa: A001 (the package's documented name, shadowing the builtin here only)
    """Every registered derivation, in the lecture's order."""
    return DERIVATIONS
