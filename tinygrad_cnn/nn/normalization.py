"""Batch normalisation layers: learned scale ``weight`` (γ) and shift ``bias`` (β) per channel, plus the
running estimates of each channel's mean and variance that evaluation uses (the arithmetic is
:func:`tinygrad_cnn.normalization.batch_norm`).

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

from .._args import check_input, float_dtype, positive_int
from ..normalization import batch_norm
from ..tensor import Tensor
from .module import Module, Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d"]


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
