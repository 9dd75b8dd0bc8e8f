"""A tiny CNN built from the engine's own layers learns: its loss falls on a task only a convolution finds
easy (is the edge in this image vertical or horizontal, wherever it is?), and its accuracy ends high."""

from __future__ import annotations

import numpy as np

import tinygrad_cnn as tg
from tinygrad_cnn import Tensor, nn, optim
from tinygrad_cnn.functional import cross_entropy


def edge_images(count: int, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Images with one step edge at a random place: label 0 = vertical edge, 1 = horizontal, plus noise."""
    images = np.zeros((count, 1, size, size), dtype=np.float32)
    labels = rng.integers(0, 2, count)
    for image, label, cut in zip(images, labels, rng.integers(2, size - 2, count)):
        if label == 0:
            image[0, :, cut:] = 1.0
        else:
            image[0, cut:, :] = 1.0
    images += 0.1 * rng.standard_normal(images.shape).astype(np.float32)
    return images, labels


def tiny_cnn(generator: np.random.Generator) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 4, kernel_size=3, padding=1, generator=generator),  # (N, 4, 8, 8)
        nn.ReLU(),
        nn.MaxPool2d(2),  # (N, 4, 4, 4)
        nn.Conv2d(4, 8, kernel_size=3, generator=generator),  # (N, 8, 2, 2)
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),  # (N, 8, 1, 1)
        nn.Flatten(),  # (N, 8)
        nn.Linear(8, 2, generator=generator),
    )


def test_tiny_cnn_loss_falls_and_it_learns_edge_orientation():
    rng = np.random.default_rng(0)
    tg.manual_seed(0)
    images, labels = edge_images(256, 8, rng)
    model = tiny_cnn(np.random.default_rng(1))
    optimizer = optim.Adam(model.parameters(), lr=0.03)
    x, y = Tensor(images), Tensor(labels)
    losses = []
    for _ in range(60):
        optimizer.zero_grad()
        loss = cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], losses[::10]
    test_images, test_labels = edge_images(128, 8, np.random.default_rng(2))
    model.eval()
    with tg.no_grad():
        predicted = model(Tensor(test_images)).argmax(1).numpy()
    assert (predicted == test_labels).mean() > 0.9
