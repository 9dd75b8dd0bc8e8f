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

from ..conv.convolution import IntOrTuple, conv, conv_transpose, fold, pad_spatial, unfold
from ..conv.pooling import adaptive_avg_pool, avg_pool, max_pool
from ..dims import for_dims
from ..engine.args import one_of, probability
from ..engine.rng import default_generator
from ..engine.tensor import Tensor
from .loss_functions import binary_cross_entropy_with_logits, cross_entropy, mse_loss, nll_loss
from .normalization import batch_norm

__all__ = [
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "unfold", "fold", "pad",
    "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
    "linear", "relu", "tanh", "sigmoid", "softmax", "log_softmax", "dropout", "batch_norm",
    "cross_entropy", "nll_loss", "mse_loss", "binary_cross_entropy_with_logits",
]  # fmt: skip


def _check_weight(name: str, weight: Tensor, dims: int) -> None:
    if weight.ndim != dims + 2:
        raise ValueError(f"{name}: weight must have {dims + 2} dims (C_out, C_in/groups, *kernel), got {weight.shape}")


# ---- the N-d functions; PyTorch's per-dimension names below are made from them ----


def _convnd(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
            padding: IntOrTuple | str = 0, dilation: IntOrTuple = 1, groups: int = 1,
            padding_mode: str = "zeros", *, dims: int, layer: str | None = None) -> Tensor:  # fmt: skip
    _check_weight(layer or f"conv{dims}d", weight, dims)
    return conv(input, weight, bias, stride, padding, dilation, groups, padding_mode, layer=layer)


def _conv_transposend(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
                      padding: IntOrTuple = 0, output_padding: IntOrTuple = 0, groups: int = 1,
                      dilation: IntOrTuple = 1, *, dims: int, layer: str | None = None) -> Tensor:  # fmt: skip
    _check_weight(layer or f"conv_transpose{dims}d", weight, dims)
    return conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, layer=layer)


def _max_poolnd(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None = None, padding: IntOrTuple = 0,
                dilation: IntOrTuple = 1, ceil_mode: bool = False, return_indices: bool = False,
                *, dims: int, layer: str | None = None) -> Tensor | tuple[Tensor, Tensor]:  # fmt: skip
    return max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, dims=dims, layer=layer)


def _avg_poolnd(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None = None, padding: IntOrTuple = 0,
                ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int | None = None,
                *, dims: int, layer: str | None = None) -> Tensor:  # fmt: skip
    return avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                    dims=dims, layer=layer)  # fmt: skip


def _adaptive_avg_poolnd(input: Tensor, output_size: IntOrTuple, *, dims: int, layer: str | None = None) -> Tensor:
    return adaptive_avg_pool(input, output_size, dims=dims, layer=layer)


# ---- PyTorch's names, each with its own docstring and example ----

conv1d = for_dims(_convnd, 1, "conv1d", """
    1-D convolution of ``(N, C_in, L)`` with ``(C_out, C_in/groups, k)``:
    ``out[n, o, i] = b[o] + Σ_{c, j} w[o, c, j] · x[n, c, s·i + d·j − p]``.

    Examples:
        >>> conv1d(Tensor([[[1.0, 2.0, 4.0, 8.0]]]), Tensor([[[-1.0, 1.0]]])).tolist()   # x[i+1] − x[i]
        [[[1.0, 2.0, 4.0]]]
    """)

conv2d = for_dims(_convnd, 2, "conv2d", """
    2-D convolution of ``(N, C_in, H, W)`` with ``(C_out, C_in/groups, kH, kW)``; each output side is
    ``⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1``.

    Examples:
        >>> x, w = Tensor(np.zeros((1, 3, 8, 8))), Tensor(np.zeros((16, 3, 3, 3)))
        >>> conv2d(x, w, padding="same").shape, conv2d(x, w, stride=2).shape   # 'same' keeps 8×8; ⌊5/2⌋ + 1 = 3
        ((1, 16, 8, 8), (1, 16, 3, 3))
        >>> conv2d(Tensor(np.zeros((1, 8, 8, 8))), Tensor(np.zeros((8, 1, 3, 3))), groups=8).shape  # depthwise
        (1, 8, 6, 6)
    """)

conv3d = for_dims(_convnd, 3, "conv3d", """
    3-D convolution of ``(N, C_in, D, H, W)`` with ``(C_out, C_in/groups, kD, kH, kW)`` (volumes, videos).

    Examples:
        >>> conv3d(Tensor(np.zeros((1, 1, 4, 8, 8))), Tensor(np.zeros((2, 1, 3, 3, 3))), padding=1).shape
        (1, 2, 4, 8, 8)
    """)

conv_transpose1d = for_dims(_conv_transposend, 1, "conv_transpose1d", """
    1-D transposed convolution; ``weight`` is ``(C_in, C_out/groups, k)``. Each input value adds
    ``value · kernel`` to the output, at steps of ``stride``: length ``(n − 1)s − 2p + d(k − 1) + output_padding + 1``.

    Examples:
        >>> conv_transpose1d(Tensor([[[1.0, 2.0]]]), Tensor([[[1.0, 1.0]]]), stride=2).tolist()   # upsampling
        [[[1.0, 1.0, 2.0, 2.0]]]
    """)

