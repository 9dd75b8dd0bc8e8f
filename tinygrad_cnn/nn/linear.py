"""The dense layer ``y = x W^T + b``: every output connected to every input (no locality, no sharing).

Examples:
    >>> import numpy as np
    >>> fc = Linear(1024, 100, generator=np.random.default_rng(0))
    >>> fc
    Linear(in_features=1024, out_features=100, bias=True)  # weight (100, 1024), bias (100,): 102,500 parameters
    >>> fc(Tensor(np.zeros((2, 1024), dtype=np.float32))).shape
    (2, 100)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..engine.args import check_allocation, flag, float_dtype, positive_int
from ..engine.tensor import Tensor
from . import functional as F
from . import init
from .module import Module, Parameter

__all__ = ["Linear", "Identity"]


class Linear(Module):
    """``Linear(in_features, out_features, bias=True)``: weight ``(out, in)`` and bias ``(out,)``, both
    initialised ~ U(-1/sqrt(in), 1/sqrt(in)) as in PyTorch. Input ``(*, in)``, output ``(*, out)``."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        dtype: Any = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.in_features = positive_int(name, "in_features", in_features)
        self.out_features = positive_int(name, "out_features", out_features)
        dtype = float_dtype(name, dtype)
        check_allocation(name, "the weight", (self.out_features, self.in_features), dtype)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dtype))
        bias = flag(name, "bias", bias)
        self.register_parameter("bias", Parameter(np.empty(self.out_features, dtype=dtype)) if bias else None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias, layer=f"Linear({self.in_features}, {self.out_features})")

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """Returns its input (a placeholder, e.g. for a layer switched off)."""

    def forward(self, x: Any) -> Any:
        return x
