"""PyTorch-style functions (``torch.nn.functional`` names, arguments and NCHW shapes).

Thin wrappers: convolution and pooling live in :mod:`.conv` and :mod:`.pooling`, the losses in
:mod:`.losses`, batch normalisation in :mod:`.normalization`; this module only fixes the number of
spatial dims and PyTorch's signatures.

Examples:
    >>> import numpy as np
    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor(np.ones((1, 3, 8, 8), dtype=np.float32))
    >>> w = Tensor(np.ones((4, 3, 3, 3), dtype=np.float32))
    >>> conv2d(x, w, padding=1).shape, max_pool2d(conv2d(x, w), 2).shape
    ((1, 4, 8, 8), (1, 4, 3, 3))
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .conv import IntOrTuple, conv, conv_transpose, fold, pad_spatial, unfold
from .losses import binary_cross_entropy_with_logits, cross_entropy, mse_loss, nll_loss
from .normalization import batch_norm
from .pooling import adaptive_avg_pool, avg_pool, max_pool
from .rng import default_generator
from .tensor import Tensor

__all__ = [
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "unfold", "fold", "pad",
    "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d",
    "linear", "relu", "tanh", "sigmoid", "softmax", "log_softmax", "dropout", "batch_norm",
    "cross_entropy", "nll_loss", "mse_loss", "binary_cross_entropy_with_logits",
]  # fmt: skip


def _check_weight(name: str, weight: Tensor, dims: int) -> None:
    if weight.ndim != dims + 2:
        raise ValueError(f"{name}: weight must have {dims + 2} dims (C_out, C_in/groups, *kernel), got {weight.shape}")


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
           padding: IntOrTuple | str = 0, dilation: IntOrTuple = 1, groups: int = 1,
           padding_mode: str = "zeros", *, layer: str | None = None) -> Tensor:  # fmt: skip
    """1-D convolution of ``(N, C_in, L)`` with ``(C_out, C_in/groups, k)``."""
    _check_weight(layer or "conv1d", weight, 1)
    return conv(input, weight, bias, stride, padding, dilation, groups, padding_mode, layer=layer)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
           padding: IntOrTuple | str = 0, dilation: IntOrTuple = 1, groups: int = 1,
           padding_mode: str = "zeros", *, layer: str | None = None) -> Tensor:  # fmt: skip
    """2-D convolution of ``(N, C_in, H, W)`` with ``(C_out, C_in/groups, kH, kW)``."""
    _check_weight(layer or "conv2d", weight, 2)
    return conv(input, weight, bias, stride, padding, dilation, groups, padding_mode, layer=layer)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
           padding: IntOrTuple | str = 0, dilation: IntOrTuple = 1, groups: int = 1,
           padding_mode: str = "zeros", *, layer: str | None = None) -> Tensor:  # fmt: skip
    """3-D convolution of ``(N, C_in, D, H, W)`` with ``(C_out, C_in/groups, kD, kH, kW)``."""
    _check_weight(layer or "conv3d", weight, 3)
    return conv(input, weight, bias, stride, padding, dilation, groups, padding_mode, layer=layer)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
                     padding: IntOrTuple = 0, output_padding: IntOrTuple = 0, groups: int = 1,
                     dilation: IntOrTuple = 1, *, layer: str | None = None) -> Tensor:  # fmt: skip
    """1-D transposed convolution; ``weight`` is ``(C_in, C_out/groups, k)``."""
    _check_weight(layer or "conv_transpose1d", weight, 1)
    return conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, layer=layer)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
                     padding: IntOrTuple = 0, output_padding: IntOrTuple = 0, groups: int = 1,
                     dilation: IntOrTuple = 1, *, layer: str | None = None) -> Tensor:  # fmt: skip
    """2-D transposed convolution; ``weight`` is ``(C_in, C_out/groups, kH, kW)``."""
    _check_weight(layer or "conv_transpose2d", weight, 2)
    return conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, layer=layer)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
                     padding: IntOrTuple = 0, output_padding: IntOrTuple = 0, groups: int = 1,
                     dilation: IntOrTuple = 1, *, layer: str | None = None) -> Tensor:  # fmt: skip
    """3-D transposed convolution; ``weight`` is ``(C_in, C_out/groups, kD, kH, kW)``."""
    _check_weight(layer or "conv_transpose3d", weight, 3)
    return conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, layer=layer)


def max_pool1d(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None = None, padding: IntOrTuple = 0,
               dilation: IntOrTuple = 1, ceil_mode: bool = False, *, layer: str | None = None) -> Tensor:  # fmt: skip
    return max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, dims=1, layer=layer)


def max_pool2d(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None = None, padding: IntOrTuple = 0,
               dilation: IntOrTuple = 1, ceil_mode: bool = False, *, layer: str | None = None) -> Tensor:  # fmt: skip
    """Max over windows; the gradient goes to the first maximum of each window (row-major)."""
    return max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, dims=2, layer=layer)


def max_pool3d(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None = None, padding: IntOrTuple = 0,
               dilation: IntOrTuple = 1, ceil_mode: bool = False, *, layer: str | None = None) -> Tensor:  # fmt: skip
    return max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, dims=3, layer=layer)


def avg_pool1d(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None = None, padding: IntOrTuple = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               *, layer: str | None = None) -> Tensor:  # fmt: skip
    return avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, dims=1, layer=layer)


def avg_pool2d(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None = None, padding: IntOrTuple = 0,
               ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int | None = None,
               *, layer: str | None = None) -> Tensor:  # fmt: skip
    return avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                    dims=2, layer=layer)  # fmt: skip


def avg_pool3d(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None = None, padding: IntOrTuple = 0,
               ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int | None = None,
               *, layer: str | None = None) -> Tensor:  # fmt: skip
    return avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                    dims=3, layer=layer)  # fmt: skip


def adaptive_avg_pool1d(input: Tensor, output_size: int) -> Tensor:
    return adaptive_avg_pool(input, output_size, dims=1)


def adaptive_avg_pool2d(input: Tensor, output_size: IntOrTuple) -> Tensor:
    """``output_size=1`` is global average pooling."""
    return adaptive_avg_pool(input, output_size, dims=2)


_PAD_MODES = {"constant": "zeros", "circular": "circular", "reflect": "reflect", "replicate": "replicate"}


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """``torch.nn.functional.pad``: ``pad`` lists (left, right) pairs starting from the **last** dim.

    Examples:
        >>> pad(Tensor([[1.0, 2.0, 3.0]]), (2, 1), mode="circular").numpy()
        array([[2., 3., 1., 2., 3., 1.]], dtype=float32)
    """
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: needs (left, right) pairs for at most {input.ndim} dims, got {tuple(pad)}")
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be one of {tuple(_PAD_MODES)}, got {mode!r}")
    pairs = [(int(pad[i]), int(pad[i + 1])) for i in range(0, len(pad), 2)][::-1]  # first padded dim first
    lead = input.ndim - len(pairs)
    if mode == "constant":
        return input.pad([(0, 0)] * lead + pairs, value=value)
    if lead < 1:
        raise ValueError(f"pad: mode {mode!r} pads at most {input.ndim - 1} trailing dims of shape {input.shape}")
    # pad_spatial pads the dims after the first two: view the leading dims as (batch, channel)
    shape = input.shape
    folded = input.reshape(-1, 1, *shape[lead:]) if lead != 2 else input  # (prod(lead), 1, *padded dims)
    out = pad_spatial(folded, pairs, _PAD_MODES[mode], name="pad")
    return out.reshape(*shape[:lead], *out.shape[2:]) if lead != 2 else out


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x W^T + b`` with ``weight`` of shape ``(out_features, in_features)``, as ``torch.nn.Linear``."""
    if not isinstance(input, Tensor) or input.ndim < 1 or weight.ndim != 2:
        raise ValueError(
            f"linear: needs an input Tensor of shape (..., in_features) and a weight of shape (out, in), got "
            f"{getattr(input, 'shape', type(input).__name__)} and {weight.shape}"
        )
    if input.shape[-1] != weight.shape[-1]:
        raise ValueError(
            f"linear: weight of shape {weight.shape} expects {weight.shape[-1]} input features, "
            f"got input of shape {input.shape}"
        )
    out = input @ weight.T
    return out + bias if bias is not None else out


def relu(input: Tensor) -> Tensor:
    return input.relu()


def tanh(input: Tensor) -> Tensor:
    return input.tanh()


def sigmoid(input: Tensor) -> Tensor:
    return input.sigmoid()


def softmax(input: Tensor, dim: int) -> Tensor:
    return input.softmax(dim)


def log_softmax(input: Tensor, dim: int) -> Tensor:
    return input.log_softmax(dim)


def dropout(
    input: Tensor, p: float = 0.5, training: bool = True, generator: np.random.Generator | None = None
) -> Tensor:
    """Zero each value with probability ``p`` and scale the rest by 1/(1−p); identity when not training."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = (generator or default_generator()).random(input.shape) >= p
    return input * Tensor((keep / (1.0 - p)).astype(input.dtype))
