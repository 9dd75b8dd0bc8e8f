"""Edge data: images of shapes in [0, 1], and targets equal to a plain-loop Sobel cross-correlation."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_cnn.data import load_edges, make_shapes, sobel_edges, sobel_kernels

SOBEL = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])  # written out: the oracle's own copy


def sobel_loop(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Cross-correlation with zero padding 1, one output pixel at a time."""
    height, width = image.shape
    padded = np.zeros((height + 2, width + 2))
    padded[1:-1, 1:-1] = image
    out = np.zeros((height, width))
    for i in range(height):
        for j in range(width):
            out[i, j] = sum(kernel[a, b] * padded[i + a, j + b] for a in range(3) for b in range(3))
    return out


def test_images_are_float32_in_unit_range_and_never_empty():
    images = make_shapes(40, size=12, seed=1)
    assert images.shape == (40, 1, 12, 12) and images.dtype == np.float32
    assert images.min() == 0.0 and images.max() <= 1.0
    assert np.all(images.reshape(40, -1).max(axis=1) >= 0.3)  # every image has a shape painted on it
    assert len(np.unique(images)) > 20  # many grey levels


def test_images_are_fixed_by_the_seed():
    assert np.array_equal(make_shapes(5, seed=3), make_shapes(5, seed=3))
    assert not np.array_equal(make_shapes(5, seed=3), make_shapes(5, seed=4))


@pytest.mark.parametrize("direction", ["x", "y", "xy"])
def test_edges_equal_a_plain_loop_sobel(direction):
    images = make_shapes(3, size=9, seed=2)
    edges = sobel_edges(images, direction)
    assert edges.dtype == np.float32 and edges.shape == (3, len(direction), 9, 9)
    kernels = {"x": SOBEL, "y": SOBEL.T}
    for n in range(3):
        for channel, d in enumerate(direction):
            assert np.allclose(edges[n, channel], sobel_loop(images[n, 0].astype(np.float64), kernels[d]), atol=1e-6)


def test_a_vertical_step_lights_up_only_the_x_map():
    image = np.zeros((1, 1, 6, 6), np.float32)
    image[..., 3:] = 1.0
    edges = sobel_edges(image, "xy")
    assert np.all(edges[0, 0, 1:-1, 2:4] == -4.0) and np.all(edges[0, 1, 1:-1, 1:-1] == 0.0)
    assert np.array_equal(sobel_kernels("y")[0, 0], SOBEL.T)


def test_load_edges_splits_and_targets():
    splits = load_edges(seed=0, size=10, n_train=6, n_val=2, n_test=3, direction="xy")
    assert [len(p) for p in (splits.train, splits.val, splits.test)] == [6, 2, 3]
    assert splits.train.x.shape == (6, 1, 10, 10) and splits.train.y.shape == (6, 2, 10, 10)
    assert splits.test.y.dtype == np.float32 and splits.train.name == "edges-xy"
    assert np.array_equal(splits.test.y, sobel_edges(splits.test.x, "xy"))
    assert np.array_equal(np.concatenate([splits.train.x, splits.val.x, splits.test.x]), make_shapes(11, 10, 0))


@pytest.mark.parametrize(("call", "message"), [
    (lambda: make_shapes(-1), "make_shapes: n must be an integer >= 0"),
    (lambda: make_shapes(2, size=3), "size must be an integer >= 4"),
    (lambda: make_shapes(2, max_shapes=0), "max_shapes must be an integer >= 1"),
    (lambda: sobel_edges(np.zeros((2, 3, 5, 5))), r"images must be numbers of shape \(N, 1, H, W\)"),
    (lambda: sobel_edges(np.zeros((2, 1, 5, 5)), "z"), "direction must be one of"),
    (lambda: load_edges(n_train=2.5), "n_train must be an integer"),
])  # fmt: skip
def test_bad_arguments_name_what_is_wrong(call, message):
    with pytest.raises(ValueError, match=message):
        call()
