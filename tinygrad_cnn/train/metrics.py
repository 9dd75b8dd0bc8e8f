"""What a training run measures: per-epoch :class:`History` records, accuracy and the confusion matrix.

Examples:
    >>> confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], num_classes=3)
    array([[1, 0, 0],
           [0, 1, 1],
           [0, 0, 1]])
    >>> history = History()
    >>> history.append(epoch=0, train_loss=1.5, val_loss=1.2, seconds=0.5)
    >>> history.append(epoch=1, train_loss=0.9, val_loss=1.0, seconds=0.5)
    >>> history.column("val_loss"), History.from_dict(history.to_dict()) == history
    ([1.2, 1.0], True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["History", "RECORD_KEYS", "confusion_matrix", "accuracy"]

# What one record may hold: epoch (0-based), batches and steps are counts; the rest are numbers or None.
RECORD_KEYS = ("epoch", "batches", "steps", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr",
               "seconds")  # fmt: skip
_COUNTS = ("epoch", "batches", "steps")
MAX_RECORDS = 10**6  # bounds what a checkpoint's history can make us allocate


@dataclass
class History:
    """One record per epoch (a dict with the keys of :data:`RECORD_KEYS`), and why training stopped."""

    records: list[dict[str, Any]] = field(default_factory=list)
    stopped: str = ""

    def append(self, **record: Any) -> None:
        unknown = set(record) - set(RECORD_KEYS)
        if unknown:
            raise ValueError(f"History: unknown record keys {sorted(unknown)}; known: {', '.join(RECORD_KEYS)}")
        self.records.append({key: record.get(key) for key in RECORD_KEYS})

    def column(self, key: str) -> list[Any]:
        """One value per epoch, e.g. ``column("val_accuracy")``."""
        if key not in RECORD_KEYS:
            raise KeyError(f"History: no column {key!r}; columns: {', '.join(RECORD_KEYS)}")
        return [record[key] for record in self.records]

    @property
    def last(self) -> dict[str, Any]:
        return self.records[-1] if self.records else dict.fromkeys(RECORD_KEYS)

    def __len__(self) -> int:
        return len(self.records)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"records": [...], "stopped": "..."}``."""
        return {"records": [dict(record) for record in self.records], "stopped": self.stopped}

    @classmethod
    def from_dict(cls, data: Any, where: str = "history") -> History:
        """Read :meth:`to_dict`'s form back, checking every value (it may come from a file)."""
        if not isinstance(data, Mapping) or not isinstance(data.get("records"), list):
            raise ValueError(f"{where}: expected {{'records': [...], 'stopped': ...}}")
        records = data["records"]
        if len(records) > MAX_RECORDS:
            raise ValueError(f"{where}: {len(records)} records, more than {MAX_RECORDS}")
        history = cls(stopped=str(data.get("stopped", "")))
        for number, record in enumerate(records):
            if not isinstance(record, Mapping) or set(record) != set(RECORD_KEYS):
                raise ValueError(f"{where}: record {number} must have exactly the keys {', '.join(RECORD_KEYS)}")
            for key, value in record.items():
                count = isinstance(value, int) and not isinstance(value, bool) and value >= 0
                if key in _COUNTS and not (count or (value is None and key != "epoch")):
                    raise ValueError(f"{where}: record {number}: {key} must be a count, got {value!r}")
                if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                    raise ValueError(f"{where}: record {number}: {key} must be a number or null, got {value!r}")
            history.records.append({key: record[key] for key in RECORD_KEYS})
        return history


def accuracy(outputs: np.ndarray, targets: np.ndarray) -> float:
    """The fraction of rows of ``outputs`` (N, classes) whose largest entry is at the target class."""
    return float(np.mean(np.argmax(outputs, axis=1) == targets)) if len(targets) else math.nan


def confusion_matrix(targets: Sequence[int] | np.ndarray, predictions: Sequence[int] | np.ndarray,
                     num_classes: int | None = None) -> np.ndarray:  # fmt: skip
    """Counts ``(K, K)``: row = true class, column = predicted class (as scikit-learn)."""
    targets, predictions = np.asarray(targets), np.asarray(predictions)
    if targets.shape != predictions.shape or targets.ndim != 1:
        raise ValueError(f"confusion_matrix: targets {targets.shape} and predictions {predictions.shape} must be "
                         "two 1-D arrays of the same length")  # fmt: skip
    for name, values in (("targets", targets), ("predictions", predictions)):
        if values.size and (values.dtype.kind not in "iu" or values.min() < 0):
            raise ValueError(f"confusion_matrix: {name} must be class indices ≥ 0")
    largest = int(max(targets.max(initial=-1), predictions.max(initial=-1))) + 1
    k = largest if num_classes is None else int(num_classes)
    if k < largest:
        raise ValueError(f"confusion_matrix: class index {largest - 1} is not below num_classes={k}")
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (targets, predictions), 1)
    return counts
