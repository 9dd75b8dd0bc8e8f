"""Loss functions with PyTorch's names and arguments, composed from tensor primitives (no gradient rules
of their own: the engine differentiates them).

* ``cross_entropy`` = ``nll_loss`` of ``log_softmax``: with ``ℓ = x − logsumexp(x)`` (stable for logits of
  any size) the loss of an example of class ``y`` is ``−ℓ_y``.
* ``binary_cross_entropy_with_logits`` is ``max(x, 0) − x·y + log(1 + exp(−|x|))``, which never
  overflows.
* ``reduction`` is ``"mean"`` (default), ``"sum"`` or ``"none"`` (one loss per example).

Examples:
    >>> from tinygrad_cnn import Tensor
    >>> logits = Tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    >>> round(cross_entropy(logits, Tensor([0, 2])).item(), 4)  # (−log(e²/(e²+2)) − log(1/3)) / 2
    0.6691
    >>> binary_cross_entropy_with_logits(Tensor([1000.0, -1000.0]), Tensor([1.0, 0.0])).item()
    0.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine.args import check_reduction, probability
from ..engine.tensor import Tensor, where

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "binary_cross_entropy_with_logits"]


def _as_tensor(name: str, what: str, value: Any) -> Tensor:
    if isinstance(value, Tensor):
        return value
    try:
        return Tensor(value)
    except TypeError as error:
        raise TypeError(f"{name}: {what} must be a Tensor or array, got {type(value).__name__}") from error


def _check_input(name: str, input: Tensor, min_ndim: int = 0) -> None:  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor of scores, got {type(input).__name__}")
    if input.dtype.kind != "f" or input.ndim < min_ndim:
        raise ValueError(
            f"{name}: input must be a floating-point Tensor with at least {min_ndim} dims, "
            f"got {input.dtype} of shape {input.shape}"
        )


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _class_weights(name: str, weight: Any, classes: int, dtype: np.dtype) -> np.ndarray | None:
    if weight is None:
        return None
    w = weight.data if isinstance(weight, Tensor) else np.asarray(weight)
    if w.shape != (classes,):
        raise ValueError(f"{name}: weight must have one entry per class, shape ({classes},), got {w.shape}")
    return w.astype(dtype)


def _picked_log_probs(
    name: str, log_probs: Tensor, target: Tensor, weight: np.ndarray | None, ignore_index: int
) -> tuple[Tensor, np.ndarray]:
    """``−w[y]·ℓ[y]`` for each target entry (0 where ignored), and the weights ``w[y]`` (0 where ignored).

    ``log_probs`` is ``(N, C, *d)`` (or ``(C,)``) and ``target`` holds class indices, shape ``(N, *d)``.
    """
    class_dim = 0 if log_probs.ndim == 1 else 1
    classes = log_probs.shape[class_dim]
    t = target.data
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= classes))
    if bad.any():
        raise ValueError(
            f"{name}: target holds class index {int(t[bad].flat[0])}, but the input has {classes} classes "
            f"(valid indices are 0..{classes - 1}, or ignore_index={ignore_index})"
        )
    safe = np.where(valid, t, 0)  # any in-range index where ignored; its loss is masked out below
    if log_probs.ndim == 1:
        index: tuple[Any, ...] = (safe,)
    else:
        grid = np.indices(t.shape, sparse=True)  # one broadcastable index array per target dim
        index = (grid[0], safe, *grid[1:])  # ℓ[n, y[n, *d], *d]
    picked = log_probs[index]  # (N, *d): the log-probability of each target class
    w = (weight[safe] if weight is not None else np.ones(t.shape, log_probs.dtype)) * valid
    w = w.astype(log_probs.dtype)
    if weight is None and valid.all():  # every target counts, with weight 1: nothing to scale or mask (same bits)
        return -picked, w
    return where(valid, -picked * Tensor(w), 0.0), w


def _check_index_target(name: str, input: Tensor, target: Tensor) -> None:  # noqa: A002
    expected = input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()
    if target.shape != expected or target.dtype.kind not in "iu":
        kind = "probabilities" if target.dtype.kind == "f" else f"{target.dtype} values"
        raise ValueError(
            f"{name}: target of shape {target.shape} ({kind}) does not fit input of shape {input.shape}: "
            f"expected integer class indices of shape {expected} or class probabilities of shape {input.shape}"
        )


def nll_loss(
    input: Tensor,  # noqa: A002 (PyTorch's name)
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class indices ``target`` under log-probabilities ``input``.

    ``input`` is ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``; ``target`` is ``(N,)``, ``(N, d1, ...)`` or
    ``()``. With ``weight`` the loss of class ``c`` is scaled by ``weight[c]`` and ``"mean"`` divides by
    the total weight of the non-ignored targets, as PyTorch does.

    Examples:
        >>> import numpy as np
        >>> log_p = Tensor(np.log([[0.5, 0.5], [0.25, 0.75]]))
        >>> float(nll_loss(log_p, Tensor([0, 1]), reduction="sum").item() + np.log(0.5 * 0.75))
        0.0
    """
    return _nll("nll_loss", input, target, weight, ignore_index, reduction)


def _nll(name: str, log_probs: Tensor, target: Any, weight: Any, ignore_index: int, reduction: str) -> Tensor:
    check_reduction(name, reduction)
    _check_input(name, log_probs, min_ndim=1)
    target = _as_tensor(name, "target", target)
    _check_index_target(name, log_probs, target)
    classes = log_probs.shape[0 if log_probs.ndim == 1 else 1]
    losses, w = _picked_log_probs(
        name, log_probs, target, _class_weights(name, weight, classes, log_probs.dtype), ignore_index
    )
    if reduction == "mean":
        return losses.sum() / w.sum()  # the weighted mean over non-ignored targets
    return _reduce(losses, reduction)


