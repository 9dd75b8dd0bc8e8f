"""Batch normalisation layers: learned scale ``weight`` (γ) and shift ``bias`` (β) per channel, plus the
running estimates of each channel's mean and variance that evaluation uses (the arithmetic is
:func:`batch_norm` below, also ``functional.batch_norm``).

The function standardises each channel over the batch (and positions), then scales and shifts it:

    y = (x − mean) / sqrt(var + eps) · γ + β

In training ``mean`` and ``var`` (biased, ``1/n``) come from the batch, and the running estimates are
updated in place: ``running = (1 − momentum) · running + momentum · batch_statistic``, with the *unbiased*
variance (``1/(n−1)``) for ``running_var``, as PyTorch does. Otherwise the running estimates are used.

Examples:
    >>> import numpy as np
    >>> from tinygrad_cnn import Tensor
    >>> bn = BatchNorm1d(2)
    >>> y = bn(Tensor([[1.0, 10.0], [3.0, 30.0]]))
    >>> y.numpy().round(3).tolist()
    [[-1.0, -1.0], [1.0, 1.0]]
    >>> bn.running_mean.tolist(), bn.running_var.tolist()     # 0.9·0 + 0.1·2, 0.9·1 + 0.1·2 (unbiased)
    ([0.20000000298023224, 2.0], [1.100000023841858, 20.899999618530273])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine.args import check_input, float_dtype, positive_int
from ..engine.tensor import Tensor
from .module import Module, Parameter

__all__ = ["batch_norm", "BatchNorm1d", "BatchNorm2d"]



def batch_norm(
    input: Tensor,  # noqa: A002 (PyTorch's name)
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalisation of ``input`` of shape ``(N, C, *)`` over every dim but the channels (dim 1).

    With ``training``, normalise with the batch statistics and (if given) update ``running_mean`` and
    ``running_var`` in place; otherwise normalise with the running statistics.

    Examples:
        >>> x = Tensor([[0.0], [2.0]])
        >>> batch_norm(x, None, None, training=True).numpy().round(3).tolist()
        [[-1.0], [1.0]]
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expects input of shape (N, C, *), got shape {input.shape}")
    channels = input.shape[1]
    axes = (0, *range(2, input.ndim))  # every dim but the channels
    per_channel = (1, channels) + (1,) * (input.ndim - 2)  # (C,) -> (1, C, 1, ...) to broadcast
    if training:
        count = input.numel() // channels
        if count <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input of shape {input.shape}"
            )
        mean = input.mean(axes, keepdim=True)  # (1, C, 1, ...)
        var = input.var(axes, keepdim=True, correction=0)  # biased: used to normalise
        if running_mean is not None:
            running_mean.data[...] = (1 - momentum) * running_mean.data + momentum * mean.data.reshape(channels)
            running_mean.bump_version()
        if running_var is not None:
            unbiased = var.data.reshape(channels) * (count / (count - 1))
            running_var.data[...] = (1 - momentum) * running_var.data + momentum * unbiased
            running_var.bump_version()
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed when not training")
        mean = Tensor(running_mean.data.reshape(per_channel))
        var = Tensor(running_var.data.reshape(per_channel))
    out = (input - mean) / (var + eps).sqrt()
    if weight is not None:
        out = out * weight.reshape(per_channel)
    if bias is not None:
        out = out + bias.reshape(per_channel)
    return out


class _BatchNorm(Module):
    """``BatchNormNd(num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, *,
    bias=True)``: with ``affine``, a learned scale ``weight`` and (unless ``bias=False``) shift ``bias``.

    ``momentum=None`` makes the running statistics a cumulative average over all batches seen.
    """

    ndims: tuple[int, ...] = ()
    layout = ""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        *,
        bias: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.num_features = positive_int(name, "num_features", num_features)
        if not eps > 0:
            raise ValueError(f"{name}: eps must be positive, got {eps!r}")
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{name}: momentum must be in [0, 1] or None, got {momentum!r}")
        self.eps, self.momentum = float(eps), momentum
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        dtype = float_dtype(name, dtype)
        if self.affine:
            self.weight = Parameter(np.ones(self.num_features, dtype=dtype))
            self.register_parameter("bias", Parameter(np.zeros(self.num_features, dtype=dtype)) if bias else None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(self.num_features, dtype=dtype)))
            self.register_buffer("running_var", Tensor(np.ones(self.num_features, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            for buffer in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(buffer, None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            self.weight.data[...] = 1
            if self.bias is not None:
                self.bias.data[...] = 0

    def forward(self, x: Tensor) -> Tensor:
        check_input(type(self).__name__, x, self.ndims, self.layout, self.num_features)
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data[...] += 1
            if self.momentum is None:  # cumulative moving average
                momentum = 1.0 / int(self.num_batches_tracked.item())
        use_batch_stats = self.training or self.running_mean is None
        keep_running = not self.training or self.track_running_stats
        return batch_norm(
            x,
            self.running_mean if keep_running else None,
            self.running_var if keep_running else None,
            self.weight,
            self.bias,
            training=use_batch_stats,
            momentum=momentum,
            eps=self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of ``(N, C)`` features or ``(N, C, L)`` sequences, per channel ``C``."""

    ndims = (2, 3)
    layout = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of ``(N, C, H, W)`` images, per channel ``C`` (over N, H and W)."""

    ndims = (4,)
    layout = "(N, C, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of ``(N, C, D, H, W)`` volumes, per channel ``C`` (over N, D, H and W)."""

    ndims = (5,)
    layout = "(N, C, D, H, W)"
