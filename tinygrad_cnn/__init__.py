"""tinygrad_cnn: convolutional networks from first principles.

Two autograd engines (a scalar :class:`Value` and a NumPy :class:`Tensor`) sharing one iterative
backward walk, with gradient checking built in.
"""

from .autograd import enable_grad, is_grad_enabled, no_grad
from .gradcheck import GradcheckError, gradcheck
from .rng import manual_seed
from .tensor import (
    Tensor,
    arange,
    cat,
    eye,
    full,
    matmul,
    maximum,
    minimum,
    ones,
    ones_like,
    rand,
    randn,
    stack,
    tensor,
    where,
    zeros,
    zeros_like,
)  # fmt: skip
from .value import Value, grad

__all__ = [
    "Value", "grad", "Tensor", "tensor", "zeros", "ones", "full", "arange", "eye", "randn", "rand",
    "zeros_like", "ones_like", "cat", "stack", "where", "maximum", "minimum", "matmul",
    "no_grad", "enable_grad", "is_grad_enabled", "manual_seed", "gradcheck", "GradcheckError",
]  # fmt: skip
__version__ = "0.1.0"
