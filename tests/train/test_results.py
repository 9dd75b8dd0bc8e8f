"""The issue's results in a short CI form (the full runs and their numbers are in benchmarks/bench_training.py).

Thresholds are below what these exact runs reach on the reference machine (seed 0, deterministic), with room
for another BLAS's rounding: digits CNN 97.2 % test after 10 of its 40 epochs, 58 % on shifted images where
the MLPs get 44-46 %; MNIST-1D CNN 90.0 % after 1,000 of 6,000 steps, 58.7 % on shuffled signals; the edges
kernel within 2e-7 of Sobel's."""

import numpy as np
import pytest

from tinygrad_cnn.conv.kernels import SOBEL_X
from tinygrad_cnn.models import ARCHITECTURES, build
from tinygrad_cnn.train import evaluate, fit
from tinygrad_cnn.train.recipes import DIGITS, EDGES, MNIST1D, shift


def _trained(task, name, splits, **budget):
    model = build(ARCHITECTURES[name], generator=np.random.default_rng(0))
    optimizer = task.recipe.optimizer(model)
    scheduler = task.recipe.scheduler(optimizer, budget.get("epochs", 1))
    fit(model, splits.train, None, optimizer=optimizer, batch_size=task.recipe.batch_size, scheduler=scheduler,
        progress=False, **budget)  # fmt: skip
    return model


def _shifted(model, test):
    return np.mean([evaluate(model, type(test)(shift(test.x, dy, dx), test.y))["accuracy"]
                    for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0))])  # fmt: skip


def test_digits_cnn_learns_and_survives_a_one_pixel_shift_better_than_mlps():
    splits = DIGITS.load(0, False)
    cnn = _trained(DIGITS, "digits_cnn", splits, epochs=10)
    assert evaluate(cnn, splits.test)["accuracy"] >= 0.95
    cnn_shifted = _shifted(cnn, splits.test)
    for name in ("digits_mlp", "digits_mlp10x"):
        mlp = _trained(DIGITS, name, splits, epochs=10)
        assert evaluate(mlp, splits.test)["accuracy"] >= 0.93
        assert cnn_shifted >= _shifted(mlp, splits.test) + 0.05, name


@pytest.mark.parametrize(("shuffled", "low", "high"), [(False, 0.85, 1.0), (True, 0.45, 0.70)])
def test_mnist1d_cnn_needs_locality(shuffled, low, high):
    splits = MNIST1D.load(0, shuffled)
    cnn = _trained(MNIST1D, "mnist1d_cnn", splits, steps=1000)
    assert low <= evaluate(cnn, splits.test)["accuracy"] <= high


def test_one_conv_recovers_sobel():
    splits = EDGES.load(0, False)
    conv = _trained(EDGES, "edges_conv", splits, epochs=EDGES.recipe.epochs)
    assert np.abs(conv[0].weight.numpy()[0, 0] - SOBEL_X).max() < 0.05
    assert evaluate(conv, splits.test)["loss"] < 1e-6