conv_transpose2d = for_dims(_conv_transposend, 2, "conv_transpose2d", """
    2-D transposed convolution (the adjoint of :func:`conv2d`); ``weight`` is ``(C_in, C_out/groups, kH, kW)``.

    Examples:
        >>> x, w = Tensor(np.zeros((1, 4, 5, 5))), Tensor(np.zeros((4, 2, 3, 3)))
        >>> conv_transpose2d(x, w, stride=2, padding=1, output_padding=1).shape   # (5 − 1)·2 − 2 + 3 + 1 = 10
        (1, 2, 10, 10)
    """)

conv_transpose3d = for_dims(_conv_transposend, 3, "conv_transpose3d", """
    3-D transposed convolution; ``weight`` is ``(C_in, C_out/groups, kD, kH, kW)``.

    Examples:
        >>> conv_transpose3d(Tensor(np.zeros((1, 1, 2, 2, 2))), Tensor(np.zeros((1, 1, 2, 2, 2))), stride=2).shape
        (1, 1, 4, 4, 4)
    """)

max_pool1d = for_dims(_max_poolnd, 1, "max_pool1d", """
    The maximum of each window of ``(N, C, L)``; ``stride`` defaults to the kernel size.

    Examples:
        >>> x = Tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]])
        >>> max_pool1d(x, 2).tolist(), max_pool1d(x, 2, ceil_mode=True).tolist()   # ceil_mode keeps the last 4
        ([[[3.0, 5.0]]], [[[3.0, 5.0, 4.0]]])
    """)

max_pool2d = for_dims(_max_poolnd, 2, "max_pool2d", """
    Max over windows of ``(N, C, H, W)``; the gradient goes to the first maximum of each window (row-major).

    Examples:
        >>> x = Tensor([[[[1.0, 4.0], [4.0, 2.0]]]], requires_grad=True)
        >>> max_pool2d(x, 2).sum().backward()
        >>> x.grad.tolist()                   # two maxima: the first one gets the gradient
        [[[[0.0, 1.0], [0.0, 0.0]]]]
        >>> max_pool2d(x, 2, return_indices=True)[1].tolist()   # ... at flat position h·W + w = 1
        [[[[1]]]]
    """)

max_pool3d = for_dims(_max_poolnd, 3, "max_pool3d", """
    The maximum of each window of ``(N, C, D, H, W)``.

    Examples:
        >>> max_pool3d(Tensor(np.zeros((1, 1, 4, 4, 4))), 2).shape
        (1, 1, 2, 2, 2)
    """)

avg_pool1d = for_dims(_avg_poolnd, 1, "avg_pool1d", """
    The mean of each window of ``(N, C, L)``.

    Examples:
        >>> avg_pool1d(Tensor([[[1.0, 2.0, 3.0, 4.0]]]), 2).tolist()
        [[[1.5, 3.5]]]
    """, drop=("divisor_override",))

avg_pool2d = for_dims(_avg_poolnd, 2, "avg_pool2d", """
    The mean of each window of ``(N, C, H, W)``; with ``count_include_pad`` the zero padding counts.

    Examples:
        >>> x = Tensor(np.ones((1, 1, 2, 2)))
        >>> avg_pool2d(x, 2, stride=1, padding=1)[0, 0].tolist()   # a corner window holds 1 value and 3 pads
        [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]]
        >>> avg_pool2d(x, 2, stride=1, padding=1, count_include_pad=False)[0, 0].tolist()
        [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """)

avg_pool3d = for_dims(_avg_poolnd, 3, "avg_pool3d", """
    The mean of each window of ``(N, C, D, H, W)``, or its sum over ``divisor_override``.

    Examples:
        >>> x = Tensor(np.ones((1, 1, 2, 2, 2)))
        >>> avg_pool3d(x, 2).tolist(), avg_pool3d(x, 2, divisor_override=1).tolist()   # mean 1, sum 8
        ([[[[[1.0]]]]], [[[[[8.0]]]]])
    """)

adaptive_avg_pool1d = for_dims(_adaptive_avg_poolnd, 1, "adaptive_avg_pool1d", """
    Average ``(N, C, L)`` into ``output_size`` bins ``[⌊i·L/m⌋, ⌈(i+1)·L/m⌉)``, whatever ``L`` is.

    Examples:
        >>> adaptive_avg_pool1d(Tensor([[[1.0, 2.0, 3.0, 4.0, 5.0]]]), 2).tolist()   # bins [0, 3) and [2, 5) overlap
        [[[2.0, 4.0]]]
    """)

adaptive_avg_pool2d = for_dims(_adaptive_avg_poolnd, 2, "adaptive_avg_pool2d", """
    Average ``(N, C, H, W)`` into an ``output_size`` grid of bins; ``output_size=1`` is global average pooling.

    Examples:
        >>> [adaptive_avg_pool2d(Tensor(np.zeros((1, 3, n, n))), 1).shape for n in (7, 13)]   # any input size
        [(1, 3, 1, 1), (1, 3, 1, 1)]
    """)

