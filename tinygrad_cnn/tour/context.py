"""What every section of the report is given: where its files go, how much to train (the quick or the full
budget), the seed, and the training runs already made (a model trained for one section is reused by the next).

Examples:
    >>> QUICK.name, FULL.name, QUICK.digits_epochs < FULL.digits_epochs
    ('quick', 'full', True)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..data.dataset import Dataset, Splits
from ..engine.rng import manual_seed
from ..models.architectures import ARCHITECTURES, build
from ..nn.module import Module
from ..optim.optimizers import Adam
from ..train.loop import evaluate, fit
from ..train.metrics import History

__all__ = ["Budget", "QUICK", "FULL", "Context", "Run", "IMAGES"]

IMAGES = "images"  # the report's pictures live in this folder beside index.html


@dataclass(frozen=True)
class Budget:
    """How much the tour trains and simulates. ``quick`` is for CI and a first look (under 30 s); ``full``
    for a class (under 2 minutes on 2 cores)."""

    name: str
    edges_epochs: int  # section 4: one 3x3 conv learns Sobel
    digits_epochs: int  # sections 1 and 5: the digits CNN and the two MLPs, all trained alike
    mnist1d_steps: int  # section 5: each of the six MNIST-1D runs (the paper trains 6,000 steps)
    mnist1d_train: int  # training signals used (the paper's 4,000; quick uses fewer)
    ising_L: int  # section 6: lattice size
    ising_temperatures: int  # evenly spaced in [1, 3.5]
    ising_samples: int  # per temperature
    ising_thermalization: int  # sweeps before sampling


QUICK = Budget("quick", edges_epochs=20, digits_epochs=10, mnist1d_steps=150, mnist1d_train=2000,
               ising_L=8, ising_temperatures=9, ising_samples=48, ising_thermalization=60)  # fmt: skip
FULL = Budget("full", edges_epochs=30, digits_epochs=30, mnist1d_steps=1500, mnist1d_train=4000,
              ising_L=16, ising_temperatures=15, ising_samples=128, ising_thermalization=200)  # fmt: skip


@dataclass
class Run:
    """One trained model: its history, its accuracy on each split, and the training time."""

    name: str
    model: Module
    history: History
    scores: dict[str, dict[str, float | None]]
    seconds: float

    @property
    def parameters(self) -> int:
        return self.model.num_parameters()


@dataclass
class Context:
    """A section's view of the run: ``folder`` (the report being written), the :class:`Budget`, the seed,
    whether to show training bars, and the runs made so far."""

    folder: Path
    budget: Budget
    seed: int = 0
    progress: bool | None = None
    runs: dict[str, Run] = field(default_factory=dict)

    def image(self, name: str) -> Path:
        """Where the picture ``name`` (a stem or a file name) goes."""
        path = self.folder / IMAGES / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    @staticmethod
    def relative(path: Path) -> str:
        """A picture's path as the page links it: ``images/name.svg``."""
        return f"{IMAGES}/{path.name}"

    def train(self, key: str, architecture: str, data: Splits, *, lr: float, batch_size: int, epochs: int | None = None,
              steps: int | None = None, train_subset: int | None = None, **options: Any) -> Run:  # fmt: skip
        """Train the named architecture on ``data`` (once per ``key``; later calls return the same run), then
        evaluate it on every split."""
        if key in self.runs:
            return self.runs[key]
        train = data.train if train_subset is None else _first(data.train, train_subset)
        manual_seed(self.seed)
        model = build(ARCHITECTURES[architecture], generator=np.random.default_rng(self.seed))
        start = time.perf_counter()
        history = fit(model, train, data.val, optimizer=Adam(model.parameters(), lr=lr), epochs=epochs, steps=steps,
                      batch_size=batch_size, seed=self.seed, progress=self.progress, **options)  # fmt: skip
        seconds = time.perf_counter() - start
        scores = {"train": evaluate(model, train), "test": evaluate(model, data.test)}
        if len(data.val):
            scores["val"] = evaluate(model, data.val)
        self.runs[key] = Run(key, model, history, scores, seconds)
        return self.runs[key]


def _first(data: Dataset, count: int) -> Dataset:
    """The first ``count`` samples (the splits are already shuffled and stratified)."""
    return Dataset(data.x[:count], data.y[:count], data.name, data.classes)
