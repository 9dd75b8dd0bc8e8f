"""The training loop: :func:`fit` a model, :func:`evaluate` it, :func:`predict` with it, :func:`resume` a run.

``fit`` runs mini-batch steps for a number of epochs or of steps, records one :class:`History` record per
epoch (loss, accuracy, learning rate, seconds), can stop early when the validation loss stops improving,
steps a learning-rate schedule once per epoch, and writes a checkpoint after every epoch. Given the same
seed and the same initial model it is deterministic, and a run continued from its checkpoint ends with the
same weights, bit for bit, as one that was never interrupted. A NaN or infinite loss stops it with
:class:`TrainingDiverged`, before the step that would spread it; the last good checkpoint stays.

Tiny models train fastest with NumPy's BLAS on one thread (their matrix products are too small to share
out, and spare threads spin on a busy machine), so ``fit`` and ``evaluate`` limit BLAS to ``threads=1``
while they run; ``threads=None`` leaves it alone.

Examples:
    >>> import numpy as np
    >>> from tinygrad_cnn import nn, optim
    >>> from tinygrad_cnn.data import Dataset
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((64, 1, 4)).astype(np.float32)
    >>> data = Dataset(x, (x.sum(axis=(1, 2)) > 0).astype(np.int64))
    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2, generator=np.random.default_rng(0)))
    >>> history = fit(model, data, data, optimizer=optim.Adam(model.parameters(), lr=0.1), epochs=5,
    ...               batch_size=16, progress=False)
    >>> len(history), history.last["steps"], history.last["val_accuracy"] > 0.9
    (5, 20, True)
    >>> evaluate(model, data)["accuracy"] > 0.9
    True
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from .. import nn
from ..data.dataset import Dataset
from ..data.loader import DataLoader
from ..engine.autograd import no_grad
from ..engine.rng import default_generator
from ..engine.tensor import Tensor
from ..nn import functional as F
from ..optim.lr_scheduler import LRScheduler
from ..optim.optimizers import Adam, Optimizer
from .checkpoint import CheckpointError, architecture_of, read_checkpoint, save_checkpoint
from .metrics import History

__all__ = ["fit", "resume", "evaluate", "predict", "EarlyStopping", "TrainingDiverged"]

Loss = Callable[[Tensor, Tensor], Tensor]
PathLike = str | os.PathLike


class TrainingDiverged(ArithmeticError, ValueError):
    """The loss became NaN or infinite. ``history`` holds the epochs completed before it."""

    def __init__(self, message: str, history: History) -> None:
        super().__init__(message)
        self.history = history


@dataclass(frozen=True)
class EarlyStopping:
    """Stop when the validation loss has not improved by more than ``min_delta`` for ``patience`` epochs;
    with ``restore_best`` the model ends with the weights of its best epoch."""

    patience: int = 5
    min_delta: float = 0.0
    restore_best: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.patience, bool) or not isinstance(self.patience, int) or self.patience < 1:
            raise ValueError(f"EarlyStopping: patience must be an integer ≥ 1, got {self.patience!r}")
        if not self.min_delta >= 0:
            raise ValueError(f"EarlyStopping: min_delta must be ≥ 0, got {self.min_delta!r}")


# ---- evaluation ----------------------------------------------------------------------------------------------
def _limits(threads: int | None) -> contextlib.AbstractContextManager:
    return contextlib.nullcontext() if threads is None else threadpool_limits(limits=threads, user_api="blas")


@contextlib.contextmanager
def _evaluating(model: nn.Module) -> Iterator[None]:
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            yield
    finally:
        model.train(was_training)


def predict(model: nn.Module, data: Dataset, batch_size: int = 256, *, threads: int | None = 1) -> np.ndarray:
    """The model's outputs for every sample of ``data``, in evaluation mode, as one array."""
    outputs = []
    with _limits(threads), _evaluating(model):
        for x, _ in DataLoader(data, batch_size):
            outputs.append(model(x).numpy())
    return np.concatenate(outputs) if outputs else np.zeros((0,), np.float32)


def evaluate(model: nn.Module, data: Dataset, loss: Loss | None = None, batch_size: int = 256, *,
             threads: int | None = 1) -> dict[str, float | None]:  # fmt: skip
    """Mean loss and (for class-index targets) accuracy of ``model`` on ``data``, in evaluation mode."""
    loss = _default_loss(data) if loss is None else loss
    total, correct, count = 0.0, 0, 0
    classify = _is_classification(data)
    with _limits(threads), _evaluating(model):
        for x, y in DataLoader(data, batch_size):
            out = model(x)
            total += float(loss(out, y).item()) * len(y)
            count += len(y)
            if classify:
                correct += int((out.numpy().argmax(axis=1) == y.numpy()).sum())
    if not count:
        return {"loss": None, "accuracy": None}
    return {"loss": total / count, "accuracy": correct / count if classify else None}


