"""Batch normalisation as a function: standardise each channel over the batch (and positions), then
scale and shift it:

    y = (x − mean) / sqrt(var + eps) · γ + β

In training ``mean`` and ``var`` (biased, ``1/n``) come from the batch, and the running estimates are
updated in place: ``running = (1 − momentum) · running + momentum · batch_statistic``, with the *unbiased*
variance (``1/(n−1)``) for ``running_var``, as PyTorch does. Otherwise the running estimates are used.
The layers :class:`tinygrad_cnn.nn.BatchNorm1d` / ``BatchNorm2d`` hold γ, β and the running estimates.
"""

from __future__ import annotations

from .tensor import Tensor

__all__ = ["batch_norm"]


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
