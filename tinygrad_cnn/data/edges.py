"""Edge detection as regression: synthetic images of shapes and their Sobel edge maps.

Each image is black with one to ``max_shapes`` shapes painted over each other at random grey levels in
[0.3, 1]: axis-aligned rectangles, discs and straight lines (one to two pixels thick, any angle), so the
edges take every orientation. The target is the image's Sobel response, computed by the engine's own
convolution (:func:`tinygrad_cnn.functional.conv2d`, zero padding 1, so maps keep the image's size): a single
3x3 convolution can fit it exactly, and training one recovers the Sobel kernel.

Examples:
    >>> images = make_shapes(4, size=12, seed=0)
    >>> images.shape, images.dtype, float(images.min()) >= 0.0, float(images.max()) <= 1.0
    ((4, 1, 12, 12), dtype('float32'), True, True)
    >>> sobel_edges(images, direction="xy").shape
    (4, 2, 12, 12)
    >>> splits = load_edges(seed=0, size=16)
    >>> splits.train.x.shape, splits.train.y.shape, splits.train.y.dtype
    ((512, 1, 16, 16), (512, 1, 16, 16), dtype('float32'))
"""

from __future__ import annotations

import numpy as np

# The Sobel kernel lives in the tour for now; this is the one place the data band imports it from.
from ..conv.kernels import SOBEL_X, SOBEL_Y
from ..engine.autograd import no_grad
from ..engine.tensor import Tensor
from ..nn import functional as F
from .dataset import Dataset, Splits

__all__ = ["SHAPES", "sobel_kernels", "make_shapes", "sobel_edges", "load_edges"]

SHAPES = ("rectangle", "disc", "line")
DIRECTIONS = ("x", "y", "xy")
MIN_SIZE = 4


def sobel_kernels(direction: str = "x") -> np.ndarray:
    """The Sobel kernels as conv2d weights ``(C_out, 1, 3, 3)``: ``x`` responds to vertical edges, ``y``
    (its transpose) to horizontal ones, ``xy`` gives both channels."""
    if direction not in DIRECTIONS:
        raise ValueError(f"sobel_kernels: direction must be one of {DIRECTIONS}, got {direction!r}")
    kernels = {"x": SOBEL_X, "y": SOBEL_Y}
    return np.stack([kernels[d] for d in direction])[:, None].astype(np.float64)  # (C, 3, 3) -> (C, 1, 3, 3)


def _check_count(function: str, name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{function}: {name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _shape_mask(kind: str, rng: np.random.Generator, rows: np.ndarray, cols: np.ndarray, size: int) -> np.ndarray:
    """A boolean ``(size, size)`` mask of one random shape of ``kind``."""
    if kind == "rectangle":
        top, left = rng.integers(0, size - 2, 2)
        height, width = rng.integers(2, size - np.array([top, left]) + 1)
        return (rows >= top) & (rows < top + height) & (cols >= left) & (cols < left + width)
    if kind == "disc":
        centre = rng.uniform(0, size - 1, 2)
        radius = rng.uniform(1.5, max(1.5, size / 3))
        return (rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 <= radius**2
    start, end = rng.uniform(0, size - 1, (2, 2))
    half_width = rng.uniform(0.5, 1.0)
    direction = end - start
    length2 = max(float(direction @ direction), 1e-12)
    # distance from each pixel centre to the segment start-end
    t = np.clip(((rows - start[0]) * direction[0] + (cols - start[1]) * direction[1]) / length2, 0.0, 1.0)
    return (rows - start[0] - t * direction[0]) ** 2 + (cols - start[1] - t * direction[1]) ** 2 <= half_width**2


def make_shapes(n: int, size: int = 16, seed: int = 0, *, max_shapes: int = 3) -> np.ndarray:
    """``n`` float32 images ``(n, 1, size, size)`` in [0, 1] of 1..``max_shapes`` random shapes each."""
    n = _check_count("make_shapes", "n", n, 0)
    size = _check_count("make_shapes", "size", size, MIN_SIZE)
    max_shapes = _check_count("make_shapes", "max_shapes", max_shapes, 1)
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float64)  # pixel centres, (size, size) each
    images = np.zeros((n, 1, size, size), dtype=np.float32)
    for image in images:
        for _ in range(rng.integers(1, max_shapes + 1)):
            kind = SHAPES[rng.integers(len(SHAPES))]
            mask = _shape_mask(kind, rng, rows, cols, size)
            image[0][mask] = rng.uniform(0.3, 1.0)
    return images


def sobel_edges(images: np.ndarray, direction: str = "x") -> np.ndarray:
    """The Sobel response of ``images`` ``(N, 1, H, W)``: float32 ``(N, C, H, W)`` with C = 1 (``x``, ``y``)
    or 2 (``xy``), by the engine's ``conv2d`` (cross-correlation, zero padding 1) in float64."""
    kernels = sobel_kernels(direction)
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[1] != 1 or images.dtype.kind not in "fiu":
        got = f"{images.dtype} {images.shape}"
        raise ValueError(f"sobel_edges: images must be numbers of shape (N, 1, H, W), got {got}")
    with no_grad():
        response = F.conv2d(Tensor(images, dtype=np.float64), Tensor(kernels, dtype=np.float64), padding=1)
    return response.numpy().astype(np.float32)


def load_edges(
    seed: int = 0,
    *,
    size: int = 16,
    n_train: int = 512,
    n_val: int = 128,
    n_test: int = 128,
    direction: str = "x",
    max_shapes: int = 3,
) -> Splits:
    """:class:`Splits` for edge regression: inputs from :func:`make_shapes` (one set of
    ``n_train + n_val + n_test`` images by ``seed``, cut in that order), targets from :func:`sobel_edges`."""
    counts = [_check_count("load_edges", name, value, 0) for name, value in
              (("n_train", n_train), ("n_val", n_val), ("n_test", n_test))]  # fmt: skip
    images = make_shapes(sum(counts), size, seed, max_shapes=max_shapes)
    targets = sobel_edges(images, direction)
    bounds = np.cumsum([0, *counts])
    name = f"edges-{direction}"
    return Splits(*(Dataset(images[a:b], targets[a:b], name) for a, b in zip(bounds[:-1], bounds[1:])))