def _is_classification(data: Dataset) -> bool:
    return np.asarray(data.y).dtype.kind in "iu"


def _default_loss(data: Dataset) -> Loss:
    return F.cross_entropy if _is_classification(data) else F.mse_loss


# ---- fit -------------------------------------------------------------------------------------------------------
@dataclass
class _Run:
    """Where a run stands; saved in every checkpoint."""

    epoch: int = 0  # the epoch being run, 0-based
    batch: int = 0  # batches of it already run
    step: int = 0  # optimizer steps so far
    best_loss: float | None = None  # early stopping: the best validation loss so far,
    best_epoch: int | None = None  # at this epoch,
    bad_epochs: int = 0  # and the epochs since


def fit(
    model: nn.Module,
    train: Dataset | DataLoader,
    val: Dataset | None = None,
    loss: Loss | None = None,
    optimizer: Optimizer | None = None,
    *,
    epochs: int | None = None,
    steps: int | None = None,
    batch_size: int = 32,
    seed: int = 0,
    scheduler: LRScheduler | None = None,
    early_stopping: EarlyStopping | int | None = None,
    checkpoint: PathLike | None = None,
    resume: bool = False,
    metadata: Mapping[str, Any] | None = None,
    progress: bool | None = None,
    threads: int | None = 1,
) -> History:
    """Train ``model`` on ``train`` for ``epochs`` epochs or ``steps`` optimizer steps (exactly one of them).

    Args:
        train: a Dataset (batched by ``batch_size``, shuffled by ``seed`` every epoch) or a DataLoader.
        val: evaluated after every epoch (loss, accuracy); needed for early stopping.
        loss: ``loss(outputs, targets)``; default cross-entropy for class indices, else mean squared error.
        optimizer: default ``Adam(model.parameters(), lr=1e-3)``.
        scheduler: stepped once after every epoch.
        early_stopping: an :class:`EarlyStopping`, or its patience.
        checkpoint: a ``.npz`` path written (atomically) after every epoch; with ``resume=True`` the run
            continues from it: the model, optimizer, scheduler, history and random state are restored, and
            ``epochs``/``steps`` is the run's total, counted from its start.
        metadata: extra JSON stored in the checkpoint (e.g. the task's name).
        progress: a tqdm bar on stderr; default only when stderr is a terminal.
        threads: BLAS threads while training (``None``: leave as is).

    Returns:
        The :class:`History`, one record per epoch (the last one partial when ``steps`` ends mid-epoch).
    """
    if (epochs is None) == (steps is None):
        raise ValueError(f"fit: give exactly one of epochs and steps, got epochs={epochs!r}, steps={steps!r}")
    budget_name, budget = ("epochs", epochs) if epochs is not None else ("steps", steps)
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget < 1:
        raise ValueError(f"fit: {budget_name} must be a positive integer, got {budget!r}")
    loader = train if isinstance(train, DataLoader) else DataLoader(train, batch_size, shuffle=True, seed=seed)
    if len(loader) == 0:
        raise ValueError(f"fit: the training data give no batch ({len(loader.dataset)} samples, "
                         f"batch_size={loader.batch_size}, drop_last={loader.drop_last})")  # fmt: skip
    val = val if val is not None and len(val) else None
    stopper = EarlyStopping(early_stopping) if isinstance(early_stopping, int) else early_stopping
    if stopper is not None and val is None:
        raise ValueError("fit: early stopping watches the validation loss; give a non-empty val")
    loss = _default_loss(loader.dataset) if loss is None else loss
    optimizer = Adam(model.parameters(), lr=1e-3) if optimizer is None else optimizer
    total_steps = int(budget) * len(loader) if epochs is not None else int(budget)
    input_shape = tuple(loader.dataset.x.shape[1:])
    run, history, best = _Run(), History(), None
    if resume:
        if checkpoint is None or not os.path.exists(checkpoint):
            raise FileNotFoundError(f"fit: resume=True, but there is no checkpoint at {checkpoint}")
        run, history, best = _restore(checkpoint, model, optimizer, scheduler, loader, input_shape)
    if progress is None:
        progress = sys.stderr.isatty()

    static = {"architecture": architecture_of(model, input_shape), "input_shape": list(input_shape),
              "loader": loader.state_dict(), "seed": loader.seed, **(metadata or {})}  # fmt: skip
    classify = _is_classification(loader.dataset)
    bar = tqdm(total=total_steps, initial=min(run.step, total_steps), unit="step", disable=not progress,
               dynamic_ncols=True, leave=False)  # fmt: skip
    try:
        with _limits(threads):
            while run.step < total_steps and not history.stopped:
                bar.set_description(f"epoch {run.epoch + 1}")
                record = _one_epoch(model, loader, loss, optimizer, run, total_steps, classify, history, bar)
                if val is not None:
                    scores = evaluate(model, val, loss, threads=None)
                    record.update(val_loss=scores["loss"], val_accuracy=scores["accuracy"])
                if run.batch == len(loader):  # a whole epoch: schedule, then count it done
                    run.epoch, run.batch = run.epoch + 1, 0
                    if scheduler is not None:
                        scheduler.step()
                history.append(**record)
                bar.set_postfix(_postfix(record), refresh=False)
                if stopper is not None:
                    best = _early_stopping(stopper, run, record, model, best, history)
                if checkpoint is not None:
                    meta = {**static, **_run_metadata(run, history)}
                    save_checkpoint(checkpoint, model, optimizer, meta, scheduler=scheduler, best=best)
    finally:
        bar.close()
    if history.stopped.startswith("early") and stopper is not None and stopper.restore_best and best is not None:
        model.load_state_dict(best)
    if not history.stopped:
        history.stopped = f"completed {budget} {budget_name}"
    return history


