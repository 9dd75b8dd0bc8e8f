"""Losses as layers, as PyTorch has them: a loss module holds its options (``reduction``, class weights,
...) and calls the function of the same name in :mod:`tinygrad_cnn.nn.loss_functions`.

Class weights are registered as buffers, so they move with ``state_dict()`` under PyTorch's keys
(``weight``, ``pos_weight``); an option left at ``None`` is not saved.

Examples:
    >>> from tinygrad_cnn import Tensor
    >>> loss_fn = CrossEntropyLoss(weight=Tensor([1.0, 2.0]))
    >>> list(loss_fn.state_dict())
    ['weight']
    >>> MSELoss(reduction="sum")(Tensor([1.0, 2.0]), Tensor([1.0, 4.0])).item()   # 0² + 2²
    4.0
"""

from __future__ import annotations

from typing import Any

from ..engine.args import check_reduction, is_int, probability
from ..engine.tensor import Tensor
from . import loss_functions as losses
from .module import Module

__all__ = ["CrossEntropyLoss", "NLLLoss", "MSELoss", "BCEWithLogitsLoss"]


def _optional_tensor(value: Any) -> Tensor | None:
    return value if value is None or isinstance(value, Tensor) else Tensor(value)


class _Loss(Module):
    """What every loss has: ``reduction``, checked when the loss is built."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = check_reduction(type(self).__name__, reduction)


class _WeightedLoss(_Loss):
    """A loss with an optional weight per class, kept as the buffer ``weight``."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", _optional_tensor(weight))


class _ClassIndexLoss(_WeightedLoss):
    """A loss of class-index targets, where targets equal to ``ignore_index`` count for nothing."""

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(weight, reduction)
        if not is_int(ignore_index):
            raise ValueError(f"{type(self).__name__}: ignore_index must be an integer, got {ignore_index!r}")
        self.ignore_index = int(ignore_index)


class NLLLoss(_ClassIndexLoss):
    """``NLLLoss(weight=None, ignore_index=-100, reduction="mean")``: the negative log-likelihood of class
    indices under log-probabilities (e.g. the output of :class:`LogSoftmax`); see
    :func:`tinygrad_cnn.nn.loss_functions.nll_loss`."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002 (PyTorch's name)
        return losses.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class CrossEntropyLoss(_ClassIndexLoss):
    """``CrossEntropyLoss(weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0)``:
    ``NLLLoss`` of ``log_softmax`` of the logits, ``−log softmax(x)_y`` per example; see
    :func:`tinygrad_cnn.nn.loss_functions.cross_entropy`.

    Examples:
        >>> round(CrossEntropyLoss()(Tensor([[0.0, 0.0, 0.0]]), Tensor([1])).item(), 4)   # log 3
        1.0986
    """

    def __init__(
        self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean", label_smoothing: float = 0.0
    ) -> None:
        super().__init__(weight, ignore_index, reduction)
        self.label_smoothing = probability(type(self).__name__, "label_smoothing", label_smoothing)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return losses.cross_entropy(
            input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing
        )


class MSELoss(_Loss):
    """``MSELoss(reduction="mean")``: the squared error ``(x − y)²``, averaged by default; see
    :func:`tinygrad_cnn.nn.loss_functions.mse_loss`."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return losses.mse_loss(input, target, self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """``BCEWithLogitsLoss(weight=None, reduction="mean", pos_weight=None)``: binary cross-entropy of
    ``sigmoid(x)``, computed stably from the logits; ``pos_weight`` (a buffer, one per class) scales the
    positive examples' term; see :func:`tinygrad_cnn.nn.loss_functions.binary_cross_entropy_with_logits`.

    Examples:
        >>> round(BCEWithLogitsLoss()(Tensor([0.0]), Tensor([1.0])).item(), 4)        # −log σ(0) = log 2
        0.6931
        >>> round(BCEWithLogitsLoss(pos_weight=Tensor([3.0]))(Tensor([0.0]), Tensor([1.0])).item(), 4)  # 3 log 2
        2.0794
    """

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(weight, reduction)
        self.register_buffer("pos_weight", _optional_tensor(pos_weight))

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return losses.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction, self.pos_weight)