adaptive_avg_pool3d = for_dims(_adaptive_avg_poolnd, 3, "adaptive_avg_pool3d", """
    Average ``(N, C, D, H, W)`` into an ``output_size`` grid of bins (``None`` keeps an axis).

    Examples:
        >>> adaptive_avg_pool3d(Tensor(np.ones((1, 2, 3, 5, 4))), (1, None, 2)).shape
        (1, 2, 1, 5, 2)
    """)

__test__ = {f.__name__: f for f in (  # doctest runs the made functions' examples too
    conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, max_pool1d, max_pool2d, max_pool3d,
    avg_pool1d, avg_pool2d, avg_pool3d, adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d,
)}  # fmt: skip




_PAD_MODES = {"constant": "zeros", "circular": "circular", "reflect": "reflect", "replicate": "replicate"}


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """``torch.nn.functional.pad``: ``pad`` lists (left, right) pairs starting from the **last** dim.

    Examples:
        >>> pad(Tensor([[1.0, 2.0, 3.0]]), (2, 1), mode="circular").numpy()
        array([[2., 3., 1., 2., 3., 1.]], dtype=float32)
    """
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: needs (left, right) pairs for at most {input.ndim} dims, got {tuple(pad)}")
    one_of("pad", "mode", mode, tuple(_PAD_MODES))
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


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None, *, layer: str | None = None) -> Tensor:
    """``x W^T + b`` with ``weight`` of shape ``(out_features, in_features)``, as ``torch.nn.Linear``.

    Examples:
        >>> linear(Tensor([[1.0, 2.0]]), Tensor([[1.0, 1.0], [1.0, -1.0]]), Tensor([0.0, 10.0])).tolist()
        [[3.0, 9.0]]
    """
    name = layer or "linear"
    if not isinstance(input, Tensor):
        raise TypeError(f"{name} expects a Tensor, got {type(input).__name__}")
    if input.ndim < 1 or weight.ndim != 2:
        raise ValueError(
            f"{name}: needs an input Tensor of shape (..., in_features) and a weight of shape (out, in), got "
            f"{input.shape} and {weight.shape}"
        )
    if input.shape[-1] != weight.shape[-1]:
        hint = " (flatten it first, e.g. with nn.Flatten())" if input.ndim > 2 else ""
        raise ValueError(
            f"{name} expects inputs with {weight.shape[-1]} features in the last dim (weight {weight.shape}), "
            f"got input of shape {input.shape}{hint}"
        )
    out = input @ weight.T
    return out + bias if bias is not None else out


def relu(input: Tensor) -> Tensor:
    """``max(x, 0)`` elementwise.

    Examples:
        >>> relu(Tensor([-1.0, 0.0, 2.0])).tolist()
        [0.0, 0.0, 2.0]
    """
    return input.relu()


def tanh(input: Tensor) -> Tensor:
    """``tanh(x) = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ)``, odd and bounded by ±1.

    Examples:
        >>> [round(v, 4) for v in tanh(Tensor([-100.0, 0.0, 0.5])).tolist()]
        [-1.0, 0.0, 0.4621]
    """
    return input.tanh()


def sigmoid(input: Tensor) -> Tensor:
    """``σ(x) = 1/(1 + e⁻ˣ)``, computed without overflow.

    Examples:
        >>> sigmoid(Tensor([-1000.0, 0.0, 1000.0])).tolist()
        [0.0, 0.5, 1.0]
    """
    return input.sigmoid()


def softmax(input: Tensor, dim: int) -> Tensor:
    """``exp(x_i) / Σ_j exp(x_j)`` along ``dim``; it only sees differences, so huge logits are fine.

    Examples:
        >>> softmax(Tensor([[1000.0, 1000.0], [0.0, 0.0]]), dim=1).tolist()
        [[0.5, 0.5], [0.5, 0.5]]
    """
    return input.softmax(dim)


def log_softmax(input: Tensor, dim: int) -> Tensor:
    """``x_i − log Σ_j exp(x_j)`` along ``dim`` (the log-probabilities that ``nll_loss`` takes).

    Examples:
        >>> [round(v, 4) for v in log_softmax(Tensor([1000.0, 1000.0]), dim=0).tolist()]   # log ½
        [-0.6931, -0.6931]
    """
    return input.log_softmax(dim)


def dropout(
    input: Tensor, p: float = 0.5, training: bool = True, generator: np.random.Generator | None = None
) -> Tensor:
    """Zero each value with probability ``p`` and scale the rest by 1/(1−p); identity when not training.

    Examples:
        >>> x = Tensor(np.ones(8))
        >>> dropout(x, p=0.5, generator=np.random.default_rng(0)).tolist()   # survivors scaled by 1/(1 − p) = 2
        [2.0, 0.0, 0.0, 0.0, 2.0, 2.0, 2.0, 2.0]
        >>> dropout(x, p=0.5, training=False) is x
        True
    """
    p = probability("dropout", "p", p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = (generator or default_generator()).random(input.shape) >= p
    return input * Tensor((keep / (1.0 - p)).astype(input.dtype))
