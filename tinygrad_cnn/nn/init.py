"""Weight initialisation, in place, with PyTorch's names and formulas and a seedable ``generator``.

The fans of a weight of shape ``(out, in, *kernel)`` are ``fan_in = in · prod(kernel)`` and
``fan_out = out · prod(kernel)``. Kaiming (He) initialisation keeps the variance of activations through
ReLU layers: ``std = gain / sqrt(fan)``; Xavier (Glorot) balances forward and backward:
``std = gain · sqrt(2 / (fan_in + fan_out))``. A uniform distribution ``U(-b, b)`` with ``b = sqrt(3) · std``
has that standard deviation.

PyTorch's default for ``Linear`` and ``Conv`` layers is ``kaiming_uniform_(w, a=sqrt(5))``, which works out
to ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``.

Examples:
    >>> import numpy as np
    >>> from tinygrad_cnn import Tensor
    >>> w = Tensor(np.empty((4, 25), dtype=np.float32))
    >>> _ = kaiming_uniform_(w, a=5 ** 0.5, generator=np.random.default_rng(0))
    >>> bool(np.abs(w.numpy()).max() <= 1 / 5)       # 1/sqrt(fan_in) = 1/sqrt(25)
    True
"""

from __future__ import annotations

import math

import numpy as np

from ..engine.rng import default_generator
from ..engine.tensor import Tensor

__all__ = [
    "calculate_gain", "fan_in_and_fan_out", "uniform_", "normal_", "constant_", "zeros_", "ones_",
    "kaiming_uniform_", "kaiming_normal_", "xavier_uniform_", "xavier_normal_",
]  # fmt: skip


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor by which a nonlinearity scales the standard deviation to be preserved.

    Examples:
        >>> calculate_gain("relu") == 2 ** 0.5, calculate_gain("tanh")
        (True, 1.6666666666666667)
    """
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(in · prod(kernel), out · prod(kernel))`` for a weight of shape ``(out, in, *kernel)``.

    Examples:
        >>> fan_in_and_fan_out(Tensor(np.empty((8, 3, 5, 5))))
        (75, 200)
    """
    if tensor.ndim < 2:
        raise ValueError(f"fan_in_and_fan_out: needs a tensor with at least 2 dims, got shape {tensor.shape}")
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    tensor.data[...] = values.astype(tensor.dtype, copy=False)
    tensor.bump_version()
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: np.random.Generator | None = None) -> Tensor:
    """Fill with samples of ``U(a, b)``, in place; returns ``tensor``.

    Examples:
        >>> w = Tensor(np.empty(1000))
        >>> uniform_(w, -2.0, -1.0, generator=np.random.default_rng(0)) is w
        True
        >>> bool(w.numpy().min() >= -2.0 and w.numpy().max() <= -1.0)
        True
    """
    return _fill(tensor, (generator or default_generator()).uniform(a, b, tensor.shape))


def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: np.random.Generator | None = None
) -> Tensor:
    """Fill with samples of ``N(mean, std²)``, in place.

    Examples:
        >>> w = normal_(Tensor(np.empty(10000)), mean=3.0, std=0.5, generator=np.random.default_rng(0))
        >>> round(float(w.numpy().mean()), 1), round(float(w.numpy().std()), 1)
        (3.0, 0.5)
    """
    return _fill(tensor, (generator or default_generator()).normal(mean, std, tensor.shape))


def constant_(tensor: Tensor, value: float) -> Tensor:
    """Fill with ``value``, in place (e.g. a bias of 0.1 to keep ReLUs alive at the start).

    Examples:
        >>> constant_(Tensor(np.empty(3)), 0.1).tolist()
        [0.1, 0.1, 0.1]
    """
    tensor.data[...] = value
    tensor.bump_version()
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros, in place.

    Examples:
        >>> zeros_(Tensor([1.0, 2.0])).tolist()
        [0.0, 0.0]
    """
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones, in place (e.g. a batch-norm scale).

    Examples:
        >>> ones_(Tensor([0.0, 2.0])).tolist()
        [1.0, 1.0]
    """
    return constant_(tensor, 1.0)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan) if fan > 0 else 0.0


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> Tensor:
    """``U(-b, b)`` with ``b = sqrt(3) · gain / sqrt(fan)`` (He et al. 2015).

    Examples:
        >>> w = kaiming_uniform_(Tensor(np.empty((64, 24))), generator=np.random.default_rng(0))
        >>> bool(np.abs(w.numpy()).max() <= 0.5)   # a = 0 (ReLU): b = sqrt(6 / fan_in) = sqrt(6/24)
        True
    """
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> Tensor:
    """``N(0, std²)`` with ``std = gain / sqrt(fan)`` (He et al. 2015).

    Examples:
        >>> w = kaiming_normal_(Tensor(np.empty((256, 512))), nonlinearity="relu", generator=np.random.default_rng(0))
        >>> round(float(w.numpy().std()) / math.sqrt(2 / 512), 2)   # std = sqrt(2) / sqrt(fan_in)
        1.0
    """
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def _xavier_std(tensor: Tensor, gain: float) -> float:
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    return gain * math.sqrt(2.0 / float(fan_in + fan_out))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: np.random.Generator | None = None) -> Tensor:
    """``U(-b, b)`` with ``b = gain · sqrt(6 / (fan_in + fan_out))`` (Glorot & Bengio 2010).

    Examples:
        >>> w = xavier_uniform_(Tensor(np.empty((12, 12))), generator=np.random.default_rng(0))
        >>> bool(np.abs(w.numpy()).max() <= 0.5)   # b = sqrt(6 / (12 + 12))
        True
    """
    bound = math.sqrt(3.0) * _xavier_std(tensor, gain)
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: np.random.Generator | None = None) -> Tensor:
    """``N(0, std²)`` with ``std = gain · sqrt(2 / (fan_in + fan_out))`` (Glorot & Bengio 2010).

    Examples:
        >>> w = xavier_normal_(Tensor(np.empty((200, 200))), generator=np.random.default_rng(0))
        >>> round(float(w.numpy().std()) / math.sqrt(2 / 400), 2)
        1.0
    """
    return normal_(tensor, 0.0, _xavier_std(tensor, gain), generator)
