"""tinygrad_cnn: convolutional networks from first principles.

Two autograd engines (a scalar :class:`Value` and a NumPy :class:`Tensor`) share one iterative backward
walk; convolution is built on the tensor engine as windows (locality) × one shared weight matrix
(sharing); ``nn``, ``optim`` and ``functional`` follow PyTorch's names; ``gradcheck`` checks it all.

The package's folders are the bands of its architecture, each importing only from the ones below it:
``engine`` (autograd, ``Value``, ``Tensor``, primitives), ``conv`` (windows × shared weights, pooling, loop
oracles), ``nn``, ``optim``, ``models``, ``graphs``, ``data``, ``train``, and the command line on top.
Names are loaded on first use, so ``import tinygrad_cnn`` and ``tinygrad-cnn --help`` stay fast.

Examples:
    >>> from tinygrad_cnn import Tensor, Value
    >>> (Value(2.0) * 3).data, Tensor([1.0, 2.0]).sum().item()
    (6.0, 3.0)
"""

import sys

from ._lazy import lazy_exports

__version__ = "0.1.0"

_ENGINE = ".engine"
__all__ = [
    "Value", "grad", "Tensor", "tensor", "zeros", "ones", "full", "arange", "eye", "randn", "rand",
    "zeros_like", "ones_like", "cat", "stack", "where", "maximum", "minimum", "matmul",
    "no_grad", "enable_grad", "is_grad_enabled", "manual_seed", "gradcheck", "GradcheckError",
    "functional", "nn", "optim", "lr_scheduler", "save", "load", "load_metadata",
]  # fmt: skip
__getattr__, __dir__ = lazy_exports(__name__, {
    **{name: _ENGINE for name in __all__[:25]},
    "functional": ".functional", "nn": ".nn", "optim": ".optim", "lr_scheduler": ".optim.lr_scheduler",
    "save": ".serialization", "load": ".serialization", "load_metadata": ".serialization",
    "shapes": ".shapes", "files": ".files", "engine": ".engine", "conv": ".conv", "models": ".models",
    "serialization": ".serialization", "graphs": ".graphs", "data": ".data", "train": ".train",
})  # fmt: skip

if "IPython" in sys.modules:  # inside IPython or Jupyter: graphs and models display themselves as SVG
    from .graphs.jupyter import register as _register_display

    _register_display()