def _one_epoch(model: nn.Module, loader: DataLoader, loss: Loss, optimizer: Optimizer, run: _Run, total_steps: int,
               classify: bool, history: History, bar: Any) -> dict[str, Any]:  # fmt: skip
    """Run batches of epoch ``run.epoch`` from batch ``run.batch`` until it ends or the step budget does."""
    start, first_batch = time.perf_counter(), run.batch
    lr = optimizer.param_groups[0]["lr"]
    total, correct, count = 0.0, 0, 0
    model.train()
    loader.set_epoch(run.epoch, run.batch)
    for x, y in loader:
        out = model(x)
        value = loss(out, y)
        number = float(value.item())
        if not math.isfinite(number):
            raise TrainingDiverged(
                f"fit: the training loss became {number} at epoch {run.epoch + 1}, step {run.step + 1} (batch "
                f"{run.batch + 1} of {len(loader)}); stopped before that step. The last checkpoint, if any, is "
                "the last good state; try a smaller learning rate", history,
            )  # fmt: skip
        optimizer.zero_grad()
        value.backward()
        optimizer.step()
        run.step, run.batch = run.step + 1, run.batch + 1
        total, count = total + number * len(y), count + len(y)
        if classify:
            correct += int((out.data.argmax(axis=1) == y.data).sum())
        bar.update(1)
        if run.step >= total_steps:
            break
    return {"epoch": run.epoch, "batches": run.batch - first_batch, "steps": run.step, "train_loss": total / count,
            "train_accuracy": correct / count if classify else None, "lr": lr,
            "seconds": time.perf_counter() - start}  # fmt: skip


def _postfix(record: Mapping[str, Any]) -> dict[str, str]:
    keys = ("train_loss", "train_accuracy", "val_loss", "val_accuracy")
    return {key.replace("accuracy", "acc"): f"{record[key]:.4g}" for key in keys if record.get(key) is not None}


def _early_stopping(stopper: EarlyStopping, run: _Run, record: Mapping[str, Any], model: nn.Module,
                    best: dict | None, history: History) -> dict | None:  # fmt: skip
    value = record["val_loss"]
    if run.best_loss is None or value < run.best_loss - stopper.min_delta:
        run.best_loss, run.best_epoch, run.bad_epochs = value, record["epoch"], 0
        return model.state_dict() if stopper.restore_best else None
    run.bad_epochs += 1
    if run.bad_epochs >= stopper.patience:
        history.stopped = (f"early stopping after epoch {record['epoch'] + 1}: no validation loss below "
                           f"{run.best_loss:.4g} (epoch {run.best_epoch + 1}) for {stopper.patience} epochs")
    return best


def _run_metadata(run: _Run, history: History) -> dict[str, Any]:
    return {"epoch": run.epoch, "batch": run.batch, "step": run.step, "history": history.to_dict(),
            "early_stopping": {"best_loss": run.best_loss, "best_epoch": run.best_epoch, "bad_epochs": run.bad_epochs},
            "rng": default_generator().bit_generator.state}  # fmt: skip


