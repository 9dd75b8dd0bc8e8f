"""The engines: one iterative backward walk (:mod:`.autograd`) shared by a scalar :class:`Value` and a NumPy
:class:`Tensor` whose primitives and gradient rules are in :mod:`.ops`; window views (:mod:`.windows`) and
the windows' maxima (:mod:`.window_max`), tensor factories (:mod:`.creation`), the seedable generator
(:mod:`.rng`) and :func:`gradcheck`."""

from .autograd import enable_grad, is_grad_enabled, no_grad
from .creation import arange, eye, full, ones, ones_like, rand, randn, tensor, zeros, zeros_like
from .gradient_check import GradcheckError, gradcheck
from .rng import manual_seed
from .tensor import Tensor, cat, matmul, maximum, minimum, stack, where
from .value import Value, grad

__all__ = [
    "Value", "grad", "Tensor", "tensor", "zeros", "ones", "full", "arange", "eye", "randn", "rand",
    "zeros_like", "ones_like", "cat", "stack", "where", "maximum", "minimum", "matmul",
    "no_grad", "enable_grad", "is_grad_enabled", "manual_seed", "gradcheck", "GradcheckError",
]  # fmt: skip
