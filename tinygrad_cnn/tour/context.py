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

import numpy as np

from ..data.dataset import Splits
from ..engine.rng import manual_seed
from ..models.architectures import ARCHITECTURES, build
from ..nn.module import Module
from ..train.loop import evaluate, fit
from ..train.metrics import History
from ..train.recipes import Recipe

__all__ = ["Budget", "QUICK", "FULL", "Context", "Run", "IMAGES"]

IMAGES = "images"  # the report's pictures live in this folder beside index.html


@dataclass(frozen=True)
class Budget:
    """How much the tour trains and simulates. ``quick`` is for CI and a first look (under 30 s); ``full``
    for a class (under 2 minutes on 2 cores)."""

    name: str
    edges_epochs: int  # section 4: one 3x3 conv learns Sobel (the task's recipe: 30)
    digits_epochs: int  # sections 1 and 5: the digits CNN and the two MLPs, all trained alike (recipe: 40)
    mnist1d_steps: int  # section 5: each of the six MNIST-1D runs (the paper: 6,000)
    ising_L: int  # section 6: lattice size
    ising_train: tuple[int, int]  # training temperatures in [1, 3.5], configurations at each
    ising_test: tuple[int, int]  # test temperatures (fresh chains), configurations at each
    ising_epochs: int


QUICK = Budget("quick", edges_epochs=20, digits_epochs=8, mnist1d_steps=150, ising_L=8, ising_train=(12, 64),
               ising_test=(21, 32), ising_epochs=12)  # fmt: skip
FULL = Budget("full", edges_epochs=30, digits_epochs=20, mnist1d_steps=1200, ising_L=16, ising_train=(20, 100),
              ising_test=(26, 64), ising_epochs=15)  # fmt: skip


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

    def train(self, architecture: str, data: Splits, recipe: Recipe, epochs: int) -> Run:
        """Train the named architecture on ``data`` with a task's ``recipe`` (its optimizer, batch size and
        schedule) for ``epochs`` epochs, once (later calls return the same run), then evaluate it on every split."""
        if architecture in self.runs:
            return self.runs[architecture]
        manual_seed(self.seed)
        model = build(ARCHITECTURES[architecture], generator=np.random.default_rng(self.seed))
        optimizer = recipe.optimizer(model)
        start = time.perf_counter()
        history = fit(model, data.train, data.val, optimizer=optimizer, scheduler=recipe.scheduler(optimizer, epochs),
                      epochs=epochs, batch_size=recipe.batch_size, seed=self.seed, progress=self.progress)  # fmt: skip
        seconds = time.perf_counter() - start
        scores = {"train": evaluate(model, data.train), "test": evaluate(model, data.test)}
        if len(data.val):
            scores["val"] = evaluate(model, data.val)
        self.runs[architecture] = Run(architecture, model, history, scores, seconds)
        return self.runs[architecture]