# ---- resume ----------------------------------------------------------------------------------------------------
def _restore(path: PathLike, model: nn.Module, optimizer: Optimizer, scheduler: LRScheduler | None,
             loader: DataLoader, input_shape: tuple[int, ...]) -> tuple[_Run, History, dict | None]:  # fmt: skip
    """Load the checkpoint at ``path`` into the model, optimizer and scheduler, after checking it belongs to
    this run; return where the run stands."""
    name = os.fspath(path)
    tree, meta = read_checkpoint(path)
    ours, theirs = architecture_of(model, input_shape), meta.get("architecture")
    if ours != theirs:
        raise CheckpointError(f"{name} holds {_describe(theirs)}, but this model is {_describe(ours)}; "
                              "resume it with the model it was trained with")  # fmt: skip
    if meta.get("loader") != loader.state_dict():
        raise CheckpointError(f"{name} was batched as {meta.get('loader')}, this run as {loader.state_dict()}: "
                              "resuming with other data or batching would not continue the same run")  # fmt: skip
    for role, obj in (("optimizer", optimizer), ("scheduler", scheduler)):
        kind = None if obj is None else type(obj).__name__
        if meta.get(role) != kind:
            raise CheckpointError(f"{name} was trained with {role} {meta.get(role)}, this run has {kind}")
    try:
        model.load_state_dict(tree["model"])
        optimizer.load_state_dict(tree["optimizer"])
        if scheduler is not None:
            scheduler.load_state_dict(_scheduler_state(tree["scheduler"], scheduler, name))
        _set_rng_state(meta.get("rng"), name)
        history = History.from_dict(meta.get("history"), f"{name}: history")
        stopping = meta.get("early_stopping") or {}
        run = _Run(meta["epoch"], meta["batch"], meta["step"], _number(stopping.get("best_loss"), name),
                   stopping.get("best_epoch"), int(stopping.get("bad_epochs", 0)))  # fmt: skip
    except CheckpointError:
        raise
    except (KeyError, TypeError, IndexError, ValueError) as error:
        text = " ".join(str(error).split())  # one line, whatever the message was
        raise CheckpointError(f"{name}: does not fit this run ({type(error).__name__}: {text})") from None
    if run.batch > len(loader):
        raise CheckpointError(f"{name}: batch {run.batch} is past the {len(loader)} batches of an epoch")
    if history.stopped.startswith("completed"):
        history.stopped = ""  # a finished run may be given a larger budget; early stopping and divergence stay
    return run, history, tree["best"]


def _describe(architecture: Any) -> str:
    if architecture is None:
        return "a model the architecture specs cannot describe"
    if isinstance(architecture, str):
        return f"a {architecture}"
    if isinstance(architecture, list):
        return f"a model of {len(architecture)} layers ({', '.join(str(layer.get('kind')) for layer in architecture)})"
    return "an unreadable architecture"


def _number(value: Any, name: str) -> float | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise CheckpointError(f"{name}: early_stopping.best_loss must be a number, got {value!r}")
    return value


def _scheduler_state(state: Any, scheduler: LRScheduler, name: str) -> dict[str, Any]:
    ours = scheduler.state_dict()
    if not isinstance(state, dict) or set(state) != set(ours):
        raise CheckpointError(f"{name}: the scheduler entry does not match a {type(scheduler).__name__}")
    return state


def _set_rng_state(state: Any, name: str) -> None:
    generator = default_generator().bit_generator
    try:
        if not isinstance(state, dict) or state.get("bit_generator") != type(generator).__name__:
            raise ValueError(f"expected a {type(generator).__name__} state")
        generator.state = state
    except (ValueError, TypeError, KeyError, OverflowError) as error:
        raise CheckpointError(f"{name}: unreadable random generator state ({error})") from None


def resume(checkpoint: PathLike, model: nn.Module, train: Dataset | DataLoader, val: Dataset | None = None,
           loss: Loss | None = None, optimizer: Optimizer | None = None, **options: Any) -> History:  # fmt: skip
    """Continue the run saved in ``checkpoint`` (``fit(..., checkpoint=checkpoint, resume=True)``): give the
    model, data, optimizer (and scheduler, batch size, seed) it was started with, and its total
    ``epochs`` or ``steps``."""
    return fit(model, train, val, loss, optimizer, checkpoint=checkpoint, resume=True, **options)
