"""tinygrad_cnn: convolutional networks from first principles.

Two autograd engines (a scalar :class:`Value` and a NumPy :class:`Tensor`) share one iterative backward
walk; convolution is built on the tensor engine as windows (locality) × one shared weight matrix
(sharing); ``nn``, ``optim`` and ``functional`` follow PyTorch's names; ``gradcheck`` checks it all.
"""

from . import functional, lr_scheduler, nn, optim
from .autograd import enable_grad, is_grad_enabled, no_grad
from .gradient_check import GradcheckError, gradcheck
from .rng import manual_seed
from .serialization import load, load_metadata, save
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
    "functional", "nn", "optim", "lr_scheduler", "save", "load", "load_metadata",
]  # fmt: skip
__version__ = "0.1.0"
