"""Optimizers, in order of complexity (:class:`SGD` with momentum and Nesterov, :class:`Adam`,
:class:`AdamW`), and learning-rate schedules in :mod:`.lr_scheduler`, as in ``torch.optim``."""

from . import lr_scheduler
from .optimizers import SGD, Adam, AdamW, Optimizer

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "lr_scheduler"]