def cross_entropy(
    input: Tensor,  # noqa: A002 (PyTorch's name)
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between the softmax of the logits ``input`` and ``target``.

    ``target`` is either integer class indices (shape ``input.shape`` without dim 1) or class
    probabilities (``input``'s shape). ``label_smoothing = ε`` mixes the target with the uniform
    distribution: ``(1 − ε)·onehot + ε/C``. Everything else as :func:`nll_loss`.

    Examples:
        >>> logits = Tensor([[0.0, 0.0, 0.0, 0.0]])           # no preference among 4 classes
        >>> round(cross_entropy(logits, Tensor([2])).item(), 4), round(float(np.log(4)), 4)
        (1.3863, 1.3863)
        >>> round(cross_entropy(logits, Tensor([[0.5, 0.5, 0.0, 0.0]])).item(), 4)   # a probability target
        1.3863
    """
    name = "cross_entropy"
    check_reduction(name, reduction)
    label_smoothing = probability(name, "label_smoothing", label_smoothing)
    _check_input(name, input, min_ndim=1)
    target = _as_tensor(name, "target", target)
    class_dim = 0 if input.ndim == 1 else 1
    classes = input.shape[class_dim]
    log_probs = input.log_softmax(class_dim)  # (N, C, *d)
    w = _class_weights(name, weight, classes, input.dtype)
    per_class = (classes,) + (1,) * (input.ndim - 1 - class_dim)  # broadcasts over (C, *d)
    weighted = log_probs * Tensor(w.reshape(per_class)) if w is not None else log_probs

    if target.dtype.kind == "f" and target.shape == input.shape:  # class probabilities
        probs = target.to(input.dtype)
        if label_smoothing:
            probs = probs * (1 - label_smoothing) + label_smoothing / classes
        losses = -(weighted * probs).sum(class_dim)  # (N, *d)
        return _reduce(losses, reduction)

    _check_index_target(name, input, target)
    losses, picked_w = _picked_log_probs(name, log_probs, target, w, ignore_index)
    if label_smoothing:
        valid = target.data != ignore_index
        uniform = where(valid, -weighted.sum(class_dim), 0.0)  # (N, *d): the loss against ε-uniform
        losses = losses * (1 - label_smoothing) + uniform * (label_smoothing / classes)
    if reduction == "mean":
        return losses.sum() / picked_w.sum()  # PyTorch divides by the total weight of the targets
    return _reduce(losses, reduction)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean squared error ``(x − y)²``; ``input`` and ``target`` must have the same shape (no silent
    broadcasting of ``(N, 1)`` against ``(N,)``).

    Examples:
        >>> mse_loss(Tensor([1.0, 2.0]), Tensor([1.0, 4.0])).item()
        2.0
    """
    name = "mse_loss"
    check_reduction(name, reduction)
    _check_input(name, input)
    target = _as_tensor(name, "target", target)
    if target.shape != input.shape:
        raise ValueError(
            f"{name}: input of shape {input.shape} and target of shape {target.shape} differ; "
            "reshape one of them (broadcasting would compare every input with every target)"
        )
    diff = input - target.to(input.dtype)
    return _reduce(diff * diff, reduction)


def _softplus(z: Tensor) -> Tensor:
    """``log(1 + exp(z)) = max(z, 0) + log(1 + exp(−|z|))``: no overflow, and (both kinks taken at the
    same side) the gradient is exactly ``sigmoid(z)``, also at ``z = 0``."""
    nonneg = z.data >= 0
    return where(nonneg, z, 0.0) + (1 + where(nonneg, -z, z).exp()).log()


def binary_cross_entropy_with_logits(
    input: Tensor,  # noqa: A002 (PyTorch's name)
    target: Tensor,
    weight: Tensor | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross-entropy of probabilities ``target`` under ``sigmoid(input)``, computed from the logits:

    ``−[p·y·log σ(x) + (1 − y)·log(1 − σ(x))] = (1 − y)·x + (1 + (p − 1)·y)·softplus(−x)``

    with ``p = pos_weight`` (1 if not given; it broadcasts over the last dim, one per class) and
    ``softplus(−x) = max(−x, 0) + log(1 + exp(−|x|))``; ``weight`` scales each element's loss.

    Examples:
        >>> loss = binary_cross_entropy_with_logits(Tensor([0.0, 0.0]), Tensor([1.0, 0.0]), reduction="none")
        >>> [round(v, 4) for v in loss.tolist()]                  # σ(0) = ½ either way: log 2
        [0.6931, 0.6931]
        >>> round(binary_cross_entropy_with_logits(Tensor([0.0]), Tensor([1.0]), pos_weight=Tensor([3.0])).item(), 4)
        2.0794
    """
    name = "binary_cross_entropy_with_logits"
    check_reduction(name, reduction)
    _check_input(name, input)
    target = _as_tensor(name, "target", target)
    if target.shape != input.shape:
        raise ValueError(f"{name}: target of shape {target.shape} must have the input's shape {input.shape}")
    y = target.to(input.dtype)
    log_weight = 1.0
    if pos_weight is not None:
        log_weight = (_as_tensor(name, "pos_weight", pos_weight).to(input.dtype) - 1) * y + 1
    losses = (1 - y) * input + log_weight * _softplus(-input)
    if weight is not None:
        losses = losses * _as_tensor(name, "weight", weight).to(input.dtype)
    return _reduce(losses, reduction)
