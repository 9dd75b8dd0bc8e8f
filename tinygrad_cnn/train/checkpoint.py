"""Training checkpoints: everything needed to continue a run exactly, in one atomic, pickle-free ``.npz``.

The arrays (model state, optimizer moments, the best weights kept for early stopping) go through
:func:`tinygrad_cnn.save`; the rest is JSON metadata beside them: where the run stands (epoch, batch, step),
its history, seed, the random generator's state, how the data were batched, and the architecture, so that
``tinygrad-cnn summary CHECKPOINT`` prints the model's full table. Reading checks every field (the file may
come from anywhere) and names what is wrong.

Examples:
    >>> import os, tempfile
    >>> from tinygrad_cnn import nn, optim
    >>> model = nn.Sequential(nn.Linear(4, 2))
    >>> path = os.path.join(tempfile.mkdtemp(), "run.npz")
    >>> save_checkpoint(path, model, optim.SGD(model.parameters(), lr=0.1), {"epoch": 1, "batch": 0, "step": 8})
    >>> tree, meta = read_checkpoint(path)
    >>> sorted(tree), meta["epoch"], meta["architecture"][0]["kind"]
    (['best', 'model', 'optimizer', 'scheduler'], 1, 'dense')
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from typing import Any

from .. import nn
from ..models.architectures import ARCHITECTURES, from_module, layer_to_dict
from ..optim.lr_scheduler import LRScheduler
from ..optim.optimizers import Optimizer
from ..serialization import load, load_metadata, save

__all__ = ["TRAINING_FORMAT", "save_checkpoint", "read_checkpoint", "architecture_of", "CheckpointError"]

TRAINING_FORMAT = "tinygrad_cnn.training"
TRAINING_VERSION = 1
_COUNTS = ("epoch", "batch", "step")


class CheckpointError(ValueError):
    """A checkpoint that cannot continue this run: foreign, damaged, or of another model or data."""


def architecture_of(model: nn.Module, input_shape: Sequence[int] | None = None) -> str | list[dict] | None:
    """How a checkpoint names ``model``'s architecture: the name of a registered architecture it was built
    from, else its layers as JSON dicts (``None`` if it is not a chain of layers the specs can describe)."""
    try:
        layers = from_module(model)
    except ValueError:
        return None
    plain = [dataclasses.replace(layer, inputs=0) for layer in layers]
    for architecture in ARCHITECTURES.values():
        if input_shape is not None and tuple(architecture.input_shape) != tuple(input_shape):
            continue
        if [dataclasses.replace(layer, inputs=0) for layer in architecture.layers] == plain:
            return architecture.name
    return [layer_to_dict(layer) for layer in layers]


def save_checkpoint(path: str | os.PathLike, model: nn.Module, optimizer: Optimizer, metadata: Mapping[str, Any], *,
                    scheduler: LRScheduler | None = None, best: Mapping[str, Any] | None = None) -> None:  # fmt: skip
    """Write model, optimizer (and scheduler, best weights) with ``metadata`` to ``path`` atomically.

    ``metadata`` must hold ``epoch``, ``batch`` and ``step``; the architecture is added unless given.
    """
    meta = {"format": TRAINING_FORMAT, "version": TRAINING_VERSION, **metadata}
    meta.setdefault("architecture", architecture_of(model, meta.get("input_shape")))
    meta.setdefault("optimizer", type(optimizer).__name__)
    meta.setdefault("scheduler", None if scheduler is None else type(scheduler).__name__)
    tree = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": None if scheduler is None else scheduler.state_dict(),
        "best": None if best is None else dict(best),
    }
    save(tree, path, metadata=meta)


def read_checkpoint(path: str | os.PathLike) -> tuple[dict[str, Any], dict[str, Any]]:
    """The arrays' tree and the metadata of a checkpoint written by :func:`save_checkpoint`, checked."""
    name = os.fspath(path)
    meta = load_metadata(path)
    if meta.get("format") != TRAINING_FORMAT:
        raise CheckpointError(f"{name}: not a training checkpoint (a plain tinygrad_cnn.save file has no run in it)")
    version = meta.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= TRAINING_VERSION:
        raise CheckpointError(f"{name}: training checkpoint version {version!r}; this library reads 1 to "
                              f"{TRAINING_VERSION}")  # fmt: skip
    for key in _COUNTS:
        value = meta.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise CheckpointError(f"{name}: {key!r} must be a count ≥ 0, got {value!r}")
    tree = load(path)
    if not isinstance(tree, dict) or set(tree) != {"model", "optimizer", "scheduler", "best"}:
        raise CheckpointError(f"{name}: expected the entries model, optimizer, scheduler and best")
    if not isinstance(tree["model"], dict) or not isinstance(tree["optimizer"], dict):
        raise CheckpointError(f"{name}: the model and optimizer entries must be state dicts")
    optimizer = tree["optimizer"]
    if set(optimizer) != {"state", "param_groups"} or not isinstance(optimizer["param_groups"], list) or not all(
        isinstance(group, dict) and isinstance(group.get("params"), list) for group in optimizer["param_groups"]
    ):
        raise CheckpointError(f"{name}: the optimizer entry is not an optimizer state dict")
    if not isinstance(optimizer["state"], dict):
        raise CheckpointError(f"{name}: the optimizer's state must be a dict")
    return tree, meta
